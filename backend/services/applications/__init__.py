"""Applications (办件): filing, 代办, the per-service workflow, progress, re-review, evaluation.

Each use case opens one transaction that writes its change, one timeline step, one audit row and
its outbox events. Callers use the package (``applications.approve_application(...)``), each
verb taking its command from ``backend.commands.applications``; the modules are its parts:
``filing``, ``workflow`` (the stage engine), ``moves`` (which moves an actor may make now, the
guard the verbs share), ``urgent`` (临时救助's urgent track), ``escalation`` (late stages),
``re_review`` (granting the benefit and the periodic re-review), ``evaluations``, ``queries``
and ``receipts`` (受理回执).
"""

from collections.abc import Callable
from typing import Any

from backend.commands import applications as commands
from backend.services.applications._shared import ACTION_LABELS
from backend.services.applications.escalation import (
    escalate_late_urgent_stages,
    escalate_overdue_steps,
)
from backend.services.applications.evaluations import (
    close_follow_up,
    evaluate_application,
    follow_ups,
)
from backend.services.applications.filing import (
    file_application,
    material_names,
    missing_materials,
    record_upload,
    submit_application,
    withdraw_application,
)
from backend.services.applications.moves import AllowedMoves, allowed_moves
from backend.services.applications.queries import (
    ApplicationFilter,
    QueueFilter,
    get_application,
    is_overdue,
    list_applications,
    overdue_report,
    queue_summary,
    timeline,
    work_queue,
)
from backend.services.applications.re_review import open_due_re_reviews
from backend.services.applications.receipts import receipt, receipt_facts
from backend.services.applications.workflow import (
    advance_application,
    approve_application,
    record_objection,
    reject_application,
    request_supplement,
    resolve_objection,
)

# Which verb carries out each workflow command: the API's one transitions endpoint and the
# console's action forms both hand a command here, so neither holds its own mapping.
VERBS: dict[type[Any], Callable[..., Any]] = {
    commands.AdvanceApplication: advance_application,
    commands.RequestSupplement: request_supplement,
    commands.RejectApplication: reject_application,
    commands.ApproveApplication: approve_application,
    commands.RecordObjection: record_objection,
    commands.ResolveObjection: resolve_objection,
}

__all__ = [
    "ACTION_LABELS",
    "VERBS",
    "AllowedMoves",
    "ApplicationFilter",
    "QueueFilter",
    "advance_application",
    "allowed_moves",
    "approve_application",
    "close_follow_up",
    "escalate_late_urgent_stages",
    "escalate_overdue_steps",
    "evaluate_application",
    "file_application",
    "follow_ups",
    "get_application",
    "is_overdue",
    "list_applications",
    "material_names",
    "missing_materials",
    "open_due_re_reviews",
    "overdue_report",
    "queue_summary",
    "receipt",
    "receipt_facts",
    "record_objection",
    "record_upload",
    "reject_application",
    "request_supplement",
    "resolve_objection",
    "submit_application",
    "timeline",
    "withdraw_application",
    "work_queue",
]
