"""Accessibility in the browser walks: axe-core (vendored with the console) checks a page as it
stands, and a serious or critical violation fails the walk.

``check_accessibility(page)`` checks the page now. ``AxeWatch(page)`` remembers every page the
tab loads; its ``check()`` checks the current one and ``finish()`` fails the walk if a loaded
page was never checked, so a walk cannot pass through a page unexamined.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import console

AXE = Path(console.__file__).resolve().parent / "static" / "vendor" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']} "
                     f"({len(violation['nodes'])}×) {targets}")
    return "\n".join(lines)


def check_accessibility(page: Any) -> None:
    """Run axe-core on the page as it is now; fail on serious or critical violations."""
    page.wait_for_load_state()
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    failing = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"axe-core on {page.url}:\n{_describe(failing)}"


class AxeWatch:
    """Every page a tab loads, each to be checked before the walk ends."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.unchecked: list[str] = []
        page.on("load", lambda loaded: self.unchecked.append(loaded.url))

    def check(self) -> None:
        """Check the page the tab shows now."""
        check_accessibility(self.page)
        self.unchecked = [url for url in self.unchecked if url != self.page.url]

    def finish(self) -> None:
        """Fail if the walk loaded a page it never checked."""
        assert not self.unchecked, f"pages loaded but never checked: {self.unchecked}"


def sign_in_checked(page: Any, axe: AxeWatch, username: str, password: str) -> None:
    """Sign in through the form, the login page checked on the way."""
    page.goto("/console/login")
    axe.check()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
