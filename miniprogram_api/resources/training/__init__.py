"""Training and yearly assessment per person."""
