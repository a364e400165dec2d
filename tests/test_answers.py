"""Answers the template refuses, and free text it must carry into the baked files unchanged."""

from __future__ import annotations

import ast

import pytest
from conftest import assert_baked_files_parse, provider_info, setup_keywords
from cookiecutter.exceptions import FailedHookException


def files_left_in(folder):
    """Whatever a bake left under ``folder`` (pytest-cookies bakes into folder/bakeNN)."""
    return [path for path in folder.rglob("*") if path.is_file()]


BAD_ANSWERS = [
    ("provider_name", "", "give a non-empty text"),
    ("provider_name", 'Movie"Lens', "use letters, digits, spaces"),
    ("provider_name", "Movie\\Lens", "use letters, digits, spaces"),
    ("provider_name", "Movie\nLens", "on one line"),
    ("records_name", "Ratings", "lowercase words of letters and digits"),
    ("records_name", "order-lines", "lowercase words of letters and digits"),
    ("records_name", "order__lines", "lowercase words of letters and digits"),
    ("records_name", "class", "lowercase words of letters and digits"),
    ("records_name", "r" * 17, "at most 16 characters"),
    ("records_name", "filter", "not a Python builtin"),
    ("item_name", "", "lowercase words of letters and digits"),
    ("item_name", "movie title", "lowercase words of letters and digits"),
    ("package_name", "Airflow_MovieLens", "lowercase letters and digits"),
    ("package_name", "airflow movielens", "lowercase letters and digits"),
    ("package_name", "-airflow", "lowercase letters and digits"),
    ("package_name", "airflow--movielens", "single hyphens"),
    ("module_name", "airflow-movielens", "lowercase letters, digits and underscores"),
    ("module_name", "1movielens", "lowercase letters, digits and underscores"),
    ("module_name", "class", "does not shadow"),
    ("module_name", "json", "does not shadow"),
    ("module_name", "airflow", "does not shadow"),
    ("class_prefix", "movielens", "starting with a capital letter"),
    ("class_prefix", "Movie Lens", "starting with a capital letter"),
    ("class_prefix", "Movie$", "starting with a capital letter"),
    ("class_prefix", "A" * 25, "at most 24 characters"),
    ("module_name", "a" * 33, "at most 32 characters"),
    ("description", "   ", "give a non-empty text"),
    ("description", "line one\nline two", "on one line"),
    ("author_name", "Ada\tLovelace", "on one line"),
    ("author_email", "ada.example.com", "an address like"),
    ("author_email", 'ada"@example.com', "an address like"),
    ("repository_url", "github.com/ada/x", "http:// or https:// URL"),
    ("repository_url", "https://github.com/ada/x y", "no spaces, quotes or backslashes"),
    ("version", "1.0-beta", "PEP 440"),
    ("version", "v1.0.0", "PEP 440"),
    ("version", "", "PEP 440"),
    ("api_base_url", "ftp://example.com", "http:// or https:// URL"),
    ("api_base_url", "http://", "http:// or https:// URL"),
    ("api_base_url", "http://example.com:99999", "port from 1 to 65535"),
    ("api_base_url", "http://user:secret@example.com", "leave credentials out of the URL"),
    ("api_base_url", "http://example.com/v1?key=1", "no query string"),
    ("api_endpoint", "ratings", "starting with /"),
    ("api_endpoint", "/ratings?x=1", "starting with /"),
    ("api_endpoint", '/rat"ings', "starting with /"),
    ("connection_id", "Movielens Default", "lowercase letters, digits and underscores"),
    ("connection_id", "movielens-default", "lowercase letters, digits and underscores"),
    ("api_key_name", "X API Key", "give a header name", {"auth_type": "api_key"}),
    ("api_key_name", "auth[key]", "give a parameter name", {"auth_type": "api_key", "api_key_in": "query"}),
    ("records_key", "data..items", "a key such as result, total or meta.next"),
    ("records_key", "data items", "a key such as result, total or meta.next"),
    ("total_key", "meta.", "a key such as result, total or meta.next"),
    ("total_pages_key", "1pages", "a key such as result", {"pagination": "page", "total_key": ""}),
    ("next_cursor_key", "next-cursor", "a key such as result", {"pagination": "cursor"}),
    ("offset_param", "", "parameter name"),
    ("limit_param", "per page", "parameter name"),
    ("page_param", "page=1", "parameter name", {"pagination": "page"}),
    ("cursor_param", "cur'sor", "parameter name", {"pagination": "cursor"}),
    ("start_param", "since&x", "parameter name"),
    ("end_param", "", "parameter name"),
    ("item_key", "movie.id", "record key"),
    ("item_key", "timestamp", "pick a key other than"),
    ("score_key", "avg_rating", "pick a key other than"),
    ("user_key", "", "record key"),
    ("score_key", "rating score", "record key"),
    ("version", "01.0", "PEP 440"),
    ("version", "1.0rc01", "PEP 440"),
    ("module_name", "pendulum", "does not shadow"),
    ("module_name", "sqlalchemy", "does not shadow"),
    ("api_base_url", "http://[::1]:8080", "not an IPv6 literal"),
    ("api_endpoint", "/v1/../ratings", "starting with /"),
    ("api_endpoint", "/a%zz", "starting with /"),
    ("api_endpoint", "/", "starting with /"),
    ("next_url_key", "links. next", "a body key without spaces", {"pagination": "next_url"}),
    ("next_url_key", "links..next", "a body key without spaces", {"pagination": "next_url"}),
    ("total_header", "X Total Count", "an HTTP header name"),
    ("total_header", "X-Total:Count", "an HTTP header name"),
    ("api_timezone", "Mars/Olympus", "an IANA time zone name"),
    ("api_timezone", "../etc/passwd", "an IANA time zone name"),
    ("api_timezone", "", "an IANA time zone name"),
    ("extra_params", "_page", "name=value pairs joined by &"),
    ("extra_params", "=1", "name=value pairs joined by &"),
    ("extra_params", "a=1&a=2", "each name given once"),
    ("extra_params", "a=1&&b=2", "name=value pairs joined by &"),
    ("extra_params", "q=a b", "values without spaces"),
    ("token_prefix", "Bear er", "an auth scheme word", {"auth_type": "bearer"}),
    ("token_prefix", "", "an auth scheme word", {"auth_type": "bearer"}),
    ("max_page_size", "0", "a whole number from 1 to 1000000"),
    ("max_page_size", "1000001", "a whole number from 1 to 1000000"),
    ("max_page_size", "ten", "a whole number from 1 to 1000000"),
    ("max_page_size", "-5", "a whole number from 1 to 1000000"),
    ("token_url", "oauth/token", "a path starting with /", {"auth_type": "oauth2_client_credentials"}),
    ("token_url", "/oauth/../token", "a path starting with /", {"auth_type": "oauth2_client_credentials"}),
    (
        "token_url",
        "ftp://auth.example.com/t",
        "http:// or https:// URL",
        {"auth_type": "oauth2_client_credentials"},
    ),
]


@pytest.mark.parametrize(
    ("question", "value", "allowed", "context"),
    [(*case, {})[:4] for case in BAD_ANSWERS],
    ids=[f"{case[0]}={case[1]!r}" for case in BAD_ANSWERS],
)
def test_bad_answer_is_refused_naming_question_value_and_rule(
    cookies, capfd, tmp_path, question, value, allowed, context
):
    result = cookies.bake(extra_context={**context, question: value})

    refusal = capfd.readouterr().err
    assert isinstance(result.exception, FailedHookException)
    assert f"{question}: {value!r} is not allowed" in refusal
    assert allowed in refusal
    assert files_left_in(tmp_path) == []


def test_every_problem_is_reported_at_once(cookies, capfd):
    cookies.bake(extra_context={"version": "one", "author_email": "nobody", "connection_id": "A B"})

    refusal = capfd.readouterr().err
    assert [line.split(":")[0].strip(" -") for line in refusal.splitlines()[1:]] == [
        "author_email",
        "version",
        "connection_id",
    ]


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("license", "GPL-3.0"),
        ("python_floor", "3.8"),
        ("api_preset", "spring"),
        ("pagination", "graphql"),
        ("window_end", "closed"),
        ("client_auth", "header"),
        ("auth_type", "oauth1"),
    ],
)
def test_a_choice_outside_its_list_is_refused_with_the_choices(cookies, tmp_path, question, value):
    result = cookies.bake(extra_context={question: value})

    assert result.exit_code != 0
    assert f"{value} provided for choice variable {question}" in str(result.exception)
    assert files_left_in(tmp_path) == []


HOSTILE_TEXTS = [
    "Says \"hello\" and 'bye'",
    'Ends with a quote"',
    "Triple quotes \"\"\" and ''' inside",
    "Back\\slash, \\n and \\u0041 and a trailing backslash\\",
    "Costs $5 or ${HOME} or $(rm -rf /) or `id`",
    "Hash # not a comment; colon: yes; - dash",
    "Ünïcödé — naïve café, 日本語, emoji 🚀",
    "{braces} and %(percent)s and [brackets] and <tags> & ampersands",
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=range(len(HOSTILE_TEXTS)))
def test_hostile_free_text_bakes_valid_files_that_carry_it_exactly(cookies, text):
    result = cookies.bake(extra_context={"description": text, "author_name": text})

    assert result.exit_code == 0, result.exception
    project = result.project_path
    assert_baked_files_parse(project)
    assert provider_info(project)["description"] == text
    keywords = setup_keywords(project)
    assert ast.literal_eval(keywords["description"]) == text
    assert ast.literal_eval(keywords["author"]) == text
    assert text in (project / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["O'Reilly Media", "Ünïcode Films", "Rotten Tomatoes (v2)", "AT&T Data"])
def test_provider_names_with_punctuation_bake_valid_python(cookies, name):
    result = cookies.bake(extra_context={"provider_name": name, "class_prefix": "Films"})

    assert result.exit_code == 0, result.exception
    for path in result.project_path.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


CONTRADICTIONS = {
    "bare-list-with-a-total": (
        {"records_key": "", "total_key": "total"},
        ("records_key", "total_key"),
        "a body that is a bare list has no total key",
    ),
    "bare-list-with-a-page-count": (
        {"pagination": "page", "records_key": "", "total_key": "", "total_pages_key": "pages"},
        ("records_key", "total_pages_key"),
        "a body that is a bare list has no page count",
    ),
    "records-and-total-under-one-key": (
        {"records_key": "result", "total_key": "result"},
        ("records_key", "total_key"),
        "one body key cannot hold the other",
    ),
    "total-inside-the-records-key": (
        {"records_key": "data", "total_key": "data.total"},
        ("records_key", "total_key"),
        "one body key cannot hold the other",
    ),
    "two-page-totals": (
        {"pagination": "page", "total_key": "total", "total_pages_key": "pages"},
        ("total_key", "total_pages_key"),
        "page pagination stops on one of them",
    ),
    "cursor-with-a-bare-list": (
        {"pagination": "cursor", "records_key": ""},
        ("pagination", "records_key"),
        "the next cursor lives in the body",
    ),
    "cursor-without-its-key": (
        {"pagination": "cursor", "next_cursor_key": ""},
        ("pagination", "next_cursor_key"),
        "needs the body key of the next cursor",
    ),
    "query-key-without-api-key-auth": (
        {"auth_type": "bearer", "api_key_in": "query"},
        ("auth_type", "api_key_in"),
        "only api_key auth sends a key in the query",
    ),
    "offset-and-limit-share-a-name": (
        {"offset_param": "n", "limit_param": "n"},
        ("limit_param", "offset_param"),
        "each parameter needs its own name",
    ),
    "window-bounds-share-a-name": (
        {"start_param": "day", "end_param": "day"},
        ("start_param", "end_param"),
        "each parameter needs its own name",
    ),
    "api-key-parameter-clashes-with-paging": (
        {"auth_type": "api_key", "api_key_in": "query", "api_key_name": "limit"},
        ("limit_param", "api_key_name"),
        "each parameter needs its own name",
    ),
    "next-url-with-a-bare-list": (
        {"pagination": "next_url", "records_key": ""},
        ("pagination", "records_key"),
        "the next URL lives in the body",
    ),
    "next-url-without-its-key": (
        {"pagination": "next_url", "next_url_key": ""},
        ("pagination", "next_url_key"),
        "needs the body key of the next URL",
    ),
    "next-url-key-inside-the-records-key": (
        {"pagination": "next_url", "records_key": "data", "next_url_key": "data.next"},
        ("records_key", "next_url_key"),
        "one body key cannot hold the other",
    ),
    "total-in-body-and-header": (
        {"total_key": "total", "total_header": "X-Total-Count"},
        ("total_key", "total_header"),
        "the total comes from the body or a header",
    ),
    "token-prefix-without-bearer-auth": (
        {"auth_type": "basic", "token_prefix": "Token"},
        ("auth_type", "token_prefix"),
        "only bearer auth sends a token prefix",
    ),
    "client-auth-without-oauth2": (
        {"auth_type": "bearer", "client_auth": "basic"},
        ("auth_type", "client_auth"),
        "only oauth2_client_credentials auth sends client credentials",
    ),
    "inclusive-end-without-a-window": (
        {"date_filter": "none", "window_end": "inclusive"},
        ("date_filter", "window_end"),
        "without a date filter there is no window",
    ),
    "time-zone-without-a-window": (
        {"date_filter": "none", "api_timezone": "Europe/Berlin"},
        ("date_filter", "api_timezone"),
        "without a date filter there is no window",
    ),
    "extra-param-overwrites-the-limit": (
        {"extra_params": "limit=5"},
        ("limit_param", "extra_params"),
        "extra parameter 'limit' would overwrite the one the client sets itself",
    ),
    "extra-param-overwrites-an-api-key": (
        {"auth_type": "api_key", "api_key_in": "query", "api_key_name": "key", "extra_params": "key=1"},
        ("api_key_name", "extra_params"),
        "extra parameter 'key' would overwrite",
    ),
    "extra-param-overwrites-the-window": (
        {"start_param": "since", "extra_params": "since=2020-01-01"},
        ("start_param", "extra_params"),
        "extra parameter 'since' would overwrite",
    ),
    "ranking-keys-repeat": (
        {"user_key": "id", "item_key": "id"},
        ("item_key", "user_key"),
        "three different record keys",
    ),
}


@pytest.mark.parametrize("case", CONTRADICTIONS)
def test_contradicting_answers_are_refused_naming_both_questions(cookies, capfd, tmp_path, case):
    answers, (first, second), why = CONTRADICTIONS[case]

    result = cookies.bake(extra_context=answers)

    refusal = capfd.readouterr().err
    assert isinstance(result.exception, FailedHookException)
    assert f"{first} {answers.get(first, 'limit')!r} and {second} {answers[second]!r}" in refusal
    assert why in refusal
    assert files_left_in(tmp_path) == []


@pytest.mark.parametrize(
    "answers",
    [
        {"pagination": "link_header", "records_key": "", "total_key": "total"},
        {"pagination": "cursor", "total_key": "", "offset_param": "cursor"},
        {"date_filter": "none", "start_param": "limit"},
        {"auth_type": "none", "api_key_name": ""},
        {"date_filter": "none", "start_param": "", "end_param": ""},
        {"pagination": "link_header", "offset_param": "", "total_key": "not a key"},
        {"records_key": "data.items", "total_key": "data.total"},
        {"pagination": "next_url", "next_url_key": "@odata.nextLink", "total_key": "not a key"},
        {"pagination": "next_url", "next_url_key": "links.next", "records_key": "data"},
        {"auth_type": "basic", "token_url": "not a url", "token_prefix": "Bearer"},
        {"date_filter": "none", "start_param": "limit", "window_end": "exclusive", "api_timezone": "UTC"},
        {"pagination": "cursor", "extra_params": "offset=0&format=json"},
        {"auth_type": "oauth2_client_credentials", "token_url": "https://auth.example.com/oauth/token"},
        {"max_page_size": "1000000", "window_end": "inclusive", "api_timezone": "America/New_York"},
    ],
    ids=[
        "link-ignores-total-key",
        "cursor-ignores-offset-param",
        "no-date-filter-ignores-date-params",
        "no-auth-ignores-api-key-name",
        "no-date-filter-ignores-empty-date-params",
        "link-ignores-offset-and-total",
        "sibling-keys-under-one-parent",
        "literal-odata-next-url-key",
        "dotted-next-url-key-beside-the-records",
        "basic-ignores-token-url",
        "no-date-filter-with-default-window-answers",
        "cursor-ignores-offset-in-extra-params",
        "absolute-token-url",
        "largest-page-inclusive-end-and-a-time-zone",
    ],
)
def test_answers_for_options_not_chosen_do_not_count_as_contradictions(cookies, answers):
    assert cookies.bake(extra_context=answers).exit_code == 0
