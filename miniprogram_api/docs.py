"""OpenAPI at /api/openapi.json and a Swagger UI at /api/docs that works with no internet.

The UI's JavaScript and CSS come from the swagger-ui-bundle package and are served by us,
so the docs page loads on an intranet with no CDN in reach.
"""

from __future__ import annotations

from flask import Blueprint, Flask, send_from_directory
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response

from miniprogram_api import timestamps

ASSETS_URL = "/api/docs-assets/"
READ_CACHE_RULE = ("待办件、申请列表、预约列表和服务对象列表：同一账号在数据库无任何写入期间"
                   "（至多 10 秒）重复请求同一地址时，返回已生成的结果，"
                   "响应头带 X-Read-Cache: hit；"
                   "请求头 Cache-Control: no-cache 可要求重新生成。")

OPENAPI_CONFIG = {
    "API_TITLE": "基层民政服务 API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    "OPENAPI_SWAGGER_UI_URL": ASSETS_URL,
    "API_SPEC_OPTIONS": {
        "info": {"description": "市、乡镇（街道）民政服务小程序后端。所有错误返回统一信封 "
                                "{code, status, message, errors}；金额单位为分。"
                                + timestamps.RULE + READ_CACHE_RULE},
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "登录后获得的访问令牌"}}},
        "security": [{"bearer": []}],
    },
}


def _asset(filename: str) -> Response:
    return send_from_directory(swagger_ui_path, filename)


def init_app(app: Flask) -> None:
    """Serve the UI's assets locally."""
    assets = Blueprint("docs_assets", __name__)
    assets.add_url_rule(f"{ASSETS_URL}<path:filename>", view_func=_asset)
    app.register_blueprint(assets)
