"""The week's plan (周探访安排): place a township's week of visits on days, read it, pin visits."""
