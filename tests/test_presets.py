"""Presets: one answer sets the paging defaults of a framework; answers given by name still win.

test_interactive.py drives the cookiecutter command in a terminal, where the preset also decides
which questions are asked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_extensions import PRESETS, preset_answer

PAGINATORS = {
    "offset": "paginators.Offset(",
    "page": "paginators.PageNumber(",
    "cursor": "paginators.Cursor(",
    "next_url": "paginators.NextUrl(",
    "link_header": "paginators.LinkHeader(",
}
PARAMS = {
    "offset": ["offset_param", "limit_param", "total_key"],
    "page": ["page_param", "limit_param", "total_key", "total_pages_key"],
    "next_url": ["next_url_key", "limit_param"],
    "link_header": ["limit_param"],
}


def api_of(project: Path) -> str:
    return next(project.rglob("api.py")).read_text()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_a_preset_bakes_its_frameworks_paging(cookies, name):
    result = cookies.bake(extra_context={"api_preset": name})
    assert result.exit_code == 0, result.exception
    api = api_of(result.project_path)

    def answer(question):
        return preset_answer(name, question)

    pagination = answer("pagination")
    assert f"paginator={PAGINATORS[pagination]}" in api
    for question in PARAMS[pagination]:
        assert f"{question}={json.dumps(answer(question))}," in api or (
            f"{question}={json.dumps(answer(question))})" in api
        ), question
    assert f"records_key={json.dumps(answer('records_key'))}," in api
    if answer("total_header"):
        assert f'total_header="{answer("total_header")}",' in api
    else:
        assert "        total_header=" not in api
    assert (f"max_page_size={answer('max_page_size')}," in api) == (answer("max_page_size") != "1000")
    assert ("auth=auth.Bearer()" in api) == (answer("auth_type") == "bearer")
    recorded = json.loads((result.project_path / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert recorded["api_preset"] == name
    assert recorded["pagination"] == pagination


def test_the_default_preset_is_movielens_and_bakes_what_custom_bakes(cookies_session):
    default = cookies_session.bake(extra_context={})
    custom = cookies_session.bake(extra_context={"api_preset": "custom"})

    assert api_of(default.project_path) == api_of(custom.project_path)
    assert (
        json.loads((default.project_path / ".cruft.json").read_text())["context"]["cookiecutter"][
            "api_preset"
        ]
        == "movielens"
    )


def test_an_answer_given_by_name_overrides_the_presets_default(cookies):
    result = cookies.bake(
        extra_context={
            "api_preset": "json-server",
            "limit_param": "per_page",
            "window_end": "exclusive",
            "extra_params": "",
            "max_page_size": "50",
        }
    )
    api = api_of(result.project_path)

    assert 'paginator=paginators.LinkHeader(\n        limit_param="per_page",' in api
    assert "        window_end=" not in api
    assert "    extra_params=" not in api
    assert "max_page_size=50," in api
    # What was not given still comes from the preset.
    assert 'start_param="timestamp_gte",' in api
    assert 'total_header="X-Total-Count",' in api
