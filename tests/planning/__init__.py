"""Tests of the planning service and the route API (#5)."""
