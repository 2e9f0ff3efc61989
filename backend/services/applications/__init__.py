"""Applications (办件): filing, 代办, the per-service workflow, progress, re-review, evaluation.

Each use case opens one transaction that writes its change, one timeline step, one audit row and
its outbox events. Callers use the package (``applications.submit_application(...)``); the
modules are its parts: ``filing``, ``workflow`` (the stage engine), ``re_review`` (granting the
benefit and the periodic re-review), ``evaluations`` and ``queries``.
"""

from backend.models.applications import RE_REVIEW_OUTCOMES as OUTCOMES
from backend.services.applications._shared import ACTION_LABELS
from backend.services.applications.evaluations import evaluate_application, follow_ups
from backend.services.applications.filing import (
    create_application,
    material_names,
    missing_materials,
    record_upload,
    submit_application,
    withdraw_application,
)
from backend.services.applications.queries import (
    ApplicationFilter,
    get_application,
    is_overdue,
    list_applications,
    overdue_report,
    timeline,
    work_queue,
)
from backend.services.applications.re_review import open_due_re_reviews
from backend.services.applications.workflow import (
    STAFF_ACTIONS,
    escalate_overdue_steps,
    transition,
)

__all__ = [
    "ACTION_LABELS",
    "OUTCOMES",
    "STAFF_ACTIONS",
    "ApplicationFilter",
    "create_application",
    "escalate_overdue_steps",
    "evaluate_application",
    "follow_ups",
    "get_application",
    "is_overdue",
    "list_applications",
    "material_names",
    "missing_materials",
    "open_due_re_reviews",
    "overdue_report",
    "record_upload",
    "submit_application",
    "timeline",
    "transition",
    "withdraw_application",
    "work_queue",
]
