"""gunicorn's settings for the API, read from the environment (``gunicorn -c gunicorn.conf.py
miniprogram_api.wsgi:app``). Sync workers with threads: the work is database-bound, and each
thread holds at most one pooled connection."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
# Each worker's database pool: one connection per request thread, and two for the jobs and
# periodic work a process may run beside them. More would only hold PostgreSQL connections
# (workers × pool per machine) that nothing uses.
os.environ.setdefault("DB_POOL_SIZE", str(threads + 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "0"))
accesslog = None  # the app writes one JSON line per request itself
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
