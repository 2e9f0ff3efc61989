"""The HTTP face of the product: a Flask app serving the mini-program and staff screens."""

from __future__ import annotations

from typing import Any

from flask import Flask

import console
import notifications
from backend import runtime
from backend.config import load_settings
from backend.db import db, open_database
from backend.wechat import WeChatClient
from miniprogram_api import cli, compression, docs, errors, health, metrics, requests, throttle
from miniprogram_api.extensions import Api, IdConverter, PaginationDocsPlugin, id_parameter
from miniprogram_api.resources import BLUEPRINTS


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, WeChat client, API resources, errors, commands."""
    settings = load_settings(overrides=config)
    runtime.configure(settings)

    app = requests.App(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        JSON_AS_ASCII=False,
        **docs.OPENAPI_CONFIG,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    open_database(settings.database_url, pool_size=settings.db_pool_size)
    app.extensions["wechat"] = WeChatClient(settings.wechat_api_base, settings.wechat_appid,
                                            settings.wechat_secret)
    notifications.install(settings)  # the RQ relay with REDIS_URL, else jobs run inline

    app.url_map.converters["int"] = IdConverter
    api = Api(app, spec_kwargs={"extra_plugins": [PaginationDocsPlugin()]})
    api.register_converter(IdConverter, id_parameter)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    docs.init_app(app)
    errors.register_error_handlers(app)
    requests.init_app(app)
    cli.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    console.init_app(app, settings)
    throttle.init_app(app, settings)
    compression.init_app(app)
    return app


__all__ = ["create_app", "db"]
