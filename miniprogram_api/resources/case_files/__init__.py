"""A client's case file (档案)."""
