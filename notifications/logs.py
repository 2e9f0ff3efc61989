"""A logger that stamps the id of the job (or request) being run on every line."""

from __future__ import annotations

import logging
from typing import Any

from backend import runtime


class JobLog(logging.LoggerAdapter[logging.Logger]):
    """Prefix every line with the current job id (``runtime.request_id``)."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        """Stamp the job id."""
        return f"[job {runtime.request_id() or '-'}] {msg}", kwargs


def job_logger(name: str) -> JobLog:
    """The job-stamping logger for a module."""
    return JobLog(logging.getLogger(name), {})
