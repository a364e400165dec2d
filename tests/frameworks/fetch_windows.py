"""
Run by a bake's interpreter: fetch time windows through the baked hook, and print what came as JSON.

The request is JSON on stdin: ``module`` (the baked import name), ``hook`` (its hook class),
``method`` (the hook's ``get_<record>_pages``), ``conn_id``, ``batch_size`` (null for the API's ``max_page_size``) and ``windows``, a list of
``[start, end]`` ISO 8601 instants. The connection comes from ``AIRFLOW_CONN_<CONN_ID>``.

The answer on stdout: ``windows``, one ``{"ids": [...], "pages": n}`` per window, and ``warnings``,
what the provider logged at WARNING or above; or ``error``, ``{"type": ..., "message": ...}``, for
the first window that failed.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def main() -> int:
    request = json.load(sys.stdin)
    collected = Collected()
    logging.getLogger().addHandler(collected)
    hooks = importlib.import_module(f"{request['module']}.hooks")
    api = importlib.import_module(f"{request['module']}.api").API
    batch_size = request["batch_size"] or api.max_page_size
    windows = []
    with getattr(hooks, request["hook"])(request["conn_id"]) as hook:
        fetch_pages = getattr(hook, request["method"])
        try:
            for start, end in request["windows"]:
                pages = list(fetch_pages(start, end, batch_size))
                windows.append(
                    {"ids": [record["id"] for page in pages for record in page], "pages": len(pages)}
                )
        except Exception as error:
            answer = {"error": {"type": type(error).__name__, "message": str(error)}}
        else:
            answer = {"windows": windows}
    answer["warnings"] = collected.messages
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
