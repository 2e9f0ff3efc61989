"""A real API process for crash tests: ``python -m tests.api.crashing_server PORT [WHEN]``.

It serves the app configured from the environment; with ``WHEN`` it dies (``os._exit``, as a
killed process would: no cleanup, no response) at that moment of the first write request:
``after_commit`` — the transaction is committed, the response not yet sent; ``before_commit``
— the service has written and its answer is kept, the commit has not happened.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from flask import has_request_context, request
from werkzeug.serving import make_server

from backend import idempotency, unit_of_work
from miniprogram_api import create_app


def _die_after(original: Any) -> Any:
    def dying(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        if has_request_context() and request.method == "POST":
            os._exit(17)

    return dying


def main(port: int, when: str | None) -> None:
    """Serve until killed, dying at ``when`` if given."""
    if when == "after_commit":
        unit_of_work._hand_on = _die_after(unit_of_work._hand_on)  # type: ignore[assignment]
    elif when == "before_commit":
        idempotency.answer = _die_after(idempotency.answer)  # type: ignore[assignment]
    app = create_app()
    make_server("127.0.0.1", port, app, threaded=False).serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
