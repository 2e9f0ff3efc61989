"""Operations for the city bureau: queues, failed jobs, send outcomes (运行监控)."""
