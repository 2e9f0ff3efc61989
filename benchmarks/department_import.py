"""Importing a department's file of 10 000 rows for the household economic check.

``python -m benchmarks.department_import [--rows 10000] [--households 2500] [--rounds 3]
[--database-url URL]`` creates a city with ``--households`` applications at the verification
stage (applicant and spouse each, so twice as many people), builds their blind-index rows once,
then imports one 人社 file of ``--rows`` rows (three in four match a household member, one in
four names nobody) as CSV and as XLSX, each as a dry run and as an import. Every import runs in
a transaction rolled back afterwards, so each round starts from the same data. Time is the
median wall time over the rounds without tracing; peak memory is one more run of each mode
under ``tracemalloc`` (Python allocations only). Prints a Markdown table and the ratios.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

CITY, TOWNSHIP, VILLAGE = "410184", "410184001", "410184001201"
MODES = ("csv dry run", "csv import", "xlsx dry run", "xlsx import")


def _seed(households: int) -> list[str]:
    """The city, one village, the applications under check; answers the people's ID numbers."""
    from backend import pii, runtime
    from backend.models import Application, City, Township, Village
    from backend.permissions import SYSTEM
    from backend.services.department_data import under_check

    city = City.create(code=CITY, name="基准市")
    township = Township.create(city=city, code=TOWNSHIP, name="基准镇", kind="town",
                               population=40_000, elderly_population=6_000,
                               office_address="基准路1号", lat=34.4, lng=113.7)
    village = Village.create(township=township, code=VILLAGE, name="基准村", kind="village",
                             lat=34.4, lng=113.7)
    vault, numbers = runtime.vault(), []
    for n in range(households):
        applicant = pii.make_id_number("410184", _birth(n), f"{(2 * n) % 1000:03d}")
        spouse = pii.make_id_number("410185", _birth(n), f"{(2 * n + 1) % 1000:03d}")
        numbers += [applicant, spouse]
        application = Application.create(
            reference=f"BENCH{n:06d}", service_code="subsistence_allowance", village=village,
            area_code=VILLAGE, applicant_name=f"申请人{n}", applicant_id_enc="",
            applicant_id_index=vault.blind_index(applicant, kind="id_number"),
            applicant_id_masked=pii.mask_id_number(applicant, viewer="staff"),
            address="基准村", status="in_review", stage="verification",
            declared_income_fen=80_000)
        application.applicant_id_enc = vault.encrypt(
            applicant, context=f"application:{application.id}:applicant")
        application.household_members = [{
            "name": "配偶", "relation": "配偶", "monthly_income_fen": 80_000,
            "id_enc": vault.encrypt(spouse, context=f"application:{application.id}:member:0"),
            "id_masked": pii.mask_id_number(spouse, viewer="staff")}]
        application.save()
    from backend.services.department_data import index_household
    for application in under_check(SYSTEM):
        index_household(application, SYSTEM)
    return numbers


def _birth(n: int) -> object:
    from datetime import date, timedelta
    return date(1950, 1, 1) + timedelta(days=n // 500)


def _rows(numbers: list[str], count: int) -> list[list[object]]:
    """Three in four rows name a person under check, the fourth nobody known."""
    from datetime import date

    from backend import pii

    rows: list[list[object]] = []
    for n in range(count):
        if n % 4 == 3:
            number = pii.make_id_number("410199", date(1980, 1, 1), f"{n % 1000:03d}")
        else:
            number = numbers[n % len(numbers)]
        rows.append([number, f"人{n}", "工资", 1000 + n % 3000])
    return rows


def _files(rows: list[list[object]]) -> dict[str, bytes]:
    from openpyxl import Workbook

    header = ["身份证号", "姓名", "收入类型", "月收入（元）"]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("人社")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return {"csv": text.getvalue().encode(), "xlsx": buffer.getvalue()}


def _importer(content: bytes, name: str, dry_run: bool) -> Callable[[], tuple[int, int]]:
    from backend.db import db
    from backend.permissions import SYSTEM
    from backend.services.department_data import import_department_file

    def run() -> tuple[int, int]:
        with db.atomic() as transaction:
            report = import_department_file("hrss", content, name, dry_run=dry_run,
                                            actor=SYSTEM)
            transaction.rollback()
        return report.matched, len(report.unmatched)
    return run


def run(rows: int, households: int, rounds: int, database_url: str | None) -> str:
    """Seed, build the files, time every mode, answer the tables."""
    from backend import migrate
    from backend.db import db
    from miniprogram_api import create_app

    instance = Path(tempfile.mkdtemp(prefix="bench-department-"))
    url = database_url or f"sqlite:///{instance / 'bench.db'}"
    create_app({"instance_path": instance, "database_url": url, "redis_url": ""})
    with db.connection_context():
        migrate.upgrade(db.obj)
        seeded = time.perf_counter()
        with db.atomic():
            numbers = _seed(households)
        seeded = time.perf_counter() - seeded
        files = _files(_rows(numbers, rows))
        runs = {mode: _importer(files[mode.split()[0]], f"hrss.{mode.split()[0]}",
                                mode.endswith("dry run")) for mode in MODES}
        seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
        outcome: dict[str, tuple[int, int]] = {}
        for _ in range(rounds):
            for mode, call in runs.items():
                began = time.perf_counter()
                outcome[mode] = call()
                seconds[mode].append(time.perf_counter() - began)
        peaks = {}
        for mode, call in runs.items():
            tracemalloc.start()
            call()
            peaks[mode] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    kind = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    lines = [f"{rows} rows of 人社 against {households} households ({2 * households} people) "
             f"at 核查, {kind}, {rounds} rounds; seeding and indexing took {seeded:.1f} s.", "",
             "| mode | file size KiB | matched | unmatched | median s | rows/s | peak MiB |",
             "|---|---|---|---|---|---|---|"]
    for mode in MODES:
        median = statistics.median(seconds[mode])
        size = len(files[mode.split()[0]]) / 1024
        lines.append(f"| {mode} | {size:.0f} | {outcome[mode][0]} | {outcome[mode][1]} | "
                     f"{median:.2f} | {rows / median:.0f} | {peaks[mode]:.1f} |")
    ratio = (statistics.median(seconds["xlsx import"])
             / statistics.median(seconds["csv import"]))
    write = (statistics.median(seconds["csv import"])
             / statistics.median(seconds["csv dry run"]))
    lines += ["", f"xlsx / csv import: {ratio:.2f}x time; csv import / dry run: {write:.2f}x"]
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, run, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--households", type=int, default=2_500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="a scratch database (default: temporary SQLite)")
    args = parser.parse_args()
    print(run(args.rows, args.households, args.rounds, args.database_url))


if __name__ == "__main__":
    main()
