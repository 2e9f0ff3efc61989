"""The service guide (办事指南): the shipped fixture with the city's audited edits laid over it."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from contextvars import ContextVar
from functools import cache
from types import MappingProxyType
from typing import Any

from backend import audit, outbox, runtime, workflows
from backend.commands import given
from backend.commands.service_guide import EditServiceGuide
from backend.db import db
from backend.models import ServiceGuideEdit, utcnow
from backend.permissions import Actor, require
from backend.versions import ExpectedVersions, hold_version

# What a city may rewrite; the workflow itself stays data in the fixture, shipped with the code.
EDITABLE = ("name", "short_name", "legal_basis", "eligibility", "procedure", "time_limit_days",
            "materials", "sample_form", "fee", "service_commitment", "complaint_phone")


# A list of applications names each one's service and materials, so the guide is read many
# times per request while it changes a few times a year: read the edits once per unit of work.
# Each service's edits and their version (an unedited service is at version 0).
_Edits = dict[str, tuple[dict[str, Any], int]]
_edits_seen: ContextVar[tuple[str, _Edits] | None] = ContextVar(
    "service_guide_edits", default=None)


def _edits() -> _Edits:
    request = runtime.request_id()
    seen = _edits_seen.get()
    if request is not None and seen is not None and seen[0] == request:
        return seen[1]
    edits = {row.code: (row.content, row.version) for row in ServiceGuideEdit.select()}
    if request is not None:
        _edits_seen.set((request, edits))
    return edits


@cache
def _fixture_digest() -> bytes:
    """The shipped guide's digest: it changes only with a new release."""
    return hashlib.sha256(json.dumps(workflows.guide(), sort_keys=True).encode()).digest()


# Edits this process has made (the cache of the guide's answer rechecks after each at once).
_local_edits = 0


def local_edits() -> int:
    """How many guide edits this process has made since it started."""
    return _local_edits


def guide_stamp() -> str:
    """A digest of everything the published guide is built from: the shipped fixture and the
    city's edits as the database holds them now, so any audited edit changes it."""
    digest = hashlib.sha256(_fixture_digest())
    digest.update(json.dumps(sorted(_edits().items()), sort_keys=True, default=str).encode())
    return digest.hexdigest()[:24]


def _merged(code: str, edit: tuple[dict[str, Any], int] | None) -> dict[str, Any]:
    content, version = edit or ({}, 0)
    entry = copy.deepcopy(workflows.service(code))
    entry.update(copy.deepcopy(content))
    entry["workflow_stages"] = [s for s in entry["workflow"]["stages"] if s["applies"]]
    entry["version"] = version  # counts the city's edits: the entry's ETag
    return entry


def list_services() -> list[dict[str, Any]]:
    """Every service's published guide, in the fixture's order."""
    edits = _edits()
    return [_merged(code, edits.get(code)) for code in workflows.guide()["services"]]


def get_service(code: str) -> dict[str, Any]:
    """One service's published guide, or NotFound."""
    workflows.service(code)
    return _merged(code, _edits().get(code))


def materials_of(code: str) -> tuple[Mapping[str, Any], ...]:
    """The material list currently published for a service (read-only views of it)."""
    # Read for every application a page shows: views, not copies (a deep copy of the list was
    # a fifth of a work queue page's time), and read-only so no caller can change the guide.
    content, _ = _edits().get(code) or ({}, 0)
    materials = content["materials"] if "materials" in content else workflows.service(code)[
        "materials"]
    return tuple(MappingProxyType(material) for material in materials)


def update_service(code: str, cmd: EditServiceGuide, *, actor: Actor,
                   expected_versions: ExpectedVersions = None) -> dict[str, Any]:
    """Edit a service's published guide (city bureau); audited with before and after."""
    require(actor, "services.update")
    changes = given(cmd)
    with db.atomic():
        before = get_service(code)
        row, _ = ServiceGuideEdit.get_or_create(code=code, defaults={"content": {}, "version": 0})
        hold_version(row, expected_versions)
        content = dict(row.content)
        content.update({key: value for key, value in changes.items() if key in EDITABLE})
        row.content, row.updated_at, row.updated_by = content, utcnow(), actor.id
        row.save()
        _edits_seen.set(None)
        global _local_edits
        _local_edits += 1
        after = get_service(code)
        audit.record(actor=actor, action="service_guide.update", entity="service", entity_id=code,
                     changes=audit.diff({k: before[k] for k in changes},
                                        {k: after[k] for k in changes}))
        outbox.emit("service_guide.updated", service_code=code)
    return after
