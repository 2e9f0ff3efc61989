"""Daily route plans (探访路线): plan a township's day, read it, adjust and re-optimise."""
