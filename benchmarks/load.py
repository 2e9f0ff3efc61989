"""Throughput under load: the API under gunicorn against a Flask hello-world on the same gunicorn.

``python -m benchmarks.load [--database-url URL] [--before REV] [--seconds S] [--rounds N]
[--connections C] [--workers W] [--threads T] [--only NAMES]`` seeds the demo city into a
PostgreSQL database of its own (created if missing, emptied first unless ``--keep``), starts
the app with the repo's ``gunicorn.conf.py`` (2 sync workers unless told otherwise), a Flask
hello-world on the same settings and, with ``--before REV``, the app of another revision from
a temporary git worktree on the same database (seeded and migrated by this checkout, so REV
must not need migrations this checkout lacks: name a commit, not a branch that moves); then
drives each with ``wrk`` (64 connections, a Lua script that rotates the bearer tokens and the
POST bodies) and prints a Markdown table of requests/s, p50 and p99 and the ratio to the
hello-world measured in the same round, then one of the CPU time a request cost the app, the
PostgreSQL server, the fake WeChat and Redis (psutil, from requirements-bench.txt).

Every process it starts (gunicorn, a private redis-server for the outbox's queue, the
worktree) is stopped on exit; ports are chosen free. Rate limits are switched off in the
served app (every request comes from one address); everything else runs as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/mz_load"
BENCH_WECHAT = ("wx-bench-appid", "bench-app-secret")  # the local fake's credentials
WRK = "/usr/bin/wrk"
RESIDENTS = 600  # one per demo client: bookings need a linked client each
STAFF = "ts-410184001-1"

APP_MODULE = """\
from backend import logs
from miniprogram_api import create_app

logs.configure()
app = create_app({"rate_limits": False})
"""
HELLO_MODULE = """\
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
"""

# One wrk thread per core; each thread walks the request list from its own offset with a
# stride of the thread count, so no two requests in a run share a booking's client and kind.
LUA = """\
local requests = %(requests)s
local threads = %(threads)d
local counter = 0
local thread_number = 0
function setup(thread)
  thread:set("offset", thread_number)
  thread_number = thread_number + 1
end
function init(args)
  counter = offset
end
function request()
  local r = requests[(counter %% #requests) + 1]
  counter = counter + threads
  return wrk.format(r[1], r[2], r[3], r[4])
end
function done(summary, latency, requests)
  io.write(string.format('RESULT {"requests": %%d, "duration_us": %%d, "status_errors": %%d, '
    .. '"socket_errors": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Scenario:
    """One row of the table: a name and the requests wrk sends in turn."""

    name: str
    requests: tuple[tuple[str, str, dict[str, str], str | None], ...]


@dataclass(frozen=True)
class Result:
    """What wrk reported for one run."""

    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database if it does not exist."""
    import psycopg2

    base, _, name = url.rpartition("/")
    conn = psycopg2.connect(f"{base}/postgres")
    conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


@contextmanager
def process(args: list[str], *, log: Path, **kwargs: Any) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server in its own process group; stop the whole group on exit."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, **kwargs)
    try:
        yield proc
    finally:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            if proc.poll() is not None:
                break
            os.killpg(proc.pid, sig)
            try:
                proc.wait(wait)
            except subprocess.TimeoutExpired:
                continue


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Poll a server until it answers, or fail with the end of its log."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"server at {url} did not come up:\n{tail}")


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    """A temporary detached checkout of a revision, removed on exit."""
    path = Path(tempfile.mkdtemp(prefix="bench-load-rev-"))
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--force", str(path),
                    revision], check=True, capture_output=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)],
                       check=False, capture_output=True)


@dataclass(frozen=True)
class Served:
    """A server the benchmark started: where it listens and its process group's leader."""

    base: str
    pid: int


CPU_PARTS = ("app", "PostgreSQL", "WeChat fake", "Redis")


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU time (user + system) so far of each named process with its children, and of every
    PostgreSQL server process (its backends are the postmaster's, not ours)."""
    import psutil

    def tree(pid: int) -> list[psutil.Process]:
        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def total(processes: list[psutil.Process]) -> float:
        seconds = 0.0
        for proc in processes:
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            seconds += times.user + times.system
        return seconds

    parts = {name: total(tree(pid)) for name, pid in pids.items()}
    parts["PostgreSQL"] = total([proc for proc in psutil.process_iter(["name"])
                                 if proc.info["name"] == "postgres"])
    return parts


@contextmanager
def gunicorn(root: Path, module: str, env: dict[str, str], work: Path,
             label: str) -> Iterator[Served]:
    """Serve ``module:app`` from a checkout with its gunicorn.conf.py; answer where and who."""
    port = free_port()
    served = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}",
              "PYTHONPATH": f"{root}{os.pathsep}{work}"}
    log = work / f"{label}.log"
    args = [sys.executable, "-m", "gunicorn", "-c", str(root / "gunicorn.conf.py"),
            f"{module}:app"]
    with process(args, log=log, cwd=root, env=served) as proc:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + ("/healthz" if module != "hello_app" else "/"), proc, log)
        yield Served(base, proc.pid)


def seed(url: str, instance: Path, keep: bool) -> dict[str, Any]:
    """Seed the demo city, link a resident to each client, answer tokens and request data."""
    from backend import demo, pii
    from backend.db import db
    from backend.models import Client, ClientContact, Resident, StaffAccount, Village
    from backend.services import auth
    from miniprogram_api import create_app

    app = create_app({"instance_path": instance, "database_url": url, "redis_url": ""})
    with app.app_context():
        demo.seed_demo_city(reset=not keep)
        with db.connection_context():
            clients = list(Client.select().order_by(Client.id).limit(RESIDENTS))
            with db.atomic():
                residents = []
                for n, client in enumerate(clients):
                    openid = f"bench-load-{n}"
                    resident = (Resident.get_or_none(Resident.openid == openid)
                                or Resident.create(openid=openid, name=f"居民{n}"))
                    ClientContact.get_or_create(resident=resident, client=client,
                                                defaults={"relation": "self",
                                                          "method": "in_person"})
                    residents.append((resident.id, client))
                resident_tokens = [(auth.issue_tokens("resident", rid).access_token, client)
                                   for rid, client in residents]
                staff = StaffAccount.get(StaffAccount.username == STAFF)
                staff_token = auth.issue_tokens("staff", staff.id).access_token
            villages = {v.id: v for v in Village.select()}
    filings = []
    for n, (token, client) in enumerate(resident_tokens):
        filings.append((token, {
            "service_code": "temporary_relief", "applicant_name": client.name,
            "applicant_id_number": pii.make_id_number("410184", date(1950, 1, 1) +
                                                      timedelta(days=n), "123"),
            "village_id": client.village_id,
            "address": f"{villages[client.village_id].name}{n}号",
            "reason": "因病致贫，申请临时救助", "submit": True}))
    return {"staff": staff_token, "filings": filings,
            "bookings": [(token, client.id) for token, client in resident_tokens]}


def scenarios(data: dict[str, Any]) -> list[Scenario]:
    """The rows, in the order measured (reads before writes, which add to what reads see)."""
    staff = {"Authorization": f"Bearer {data['staff']}"}
    json_body = {"Content-Type": "application/json"}
    gzip = {"Accept-Encoding": "gzip"}
    fresh = {"Cache-Control": "no-cache"}  # past the read cache: what building the page costs
    preferred = [{"date": (date.today() + timedelta(days=d)).isoformat(), "window": "morning"}
                 for d in (3, 4)]
    filings = tuple(("POST", "/api/v1/applications",
                     {**json_body, "Authorization": f"Bearer {token}"},
                     json.dumps(body, ensure_ascii=False)) for token, body in data["filings"])
    bookings = tuple(("POST", "/api/v1/bookings",
                      {**json_body, "Authorization": f"Bearer {token}"},
                      json.dumps({"client_id": client_id, "kind": kind, "reason": "想请社工上门",
                                  "preferred": preferred}, ensure_ascii=False))
                     for kind in ("routine_visit", "counselling", "emotional_support")
                     for token, client_id in data["bookings"])
    return [
        Scenario("public guide `GET /services` (gzip)",
                 (("GET", "/api/v1/services", gzip, None),)),
        Scenario("public guide `GET /services` (identity)",
                 (("GET", "/api/v1/services", {}, None),)),
        Scenario("staff `GET /me`", (("GET", "/api/v1/me", staff, None),)),
        Scenario("page of clients `GET /clients?page_size=20`",
                 (("GET", "/api/v1/clients?page_size=20", {**staff, **gzip}, None),)),
        Scenario("page of clients, built each time (`no-cache`)",
                 (("GET", "/api/v1/clients?page_size=20", {**staff, **gzip, **fresh}, None),)),
        Scenario("work queue `GET /applications/queue`",
                 (("GET", "/api/v1/applications/queue", {**staff, **gzip}, None),)),
        Scenario("work queue, built each time (`no-cache`)",
                 (("GET", "/api/v1/applications/queue", {**staff, **gzip, **fresh}, None),)),
        Scenario("resident files `POST /applications`", filings),
        Scenario("resident books `POST /bookings`", bookings),
    ]


def lua_script(scenario: Scenario, threads: int) -> str:
    """The wrk script sending a scenario's requests in turn."""
    def quote(text: str | None) -> str:
        return "nil" if text is None else json.dumps(text, ensure_ascii=False)

    rows = []
    for method, path, headers, body in scenario.requests:
        header_table = ", ".join(f"[{quote(k)}] = {quote(v)}" for k, v in headers.items())
        rows.append(f"{{{quote(method)}, {quote(path)}, {{{header_table}}}, {quote(body)}}}")
    return LUA % {"requests": "{\n" + ",\n".join(rows) + "\n}", "threads": threads}


def run_wrk(base: str, script: Path, *, connections: int, seconds: int,
            threads: int) -> Result:
    """Drive one server with wrk; answer its figures."""
    done = subprocess.run([WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
                           "--timeout", "10s", "-s", str(script), base],
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    out = done.stdout
    line = next(row for row in out.splitlines() if row.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    return Result(rps=figures["requests"] / (figures["duration_us"] / 1e6),
                  p50_ms=figures["p50_us"] / 1000, p99_ms=figures["p99_us"] / 1000,
                  non_2xx=figures["status_errors"], socket_errors=figures["socket_errors"])


def release_bookings(url: str, first_new_id: int) -> None:
    """Let the benchmark's bookings be asked again: clear their one-active-per-kind key.

    Waits first until no new booking has appeared for half a second: when wrk stops, up to a
    connection's worth of requests are still being served, and bookings they make after the
    release would hold their keys into the next run, whose faster revision reaches those pairs
    and is answered 409 (it showed as a revision's non-2xx, not the other's).
    """
    import psycopg2

    last, deadline = next_booking_id(url), time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = next_booking_id(url)
        if now == last:
            break
        last = now

    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("UPDATE booking SET active_key = NULL WHERE id >= %s", (first_new_id,))
    conn.close()


def next_booking_id(url: str) -> int:
    """The id the next booking will get at least."""
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM booking")
        row = cursor.fetchone()
    conn.close()
    return int(row[0]) if row else 1


def median(results: list[Result]) -> Result:
    """Medians of each figure over the rounds."""
    return Result(rps=statistics.median(r.rps for r in results),
                  p50_ms=statistics.median(r.p50_ms for r in results),
                  p99_ms=statistics.median(r.p99_ms for r in results),
                  non_2xx=sum(r.non_2xx for r in results),
                  socket_errors=sum(r.socket_errors for r in results))


def table(rows: list[tuple[str, str, Result, float]], hello: Result) -> str:
    """The Markdown table."""
    lines = ["| request | revision | req/s | p50 ms | p99 ms | × hello-world | non-2xx / "
             "socket errors |", "|---|---|---|---|---|---|---|",
             f"| Flask hello-world `GET /` | — | {hello.rps:.0f} | {hello.p50_ms:.1f} | "
             f"{hello.p99_ms:.1f} | 1.00 | {hello.non_2xx} / {hello.socket_errors} |"]
    for name, revision, result, ratio in rows:
        lines.append(f"| {name} | {revision} | {result.rps:.0f} | {result.p50_ms:.1f} | "
                     f"{result.p99_ms:.1f} | {ratio:.2f} | {result.non_2xx} / "
                     f"{result.socket_errors} |")
    return "\n".join(lines)


def cpu_table(rows: list[tuple[str, str, dict[str, float]]]) -> str:
    """The Markdown table of where each request's CPU went."""
    lines = ["| request | revision | " + " | ".join(CPU_PARTS) + " | total |",
             "|---|---|" + "---|" * (len(CPU_PARTS) + 1)]
    for name, revision, parts in rows:
        lines.append(f"| {name} | {revision} | "
                     + " | ".join(f"{parts[part]:.2f}" for part in CPU_PARTS)
                     + f" | {sum(parts.values()):.2f} |")
    return "\n".join(lines)


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--before", default=None, help="also serve this revision (A/B)")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="1 = sync workers")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="reuse the seeded database")
    parser.add_argument("--only", default="", help="comma-separated words; rows matching any")
    args = parser.parse_args()

    ensure_database(args.database_url)
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
        instance = work / "instance"
        instance.mkdir()
        (work / "load_app.py").write_text(APP_MODULE)
        (work / "hello_app.py").write_text(HELLO_MODULE)
        started = time.perf_counter()
        data = seed(args.database_url, instance, args.keep)
        print(f"Seeded in {time.perf_counter() - started:.0f} s.", file=sys.stderr)

        redis_port = free_port()
        redis_server = stack.enter_context(process(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], log=work / "redis.log"))
        # Residents' texts go to WeChat's msg_sec_check while the request waits (as in
        # production), so the app talks to the local fake WeChat: with no WeChat reachable every
        # write would wait out the client's timeout and measure that instead of the app.
        wechat_port = free_port()
        wechat_log = work / "wechat.log"
        wechat = stack.enter_context(process(
            [sys.executable, "-m", "fake_wechat", "--port", str(wechat_port),
             "--appid", BENCH_WECHAT[0], "--secret", BENCH_WECHAT[1]], log=wechat_log, cwd=REPO))
        wechat_base = f"http://127.0.0.1:{wechat_port}"
        wait_until_up(f"{wechat_base}/sns/jscode2session?appid={BENCH_WECHAT[0]}"
                      f"&secret={BENCH_WECHAT[1]}&js_code=up&grant_type=authorization_code",
                      wechat, wechat_log)
        env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": args.database_url,
               "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "INSTANCE_PATH": str(instance),
               "GUNICORN_WORKERS": str(args.workers), "GUNICORN_THREADS": str(args.threads),
               "WECHAT_API_BASE": wechat_base, "WECHAT_APPID": BENCH_WECHAT[0],
               "WECHAT_SECRET": BENCH_WECHAT[1]}
        servers = {"hello": stack.enter_context(gunicorn(REPO, "hello_app", env, work, "hello"))}
        if args.before:
            old = stack.enter_context(worktree(args.before))
            servers["before"] = stack.enter_context(gunicorn(old, "load_app", env, work, "before"))
        servers["after"] = stack.enter_context(gunicorn(REPO, "load_app", env, work, "after"))

        hello_script = work / "hello.lua"
        hello_script.write_text(lua_script(Scenario("hello", (("GET", "/", {}, None),)),
                                           args.wrk_threads))
        chosen = [s for s in scenarios(data) if not args.only or any(
            word in s.name for word in args.only.split(","))]
        revisions: list[str] = [name for name in ("before", "after") if name in servers]
        hellos: list[Result] = []
        runs: dict[tuple[str, str], list[Result]] = {}
        ratios: dict[tuple[str, str], list[float]] = {}
        cpu: dict[tuple[str, str], list[dict[str, float]]] = {}
        first_booking = next_booking_id(args.database_url)
        measure = {"connections": args.connections, "seconds": args.seconds,
                   "threads": args.wrk_threads}
        for _ in range(args.rounds):
            hello = run_wrk(servers["hello"].base, hello_script, **measure)
            hellos.append(hello)
            for scenario in chosen:
                script = work / "scenario.lua"
                script.write_text(lua_script(scenario, args.wrk_threads))
                for revision in revisions:
                    watched = {"app": servers[revision].pid, "WeChat fake": wechat.pid,
                               "Redis": redis_server.pid}
                    cpu_before = cpu_seconds(watched)
                    result = run_wrk(servers[revision].base, script, **measure)
                    cpu_after = cpu_seconds(watched)
                    release_bookings(args.database_url, first_booking)
                    runs.setdefault((scenario.name, revision), []).append(result)
                    served = max(1.0, result.rps * args.seconds)
                    cpu.setdefault((scenario.name, revision), []).append(
                        {part: (cpu_after[part] - cpu_before[part]) * 1000 / served
                         for part in CPU_PARTS})
                    ratios.setdefault((scenario.name, revision), []).append(
                        result.rps / hello.rps)
        rows = [(s.name, revision, median(runs[s.name, revision]),
                 statistics.median(ratios[s.name, revision]))
                for s in chosen for revision in revisions]
    print(f"{args.connections} connections, {args.seconds} s per run, {args.rounds} round(s), "
          f"gunicorn {args.workers} workers × {args.threads} thread(s), PostgreSQL; medians "
          f"over rounds, ratio = median of each round's req/s over that round's hello-world.\n")
    print(table(rows, median(hellos)))
    print("\nCPU a request, ms (medians over rounds; PostgreSQL counts every server process, so "
          "run it on an otherwise idle machine):\n")
    print(cpu_table([(s.name, revision, {part: statistics.median(run[part] for run in
                                                                  cpu[s.name, revision])
                                         for part in CPU_PARTS})
                     for s in chosen for revision in revisions]))


if __name__ == "__main__":
    main()
