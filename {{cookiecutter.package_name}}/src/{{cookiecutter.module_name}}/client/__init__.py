"""
A small client for paged JSON APIs: the machinery under the provider.

Every module here is plain Python, the same in every provider baked from the template,
and each holds one concern:

- ``api``: ``RestApi``, the description of one API that ``../api.py`` fills in;
- ``auth``: how a request carries the connection's credentials;
- ``paginators``: how to walk the pages of one window, one class per paging scheme;
- ``paging``: what the paginators share: pages, counts, and the checks that paging ended complete;
- ``windows``: how the bounds of a time window are written in a query;
- ``settings``: timeouts, retries and concurrency, from arguments and connection extras;
- ``retry``: urllib3's retry policy with a deadline and a log line per retry;
- ``transport``: sessions per thread, one GET of one page within its retry budget;
- ``client``: ties them together for the hook: the pages of a window, in order;
- ``redaction``: credentials out of URLs and messages.

Edit ``../api.py`` to point the provider at another API; change these modules only to
add what the API needs and none of them has (a new paginator or auth scheme is a small
subclass, in ``api.py`` or here).
"""

from .api import RestApi
from .errors import APIError

__all__ = ["APIError", "RestApi"]
