"""The applications resource (办件)."""
