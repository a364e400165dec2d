"""
OAuth 2 client credentials against the local API's own token endpoint, over loopback.

The connection's login and password are the client id and secret; the hook trades them for
an access token once, reuses it across pages and threads, fetches a new one shortly before
it expires or once after a 401, and never shows the secret or a token in a log or an error.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from {{ cookiecutter.module_name }}.client import RestApi, auth, paginators
from {{ cookiecutter.module_name }}.client.errors import APIError
from {{ cookiecutter.module_name }}.hooks import {{ cookiecutter.class_prefix }}Hook
from {{ cookiecutter.module_name }}.testing.local_api import Fault, LocalAPI, Records
from conftest import LOGIN, SECRET, connection_fields, use_connection
from hostile_api import Answer, HostileAPI

ENDPOINT = "/records"
# 30 records, 10 a page with max_in_flight: every page after the first can be asked for at once.
RECORDS = Records([(1767225600 + n, 1 + n % 7, 1 + n % 5, 0.5 + (n % 10) / 2) for n in range(30)])


def oauth_api(client_auth: str = "body", issuer: str = "/oauth/token") -> RestApi:
    return RestApi(
        base_url="http://localhost:5000",
        endpoint=ENDPOINT,
        paginator=paginators.Offset(total_key="total"),
        auth=auth.OAuth2ClientCredentials(issuer, client_auth=client_auth),
        records_key="result",
    )


def in_turn(*answers: Answer) -> Any:
    """A script that answers each request with the next of ``answers``, then 404s."""
    pending = list(answers)
    return lambda request: pending.pop(0) if pending else Answer.json({"error": "no more"}, 404)


def fetch(monkeypatch, server: Any, api: RestApi, batch_size: int = 10, **extra: Any) -> list[Any]:
    """Every record the hook yields from ``server``, with ``extra`` connection settings."""
    use_connection(monkeypatch, connection_fields(server.port, backoff_factor=0.01, **extra))
    with {{ cookiecutter.class_prefix }}Hook(api=api) as hook:
        return list(hook.get_{{ cookiecutter.__records }}(batch_size=batch_size))


@pytest.mark.parametrize("client_auth", ["body", "basic"])
def test_one_token_serves_every_page(monkeypatch, client_auth):
    api = oauth_api(client_auth)
    with LocalAPI(RECORDS, api=api, login=LOGIN, password=SECRET) as server:
        records = fetch(monkeypatch, server, api)

    assert len(records) == 30
    assert len(server.token_requests) == 1
    (form,) = server.token_requests
    assert form["grant_type"] == "client_credentials"
    if client_auth == "body":
        assert (form["client_id"], form["client_secret"]) == (LOGIN, SECRET)
    else:
        assert "client_secret" not in form and "client_id" not in form


def test_the_scope_comes_from_the_connection_extra(monkeypatch):
    api = oauth_api()
    with LocalAPI(RECORDS, api=api, login=LOGIN, password=SECRET, scope="ratings:read") as server:
        assert len(fetch(monkeypatch, server, api, scope="ratings:read")) == 30
        with pytest.raises(APIError, match=r"HTTP 400 .*invalid_scope"):
            fetch(monkeypatch, server, api, scope="everything")


def test_a_wrong_secret_names_the_token_endpoint_and_the_oauth_error(monkeypatch):
    api = oauth_api()
    refused = r"POST http://127\.0\.0\.1:\d+/oauth/token \(token_url\) returned HTTP 401 .*invalid_client"
    with (
        LocalAPI(RECORDS, api=api, login=LOGIN, password="another-secret") as server,
        pytest.raises(APIError, match=refused) as error,
    ):
        fetch(monkeypatch, server, api)
    assert SECRET not in str(error.value)
    assert server.requests == []  # no request went to the API without a token


def test_a_token_about_to_expire_is_fetched_again(monkeypatch):
    api = oauth_api()
    # Ten pages of 3, each taking 0.05 s; tokens live 0.2 s and are renewed 0.02 s early.
    with LocalAPI(RECORDS, api=api, login=LOGIN, password=SECRET, token_lifetime=0.2, latency=0.05) as server:
        records = fetch(monkeypatch, server, api, batch_size=3)

    assert len(records) == 30
    assert 2 <= len(server.token_requests) < 10


def test_a_401_fetches_one_new_token_and_sends_the_request_again(monkeypatch, capsys):
    api = oauth_api()
    with LocalAPI(RECORDS, api=api, login=LOGIN, password=SECRET) as server:
        use_connection(monkeypatch, connection_fields(server.port, backoff_factor=0.01))
        with {{ cookiecutter.class_prefix }}Hook(api=api) as hook:
            pages = hook.get_{{ cookiecutter.__record }}_pages(batch_size=10)
            first = next(pages)
            server.revoke_tokens()  # as an API does when a token is revoked before it expires
            rest = [record for page in pages for record in page]

    assert len(first) + len(rest) == 30
    assert len(server.token_requests) == 2
    assert "fetching a new access token" in capsys.readouterr().out  # the task log


def test_a_second_401_is_an_error_not_a_loop(monkeypatch):
    api = oauth_api()
    with LocalAPI(RECORDS, api=api, login=LOGIN, password=SECRET) as server:
        server.add_faults(Fault(status=401), Fault(status=401))
        with pytest.raises(APIError, match="HTTP 401") as error:
            fetch(monkeypatch, server, api)

    # The token, the page, a new token, the page again: then it stops.
    assert (len(server.token_requests), len(server.requests)) == (2, 2)
    for token in server.tokens:
        assert token not in str(error.value)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"token_type": "Bearer"}, "sent no access_token"),
        ({"error": "temporarily_unavailable"}, r"no access_token \(temporarily_unavailable\)"),
        ({"access_token": "abc", "token_type": "mac"}, "of type 'mac'"),
        ({"access_token": "abc", "expires_in": "soon"}, "expires_in 'soon'"),
        (["not", "an", "object"], "sent no JSON object"),
    ],
)
def test_an_answer_that_is_not_a_token_is_a_clear_error(monkeypatch, answer, message):
    with (
        HostileAPI(in_turn(), tokens=in_turn(Answer.json(answer))) as server,
        pytest.raises(APIError, match=message),
    ):
        fetch(monkeypatch, server, oauth_api())
    assert (len(server.posts), len(server.requests)) == (1, 0)


def test_a_token_endpoint_that_redirects_is_refused(monkeypatch):
    redirected = r"\(token_url\) redirected \(HTTP 302\)"
    steal = in_turn(Answer.redirect("http://127.0.0.2:9/steal"))
    with HostileAPI(in_turn(), tokens=steal) as server, pytest.raises(APIError, match=redirected):
        fetch(monkeypatch, server, oauth_api())
    assert (len(server.posts), len(server.requests)) == (1, 0)


def test_a_token_endpoint_that_drips_its_answer_is_cut_and_named_as_the_post_it_is(monkeypatch):
    token = b"".join(Answer.json({"access_token": "drip", "token_type": "Bearer"}).pieces)

    drip = HostileAPI(in_turn(), tokens=lambda request: Answer.drip(token, 0.2), deadline=6)
    with drip as server, pytest.raises(APIError) as raised:
        fetch(monkeypatch, server, oauth_api(), response_timeout=1, max_retries=0)

    message = str(raised.value)
    assert f"POST http://127.0.0.1:{server.port}/oauth/token" in message
    assert "after response_timeout (1 s)" in message
    assert SECRET not in message


def test_pages_fetched_at_once_share_one_token(monkeypatch):
    api = oauth_api()
    with LocalAPI(RECORDS, api=api, login=LOGIN, password=SECRET, latency=0.02) as server:
        records = fetch(monkeypatch, server, api, batch_size=3, max_in_flight=4)

    assert len(records) == 30
    assert server.most_in_flight > 1
    assert len(server.token_requests) == 1


def test_a_token_endpoint_elsewhere_gets_the_secret_and_the_api_gets_only_the_token(monkeypatch):
    with LocalAPI(RECORDS, api=oauth_api(), login=LOGIN, password=SECRET) as issuer:
        api = oauth_api(issuer=f"http://127.0.0.1:{issuer.port}/oauth/token")
        with LocalAPI(RECORDS, api=api, login=LOGIN, password=SECRET) as server:
            server.tokens = issuer.tokens  # the API trusts what the issuer issues
            records = fetch(monkeypatch, server, api)

    assert len(records) == 30
    assert len(issuer.token_requests) == 1 and issuer.requests == []
    assert server.token_requests == []


def test_neither_the_secret_nor_the_token_reaches_a_log_or_an_error(monkeypatch, caplog, capsys):
    token = "issued-token-0123456789"
    issued = {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
    # An API that echoes what it got, the token included, in an error the client quotes.
    echo = Answer.json({"error": f"bad request from Bearer {token} ({SECRET})"}, 400)
    with (
        HostileAPI(in_turn(echo), tokens=in_turn(Answer.json(issued))) as server,
        caplog.at_level(logging.DEBUG),
        pytest.raises(APIError, match="HTTP 400") as error,
    ):
        fetch(monkeypatch, server, oauth_api("basic"))

    (post,), (get,) = server.posts, server.requests
    assert post.headers["authorization"].startswith("Basic ")
    assert get.headers["authorization"] == f"Bearer {token}"
    basic = post.headers["authorization"].removeprefix("Basic ")
    task_log = caplog.text + capsys.readouterr().out
    for secret in (SECRET, token, basic):
        assert secret not in task_log
        assert secret not in str(error.value)
    assert "***" in str(error.value)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"token_url": "/oauth/token", "client_auth": "header"}, "client_auth: 'header' is not allowed"),
        ({"token_url": "oauth/token"}, "token_url: 'oauth/token' is not allowed"),
        ({"token_url": "ftp://auth.example.com/token"}, "token_url: 'ftp://auth.example.com/token'"),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments, message):
    with pytest.raises(ValueError, match=message):
        auth.OAuth2ClientCredentials(**arguments)


@pytest.mark.parametrize("prefix", ["", "Two words", "Bearer\n", "Tok:en"])
def test_a_token_prefix_that_is_not_one_word_is_refused(prefix):
    with pytest.raises(ValueError, match="token_prefix"):
        auth.Bearer(prefix=prefix)


def test_token_prefix_token_reaches_the_api(monkeypatch):
    api = RestApi(
        base_url="http://localhost:5000",
        endpoint=ENDPOINT,
        paginator=paginators.Offset(total_key="total"),
        auth=auth.Bearer(prefix="Token"),
        records_key="result",
    )
    with LocalAPI(RECORDS, api=api, login=LOGIN, password=SECRET) as server:
        assert len(fetch(monkeypatch, server, api)) == 30


def test_the_connection_form_asks_for_the_scope_and_labels_the_client_fields():
    scheme = auth.OAuth2ClientCredentials("/oauth/token")

    assert scheme.form["relabeling"]["login"] == "Client ID"
    assert scheme.form["relabeling"]["password"] == "Client secret"
    assert scheme.form_fields()["scope"]["label"] == "Scope"
