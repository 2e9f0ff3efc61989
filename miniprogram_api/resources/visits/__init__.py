"""Visit records (探访记录) and care visits that fell due (定期探访)."""
