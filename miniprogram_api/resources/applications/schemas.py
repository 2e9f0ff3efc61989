"""Applications (办件): what filing takes, what staff send to move one on, what people read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g
from flask_smorest.fields import Upload
from marshmallow import fields, post_dump, validate

from backend import content_checks, workflows
from backend.commands import applications as commands
from backend.commands.links import AttachApplicant
from backend.models import Application, ClientContact
from backend.models.applications import APPLICATION_STATUSES, CHANNELS, RE_REVIEW_OUTCOMES
from backend.services import applications
from miniprogram_api import timestamps
from miniprogram_api.extensions import CommandSchema, Int, Schema

_SERVICE_CODES = list(workflows.guide()["services"])
_URGENT_CAUSES = {code: label for service in _SERVICE_CODES
                  for code, label in (workflows.urgent_track(service) or {}).get("causes", {}).items()}
_CAUSES_TEXT = "、".join(f"{code} {label}" for code, label in _URGENT_CAUSES.items())
_STAGES = list(workflows.STAGE_LABELS)
_FEN = validate.Range(0, 10_000_000_000)


def _resident_view() -> bool:
    actor = g.get("actor")
    return actor is None or actor.is_resident


def _linked_clients() -> frozenset[int]:
    """The clients the calling resident is linked to, looked up once per request."""
    if "linked_client_ids" not in g:
        actor = g.get("actor")
        g.linked_client_ids = frozenset(
            link.client_id for link in ClientContact.select(ClientContact.client)
            .where(ClientContact.resident == (actor.id if actor else None)))
    linked: frozenset[int] = g.linked_client_ids
    return linked


def _mask_for_viewer(staff_masked: str) -> str:
    """Stored masks are the staff form; residents see only the first and last character."""
    if not _resident_view() or len(staff_masked) != 18:
        return staff_masked
    return staff_masked[0] + "*" * 16 + staff_masked[-1]


class HouseholdMemberSchema(CommandSchema):
    """One member of the applicant's household."""

    command = commands.HouseholdMember

    name = fields.String(required=True, validate=validate.Length(1, 50), metadata={"description": "姓名"})
    relation = fields.String(required=True, validate=validate.Length(1, 20), metadata={"description": "与申请人关系，如 配偶、子女"})
    id_number = fields.String(required=True, load_only=True, validate=validate.Length(1, 30), metadata={"description": "身份证号（加密保存，返回时脱敏）"})
    monthly_income_fen = Int(load_default=0, validate=_FEN, metadata={"description": "月收入（分）"})


class ProxySchema(CommandSchema):
    """The authorisation for filing on a resident's behalf (代办)."""

    command = commands.ProxyFiling

    authorised_by = fields.String(required=True, validate=validate.Length(1, 50), metadata={"description": "委托人姓名"})
    authorised_at = fields.DateTime(required=True, metadata={"description": "委托时间（UTC）"})
    method = fields.String(required=True, validate=validate.OneOf(["signed_form", "in_person"]), metadata={"description": "委托方式：signed_form 签字委托书（拍照上传）、in_person 当面委托"})
    doorstep = fields.Boolean(load_default=False, metadata={"description": "是否上门代办"})


class CounterSchema(CommandSchema):
    """Filing at the township's window for the applicant standing there (一门受理)."""

    command = commands.CounterIntake

    id_document_checked = fields.Boolean(required=True, metadata={"description": "是否已当面查验申请人居民身份证原件；必须为 true"})
    link_code = fields.String(validate=validate.Length(1, 20), metadata={"description": "申请人在小程序“我的”中出示的关联码（可选）：填写后申请归属其微信账号，回执同步发到其消息中心"})


class ApplicationCreateSchema(CommandSchema):
    """What filing an application takes (from the phone, or by a coordinator for a resident)."""

    command = commands.FileApplication

    service_code = fields.String(required=True, validate=validate.OneOf(_SERVICE_CODES), metadata={"description": "服务事项代码（见办事指南）"})
    applicant_name = fields.String(required=True, validate=validate.Length(1, 50), metadata={"description": "申请人姓名"})
    applicant_id_number = fields.String(required=True, load_only=True, validate=validate.Length(1, 30), metadata={"description": "申请人身份证号"})
    phone = fields.String(load_only=True, validate=validate.Length(1, 20), metadata={"description": "联系电话"})
    village_id = Int(required=True, metadata={"description": "申请人所在村（社区）编号；协管员只能选本村"})
    address = fields.String(required=True, validate=validate.Length(1, 200), metadata={"description": "现居住地址"})
    household_members = fields.List(fields.Nested(HouseholdMemberSchema), load_default=list, validate=validate.Length(0, 20), metadata={"description": "共同生活家庭成员"})
    declared_income_fen = Int(load_default=0, validate=_FEN, metadata={"description": "申报家庭月总收入（分）"})
    declared_assets_fen = Int(load_default=0, validate=_FEN, metadata={"description": "申报家庭财产总值（分）"})
    assets_note = fields.String(load_default="", validate=validate.Length(0, 2000), metadata={"description": "家庭财产说明（房屋、车辆、存款等）"})
    reason = fields.String(load_default="", validate=validate.Length(0, 2000), metadata={"description": "申请理由"})
    proxy = fields.Nested(ProxySchema, metadata={"description": "代办授权（协管员代办时必填，居民本人申请不填）"})
    counter = fields.Nested(CounterSchema, metadata={"description": "窗口受理信息（乡镇民政工作人员在窗口为来访申请人填报时必填，其他人不填）；窗口受理的申请须先上传申请人签字的申请书（application_form）才能提交"})
    submit = fields.Boolean(load_default=False, metadata={"description": "true 表示填好即提交；默认先存为草稿"})
    urgent = fields.Boolean(load_default=False, metadata={"description": "是否按紧急救助程序办理（仅临时救助）：乡镇先行救助，24小时内发放，事后补齐核查手续"})
    urgent_cause = fields.String(load_default=None, validate=validate.OneOf(list(_URGENT_CAUSES)), metadata={"description": f"紧急原因（urgent 为 true 时必填）：{_CAUSES_TEXT}；选 other 时须在申请理由中说明"})

    def make_command(self, data: dict[str, Any]) -> commands.FileApplication:
        """The filing, its household members as a tuple."""
        return commands.FileApplication(**{**data, "household_members": tuple(data["household_members"])})


class AttachApplicantSchema(CommandSchema):
    """The applicant's WeChat account, shown at the window, for an application without one."""

    command = AttachApplicant

    link_code = fields.String(required=True, validate=validate.Length(1, 20), metadata={"description": "申请人在小程序中出示的关联码（10分钟内有效，仅能使用一次）"})
    id_document_checked = fields.Boolean(required=True, metadata={"description": "是否已当面查验申请人居民身份证原件；必须为 true"})


class ApplicationQueryArgsSchema(Schema):
    """Filters for the application list."""

    service_code = fields.String(validate=validate.OneOf(_SERVICE_CODES), metadata={"description": "服务事项代码"})
    status = fields.String(validate=validate.OneOf(list(APPLICATION_STATUSES)), metadata={"description": "状态：draft、in_review、supplement、approved、rejected、withdrawn"})
    stage = fields.String(validate=validate.OneOf(_STAGES), metadata={"description": "当前环节"})
    kind = fields.String(validate=validate.OneOf(list(workflows.KINDS)), metadata={"description": "application 申请、re_review 复核"})


class QueueQueryArgsSchema(Schema):
    """Filters for the work queue."""

    overdue_only = fields.Boolean(load_default=False, metadata={"description": "只看已超时的"})


class ApplicationMaterialSchema(Schema):
    """An uploaded material (the file itself is not returned here)."""

    id = Int(metadata={"description": "材料编号"})
    material_code = fields.String(metadata={"description": "材料代码（见办事指南材料目录）"})
    content_type = fields.String(metadata={"description": "按内容识别的类型：image/jpeg、image/png、application/pdf"})
    size_bytes = Int(metadata={"description": "大小（字节）"})
    uploaded_at = fields.DateTime(metadata={"description": "上传时间（UTC）"})
    withdrawn_reason = fields.Function(
        lambda material: content_checks.withdrawn_reason_of("application_material", material),
        allow_none=True, metadata={"description": "经微信内容安全识别判定违规而撤下的原因；"
                                                  "未撤下为 null（撤下的材料不再提供下载）"})


class MaterialUploadArgsSchema(Schema):
    """Which catalogue entry an upload is."""

    material_code = fields.String(required=True, validate=validate.Length(1, 40), metadata={"description": "材料代码（见办事指南材料目录）"})


class MaterialFileSchema(Schema):
    """The uploaded file (multipart/form-data)."""

    file = Upload(required=True, metadata={"description": "JPEG、PNG 图片或 PDF；类型按内容识别，不看文件名"})


# Built once: building a schema costs more than dumping an application's materials with it.
_MATERIALS = ApplicationMaterialSchema(many=True)


class ApplicationSchema(Schema):
    """An application as its applicant or staff see it; personal numbers masked."""

    id = Int(metadata={"description": "申请编号"})
    reference = fields.String(metadata={"description": "办件编号（SQ 申请、FH 复核）"})
    service_code = fields.String(metadata={"description": "服务事项代码"})
    service_name = fields.Method("_service_name", metadata={"description": "服务事项名称"})
    kind = fields.String(metadata={"description": "application 申请、re_review 复核"})
    parent_id = Int(allow_none=True, metadata={"description": "复核所对应的原批准申请"})
    status = fields.String(metadata={"description": "状态代码"})
    status_label = fields.Method("_status_label", metadata={"description": "状态"})
    stage = fields.String(allow_none=True, metadata={"description": "当前环节代码"})
    stage_label = fields.Method("_stage_label", metadata={"description": "当前环节"})
    stage_due_on = fields.Date(allow_none=True, metadata={"description": "本环节办理期限（补正期间暂停计时，为空）"})
    overdue = fields.Method("_overdue", metadata={"description": "本环节是否已超时"})
    applicant_name = fields.String(metadata={"description": "申请人姓名"})
    applicant_id_number = fields.Method("_applicant_id", metadata={"description": "申请人身份证号（已脱敏）"})
    phone = fields.String(attribute="phone_masked", allow_none=True, metadata={"description": "联系电话（已脱敏）"})
    village_id = Int(metadata={"description": "所在村（社区）编号"})
    area_code = fields.String(metadata={"description": "所在村（社区）12位区划代码"})
    address = fields.String(metadata={"description": "现居住地址"})
    household_members = fields.Method("_members", metadata={"description": "家庭成员（身份证号已脱敏）"})
    declared_income_fen = Int(metadata={"description": "申报家庭月总收入（分）"})
    declared_assets_fen = Int(metadata={"description": "申报家庭财产总值（分）"})
    assets_note = fields.String(metadata={"description": "家庭财产说明"})
    reason = fields.String(metadata={"description": "申请理由"})
    requested_materials = fields.List(fields.String(), metadata={"description": "补正通知要求补交的材料代码"})
    missing_materials = fields.Method("_missing", metadata={"description": "尚未上传的必交材料和补正材料（代码与名称）"})
    materials = fields.Method("_materials", metadata={"description": "已上传的材料"})
    proxy = fields.Method("_proxy", metadata={"description": "代办信息：代办人、委托人、委托时间与方式、是否上门；本人申请为空"})
    notice_ends_on = fields.Date(allow_none=True, metadata={"description": "公示截止日期"})
    submitted_at = fields.DateTime(allow_none=True, metadata={"description": "提交时间（UTC）"})
    decided_at = fields.DateTime(allow_none=True, metadata={"description": "办结时间（UTC）"})
    decision_reason = fields.String(allow_none=True, metadata={"description": "审批意见或不予批准的理由"})
    outcome = fields.String(allow_none=True, metadata={"description": "复核结果：continue 继续、change 调整、stop 停止"})
    benefit_fen = Int(allow_none=True, metadata={"description": "核定的每月待遇（分）"})
    next_re_review_on = fields.Date(allow_none=True, metadata={"description": "下次定期复核日期"})
    client_id = fields.Method("_client_id", metadata={"type": "integer", "nullable": True, "description": "对应的服务对象编号；居民只在其微信账号已关联该服务对象时可见，否则为空"})
    channel = fields.String(metadata={"description": "受理渠道：online 线上申请、proxy 代办、counter 窗口受理"})
    channel_label = fields.Method("_channel_label", metadata={"description": "受理渠道名称"})
    counter = fields.Method("_counter", metadata={"description": "窗口受理信息：受理人；非窗口受理为空"})
    possible_duplicate = fields.Method("_possible_duplicate", metadata={"type": "boolean", "description": "（仅工作人员可见）提交时同一身份证号已有办理中的同一事项申请，可能重复申报，请核实"})
    possible_duplicate_of = fields.Method("_duplicate_of", metadata={"description": "（仅工作人员可见）可能重复的那件申请：编号与办件编号；不在本人管辖范围内时为空"})
    created_at = fields.DateTime(metadata={"description": "填写时间（UTC）"})
    urgent = fields.Boolean(metadata={"description": "是否按紧急救助程序办理"})
    urgent_cause = fields.String(allow_none=True, metadata={"description": f"紧急原因代码：{_CAUSES_TEXT}"})
    urgent_cause_label = fields.Method("_cause_label", metadata={"description": "紧急原因"})
    track_due_at = fields.DateTime(allow_none=True, metadata={"description": "紧急救助程序的发放期限（提交后24小时，UTC）"})
    stage_due_at = fields.DateTime(allow_none=True, metadata={"description": "按小时计时的环节（紧急救助）的办理期限（UTC）；其他环节为空"})
    granted_at = fields.DateTime(allow_none=True, metadata={"description": "先行救助发放时间（UTC）；核查手续事后补齐"})
    proposed_benefit_fen = Int(allow_none=True, metadata={"description": "核查环节提出的救助金额建议（分），公示时公开"})
    doorstep_status = fields.String(allow_none=True, metadata={"description": "上门办理：booked 已预约上门、done 已上门办理（代办环节办结）、missed 上门未遇；未预约为空"})
    doorstep_done_at = fields.DateTime(allow_none=True, metadata={"description": "上门办理完成时间（UTC）"})

    def _cause_label(self, app: Any) -> str | None:
        return _URGENT_CAUSES.get(app.urgent_cause) if app.urgent_cause else None

    # Staff-only fields leave a resident's answer altogether, so it reads the same whether or
    # not someone else applied with the same ID number.
    STAFF_ONLY = ("possible_duplicate", "possible_duplicate_of")

    @post_dump
    def _drop_staff_only(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if _resident_view():
            for key in self.STAFF_ONLY:
                data.pop(key, None)
        return data

    def _client_id(self, app: Any) -> int | None:
        if app.client_id is None or not _resident_view():
            return app.client_id
        return app.client_id if app.client_id in _linked_clients() else None

    def _channel_label(self, app: Any) -> str:
        return CHANNELS.get(app.channel, app.channel)

    def _counter(self, app: Any) -> dict[str, Any] | None:
        if app.channel != "counter" or not app.filed_by_id:
            return None
        return {"received_by_name": app.filed_by.name, "received_by_role": "乡镇民政工作人员"}

    def _possible_duplicate(self, app: Any) -> bool:
        return app.possible_duplicate_of_id is not None

    def _duplicate_of(self, app: Any) -> dict[str, Any] | None:
        if app.possible_duplicate_of_id is None:
            return None
        other = Application.get_or_none(Application.id == app.possible_duplicate_of_id)
        actor = g.get("actor")
        if other is None or actor is None or not actor.covers(other.area_code):
            return None
        return {"id": other.id, "reference": other.reference}

    def _service_name(self, app: Any) -> str:
        return str(workflows.service(app.service_code)["name"])

    def _status_label(self, app: Any) -> str:
        return APPLICATION_STATUSES[app.status]

    def _stage_label(self, app: Any) -> str | None:
        return workflows.STAGE_LABELS.get(app.stage) if app.stage else None

    def _overdue(self, app: Any) -> bool:
        return applications.is_overdue(app)

    def _applicant_id(self, app: Any) -> str:
        return _mask_for_viewer(app.applicant_id_masked)

    def _members(self, app: Any) -> list[dict[str, Any]]:
        return [{"name": m["name"], "relation": m["relation"],
                 "id_number": _mask_for_viewer(m["id_masked"]),
                 "monthly_income_fen": m["monthly_income_fen"]} for m in app.household_members]

    def _missing(self, app: Any) -> list[dict[str, str]]:
        codes = applications.missing_materials(app)
        names = dict(zip(codes, applications.material_names(app, codes), strict=True))
        return [{"code": code, "name": names[code]} for code in codes]

    def _materials(self, app: Any) -> list[dict[str, Any]]:
        return _MATERIALS.dump(list(app.materials))

    def _proxy(self, app: Any) -> dict[str, Any] | None:
        if app.channel != "proxy" or not app.filed_by_id:
            return None
        return {"filed_by_name": app.filed_by.name, "filed_by_role": "村（居）民政协管员",
                "authorised_by": app.proxy_authorised_by,
                "authorised_at": (timestamps.iso_with_offset(app.proxy_authorised_at)
                                  if app.proxy_authorised_at else None),
                "method": app.proxy_method, "doorstep": app.proxy_doorstep}


class WithdrawSchema(CommandSchema):
    """Why the applicant withdraws."""

    command = commands.WithdrawApplication

    reason = fields.String(load_default="", validate=validate.Length(0, 500), metadata={"description": "撤回原因"})


# The moves the API names in ``action``, and the command each becomes from the request's fields.
TRANSITIONS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "advance": lambda d: commands.AdvanceApplication(
        comment=d["comment"], proposed_benefit_fen=d.get("proposed_benefit_fen")),
    "supplement": lambda d: commands.RequestSupplement(
        missing_materials=tuple(d.get("missing_materials") or ()), comment=d["comment"]),
    "reject": lambda d: commands.RejectApplication(reason=d["comment"]),
    "approve": lambda d: commands.ApproveApplication(
        benefit_fen=d.get("benefit_fen"), outcome=d.get("outcome"), comment=d["comment"]),
    "record_objection": lambda d: commands.RecordObjection(content=d["comment"]),
    "resolve_objection": lambda d: commands.ResolveObjection(
        objection_id=d.get("objection_id"), resolution=d["comment"]),
}


class TransitionSchema(CommandSchema):
    """One move in the workflow, by the role that holds the current stage."""

    action = fields.String(required=True, validate=validate.OneOf(list(TRANSITIONS)), metadata={"description": "advance 本环节办结进入下一环节；supplement 退回补正；reject 不予批准；approve 批准；record_objection 登记公示异议；resolve_objection 处理公示异议"})
    comment = fields.String(load_default="", validate=validate.Length(0, 2000), metadata={"description": "意见；不予批准时为理由（必填），登记异议时为异议内容，处理异议时为处理结果"})
    missing_materials = fields.List(fields.String(validate=validate.Length(1, 40)), validate=validate.Length(1, 30), metadata={"description": "补正时逐项列明缺少的材料代码"})
    objection_id = Int(metadata={"description": "处理异议时的异议编号"})
    outcome = fields.String(validate=validate.OneOf(list(RE_REVIEW_OUTCOMES)), metadata={"description": "复核批准时的结果：continue 继续、change 调整、stop 停止"})
    benefit_fen = Int(allow_none=True, validate=_FEN, metadata={"description": "批准（或调整）后的每月待遇（分）；紧急救助先行救助时为救助金额"})
    proposed_benefit_fen = Int(allow_none=True, validate=_FEN, metadata={"description": "核查环节办结（advance）时提出的救助金额建议（分），在公示中公开"})

    def make_command(self, data: dict[str, Any]) -> Any:
        """The command of the named move; fields the move does not use are ignored."""
        return TRANSITIONS[data["action"]](data)


class TimelineStepSchema(Schema):
    """One step of the timeline."""

    created_at = fields.DateTime(metadata={"description": "时间（UTC）"})
    actor_kind = fields.String(metadata={"description": "staff 工作人员、resident 居民、system 系统"})
    actor_name = fields.String(metadata={"description": "经办人"})
    action = fields.String(metadata={"description": "动作代码"})
    action_label = fields.Method("_label", metadata={"description": "动作"})
    stage = fields.String(allow_none=True, metadata={"description": "所在环节"})
    to_stage = fields.String(allow_none=True, metadata={"description": "进入的环节"})
    comment = fields.String(metadata={"description": "意见或说明"})
    details = fields.Dict(metadata={"description": "补充信息（如补正材料清单、评分）"})

    def _label(self, step: Any) -> str:
        return applications.ACTION_LABELS.get(step.action, step.action)


class ObjectionSchema(Schema):
    """An objection raised during the public notice."""

    id = Int(metadata={"description": "异议编号"})
    content = fields.String(metadata={"description": "异议内容"})
    raised_at = fields.DateTime(metadata={"description": "登记时间（UTC）"})
    resolution = fields.String(allow_none=True, metadata={"description": "处理结果"})
    resolved_at = fields.DateTime(allow_none=True, metadata={"description": "处理时间（UTC）"})


class StageInfoSchema(Schema):
    """One stage of the application's workflow."""

    stage = fields.String(metadata={"description": "环节代码"})
    label = fields.String(metadata={"description": "环节名称"})
    actor_role = fields.String(metadata={"description": "经办角色（本环节办结、审批环节批准）"})
    reject_role = fields.String(metadata={"description": "本环节可作出不予批准决定的角色（乡镇民政工作人员或市民政局，不含协管员）"})
    time_limit_days = Int(metadata={"description": "时限（工作日；公示为自然日）"})
    time_limit_hours = Int(allow_none=True, metadata={"description": "紧急救助程序中本环节的时限（小时）；一般程序为空"})
    post_hoc = fields.Boolean(metadata={"description": "是否为先行救助后事后补齐的环节"})


class TrackSchema(Schema):
    """The urgent track an application follows (紧急救助程序)."""

    code = fields.String(metadata={"description": "程序代码：urgent 紧急救助程序"})
    label = fields.String(metadata={"description": "程序名称"})
    cause = fields.String(metadata={"description": "紧急原因代码"})
    cause_label = fields.String(allow_none=True, metadata={"description": "紧急原因"})
    time_limit_hours = Int(metadata={"description": "自提交起发放救助的时限（小时）"})
    due_at = fields.DateTime(allow_none=True, metadata={"description": "发放期限（UTC）"})
    granted_at = fields.DateTime(allow_none=True, metadata={"description": "先行救助时间（UTC）"})
    granted_within_track = fields.Boolean(allow_none=True, metadata={"description": "是否在时限内先行救助；尚未发放为空"})
    post_hoc_stages = fields.List(fields.String(), metadata={"description": "先行救助后事后补齐的环节"})


class TimelineSchema(Schema):
    """Progress of an application (办件进度)."""

    application = fields.Nested(ApplicationSchema, metadata={"description": "申请"})
    current_stage = fields.String(allow_none=True, metadata={"description": "当前环节代码"})
    current_stage_label = fields.String(allow_none=True, metadata={"description": "当前环节"})
    holder_role = fields.String(allow_none=True, metadata={"description": "当前经办角色"})
    holder_label = fields.String(allow_none=True, metadata={"description": "当前经办单位"})
    due_on = fields.Date(allow_none=True, metadata={"description": "本环节办理期限"})
    due_at = fields.DateTime(allow_none=True, metadata={"description": "按小时计时的本环节办理期限（紧急救助，UTC）"})
    track = fields.Nested(TrackSchema, allow_none=True, metadata={"description": "紧急救助程序（一般程序为空）"})
    overdue = fields.Boolean(metadata={"description": "是否超时"})
    paused = fields.Boolean(metadata={"description": "是否因补正暂停计时"})
    stages = fields.List(fields.Nested(StageInfoSchema), metadata={"description": "本事项的全部办理环节"})
    steps = fields.List(fields.Nested(TimelineStepSchema), metadata={"description": "办理记录（按时间）"})
    objections = fields.List(fields.Nested(ObjectionSchema), metadata={"description": "公示异议"})


class OverdueRowSchema(Schema):
    """Open and late applications of one township in one stage."""

    township_code = fields.String(metadata={"description": "乡镇9位区划代码"})
    township_name = fields.String(metadata={"description": "乡镇名称"})
    stage = fields.String(metadata={"description": "环节代码"})
    stage_label = fields.String(metadata={"description": "环节"})
    open_count = Int(metadata={"description": "在办件数"})
    overdue_count = Int(metadata={"description": "超时件数"})


class EvaluationCreateSchema(CommandSchema):
    """A resident's rating of a decided application (好差评)."""

    command = commands.EvaluateApplication

    rating = Int(required=True, validate=validate.Range(1, 5), metadata={"description": "评价：1 非常不满意 … 5 非常满意"})
    comment = fields.String(load_default="", validate=validate.Length(0, 1000), metadata={"description": "评价内容"})


class EvaluationSchema(Schema):
    """A recorded rating."""

    id = Int(metadata={"description": "评价编号"})
    application_id = Int(metadata={"description": "申请编号"})
    rating = Int(metadata={"description": "评价等级（1–5）"})
    comment = fields.String(metadata={"description": "评价内容"})
    created_at = fields.DateTime(metadata={"description": "评价时间（UTC）"})
    follow_up_due_on = fields.Method("_follow_up", metadata={"description": "差评回访期限；好评为空"})

    def _follow_up(self, evaluation: Any) -> str | None:
        task = evaluation.application.follow_ups.first()
        return task.due_on.isoformat() if task else None


class FollowUpSchema(Schema):
    """A follow-up task a poor rating created."""

    id = Int(metadata={"description": "任务编号"})
    application_id = Int(metadata={"description": "申请编号"})
    evaluation_id = Int(metadata={"description": "评价编号"})
    area_code = fields.String(metadata={"description": "村（社区）区划代码"})
    due_on = fields.Date(metadata={"description": "回访期限"})
    status = fields.String(metadata={"description": "open 待办、done 已办"})
    closed_at = fields.DateTime(allow_none=True, metadata={"description": "办结时间（UTC）"})
    close_note = fields.String(allow_none=True, metadata={"description": "回访情况"})


class FollowUpCloseSchema(CommandSchema):
    """Closing a follow-up with what was found and done."""

    command = commands.CloseFollowUp

    note = fields.String(required=True, validate=validate.Length(1, 2000), metadata={"description": "回访情况：了解到什么、做了什么"})


class ReceivedMaterialSchema(Schema):
    """One catalogue entry the window received."""

    code = fields.String(metadata={"description": "材料代码"})
    name = fields.String(metadata={"description": "材料名称"})
    count = Int(metadata={"description": "份数（上传的文件数）"})


class ReceiptSchema(Schema):
    """The acceptance receipt (受理回执) of a submitted application."""

    application_id = Int(metadata={"description": "申请编号"})
    reference = fields.String(metadata={"description": "办件编号（凭此查询进度）"})
    service_code = fields.String(metadata={"description": "服务事项代码"})
    service_name = fields.String(metadata={"description": "服务事项名称"})
    channel = fields.String(metadata={"description": "受理渠道：online 线上申请、proxy 代办、counter 窗口受理"})
    channel_label = fields.String(metadata={"description": "受理渠道名称"})
    applicant_name = fields.String(metadata={"description": "申请人姓名"})
    applicant_id_number = fields.Method("_applicant_id", metadata={"description": "申请人身份证号（已脱敏）"})
    received_at = fields.DateTime(metadata={"description": "受理（提交）时间（UTC）"})
    received_by = fields.String(allow_none=True, metadata={"description": "窗口受理人；非窗口受理为空"})
    materials = fields.List(fields.Nested(ReceivedMaterialSchema), metadata={"description": "已收材料"})
    missing_materials = fields.List(fields.String(), metadata={"description": "尚缺材料（一次性告知）"})
    time_limit_days = Int(metadata={"description": "承诺办理时限（工作日）"})
    fee = fields.String(metadata={"description": "收费情况，如“免费”"})
    expected_by = fields.Date(metadata={"description": "预计办结日期（不含补正期间）"})
    township_name = fields.String(metadata={"description": "受理的乡镇（街道）"})
    office_address = fields.String(metadata={"description": "民政办地址"})
    office_phone = fields.String(allow_none=True, metadata={"description": "民政办电话"})
    complaint_phone = fields.String(allow_none=True, metadata={"description": "监督投诉电话"})
    follow_up = fields.String(metadata={"description": "查询办理进度的方式"})

    def _applicant_id(self, facts: Any) -> str:
        return _mask_for_viewer(facts["applicant_id_masked"])
