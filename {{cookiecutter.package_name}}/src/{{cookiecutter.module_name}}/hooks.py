"""Hook for the {{ cookiecutter.provider_name }} {{ cookiecutter.__records }} API: an Airflow connection in, records out."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Generator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret

from {{ cookiecutter.module_name }} import __version__
from {{ cookiecutter.module_name }}.api import API
from {{ cookiecutter.module_name }}.client import RestApi
from {{ cookiecutter.module_name }}.client.client import Client
from {{ cookiecutter.module_name }}.client.redaction import Redactor, encodings, without_userinfo
from {{ cookiecutter.module_name }}.client.settings import Settings
from {{ cookiecutter.module_name }}.client.transport import Transport
from {{ cookiecutter.module_name }}.client.windows import Bound


class {{ cookiecutter.class_prefix }}Hook(BaseHook):
    """
    Talk to the {{ cookiecutter.provider_name }} {{ cookiecutter.__records }} API through an Airflow connection.

    The connection supplies host, port and scheme (the ``schema`` field) and the
    credentials that ``api.API.auth`` sends; empty fields fall back to ``api.API.base_url``.
    The host may also be a full base URL such as ``https://api.example.com/v1``. What the
    API looks like (endpoint, paging, record keys, date filter) is in ``api.py``.

    Timeouts, retries with backoff and a deadline, TLS and concurrency are settings: hook
    arguments, else connection extras, else defaults.

    :param conn_id: Airflow connection id.
    :param api: The API description; ``api.API`` unless a test or a subclass says otherwise.
    :param settings: ``connect_timeout``, ``read_timeout``, ``max_retries``, ``backoff_factor``,
        ``backoff_max``, ``retry_deadline``, ``response_timeout``, ``max_in_flight``,
        ``max_requests_per_second``, ``max_response_mb``, ``max_pages``: each overrides the
        connection extra of the same name (``client.settings.Settings`` lists them with their
        defaults). Above 1, ``max_in_flight`` lets paginators that know every page's position
        after the first (offset or page numbers with a total) fetch the rest concurrently, and
        split windows page their sub-windows side by side, still yielded in the API's order;
        ``"auto"`` adapts it to the API's rate limits (``client.pacing``).
    """

    conn_name_attr = "conn_id"
    default_conn_name = "{{ (cookiecutter | answers).connection_id }}"
    conn_type = "{{ cookiecutter.__conn_type }}"
    hook_name = {{ cookiecutter.provider_name | pystr }}

    def __init__(self, conn_id: str = default_conn_name, *, api: RestApi = API, **settings: Any) -> None:
        super().__init__()
        unknown = sorted(set(settings) - set(Settings.__dataclass_fields__) - {"verify"})
        if unknown:
            raise TypeError(f"{type(self).__name__} got unknown settings: {', '.join(unknown)}")
        self.conn_id = conn_id
        self.api = api
        self.settings = settings
        self._client: Client | None = None
        self._redactor = Redactor(())
        self._lock = threading.Lock()
        self._aborted = False

    def get_conn(self) -> Client:
        """The client for this connection, made once: base URL, credentials, timeouts, retries."""
        with self._lock:
            if self._client is None:
                self._client = self._new_client()
                if self._aborted:  # abort() came while the connection was being read
                    self._client.transport.abort()
            return self._client

    def _new_client(self) -> Client:
        conn = self.get_connection(self.conn_id)
        auth = self.api.auth
        secrets = auth.secrets(conn.login, conn.password)
        for secret in secrets:
            # Out of task logs in every form it travels or comes back in, before any request:
            # urllib3's own retry warnings name the URL, API key included, and only this masks them.
            mask_secret(secret)
        # The same forms out of every message and error of the client, whatever the API echoes.
        self._redactor = redactor = Redactor(secrets, lambda text: auth.redact(without_userinfo(text)))
        settings = Settings.read(self.settings, conn.extra_dejson)
        if settings.verify is False:
            self.log.warning("TLS certificate verification is off for connection %s", self.conn_id)
        base_url = self._base_url(conn.host, conn.port, conn.schema)
        transport = Transport(
            settings,
            base_url=base_url,
            auth=auth.attach(conn.login, conn.password),
            logger=self.log,
            redact=redactor,
            user_agent=f"{{ cookiecutter.package_name }}/{__version__}",
        )
        bind = getattr(transport.auth, "bind", None)
        if bind is not None:  # OAuth 2: tokens are fetched through the transport, masked as issued
            bind(transport.post_form, base_url, conn.extra_dejson, self._learn_secret)
        client = Client(self.api, transport, base_url)
        if settings.ceiling > 1 and client.max_in_flight == 1:
            self.log.info(
                "max_in_flight=%s: %r pages one at a time, so only split windows (split=) go side by side",
                settings.max_in_flight,
                self.api.paginator,
            )
        return client

    def _learn_secret(self, secret: str) -> None:
        """Mask a credential the API issued at run time (an access token) like the connection's own."""
        forms = encodings(secret)
        for form in forms:
            mask_secret(form)
        self._redactor.learn(forms)

    def _base_url(self, host: str | None, port: int | None, scheme: str | None) -> str:
        """The base URL from the connection's fields, falling back to ``api.API.base_url``."""
        if host and "://" in host:
            parts = urlsplit(host)
            return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path.rstrip("/"), "", ""))
        api = self.api
        host = host or api.default_host
        port = port or (api.default_port if host == api.default_host else None)
        netloc = f"{host}:{port}" if port else host
        return f"{scheme or api.default_scheme}://{netloc}{api.base_path}"

    def close(self) -> None:
        """Close every session this hook opened; the next call reads the connection again."""
        with self._lock:
            if self._client is not None:
                self._client.transport.close()
            self._client = None

    def abort(self) -> None:
        """
        Cut this hook's requests in flight and refuse new ones, for a caller that gave up.

        Safe from any thread, and never waits: the threads blocked on those requests raise
        at once. The trigger calls it when a poll is cancelled.
        """
        self._aborted = True
        client = self._client
        if client is not None:
            client.transport.abort()

    def __enter__(self) -> {{ cookiecutter.class_prefix }}Hook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get_{{ cookiecutter.__records }}(
        self,
        start_date: Bound | None = None,
        end_date: Bound | None = None,
        batch_size: int | None = None,
        split: int | str | None = None,
    ) -> Generator[dict[str, Any], None, None]:
        """
        Yield every {{ cookiecutter.__record }} in ``[start_date, end_date)`` in the API's order.

        Takes the same arguments as ``get_{{ cookiecutter.__record }}_pages``.
        """
        pages = self.get_{{ cookiecutter.__record }}_pages(start_date, end_date, batch_size, split)
        # Closed however this generator ends, so no request outlives the caller's interest.
        with contextlib.closing(pages):
            for page in pages:
                yield from page

    @contextlib.contextmanager
    def _credentials_scrubbed(self) -> Generator[None, None, None]:
        """
        Errors from inside leave without any form of the connection's credentials in their text.

        The one place every error of the client passes on its way out: the API's own words in
        it (a body, a reason phrase, a link or a redirect that echoes a credential) included.
        """
        try:
            yield
        except Exception as error:
            self._redactor.scrub(error)
            raise

    def get_{{ cookiecutter.__record }}_pages(
        self,
        start_date: Bound | None = None,
        end_date: Bound | None = None,
        batch_size: int | None = None,
        split: int | str | None = None,
    ) -> Generator[list[dict[str, Any]], None, None]:
        """
        Yield the {{ cookiecutter.__records }} in ``[start_date, end_date)`` as lists, one per non-empty page, in order.

        How pages are walked and checked is the paginator's (``api.API.paginator``). To stop
        early, ``close()`` the generator: requests in flight finish, no new ones start.

        :param start_date: Start of the window (inclusive): YYYY-MM-DD, an ISO 8601
            datetime, a date or a datetime; None for no lower bound.
        :param end_date: End of the window (exclusive), in the same forms; None for no upper bound.
        :param batch_size: Records asked for per request, at most ``api.max_page_size`` (a larger
            one is refused before any request); None for 100, or ``max_page_size`` if smaller.
        :param split: Cut the window into this many sub-windows, paged side by side up to
            ``max_in_flight`` at once and yielded in order; ``"auto"`` decides from the first
            page; None pages it whole. For paging that cannot ask ahead (``client.splitting``).
        """
        with self._credentials_scrubbed():
            return self._scrubbed(self.get_conn().pages(start_date, end_date, batch_size, split))

    def _scrubbed(self, pages: Generator[list[Any], None, None]) -> Generator[list[Any], None, None]:
        """``pages``, with every error on the way scrubbed of the credentials; closing it closes them."""
        with contextlib.closing(pages):
            while True:
                with self._credentials_scrubbed():
                    page = next(pages, None)
                if page is None:
                    return
                yield page

    def first_{{ cookiecutter.__record }}(
        self, start_date: Bound | None = None, end_date: Bound | None = None
    ) -> dict[str, Any] | None:
        """
        The first {{ cookiecutter.__record }} in ``[start_date, end_date)``, or None if there is none yet.

        Asks for a single record, with the same auth, retries and paging checks as
        ``get_{{ cookiecutter.__records }}``: what the sensor and its trigger do on every poke.
        """
        with self._credentials_scrubbed():
            return self.get_conn().first_record(start_date, end_date)

    def test_connection(self) -> tuple[bool, str]:
        """Check that the API answers with the connection's credentials (the UI's Test button)."""
        try:
            found = self.first_{{ cookiecutter.__record }}()
        except Exception as error:
            return False, str(error)
        if found is None:
            return True, "Connected; the API holds no {{ cookiecutter.__records }} yet."
        return True, "Connected; the API answered with {{ cookiecutter.__records }}."
