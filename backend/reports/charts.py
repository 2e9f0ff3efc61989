"""Charts of a supervision report as PNG bytes, drawn with matplotlib's Agg backend.

Figures are built with ``matplotlib.figure.Figure`` and an Agg canvas, never pyplot, so no
global state is shared between requests or worker threads.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless servers and workers: never try to open a window

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from backend.reports.fonts import cjk_family


def _figure(rows: int) -> Figure:
    figure = Figure(figsize=(9, max(3.0, 0.45 * rows + 1.5)), dpi=100)
    FigureCanvasAgg(figure)
    family = cjk_family()
    if family:
        figure.set_layout_engine("constrained")
    return figure


def _text(chinese: str, fallback: str) -> str:
    """Chinese when a CJK font is installed, else a plain fallback that renders everywhere."""
    return chinese if cjk_family() else fallback


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _font() -> dict[str, Any]:
    family = cjk_family()
    return {"family": family} if family else {}


def ranking_chart(data: dict[str, Any]) -> bytes:
    """Townships' compliance scores, best first (达标率排名)."""
    ranking = data["ranking"]
    figure = _figure(len(ranking))
    axes = figure.add_subplot()
    labels = [_text(r["township_name"], r["township_code"]) for r in ranking][::-1]
    scores = [r["score"] for r in ranking][::-1]
    bars = axes.barh(range(len(scores)), scores,
                     color=["#c0392b" if s < 100 else "#27ae60" for s in scores])
    axes.set_yticks(range(len(labels)), labels, **_font())
    axes.set_xlim(0, 112)
    axes.bar_label(bars, fmt="%.1f", padding=2)
    axes.set_xlabel(_text("达标率（%）", "standards met (%)"), **_font())
    axes.set_title(_text(data["title"] + " 乡镇达标率排名",
                         f"{data['kind']} {data['period']}: compliance by township"), **_font())
    if not cjk_family():
        figure.tight_layout()
    return _png(figure)


def standards_chart(data: dict[str, Any]) -> bytes:
    """Share of townships meeting each standard (各项标准达标率)."""
    summary = data["city_wide"]
    figure = _figure(len(summary))
    axes = figure.add_subplot()
    labels = [_text(s["label"], s["code"]) for s in summary][::-1]
    rates = [s["pass_rate_percent"] or 0 for s in summary][::-1]
    bars = axes.barh(range(len(rates)), rates, color="#2e86c1")
    axes.set_yticks(range(len(labels)), labels, **_font())
    axes.set_xlim(0, 112)
    axes.bar_label(bars, fmt="%.0f", padding=2)
    axes.set_xlabel(_text("达标乡镇占比（%）", "townships meeting the standard (%)"), **_font())
    axes.set_title(_text("各项标准达标情况", f"{data['period']}: standards met city-wide"),
                   **_font())
    if not cjk_family():
        figure.tight_layout()
    return _png(figure)


CHARTS: dict[str, Callable[[dict[str, Any]], bytes]] = {
    "ranking": ranking_chart, "standards": standards_chart}


def write_charts(data: dict[str, Any], folder: Path) -> list[Path]:
    """Every chart of the report as a PNG file in ``folder``."""
    paths = []
    for name, draw in CHARTS.items():
        path = folder / f"{data['kind']}-{data['period']}-{name}.png"
        path.write_bytes(draw(data))
        paths.append(path)
    return paths
