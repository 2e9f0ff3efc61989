"""A social worker's own route for a day (我的路线)."""
