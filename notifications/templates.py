"""One template per event: what the inbox says, and the WeChat subscribe message's values.

The table (``TEMPLATES``) is the documentation of every topic we notify about:

| topic                            | template key           | to whom             | page (id=)  |
|----------------------------------|------------------------|---------------------|-------------|
| application.submitted            | application_received   | applicant           | application |
| application.stage_changed        | application_stage      | applicant           | application |
| application.supplement_requested | application_supplement | applicant           | materials   |
| application.decided              | application_decided    | applicant           | application |
| application.receipt_issued       | application_receipt    | applicant's account | receipt*    |
| client.linked                    | client_linked          | client's accounts   | clients*    |
| client.unlinked                  | client_unlinked        | client's accounts   | clients*    |
| application.granted              | application_granted    | applicant           | application |
| booking.approved                 | booking_approved       | resident who booked | booking     |
| booking.rejected                 | booking_rejected       | resident who booked | booking     |
| booking.proposed                 | booking_proposed       | resident who booked | booking     |
| visit.planned                    | visit_planned          | resident who booked | booking     |
| visit.reminder                   | visit_reminder         | resident who booked | booking     |
| re_review.due                    | re_review_due          | client's residents  | application |
| plan.published                   | plan_published         | plan's workers      | route*      |
| application.escalated            | step_overdue           | head (city: late)  | application*|
| grievance.filed                  | grievance_assigned     | its owner (staff)   | grievance*  |
| grievance.escalated              | grievance_escalated    | its new owner       | grievance*  |
| grievance.resolved               | grievance_resolved     | resident who filed  | grievance   |

(*) inbox only: staff have no openid to send to; a receipt and link notices need no
subscription, they wait in the inbox.

Payloads carry ids only (``booking_id``, ``application_id``, ``plan_id``...); the recipients
and the words are looked up when the event is processed (``notifications.recipients``).

WeChat limits each keyword by its type (the name without its number: ``thing1`` is a thing):
``thing`` ≤ 20 characters, ``phrase`` ≤ 5 Chinese characters, ``name`` ≤ 10, ``character_string``
≤ 32 ASCII letters, digits and symbols, ``number`` ≤ 32 digits, ``time`` like
``2026年11月25日 14:30``, ``date`` like ``2026年11月25日``. Values are shaped to fit here (cut with
an ellipsis, filtered, formatted), never rejected at send time: a 47003 would lose the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from backend import runtime
from backend.config import Settings
from backend.errors import ValidationFailed
from backend.models.base import LOCAL_TZ

LIMITS = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32,
          "letter": 32, "symbol": 5}
ELLIPSIS = "…"


@dataclass(frozen=True)
class Template:
    """The words of one notification; ``fields`` maps WeChat keywords to context names."""

    key: str
    title: str
    body: str  # the inbox text, formatted with the context
    page: str  # the mini-program page that opens the item, formatted with the context
    fields: tuple[tuple[str, str], ...] = ()  # (keyword, context name); empty: inbox only

    def template_id(self, settings: Settings) -> str:
        """The WeChat template id, configured per mini-program (``WECHAT_TEMPLATES``)."""
        return settings.wechat_templates.get(self.key, f"tmpl-{self.key}")

    def render(self, context: dict[str, Any]) -> tuple[str, str, dict[str, str]]:
        """Answer (inbox body, page, WeChat data) with every value shaped to its keyword."""
        safe = _Defaulting({k: v for k, v in context.items() if v is not None})
        body = self.body.format_map(_Defaulting({k: _plain(v) for k, v in safe.items()}))
        page = self.page.format_map(safe)
        data = {keyword: shape(keyword, safe.get(name, "")) for keyword, name in self.fields}
        return body, page, data


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "-"


TEMPLATES: dict[str, Template] = {
    "application.submitted": Template(
        "application_received", "申请已受理提交",
        "您的{service}申请已提交，受理编号{number}。",
        "pages/applications/detail?id={application_id}",
        (("thing1", "service"), ("character_string2", "number"), ("time3", "at"),
         ("phrase4", "status"))),
    "application.stage_changed": Template(
        "application_stage", "办理进度更新",
        "您的{service}申请已进入{stage}环节。",
        "pages/applications/detail?id={application_id}",
        (("thing1", "service"), ("phrase2", "stage"), ("time3", "at"), ("thing4", "note"))),
    "application.supplement_requested": Template(
        "application_supplement", "需要补正材料",
        "您的{service}申请需要补正材料：{note}",
        "pages/applications/materials?id={application_id}",
        (("thing1", "service"), ("thing2", "note"), ("date3", "due"))),
    "application.decided": Template(
        "application_decided", "审批结果通知",
        "您的{service}申请审批结果：{result}。{note}",
        "pages/applications/detail?id={application_id}",
        (("thing1", "service"), ("phrase2", "result"), ("time3", "at"), ("thing4", "note"))),
    "application.receipt_issued": Template(
        "application_receipt", "受理回执",
        "您的{service}申请已在{township}民政办窗口受理，办件编号{number}。已收材料：{materials}。"
        "承诺办理时限{limit}个工作日，预计{due}前办结。{follow_up}。",
        "pages/applications/receipt?id={application_id}"),
    "client.linked": Template(
        "client_linked", "关联服务对象",
        "微信账号已关联服务对象{client}（关系：{relation}；核验方式：{method}）。"
        "如非您或家人办理，请及时联系乡镇民政办。",
        "pages/me/clients?id={client_id}"),
    "client.unlinked": Template(
        "client_unlinked", "解除关联",
        "微信账号与服务对象{client}的关联已解除（关系：{relation}）。如非您或家人办理，请及时联系乡镇民政办。",
        "pages/me/clients?id={client_id}"),
    "application.granted": Template(
        "application_granted", "紧急救助已先行发放",
        "您的{service}申请已按紧急救助程序先行救助，核查手续将事后补齐。{note}",
        "pages/applications/detail?id={application_id}",
        (("thing1", "service"), ("phrase2", "result"), ("time3", "at"), ("thing4", "note"))),
    "booking.approved": Template(
        "booking_approved", "上门探访预约已安排",
        "您为{client}预约的{kind}已安排在{day}{window}。",
        "pages/bookings/detail?id={booking_id}",
        (("name1", "client"), ("thing2", "kind"), ("date3", "day"), ("phrase4", "window"))),
    "booking.rejected": Template(
        "booking_rejected", "上门探访预约未通过",
        "您为{client}预约的{kind}未通过：{note}",
        "pages/bookings/detail?id={booking_id}",
        (("name1", "client"), ("thing2", "kind"), ("phrase3", "result"), ("thing4", "note"))),
    "booking.proposed": Template(
        "booking_proposed", "建议改期",
        "您为{client}预约的{kind}建议改到{day}{window}，请确认。",
        "pages/bookings/detail?id={booking_id}",
        (("name1", "client"), ("thing2", "kind"), ("date3", "day"), ("thing4", "note"))),
    "visit.planned": Template(
        "visit_planned", "社工上门时间已确定",
        "社工将于{arrival}前后上门为{client}提供{kind}。",
        "pages/bookings/detail?id={booking_id}",
        (("name1", "client"), ("thing2", "kind"), ("time3", "arrival"), ("thing4", "window"))),
    "visit.reminder": Template(
        "visit_reminder", "明日上门提醒",
        "明天{window}社工将上门为{client}提供{kind}，请留意。",
        "pages/bookings/detail?id={booking_id}",
        (("name1", "client"), ("thing2", "kind"), ("date3", "day"), ("thing4", "window"))),
    "re_review.due": Template(
        "re_review_due", "定期复核提醒",
        "{client}的{service}即将到期复核，请在{due}前准备材料。",
        "pages/applications/detail?id={application_id}",
        (("name1", "client"), ("thing2", "service"), ("date3", "due"))),
    "application.escalated": Template(
        "step_overdue", "办理环节超期",
        "{service}申请（编号{number}）的{stage}环节已超期，应于{due}前完成，请督办。",
        "pages/applications/detail?id={application_id}"),
    "grievance.filed": Template(
        "grievance_assigned", "新的群众诉求",
        "群众诉求（编号{number}，{subject}）已交由您办理，请于{due}前答复。",
        "pages/grievances/detail?id={grievance_id}"),
    "grievance.escalated": Template(
        "grievance_escalated", "群众诉求超期督办",
        "群众诉求（编号{number}，{subject}）答复期限{late_since}已过，已转{level}督办，"
        "请于{due}前答复。",
        "pages/grievances/detail?id={grievance_id}"),
    "grievance.resolved": Template(
        "grievance_resolved", "您的诉求已答复",
        "您反映的诉求（编号{number}）已答复：{note}",
        "pages/grievances/detail?id={grievance_id}",
        (("character_string1", "number"), ("thing2", "subject"), ("time3", "at"),
         ("thing4", "note"))),
    "plan.published": Template(
        "plan_published", "新的探访路线",
        "{day}的探访路线已发布，共{stops}个点位。",
        "pages/route/today?plan={plan_id}"),
}


def _plain(value: Any) -> str:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def keyword_type(keyword: str) -> str:
    """``thing12`` → ``thing``."""
    return keyword.rstrip("0123456789")


def _to_local(value: datetime) -> datetime:
    # Stored datetimes are naive UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(LOCAL_TZ)
    return value.astimezone(LOCAL_TZ)


def format_date(value: date | datetime) -> str:
    """``2026年11月5日``: WeChat's date format."""
    if isinstance(value, datetime):
        value = _to_local(value)
    return f"{value.year}年{value.month}月{value.day}日"


def format_time(value: datetime) -> str:
    """``2026年11月5日 14:30`` in Asia/Shanghai: WeChat's time format."""
    local = _to_local(value)
    return f"{format_date(local.date())} {local:%H:%M}"


def _as_datetime(value: Any) -> datetime:
    """A datetime from a datetime, a date or ISO text; now when there is none (never invalid)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, 0, 0, tzinfo=LOCAL_TZ)
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.now(LOCAL_TZ)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + ELLIPSIS


_CJK = re.compile(r"[\u4e00-\u9fff]")
_WHITESPACE = re.compile(r"\s+")


def shape(keyword: str, value: Any) -> str:
    """Fit a value to its keyword type's limits; never empty (WeChat rejects empty values)."""
    kind = keyword_type(keyword)
    if kind == "time":
        return format_time(_as_datetime(value))
    if kind == "date":
        moment = value if isinstance(value, date) else _as_datetime(value)
        return format_date(moment)
    text = _WHITESPACE.sub(" ", _plain(value)).strip()
    if kind == "phrase":
        text = "".join(_CJK.findall(text))[:5] or "已更新"
    elif kind == "character_string":
        text = "".join(ch for ch in text if 33 <= ord(ch) <= 126)[:32] or "-"
    elif kind == "number":
        text = "".join(ch for ch in text if ch.isdigit() or ch == ".")[:32] or "0"
    elif kind == "name":
        text = text[:10]
    elif kind in LIMITS:
        text = _cut(text, LIMITS[kind])
    return text or "-"


def accepted_templates(template_ids: list[str]) -> dict[str, str]:
    """Map accepted WeChat template ids to our template keys; unknown ids are a 422."""
    known = {template.template_id(runtime.settings()): template.key
             for template in TEMPLATES.values() if template.fields}
    unknown = sorted(set(template_ids) - set(known))
    if unknown:
        raise ValidationFailed("未知的订阅消息模板: " + ", ".join(unknown),
                               code="unknown_template", errors={"template_ids": unknown})
    return {template_id: known[template_id] for template_id in template_ids}
