"""The leak watch itself: it must catch what it is there to catch."""

from __future__ import annotations

from tests import conftest
from tests.factories import id_number


def test_the_watch_flags_a_full_id_number_a_phone_and_a_session_key() -> None:
    before = len(conftest.LEAKS)
    conftest._scan("probe", f"id={id_number(3)} tel 13812345678 {{'session_key': 'x'}}")
    flagged = conftest.LEAKS[before:]
    del conftest.LEAKS[before:]  # the probe is not a real leak
    assert len(flagged) == 1 and "session_key" in flagged[0] and "13812345678" in flagged[0]


def test_the_watch_ignores_masked_values() -> None:
    before = len(conftest.LEAKS)
    conftest._scan("probe", "410184********0031 138****1234 session_key_enc")
    assert len(conftest.LEAKS) == before


def test_the_watch_does_not_mistake_a_hash_for_a_phone() -> None:
    before = len(conftest.LEAKS)
    conftest._scan("probe", "index=9f3a14255922672bd0c4e1aa90e1f2b3c4d5e6f7")
    assert len(conftest.LEAKS) == before
