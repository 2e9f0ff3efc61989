"""A local fake of WeChat's server API, speaking the real protocol and error codes on loopback."""

from fake_wechat.app import create_fake_wechat_app
from fake_wechat.server import FakeWeChatServer
from fake_wechat.state import FakeWeChatState

__all__ = ["FakeWeChatServer", "FakeWeChatState", "create_fake_wechat_app"]
