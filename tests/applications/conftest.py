"""Fixtures for the applications tests: a controllable today and upload limits."""
