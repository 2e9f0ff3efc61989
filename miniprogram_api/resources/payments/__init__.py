"""Benefit payments: residents read their own, the office its payrolls."""
