"""Related rows of a page, each kind in one query by the page's ids.

peewee's `prefetch` selects the related rows `WHERE key IN (<the page's query>)`: the page's
query is written out again inside each related query (its filters, order, offset) and the
database runs it again for each, so a page of applications with materials and filers ran its
filter and sort three times, and a city-wide page of clients scanned the city's names twice
(the dearest part of those pages at city size). The page is already in memory, so here the
related rows are selected by the ids it holds; the rows are attached as peewee's prefetch
attaches them (a foreign key's object, a back-reference's list), so schemas read them alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import peewee as pw

M = TypeVar("M", bound=pw.Model)


def prefetch_related(rows: Sequence[M], *models: type[pw.Model]) -> list[M]:
    """The rows with each related model's rows attached (foreign keys and back-references)."""
    rows = list(rows)
    if not rows:
        return rows
    model = type(rows[0])
    for related in models:
        for field in model._meta.refs:
            if field.rel_model is related:
                _attach_referenced(rows, field)
        for field in related._meta.refs:
            if field.rel_model is model and field.backref != "+":
                _attach_referring(rows, field)
    return rows


def _attach_referenced(rows: list[Any], field: pw.ForeignKeyField) -> None:
    """Each row's `field` set to the row it names (one query for the page)."""
    keys = {row.__data__.get(field.name) for row in rows} - {None}
    if not keys:
        return
    target = field.rel_field
    found = {getattr(item, target.name): item
             for item in field.rel_model.select().where(target.in_(sorted(keys)))}
    for row in rows:
        item = found.get(row.__data__.get(field.name))
        if item is not None:
            setattr(row, field.name, item)
            row._dirty.discard(field.name)  # as loaded, not a change to save


def _attach_referring(rows: list[Any], field: pw.ForeignKeyField) -> None:
    """Each row's back-reference of `field` set to the list of rows pointing at it."""
    source = field.rel_field.name
    by_key = {getattr(row, source): row for row in rows}
    groups: dict[Any, list[Any]] = {key: [] for key in by_key}
    query = (field.model.select().where(field.in_(sorted(by_key)))
             .order_by(field.model._meta.primary_key))
    for item in query:
        owner = by_key[item.__data__[field.name]]
        setattr(item, field.name, owner)
        item._dirty.discard(field.name)
        groups[getattr(owner, source)].append(item)
    for key, row in by_key.items():
        setattr(row, field.backref, groups[key])
