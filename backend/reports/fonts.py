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
                "PingFang SC", "AR PL UMing CN", "Noto Sans CJK JP")
# File names of those fonts, for a font installed after matplotlib built its font cache.
CJK_FILE_MARKS = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy", "droidsansfallback",
                  "simhei", "msyh", "pingfang", "uming")


@cache
def cjk_family() -> str | None:
    """The first installed CJK font family matplotlib can use, or None."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _first_known({font.name for font in manager.ttflist})
    if found:
        return found
    for path in font_manager.findSystemFonts():
        if any(mark in path.lower().replace("-", "").replace("_", "") for mark in CJK_FILE_MARKS):
            manager.addfont(path)
    return _first_known({font.name for font in manager.ttflist})


def _first_known(installed: set[str]) -> str | None:
    return next((family for family in CJK_FAMILIES if family in installed), None)
