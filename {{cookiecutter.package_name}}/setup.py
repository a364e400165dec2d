{%- set cc = cookiecutter | answers -%}
"""Packaging for {{ cookiecutter.package_name }}; the version lives in src/{{ cookiecutter.module_name }}/__init__.py."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
INIT = HERE / "src" / "{{ cookiecutter.module_name }}" / "__init__.py"
VERSION = re.search(r'^__version__ = "([^"]+)"$', INIT.read_text(encoding="utf-8"), re.MULTILINE).group(1)

setup(
    name="{{ cookiecutter.package_name }}",
    version=VERSION,
    description={{ cc.description | pystr }},
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    author={{ cookiecutter.author_name | pystr }},
    author_email="{{ cookiecutter.author_email }}",
    url="{{ cookiecutter.repository_url }}",
    license="{{ cookiecutter.license }}",
    license_files=["LICENSE"],
    python_requires=">={{ cc.python_floor }}",
    install_requires=[
        # 3.2 is the first Airflow to read the connection form from get_provider_info()
        # and to offer CronDataIntervalTimetable in airflow.sdk.
        "apache-airflow>=3.2",
        "asgiref>=3.3.2",  # sync_to_async(thread_sensitive=False, executor=...), for the trigger
        "pandas>=2.2",
        # Airflow depends on it too; it reads bodies and writes JSON Lines.
        "msgspec>=0.19",
        "pyarrow>=15",
        "requests>=2.32",
        # 2.6 is the first to cap what one read of a compressed body inflates to, which the
        # max_response_mb cap relies on against a decompression bomb.
        "urllib3>=2.6",
    ],
    extras_require={
        "dev": [
            "build>=1.2",
            # A real S3 API on loopback (moto_server) and fsspec's S3 filesystem, for the tests of
            # what a failed or killed write leaves in object storage. s3fs pins the fsspec it
            # matches; pip picks the release that matches the one Airflow installs.
            "moto[server]>=5.1",
            "pre-commit>=4.0",
            "pytest>=8.0",
            "ruff>=0.8",
            "s3fs>=2024.6",
            "twine>=6.0",
        ],
    },
    packages=find_packages("src"),
    package_dir={"": "src"},
    package_data={"{{ cookiecutter.module_name }}": ["py.typed"]},
    entry_points={
        "apache_airflow_provider": ["provider_info = {{ cookiecutter.module_name }}:get_provider_info"],
    },
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Environment :: Plugins",
        "Framework :: Apache Airflow",
        "Framework :: Apache Airflow :: Provider",
        "Intended Audience :: Developers",
        "Programming Language :: Python :: 3",
{%- for minor in range(cc.python_floor.split('.')[1] | int, 15) %}
        "Programming Language :: Python :: 3.{{ minor }}",
{%- endfor %}
        "Typing :: Typed",
    ],
    project_urls={
        "Source": "{{ cookiecutter.repository_url }}",
        "Changelog": "{{ cookiecutter.repository_url }}/blob/main/CHANGELOG.md",
    },
)
