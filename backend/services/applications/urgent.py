"""临时救助's urgent track (紧急救助程序): filing with a cause, the grant first, verification after.

The track is data (the service guide's ``urgent_track``): which stages run at once and in how
many hours, who grants, what is completed afterwards. ``_shared.workflow_of`` hands an urgent
application its track's workflow, so the stage engine moves it like any other; this module adds
what only the track has: its causes, its deadline, the grant (先行救助) and how it reads.
"""

from __future__ import annotations

from typing import Any

from backend import workflows
from backend.commands.applications import FileApplication
from backend.errors import ValidationFailed
from backend.models import Application
from backend.permissions import Actor
from backend.services.applications import _shared
from backend.services.applications._shared import enter, step


def causes(service_code: str) -> dict[str, str]:
    """The causes the service's urgent track accepts, code → Chinese label (empty: no track)."""
    track = workflows.urgent_track(service_code)
    return dict(track["causes"]) if track else {}


def columns(command: FileApplication) -> dict[str, Any]:
    """The urgent-track columns of a new application, after checking the request makes sense."""
    if not command.urgent:
        if command.urgent_cause is not None:
            raise ValidationFailed("只有紧急救助申请需要填写紧急原因",
                                   code="urgent_cause_unexpected",
                                   errors={"urgent_cause": ["仅在 urgent 为 true 时填写"]})
        return {}
    known = causes(command.service_code)
    if not known:
        raise ValidationFailed("该服务事项没有紧急救助程序", code="urgent_not_offered",
                               errors={"urgent": ["本事项不适用紧急救助程序"]})
    if command.urgent_cause not in known:
        raise ValidationFailed("紧急救助须选择紧急原因：" + "、".join(known.values()),
                               code="urgent_cause_required",
                               errors={"urgent_cause": sorted(known)})
    if command.urgent_cause == "other" and not command.reason.strip():
        raise ValidationFailed("紧急原因为“其他”时须在申请理由中说明", code="reason_required",
                               errors={"reason": ["必填"]})
    return {"urgent": True, "urgent_cause": command.urgent_cause}


def grant_first(application: Application, actor: Actor, comment: str,
                following: workflows.Stage) -> None:
    """先行救助: the township grants, and the application goes on to its post-hoc stages."""
    application.granted_at = _shared.now()
    step(application, actor, "grant_first", comment=comment, to_stage=following.stage,
         details={"benefit_fen": application.benefit_fen,
                  "within_track": granted_within_track(application)})
    enter(application, following, _shared.today())


def granted_within_track(application: Application) -> bool | None:
    """Whether the grant came before the track's deadline (None: not granted yet)."""
    if application.granted_at is None or application.track_due_at is None:
        return None
    return bool(application.granted_at <= application.track_due_at)


def track_view(application: Application) -> dict[str, Any] | None:
    """How the timeline shows the urgent track, or None on the ordinary track."""
    if not application.urgent:
        return None
    wf = workflows.urgent_workflow(application.service_code)
    return {"code": wf.track, "label": workflows.TRACKS[wf.track],
            "cause": application.urgent_cause,
            "cause_label": causes(application.service_code).get(application.urgent_cause or ""),
            "time_limit_hours": wf.time_limit_hours, "due_at": application.track_due_at,
            "granted_at": application.granted_at,
            "granted_within_track": granted_within_track(application),
            "post_hoc_stages": [s.stage for s in wf.stages if s.post_hoc]}
