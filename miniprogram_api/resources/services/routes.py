"""The service guide (办事指南): public reading, city bureau editing."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.commands.service_guide import EditServiceGuide
from backend.permissions import PUBLIC
from backend.services import service_guide
from miniprogram_api import etags
from miniprogram_api.extensions import Blueprint

from .cache import guide_answer
from .schemas import ServiceSchema, ServiceUpdateSchema

GUIDE_ETAG = {"description": "指南当前版本的弱 ETag；再次读取时放入 If-None-Match，"
                            "未变则返回 304（指南每次修改后即变）", "schema": {"type": "string"}}

blp = Blueprint("services", __name__, url_prefix="/api/v1/services", description="办事指南")


@blp.route("")
class Services(MethodView):
    """Every service's guide."""

    @blp.permission(PUBLIC)
    @blp.response(200, ServiceSchema(many=True), headers={"ETag": GUIDE_ETAG})
    @blp.alt_response(304, description="If-None-Match 中的 ETag 即当前版本：指南未变，无正文")
    def get(self) -> Any:
        """Read the guide of every service, no login needed (办事指南列表)."""
        return guide_answer(lambda: ServiceSchema(many=True))


@blp.route("/<code>")
class ServiceDetail(MethodView):
    """One service's guide."""

    @blp.permission(PUBLIC, errors=(404,))
    @blp.response(200, ServiceSchema)
    @blp.versioned("service", key="code")
    def get(self, code: str) -> Any:
        """Read one service's guide, no login needed (办事指南详情)."""
        return service_guide.get_service(code)

    @blp.permission("services.update", errors=(404, 412, 422))
    @blp.arguments(ServiceUpdateSchema)
    @blp.response(200, ServiceSchema)
    @blp.versioned("service", key="code")
    def patch(self, cmd: EditServiceGuide, code: str) -> Any:
        """Edit a service's published guide; the change is audited (修改办事指南)."""
        return service_guide.update_service(code, cmd, actor=g.actor,
                                            expected_versions=etags.if_match("service", code))
