"""A real API process on a free loopback port, configured as the test app is (same database and
keys), for tests that need more than one process: crashes, several machines."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from backend import runtime
from backend.config import PROJECT_ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def api_process(instance: Path, when: str | None = None,
                storage: Path | None = None) -> Iterator[str]:
    """Serve the API from its own instance folder until the block ends; yields its base URL.

    ``when`` makes it die at that moment of its first write (``tests.api.crashing_server``);
    ``storage`` is its ``STORAGE_PATH``, a folder several processes may share.
    """
    settings = runtime.settings()
    env = {**os.environ, "APP_ENV": "test", "INSTANCE_PATH": str(instance),
           "DATABASE_URL": settings.database_url, "SECRET_KEY": settings.secret_key,
           "DATA_KEY": settings.data_key, "WECHAT_API_BASE": settings.wechat_api_base,
           "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("REDIS_URL", None)
    env.pop("STORAGE_PATH", None)
    if storage is not None:
        env["STORAGE_PATH"] = str(storage)
    port = _free_port()
    args = [sys.executable, "-m", "tests.api.crashing_server", str(port), *([when] if when else [])]
    process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/api/v1/services", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
