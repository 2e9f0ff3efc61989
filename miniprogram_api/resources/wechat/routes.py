"""WeChat's calls to us.

- ``/wechat/messages``: the message server URL (消息推送, plain-text JSON mode) configured in the
  mini-program's admin console with the Token in ``WECHAT_MESSAGE_TOKEN``. WeChat checks the URL
  with a signed GET (we echo ``echostr``) and pushes events with a signed POST; a bad signature
  answers 403. A ``wxa_media_check`` push records an image's verdict and withdraws a risky one.
- ``/wechat/media/<token>``: the short-lived signed URL (``PUBLIC_BASE_URL`` + this path, valid
  ``MEDIA_CHECK_URL_TTL_SECONDS``) WeChat fetches a resident's image from to check it.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import time
from typing import Any

from flask import Response, current_app, send_file
from flask.views import MethodView

from backend import content_checks, runtime
from backend.errors import PermissionDenied, UpstreamUnavailable
from backend.permissions import PUBLIC
from backend.wechat import ContentVerdict
from miniprogram_api.extensions import Blueprint

from .schemas import PushEventSchema, SignedQuerySchema, VerifyQuerySchema

blp = Blueprint("wechat", __name__, url_prefix="/api/v1/wechat",
                description="微信服务器回调：消息推送（内容安全识别结果）与待识别图片的取图地址")

_CLOCK_SKEW_S = 600
_TEXT = {"text/plain": {"schema": {"type": "string"}}}
_IMAGE = {"schema": {"type": "string", "format": "binary"}}


def _verify(query: dict[str, Any]) -> None:
    """Refuse a push not signed with our Token, or signed too long ago to be fresh."""
    token = runtime.settings().wechat_message_token
    expected = hashlib.sha1(
        "".join(sorted([token, query["timestamp"], query["nonce"]])).encode()).hexdigest()
    fresh = abs(time.time() - int(query["timestamp"])) <= _CLOCK_SKEW_S
    if not token or not fresh or not hmac.compare_digest(expected, query["signature"]):
        raise PermissionDenied("消息签名无效", code="bad_signature")


@blp.route("/messages")
class Messages(MethodView):
    """The mini-program's message server."""

    @blp.permission(PUBLIC, errors=(403, 422))
    @blp.arguments(VerifyQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "原样返回 echostr", "content": _TEXT}})
    def get(self, query: dict[str, Any]) -> Response:
        """WeChat checks the server URL: a correctly signed request gets its echostr back."""
        _verify(query)
        return Response(query["echostr"], mimetype="text/plain")

    @blp.permission(PUBLIC, errors=(403, 422, 503))
    @blp.arguments(SignedQuerySchema, location="query")
    @blp.arguments(PushEventSchema)
    @blp.doc(responses={"200": {"description": "success：已收到", "content": _TEXT}})
    def post(self, query: dict[str, Any], event: dict[str, Any]) -> Response:
        """A signed push; a media check's verdict is kept and a risky image withdrawn (消息推送)."""
        _verify(query)
        if event["Event"] == "wxa_media_check" and "result" in event and "trace_id" in event:
            verdict = ContentVerdict(event["result"]["suggest"], event["result"]["label"],
                                     event["trace_id"])
            found = content_checks.record_media_verdict(verdict, actor=content_checks.WECHAT)
            if found is None:  # pushed before our job kept the trace id: WeChat pushes again
                raise UpstreamUnavailable("尚未登记该识别任务，请稍后重试", code="unknown_trace")
        return Response("success", mimetype="text/plain")


@blp.route("/media/<string:token>")
class Media(MethodView):
    """An image WeChat fetches to check."""

    @blp.permission(PUBLIC, errors=(404,))
    @blp.doc(responses={"200": {"description": "待识别的图片（JPEG 或 PNG）",
                                "content": {"image/jpeg": _IMAGE, "image/png": _IMAGE}}})
    def get(self, token: str) -> Response:
        """The image behind a signed, short-lived link, for WeChat's media check (取图)."""
        path, content_type = content_checks.media_file(token)
        current_app.logger.info("media fetched for a content check")
        # Read whole (uploads are size-limited): no open file outlives a dropped connection.
        return send_file(io.BytesIO(path.read_bytes()), mimetype=content_type, max_age=0,
                         conditional=False, etag=False)
