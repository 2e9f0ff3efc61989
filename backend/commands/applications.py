"""Commands of applications (办件): filing, the workflow's verbs, withdrawing, rating."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class HouseholdMember:
    """One member of the applicant's household, as declared when filing."""

    name: str
    relation: str
    id_number: str
    monthly_income_fen: int = 0


@dataclass(frozen=True)
class ProxyFiling:
    """The authority a coordinator files on (代办): who gave it, when, how, at the door or not."""

    authorised_by: str
    authorised_at: datetime
    method: str  # signed_form | in_person
    doorstep: bool = False


@dataclass(frozen=True)
class CounterIntake:
    """A walk-in applicant at the township's window (一门受理): staff saw the ID document."""

    id_document_checked: bool  # the service refuses False
    link_code: str | None = None  # the applicant's WeChat link code, if they show one


@dataclass(frozen=True)
class FileApplication:
    """File an application for a service, as a draft or submitted at once."""

    service_code: str
    applicant_name: str
    applicant_id_number: str
    village_id: int
    address: str
    phone: str | None = None
    household_members: tuple[HouseholdMember, ...] = ()
    declared_income_fen: int = 0
    declared_assets_fen: int = 0
    assets_note: str = ""
    reason: str = ""
    proxy: ProxyFiling | None = None  # required of a coordinator, refused from a resident
    counter: CounterIntake | None = None  # required of township staff, refused from others
    submit: bool = False
    urgent: bool = False  # the urgent track (紧急救助程序), where the service has one
    urgent_cause: str | None = None  # one of the track's causes; required when urgent


@dataclass(frozen=True)
class WithdrawApplication:
    """Withdraw an application before it is decided."""

    reason: str = ""


@dataclass(frozen=True)
class AdvanceApplication:
    """Close the current stage and hand the application to the next one."""

    comment: str = ""
    proposed_benefit_fen: int | None = None  # 核查 proposes the amount the notice publishes


@dataclass(frozen=True)
class RequestSupplement:
    """Return the application for the listed materials (补正); its clock pauses meanwhile."""

    missing_materials: tuple[str, ...] = ()  # catalogue codes; the service refuses none or unknown
    comment: str = ""


@dataclass(frozen=True)
class RejectApplication:
    """Refuse the application (不予批准); the service refuses a blank reason."""

    reason: str = ""


@dataclass(frozen=True)
class ApproveApplication:
    """Approve the application with the monthly benefit; a re-review also names its outcome."""

    benefit_fen: int | None = None
    outcome: str | None = None  # a ReReviewOutcome, for re-reviews only
    comment: str = ""


@dataclass(frozen=True)
class RecordObjection:
    """Record an objection raised during the public notice (公示)."""

    content: str = ""


@dataclass(frozen=True)
class ResolveObjection:
    """Resolve an objection so the application may move on."""

    objection_id: int | None = None
    resolution: str = ""


@dataclass(frozen=True)
class EvaluateApplication:
    """Rate a decided application 1–5 (好差评)."""

    rating: int
    comment: str = ""


@dataclass(frozen=True)
class CloseFollowUp:
    """Close a follow-up of a poor rating with what was found and done (回访情况)."""

    note: str
