"""Scope as a code range: exactly the codes a prefix match gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from backend.permissions import area_bounds

codes = st.text(alphabet="0123456789", max_size=12)


@given(prefix=st.text(alphabet="0123456789", min_size=1, max_size=12), code=codes)
def test_the_range_holds_exactly_the_codes_under_the_prefix(prefix: str, code: str) -> None:
    bounds = area_bounds(prefix)
    if bounds is None:
        assert set(prefix) == {"9"}
        return
    low, high = bounds
    assert (low <= code < high) == code.startswith(prefix)


def test_neighbouring_townships_and_their_villages_fall_apart() -> None:
    low, high = area_bounds("410184001") or ("", "")
    assert low <= "410184001012" < high
    assert not low <= "410184010001" < high and not low <= "410184002001" < high
    assert area_bounds("999") is None and area_bounds("41x") is None
