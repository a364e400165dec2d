{%- set cc = cookiecutter | answers -%}
{%- set P = cc.class_prefix -%}
"""
No form of the connection's credentials leaves in an exception or a log line, whatever the API echoes.

A careless or hostile API quotes back what it was sent: the ``Authorization`` header, the API
key, the whole URL with the key in its query, raw or URL-encoded, in a 401 or a 500 body, in
its status line's reason phrase, in a redirect's ``Location`` or a ``Link`` to the next page.
Every auth scheme is tried, whatever ``api.py`` chose; the last test runs a task the way an
Airflow worker does, supervisor and log masking included, and reads its log file.
"""

from __future__ import annotations

{% if cc.auth_type != "none" -%}
import asyncio
{% endif -%}
import base64
import dataclasses
import json
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from requests.utils import requote_uri

from {{ cc.module_name }}.api import API
from {{ cc.module_name }}.client import auth, paginators
from {{ cc.module_name }}.client.auth import NoAuth
from {{ cc.module_name }}.hooks import {{ P }}Hook
{%- if cc.auth_type != "none" %}
from {{ cc.module_name }}.triggers import {{ P }}{{ cc.__Records }}Trigger
{%- endif %}
from conftest import LOGIN, connection_fields, use_connection
from hostile_api import Answer, HostileAPI, Request

# A secret that every encoding changes: a space, a slash, a plus, an equals, an ampersand, a percent, a quote.
SECRET = 'hostile pa55/w+rd=&%"x'
AUTHS: dict[str, NoAuth] = {
    "basic": auth.Basic(),
    "bearer": auth.Bearer(),
    "api_key_header": auth.ApiKeyHeader("X-API-Key"),
    "api_key_query": auth.ApiKeyQuery("api_key"),
}
ENCODINGS: dict[str, Callable[[str], str]] = {
    "raw": str,
    "quote": lambda value: quote(value, safe=""),
    "quote_plus": quote_plus,
}
# Where a request carries a key: these schemes' defaults, and whatever ``api.py`` chose.
KEY_HEADERS = {"authorization", "x-api-key", getattr(API.auth, "header", "x-api-key").lower()}
KEY_PARAMETERS = {"api_key", getattr(API.auth, "parameter", "api_key")}
QUICK: dict[str, object] = {"max_retries": 1, "backoff_factor": 0.01, "backoff_max": 0.05}


def forms_of(secret: str) -> dict[str, str]:
    """
    What must never be seen: the secret and its basic-auth token, raw, URL-encoded (as a query value,
    as a form value, and as requests and urllib3 re-quote a URL they follow) and JSON-escaped.
    """
    token = base64.b64encode(f"{LOGIN}:{secret}".encode()).decode()
    forms = {}
    for name, value in (("secret", secret), ("base64(login:secret)", token)):
        forms[name] = value
        forms[f"quote({name})"] = quote(value, safe="")
        forms[f"quote_plus({name})"] = quote_plus(value)
        forms[f"requoted({name})"] = requote_uri(value)
        forms[f"urllib3-quoted({name})"] = quote(value, safe="!$&'()*+,;=:@/?~")
        forms[f"json({name})"] = json.dumps(value)[1:-1]
    return forms


def leaked(text: str, secret: str = SECRET) -> list[str]:
    """The names of the forms of ``secret`` that ``text`` holds."""
    return [name for name, form in forms_of(secret).items() if form in text]


def credentials_in(request: Request) -> list[str]:
    """What a request carried that an API could echo: auth headers (and basic auth decoded), the key, the URL."""
    seen = [request.headers.get(name, "") for name in sorted(KEY_HEADERS)]
    basic = request.headers.get("authorization", "")
    if basic.startswith("Basic "):
        seen.append(base64.b64decode(basic.removeprefix("Basic ")).decode())
    keys = [request.query[name] for name in sorted(KEY_PARAMETERS) if name in request.query]
    if keys:
        seen += [*keys, request.target]
    return [value for value in seen if value]


def echo(request: Request, encode: Callable[[str], str]) -> str:
    return " ".join(encode(value) for value in credentials_in(request))


# Where the API puts what it echoes; each a script for the hostile server, for one encoding.
def in_a_401_body(encode: Callable[[str], str]) -> Callable[[Request], Answer]:
    return lambda request: Answer.of(401, {"Content-Type": "text/plain"}, echo(request, encode).encode())


def in_a_500_json_body(encode: Callable[[str], str]) -> Callable[[Request], Answer]:
    return lambda request: Answer.json({"error": echo(request, encode)}, status=500)


def in_the_reason_phrase(encode: Callable[[str], str]) -> Callable[[Request], Answer]:
    return lambda request: Answer.of(403, body=b"{}", reason=f"Forbidden {echo(request, encode)}")


def in_a_location(encode: Callable[[str], str]) -> Callable[[Request], Answer]:
    def script(request: Request) -> Answer:
        if request.path == "/moved":
            return Answer.of(401, body=b"{}")
        return Answer.redirect(f"/moved?from={echo(request, encode)}")

    return script


def in_a_link(encode: Callable[[str], str]) -> Callable[[Request], Answer]:
    def script(request: Request) -> Answer:
        if request.path == "/next":
            return Answer.of(401, body=b"{}")
        link = f'</next?from={echo(request, encode)}>; rel="next"'
        return Answer.json([{"{{ cc.item_key }}": 1}], headers={"Link": link})

    return script


PLACES = {
    "401-body": in_a_401_body,
    "500-json-body": in_a_500_json_body,
    "reason-phrase": in_the_reason_phrase,
    "location": in_a_location,
    "link": in_a_link,
}


def api_for(scheme: NoAuth, place: str):
    if place == "link":
        return dataclasses.replace(API, auth=scheme, paginator=paginators.LinkHeader(), records_key="")
    return dataclasses.replace(API, auth=scheme)


def everything_said(error: BaseException) -> str:
    """An exception's text, its repr and its whole traceback, chained exceptions included."""
    return "\n".join([str(error), repr(error), *traceback.format_exception(error)])


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("scheme", list(AUTHS))
def test_no_form_of_the_credential_is_in_the_error_or_the_hooks_log_whatever_the_api_echoes(
    scheme, place, encoding, monkeypatch, caplog, capsys
):
    caplog.set_level(logging.INFO)
    with HostileAPI(PLACES[place](ENCODINGS[encoding])) as server:
        use_connection(monkeypatch, connection_fields(server.port, secret=SECRET, **QUICK))
        hook = {{ P }}Hook(api=api_for(AUTHS[scheme], place))
        with hook, pytest.raises(Exception) as failure:
            list(hook.get_{{ cc.__records }}(None, None))
        _, message = hook.test_connection()

    # The API did see the credential, and did echo it: the test is not vacuous.
    assert any(credentials_in(request) for request in server.requests)
    ours = [record.getMessage() for record in caplog.records if not record.name.startswith("urllib3")]
    captured = capsys.readouterr()
    for text in (everything_said(failure.value), message, *ours, captured.out):
        assert leaked(text) == [], text


{%- if cc.auth_type != "none" %}


def test_the_triggers_error_event_holds_no_form_of_the_credential(monkeypatch):
    with HostileAPI(in_a_401_body(ENCODINGS["quote"])) as server:
        use_connection(monkeypatch, connection_fields(server.port, secret=SECRET, **QUICK))
        trigger = {{ P }}{{ cc.__Records }}Trigger(poke_interval=0)

        async def first_event():
            return await anext(trigger.run())

        event = asyncio.run(asyncio.wait_for(first_event(), timeout=30))

    assert any(credentials_in(request) for request in server.requests)
    assert event.payload["status"] == "error"
    assert "401" in event.payload["message"]
    assert leaked(event.payload["message"]) == []
{%- endif %}


# The task of the real-worker test: every auth scheme, each against its own hostile server,
# each failing after urllib3 has retried a broken connection (and logged the URL, key included).
DAG_FILE = """
import dataclasses
import logging

import pendulum
from airflow.sdk import DAG, task

from {{ cc.module_name }}.api import API
from {{ cc.module_name }}.client import auth
from {{ cc.module_name }}.hooks import {{ P }}Hook

AUTHS = {
    "basic": auth.Basic(),
    "bearer": auth.Bearer(),
    "api_key_header": auth.ApiKeyHeader("X-API-Key"),
    "api_key_query": auth.ApiKeyQuery("api_key"),
}
log = logging.getLogger("hostile_secrets")

with DAG(dag_id="hostile_secrets", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")):

    @task(retries=0)
    def ask_every_scheme():
        errors = []
        for name, scheme in AUTHS.items():
            api = dataclasses.replace(API, auth=scheme)
            with {{ P }}Hook(f"hostile_{name}", api=api, max_retries=1, backoff_factor=0.01) as hook:
                try:
                    hook.first_{{ cc.__record }}()
                except Exception as error:
                    log.exception("%s was refused: %s", name, error)
                    errors.append(error)
        raise errors[-1]

    ask_every_scheme()
"""


def hostile_server_for_a_worker() -> HostileAPI:
    """A server whose first answer is a dropped connection, then a 401 that echoes everything it can."""
    answered: list[Request] = []

    def script(request: Request) -> Answer:
        answered.append(request)
        if len(answered) == 1:
            return Answer([])  # closed without a word: urllib3 logs "Retrying ... <url>"
        return Answer.of(
            401,
            {"Content-Type": "text/plain"},
            echo(request, ENCODINGS["quote"]).encode(),
            reason=f"Denied {echo(request, str)} {echo(request, quote_plus)}",
        )

    return HostileAPI(script)


def test_under_an_airflow_worker_no_form_of_any_credential_reaches_the_task_log(airflow_db, tmp_path):
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "hostile_secrets.py").write_text(DAG_FILE)
    secrets = {name: f"{name}-{SECRET}" for name in AUTHS}
    servers = {name: hostile_server_for_a_worker() for name in AUTHS}
    env = {
        **os.environ,
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(tmp_path / "logs"),
        # The supervisor notices the task's exit at its next heartbeat check: every second, not five.
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
        **{
            f"AIRFLOW_CONN_HOSTILE_{name.upper()}": json.dumps(
                connection_fields(servers[name].port, secret=secrets[name])
            )
            for name in AUTHS
        },
    }
    for server in servers.values():
        server.__enter__()
    try:
        script = Path(__file__).with_name("real_task_run.py")
        task = ["hostile_secrets.py", "hostile_secrets", "ask_every_scheme"]
        ran = subprocess.run(  # noqa: S603 - this interpreter, this directory's script, our arguments
            [sys.executable, str(script), str(dags), *task],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        for server in servers.values():
            server.__exit__(None, None, None)
    results = [line for line in ran.stdout.splitlines() if line.startswith("RESULT ")]
    assert results, ran.stdout[-3000:] + ran.stderr[-3000:]
    result = json.loads(results[-1].removeprefix("RESULT "))
    log_text = Path(result["log_file"]).read_text()
    # Each line is a JSON event: read the strings as the log viewer shows them, escapes undone.
    shown = "\n".join(json.dumps(json.loads(line), ensure_ascii=False) for line in log_text.splitlines())
    events = [json.loads(line) for line in log_text.splitlines()]
    shown_strings = "\n".join(_strings(event) for event in events)
    retried = [_strings(event) for event in events if event.get("logger") == "urllib3.connectionpool"]

    assert result["state"] == "failed"
    for name, server in servers.items():
        # Each scheme's credential went out, twice, and came back in every form the server could.
        assert len(server.requests) == 2, name
        assert all(credentials_in(request) for request in server.requests), name
        assert f"{name} was refused: " in shown_strings
    # urllib3's own warning names the URL it retried, API key included: Airflow's masker blanks it,
    # as the hook registered every form of the key before the first request.
    assert any("Retrying" in text and "api_key=***" in text for text in retried), retried
    for secret in secrets.values():
        for text in (log_text, shown, shown_strings, json.dumps(result["rendered_fields"])):
            assert leaked(text, secret) == [], [line for line in text.splitlines() if leaked(line, secret)]


def _strings(value: object) -> str:
    """Every string in a decoded JSON value, one per line."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(_strings(item) for pair in value.items() for item in pair)
    if isinstance(value, list):
        return "\n".join(_strings(item) for item in value)
    return ""
