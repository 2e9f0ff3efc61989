"""A CJK font for charts, when the machine has one; otherwise labels fall back to codes.

The project must not depend on a hand-installed font: with none found, charts still render,
using township codes and English axis titles instead of Chinese text (which would draw as
empty boxes and emit warnings).
"""

from __future__ import annotations

from functools import cache

# Families that carry simplified Chinese, most common on Linux servers first.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Droid Sans Fallback", "SimHei", "Microsoft YaHei",
                "PingFang SC", "AR PL UMing CN")


@cache
def cjk_family() -> str | None:
    """The first installed CJK font family matplotlib can use, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)
