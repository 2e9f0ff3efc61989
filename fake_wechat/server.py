"""Run the fake on a loopback port in a background thread, for tests and the demo."""

from __future__ import annotations

import threading
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, make_server

from fake_wechat.app import create_fake_wechat_app, state_of
from fake_wechat.state import FakeWeChatState


class FakeWeChatServer:
    """The fake WeChat API served on 127.0.0.1; use as a context manager or start()/stop()."""

    def __init__(self, appid: str = "wx-fake-appid", secret: str = "fake-app-secret", *,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = create_fake_wechat_app(appid, secret)
        self.appid = appid
        self.secret = secret
        self._host = host
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> FakeWeChatState:
        """The fake's state: inject failures, read sent messages and token fetches."""
        return state_of(self.app)

    @property
    def base_url(self) -> str:
        """Where the fake listens, e.g. http://127.0.0.1:54321 (available after start())."""
        if self._server is None:
            raise RuntimeError("FakeWeChatServer is not started")
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> FakeWeChatServer:
        """Bind the port (0 picks a free one) and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._server = make_server(self._host, self._port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="fake-wechat", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeWeChatServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
