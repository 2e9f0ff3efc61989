"""Fixtures for WeChat's content checks: the applications' clock and filing bodies."""

from __future__ import annotations

from tests.applications.conftest import clock, filing  # noqa: F401 - used here too
