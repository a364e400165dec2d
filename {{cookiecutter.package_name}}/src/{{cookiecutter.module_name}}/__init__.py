"""Apache Airflow provider for the {{ cookiecutter.provider_name }} {{ cookiecutter.__records }} API."""

from __future__ import annotations

__version__ = "{{ (cookiecutter | answers).version }}"

PACKAGE_NAME = "{{ cookiecutter.package_name }}"
CONN_TYPE = "{{ cookiecutter.__conn_type }}"
INTEGRATION_NAME = {{ cookiecutter.provider_name | pystr }}


def get_provider_info() -> dict:
    """Describe this provider to Airflow (entry point ``apache_airflow_provider``).

    Airflow reads this without importing the hook, so it must stay cheap: it imports
    ``api.py`` (plain Python) for the connection form, and neither Airflow nor the
    modules listed here.
    """
    from {{ cookiecutter.module_name }}.api import API

    return {
        "package-name": PACKAGE_NAME,
        "name": INTEGRATION_NAME,
        "description": {{ (cookiecutter | answers).description | pystr }},
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": INTEGRATION_NAME,
                "external-doc-url": {{ cookiecutter.repository_url | pystr }},
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": INTEGRATION_NAME,
                "python-modules": ["{{ cookiecutter.module_name }}.hooks"],
            },
        ],
        "operators": [
            {
                "integration-name": INTEGRATION_NAME,
                "python-modules": ["{{ cookiecutter.module_name }}.operators"],
            },
        ],
        "sensors": [
            {
                "integration-name": INTEGRATION_NAME,
                "python-modules": ["{{ cookiecutter.module_name }}.sensors"],
            },
        ],
        "triggers": [
            {
                "integration-name": INTEGRATION_NAME,
                "python-modules": ["{{ cookiecutter.module_name }}.triggers"],
            },
        ],
        "connection-types": [
            {
                "connection-type": CONN_TYPE,
                "hook-class-name": "{{ cookiecutter.module_name }}.hooks.{{ cookiecutter.class_prefix }}Hook",
                "hook-name": INTEGRATION_NAME,
                # The connection form, declared as data (Airflow 3.2+): extra fields first,
                # then which built-in fields to hide, relabel and prefill with hints.
                "conn-fields": {
                    "connect_timeout": {
                        "label": "Connect timeout (seconds)",
                        "schema": {"type": ["number", "null"], "default": 10},
                    },
                    "read_timeout": {
                        "label": "Read timeout (seconds)",
                        "schema": {"type": ["number", "null"], "default": 60},
                    },
                    "max_retries": {
                        "label": "Retries per request",
                        "schema": {"type": ["integer", "null"], "default": 5},
                        "description": "Retries on 429, 5xx, connection errors and broken bodies.",
                    },
                    "backoff_factor": {
                        "label": "Backoff factor (seconds)",
                        "schema": {"type": ["number", "null"], "default": 0.5},
                        "description": "The first retry is immediate, then waits grow as factor x 2^(retry - 1).",
                    },
                    "backoff_max": {
                        "label": "Longest wait between retries (seconds)",
                        "schema": {"type": ["number", "null"], "default": 60},
                        "description": "Also caps the wait a Retry-After header asks for.",
                    },
                    "retry_deadline": {
                        "label": "Retry deadline (seconds)",
                        "schema": {"type": ["number", "null"], "default": 300},
                        "description": "How long one request may keep failing before the task fails.",
                    },
                    "response_timeout": {
                        "label": "Response timeout (seconds)",
                        "schema": {"type": ["number", "null"], "default": 300},
                        "description": "How long one answer may take in all, headers and body; not retried.",
                    },
                    "verify": {
                        "label": "TLS verification",
                        "schema": {"type": ["string", "boolean", "null"], "default": True},
                        "description": "true, false, or the path of a CA bundle file.",
                    },
                    "max_in_flight": {
                        "label": "Requests at once",
                        "schema": {
                            "type": ["string", "null"],
                            "default": "1",
                            "pattern": "^ *([1-9]|[12][0-9]|3[0-2]|auto) *$",
                        },
                        "description": "1 to 32 pages fetched at once, written in order; auto adapts to the API's rate limits.",
                    },
                    "max_requests_per_second": {
                        "label": "Most requests a second",
                        "schema": {"type": ["number", "null"], "exclusiveMinimum": 0},
                        "description": "Never more requests than this in any second, retries included; empty for no limit.",
                    },
                    "max_response_mb": {
                        "label": "Largest response (MiB)",
                        "schema": {"type": ["integer", "null"], "default": 256, "minimum": 1},
                        "description": "A body larger than this once decompressed fails the task.",
                    },
                    "max_pages": {
                        "label": "Most pages per window",
                        "schema": {"type": ["integer", "null"], "default": 1000000, "minimum": 1},
                        "description": "A run fails rather than read more pages than this (1,000,000).",
                    },
                    **API.auth.form_fields(),
                },
                "ui-field-behaviour": {
                    **API.auth.form,
                    "placeholders": {
                        "host": API.default_host,
                        "port": str(API.default_port or ""),
                        "schema": API.default_scheme,
                    },
                },
            }
        ],
    }
