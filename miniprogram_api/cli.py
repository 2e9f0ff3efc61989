"""Commands: ``flask --app miniprogram_api db upgrade | audit verify | demo seed | demo serve``."""

from __future__ import annotations

import sys
import threading
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.serving import run_simple

from backend import audit, backup, demo, demo_routes, migrate, runtime
from backend.db import db
from fake_wechat import FakeWeChatServer
from notifications.inline_cron import InlineCron

DEMO_MESSAGE_TOKEN = "demo-message-token"  # the demo's 消息推送 Token, shared with its fake

db_cli = AppGroup("db", help="数据库结构迁移")
audit_cli = AppGroup("audit", help="审计记录")
demo_cli = AppGroup("demo", help="演示城市")
backup_cli = AppGroup("backup", help="备份与恢复")


@backup_cli.command("create")
@click.option("--to", "folder", default="backups", show_default=True,
              type=click.Path(file_okay=False), help="备份写入的文件夹")
def backup_create(folder: str) -> None:
    """Back the database up (the keys are kept separately, never in the backup)."""
    with db.connection_context():
        written = backup.create_backup(Path(folder), runtime.settings().database_url)
    click.echo(f"已备份：{written}（DATA_KEY、SECRET_KEY 不在备份中，请另行保管）")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--database-url", required=True, help="恢复到的空数据库")
def backup_restore(file: str, database_url: str) -> None:
    """Restore a backup into an empty database; then run ``audit verify`` against it."""
    backup.restore_backup(Path(file), database_url)
    click.echo(f"已恢复到 {database_url.rsplit('@', 1)[-1]}")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    applied = migrate.upgrade(db.obj)
    click.echo("已是最新" if not applied else "已应用迁移: " + ", ".join(applied))


@db_cli.command("revision")
@click.argument("name")
def db_revision(name: str) -> None:
    """Write a migration for the models' changes since the last migration."""
    created = migrate.create_revision(db.obj, name)
    click.echo(f"已生成迁移: {created}" if created else "模型没有变化")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check every audit chain; name the first broken row of each broken one."""
    with db.connection_context():
        report = audit.verify_chain()
    if report.ok:
        click.echo(f"审计链完整：共核验 {report.chains_checked} 条链、"
                   f"{report.rows_checked} 条记录")
        return
    click.echo(f"审计链断裂：第一条异常记录 id={report.first_broken_id}"
               f"（链 {report.broken_chain}），{report.problem}", err=True)
    for broken in report.breaks[1:]:
        click.echo(f"另一条断裂的链 {broken.chain}：第一条异常记录 id={broken.entry_id}，"
                   f"{broken.problem}", err=True)
    sys.exit(1)


@demo_cli.command("seed")
@click.option("--reset", is_flag=True, help="先清空数据库再生成")
def demo_seed(reset: bool) -> None:
    """Build the demo city from its fixture (migrating first)."""
    summary = demo.seed_demo_city(reset=reset)
    click.echo(summary.describe())
    with db.connection_context():
        route = demo_routes.plan_demo_route()
    if route is not None:
        click.echo(route.describe())


@demo_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo_serve(host: str, port: int) -> None:
    """Serve the API on the demo city, with a local fake WeChat server for resident login."""
    settings = runtime.settings()
    wechat = urlsplit(settings.wechat_api_base)
    if wechat.hostname in ("127.0.0.1", "localhost"):
        # The demo has no real mini-program: codes like test-demo-resident-1 log in through
        # the fake, which speaks WeChat's real protocol on the configured loopback port.
        fake = FakeWeChatServer(settings.wechat_appid, settings.wechat_secret,
                                port=wechat.port or 80).start()
        click.echo(f"本地模拟微信服务：{fake.base_url}")
        # Residents' photos are checked as in production: the fake fetches them from this
        # server and pushes its verdict to the message endpoint, signed with the demo's Token.
        settings = replace(settings, wechat_message_token=settings.wechat_message_token
                           or DEMO_MESSAGE_TOKEN,
                           public_base_url=settings.public_base_url or f"http://{host}:{port}")
        runtime.configure(settings)
        fake.state.configure_push(settings.public_base_url + "/api/v1/wechat/messages",
                                  settings.wechat_message_token)
    if not settings.redis_url:
        # No RQ cron without Redis: the declared periodic jobs run on a thread of this process,
        # so the demo's inboxes fill and its nightly work happens as in production.
        InlineCron().run_in_thread(threading.Event())
        click.echo("后台任务：未配置 Redis，定时任务在本进程内运行")
    with db.connection_context():
        click.echo(demo.SeedSummary(logins=demo.demo_logins()).describe_logins())
    click.echo(f"工作台（乡镇民政办、社工手机、市民政局）：http://{host}:{port}/console/"
               "（用上面任一工作人员账号登录）")
    click.echo(f"API 文档：http://{host}:{port}/api/docs")
    # Flask refuses app.run() inside a CLI command; werkzeug's server is what it would use.
    run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    """Register the command groups."""
    for group in (db_cli, audit_cli, demo_cli, backup_cli):
        app.cli.add_command(group)
