"""``python -m fake_wechat --port 8901 --appid ... --secret ...``: run the fake for the demo."""

from __future__ import annotations

import argparse

from werkzeug.serving import make_server

from fake_wechat.app import create_fake_wechat_app, state_of


def main(argv: list[str] | None = None) -> None:
    """Serve the fake in the foreground until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m fake_wechat", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8901)
    parser.add_argument("--appid", default="wx-fake-appid")
    parser.add_argument("--secret", default="fake-app-secret")
    parser.add_argument("--template", action="append", default=[],
                        help="accept only these template ids (default: any starting 'tmpl-')")
    parser.add_argument("--push-url", default="",
                        help="the mini-program's message server (消息推送 URL) for media checks")
    parser.add_argument("--push-token", default="", help="the Token configured beside it")
    args = parser.parse_args(argv)
    app = create_fake_wechat_app(args.appid, args.secret)
    state_of(app).configure_push(args.push_url, args.push_token)
    for template_id in args.template:
        state_of(app).register_template(template_id)
    server = make_server(args.host, args.port, app, threaded=True)
    print(f"fake WeChat API on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
