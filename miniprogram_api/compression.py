"""gzip for large answers (Flask-Compress), when the client accepts it.

Flask-Compress answers conditional requests itself by default (``make_conditional``), which
would turn an ``If-None-Match`` on an editable record into a 304 that ``etags`` deliberately
never gives; that is switched off, and the public guide answers its own 304s. A strong ETag
of a compressed answer gets the coding appended (``"client-12-v3:gzip"``), as RFC 9110 asks of
a different representation; ``etags.if_match`` reads the version through that suffix.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

CODINGS = ("gzip",)  # what every WeChat client and browser accepts; br/zstd cost more CPU
MIN_BYTES = 1024  # below a packet or so, compressing costs more than it saves

compress = Compress()


def init_app(app: Flask) -> None:
    """Compress JSON and pages above MIN_BYTES for clients that accept gzip."""
    app.config.update(COMPRESS_ALGORITHM=list(CODINGS), COMPRESS_MIN_SIZE=MIN_BYTES,
                      COMPRESS_LEVEL=6, COMPRESS_STREAMS=False,
                      COMPRESS_EVALUATE_CONDITIONAL_REQUEST=False,
                      COMPRESS_MIMETYPES=["application/json", "text/html", "text/csv"])
    compress.init_app(app)
