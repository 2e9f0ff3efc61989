"""Our own Api, Blueprint and Schema: cross-cutting behaviour written once.

- ``Blueprint.permission`` declares who may call a view (from backend.permissions), checks it
  before anything else runs, and documents 401/403 plus the view's other error statuses.
- ``Schema`` rejects unknown fields and keeps integers strict.
- ``PeeweePage`` paginates a peewee query with a COUNT instead of loading every row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import flask_smorest
import marshmallow as ma
import peewee as pw
from apispec import BasePlugin
from flask import g, request
from flask_smorest.pagination import Page, PaginationMetadataSchema
from werkzeug.routing import IntegerConverter

from backend.errors import ValidationFailed
from backend.permissions import PERMISSIONS, PUBLIC, require
from backend.prefetch import prefetch_related
from miniprogram_api import etags, timestamps, validation_messages
from miniprogram_api.errors import ERROR_DESCRIPTIONS, INVALID_JSON_BODY, ErrorSchema

# marshmallow copies a field class's messages into each field when the field is built, and our
# schemas build their fields when their modules are imported, which all import this one first.
validation_messages.install()
timestamps.install()


class Api(flask_smorest.Api):
    """flask-smorest's Api with our error envelope and handlers (installed by the app factory)."""

    ERROR_SCHEMA = ErrorSchema
    # No catch-all "default" response: every error status a route can answer is listed on it.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        """Error handlers are registered by miniprogram_api.errors instead."""

    def _init_spec(self, **kwargs: Any) -> None:
        """flask-smorest's spec, where a time of day also says its form."""
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(time_of_day_pattern)

    def _register_pagination_header(self) -> None:
        """X-Pagination is JSON text, so its docs say so (``content``), not an object ``schema``
        that a reader takes for OpenAPI's ``key,value,…`` header style."""
        self.spec.components.header("PAGINATION", {
            "description": "分页信息（JSON）：total 总数、total_pages 总页数、page 当前页等",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)


# What a time of day (marshmallow's Time: ISO 8601, as "08:30" or "08:30:00") is sent as.
TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def time_of_day_pattern(converter: Any, field: ma.fields.Field, **kwargs: Any) -> dict[str, str]:
    """apispec says only "string" for a Time field; say which strings."""
    return {"pattern": TIME_OF_DAY} if isinstance(field, ma.fields.Time) else {}


PAGINATION_KEYS = frozenset({"page", "page_size"})
# The largest id either database stores (a signed 64-bit integer); larger ones match nothing.
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` in paths, bounded to what the database can hold (beyond it: 404)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def id_parameter(converter: IdConverter) -> dict[str, Any]:
    """The OpenAPI schema of a bounded id path parameter."""
    return {"type": "integer", "minimum": 0, "maximum": MAX_ID}


class PaginationDocsPlugin(BasePlugin):
    """Describe flask-smorest's page and page_size query parameters, which it leaves bare."""

    DESCRIPTIONS: ClassVar[dict[str, str]] = {
        "page": "页码，从 1 开始（响应头 X-Pagination 给出总数与总页数）",
        "page_size": "每页条数，1 至 100，默认 20",
    }

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """Fill in the description of pagination parameters on every operation."""
        for operation in (operations or {}).values():
            for parameter in operation.get("parameters", []):
                if isinstance(parameter, dict) and parameter.get("in") == "query":
                    description = self.DESCRIPTIONS.get(parameter.get("name", ""))
                    if description and not parameter.get("description"):
                        parameter["description"] = description


def _without_nul(data: Any, path: str = "") -> None:
    """Refuse NUL characters anywhere in the input: PostgreSQL cannot store them in text."""
    if isinstance(data, str):
        if "\x00" in data:
            raise ma.ValidationError({path or "_schema": ["不能包含空字符（\\u0000）"]})
    elif isinstance(data, dict):
        for key, value in data.items():
            _without_nul(value, str(key))
    elif isinstance(data, list):
        for value in data:
            _without_nul(value, path)


class Schema(ma.Schema):
    """Base schema: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    @ma.pre_load
    def _refuse_nul_characters(self, data: Any, **kwargs: Any) -> Any:
        if hasattr(data, "keys"):
            _without_nul({key: data[key] for key in data})
        return data

    @ma.pre_load
    def _json_booleans_only(self, data: Any, **kwargs: Any) -> Any:
        # A JSON body's boolean is true or false, as the spec says; marshmallow would also take
        # 1, "yes" or "on". A query string (text by nature) still may: webargs hands it over as
        # a MultiDictProxy, a body as a dict.
        if not isinstance(data, dict):
            return data
        wrong = {key: [field.error_messages["invalid"]]
                 for key, field in ((field.data_key or name, field)
                                    for name, field in self.load_fields.items()
                                    if isinstance(field, ma.fields.Boolean))
                 if data.get(key) is not None and not isinstance(data[key], bool)}
        if wrong:
            raise ma.ValidationError(wrong)
        return data

    @ma.pre_load
    def _leave_pagination_to_the_pager(self, data: Any, **kwargs: Any) -> Any:
        # A list's query string also carries page and page_size, which the pager parses; every
        # other unknown query parameter is an error, as in a body.
        if hasattr(data, "keys") and PAGINATION_KEYS & set(data.keys()):
            return {key: data[key] for key in data if key not in PAGINATION_KEYS}
        return data


class CommandSchema(Schema):
    """A schema whose loaded data is the typed command its service takes (``command``).

    Nested lists arrive as lists of dicts or of commands; a subclass whose command nests
    others overrides ``make_command``.
    """

    command: ClassVar[type[Any]]

    @ma.post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Any:
        return self.make_command(data)

    def make_command(self, data: dict[str, Any]) -> Any:
        """Build the command from the validated fields."""
        return self.command(**data)


def _within_64_bits(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Add the 64-bit bound to a field's validators: both databases refuse anything larger."""
    given = kwargs.get("validate")
    validators = [] if given is None else list(given) if isinstance(given, list | tuple) \
        else [given]
    return {**kwargs, "validate": [*validators, ma.validate.Range(min=-MAX_ID - 1, max=MAX_ID)]}


def Int(**kwargs: Any) -> ma.fields.Integer:  # noqa: N802 - reads like a field class
    """A strict integer field: "12" and 1.5 are rejected, not coerced."""
    return ma.fields.Integer(strict=True, **_within_64_bits(kwargs))


def QueryInt(**kwargs: Any) -> ma.fields.Integer:  # noqa: N802 - reads like a field class
    """An integer from a query string, where digits can only arrive as text; "1.5" is refused."""
    return ma.fields.Integer(strict=False, **_within_64_bits(kwargs))


class PeeweePage(Page):
    """Paginate a peewee query: COUNT for the total, LIMIT/OFFSET for the page.

    A subclass names the related rows its schema shows in ``prefetch``, so a page costs a
    fixed number of queries instead of one more per item (each selected by the page's ids).
    """

    prefetch: ClassVar[tuple[type[pw.Model], ...]] = ()

    @property
    def item_count(self) -> int:
        """Total matching rows."""
        return int(self.collection.count())

    @property
    def items(self) -> list[Any]:
        """This page's rows."""
        params = self.page_params
        if params.first_item > MAX_ID:  # past any row there could be, and past bigint
            return []
        page = self.collection.limit(params.page_size).offset(params.first_item)
        return prefetch_related(list(page), *self.prefetch)


def _refuse_strict_integers(schema: Any) -> None:
    """A query string carries digits as text, so a strict ``Int`` there refuses every value."""
    fields = (schema() if isinstance(schema, type) else schema).fields
    strict = [name for name, field in fields.items()
              if isinstance(field, ma.fields.Integer) and field.strict]
    if strict:
        raise TypeError(f"query parameters {strict} of {schema!r} must be QueryInt, not Int")


def _refuse_empty_edit(view: Callable[..., Any]) -> Callable[..., Any]:
    """A PATCH that changes nothing is a mistake the caller should hear about (422)."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if request.method == "PATCH" and (not request.get_data()
                                          or request.get_json(silent=True) == {}):
            raise ValidationFailed("请至少提供一个要修改的字段", code="nothing_to_change",
                                   errors={"_schema": ["请至少提供一个要修改的字段"]})
        return view(*args, **kwargs)

    return checked


class Blueprint(flask_smorest.Blueprint):
    """A blueprint whose views each declare their permission and their error statuses."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(etags.prepare_doc)

    def versioned(self, kind: str, key: str = "id") -> Callable[..., Any]:
        """Answer with the record's version as its ETag; document If-Match (see ``etags``)."""
        return etags.versioned(kind, key)

    def arguments(self, schema: Any, *, location: str = "json", **kwargs: Any) -> Any:
        """As flask-smorest's, but a misspelt query parameter is a 422, not silently ignored."""
        if location == "query":
            kwargs.setdefault("unknown", ma.RAISE)
            _refuse_strict_integers(schema)
        parse = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return parse
        # A body that is not JSON at all (or nested past any real one) is answered 400 before
        # the schema sees it: say so beside the operation's other answers.
        invalid_body = self.alt_response(400, schema=ErrorSchema,
                                         description=INVALID_JSON_BODY)
        return lambda view: invalid_body(_refuse_empty_edit(parse(view)))

    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}  # noqa: RUF012

    def permission(self, name: str, *, errors: Iterable[int] = ()) -> Callable[..., Any]:
        """Declare the permission a view needs; check it first; document its error answers."""
        if name != PUBLIC and name not in PERMISSIONS:
            raise KeyError(f"unknown permission {name!r}")
        statuses = set(errors) | ({401, 403} if name != PUBLIC else set())

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def checked(*args: Any, **kwargs: Any) -> Any:
                refused = getattr(g, "auth_error", None)
                if refused is not None and name != PUBLIC:
                    raise refused  # say why the token failed: expired asks for a refresh
                g.actor = require(getattr(g, "actor", None), name)
                return view(*args, **kwargs)

            checked._permission = name  # type: ignore[attr-defined]
            if name == PUBLIC:  # the docs say so: no token is needed here
                checked = self.doc(security=[])(checked)
            for status in sorted(statuses):
                checked = self.alt_response(status, schema=ErrorSchema,
                                            description=ERROR_DESCRIPTIONS[status])(checked)
            return checked

        return decorator
