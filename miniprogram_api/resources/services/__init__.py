"""The service guide resource (办事指南)."""
