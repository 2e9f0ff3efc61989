"""The production entry point: ``gunicorn -c gunicorn.conf.py miniprogram_api.wsgi:app``.

Unlike ``create_app`` (which the command line also uses, e.g. to run the migrations), this
refuses to serve a production database that is not at its head migration.
"""

from __future__ import annotations

from backend import health, logs, runtime
from miniprogram_api import create_app

logs.configure()
app = create_app()
if runtime.settings().is_production:
    health.refuse_unmigrated()
