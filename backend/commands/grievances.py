"""Commands of complaints and requests (诉求): filing one, answering it, rating the answer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileGrievance:
    """A resident's complaint or request about an application, a visit, a staff member or else.

    Exactly the id its subject needs: ``application_id``, ``visit_id``, ``staff_id``, or for
    anything else the ``village_id`` it concerns.
    """

    subject: str  # GRIEVANCE_SUBJECTS
    content: str
    application_id: int | None = None
    visit_id: int | None = None
    staff_id: int | None = None
    village_id: int | None = None


@dataclass(frozen=True)
class ResolveGrievance:
    """Answer a grievance with what was done (答复); the resident is told."""

    resolution: str


@dataclass(frozen=True)
class RateGrievance:
    """The resident rates the answer 1–5."""

    rating: int
    comment: str = ""
