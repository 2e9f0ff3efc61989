"""The service guide as residents read it and the city bureau edits it."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from backend.commands.service_guide import (
    LIST_LENGTHS,
    TEXT_LENGTHS,
    TIME_LIMIT_DAYS,
    EditServiceGuide,
)
from miniprogram_api.extensions import CommandSchema, Int, Schema


class ProcedureStepSchema(Schema):
    """One step of the published procedure (flowchart)."""

    step = fields.String(required=True, metadata={"description": "步骤代码：application、acceptance、verification…"})
    name = fields.String(required=True, metadata={"description": "步骤名称，如 受理"})
    description = fields.String(required=True, metadata={"description": "步骤说明"})


class ServiceMaterialSchema(Schema):
    """One entry of the material list (材料目录)."""

    code = fields.String(required=True, validate=validate.Length(*TEXT_LENGTHS["material_code"]), metadata={"description": "材料代码"})
    name = fields.String(required=True, validate=validate.Length(*TEXT_LENGTHS["material_name"]), metadata={"description": "材料名称"})
    required = fields.Boolean(required=True, metadata={"description": "是否必交"})
    note = fields.String(load_default="", metadata={"description": "说明"})


class FormFieldSchema(Schema):
    """One field of the sample application form."""

    code = fields.String(required=True, metadata={"description": "字段代码"})
    label = fields.String(required=True, metadata={"description": "字段名称"})
    type = fields.String(required=True, metadata={"description": "字段类型：text、id_number、table…"})
    required = fields.Boolean(required=True, metadata={"description": "是否必填"})
    options = fields.List(fields.String(), metadata={"description": "下拉选项（select 类型）"})


class SampleFormSchema(Schema):
    """The sample application form (申请表式样)."""

    title = fields.String(required=True, metadata={"description": "表名"})
    fields_ = fields.List(fields.Nested(FormFieldSchema), data_key="fields", attribute="fields",
                          required=True, metadata={"description": "表中各栏"})


class FeeSchema(Schema):
    """Whether a fee is charged (是否收费)."""

    charged = fields.Boolean(required=True, metadata={"description": "是否收费"})
    amount_fen = Int(required=True, validate=validate.Range(0), metadata={"description": "金额（分）"})
    label = fields.String(required=True, metadata={"description": "如 免费"})
    note = fields.String(metadata={"description": "说明（如养老院床位费另计）"})


class WorkflowStageSchema(Schema):
    """One stage of the service's workflow that applies to it."""

    stage = fields.String(metadata={"description": "环节代码：acceptance 受理、verification 核查、deliberation 评议、public_notice 公示、approval 审批"})
    label = fields.String(metadata={"description": "环节名称"})
    actor_role = fields.String(metadata={"description": "经办角色（本环节办结；审批环节为批准）"})
    reject_role = fields.String(metadata={"description": "本环节可作出不予批准决定的角色：township_staff 乡镇民政工作人员、city_admin 市民政局（协管员不能作出）"})
    level = fields.String(metadata={"description": "办理层级：village、township、county"})
    time_limit_days = Int(metadata={"description": "本环节时限（工作日；公示为自然日）"})
    description = fields.String(metadata={"description": "环节说明"})


class UrgentTrackSchema(Schema):
    """The urgent track (紧急救助程序) of a service that has one."""

    label = fields.String(metadata={"description": "程序名称"})
    time_limit_hours = Int(metadata={"description": "自提交起发放救助的时限（小时）"})
    stages = fields.List(fields.String(), metadata={"description": "立即办理的环节（按顺序）"})
    post_hoc_stages = fields.List(fields.String(), metadata={"description": "先行救助后事后补齐的环节"})
    stage_time_limit_hours = fields.Dict(keys=fields.String(), values=Int(), metadata={"description": "各立即办理环节的时限（小时），超时即上报乡镇负责人"})
    stage_roles = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "本程序中改由其办理的角色（如审批由乡镇先行救助）"})
    description = fields.String(metadata={"description": "程序说明"})
    causes = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "紧急原因：代码 → 名称，申请时选择其一"})


class ServiceSchema(Schema):
    """A service's published guide (办事指南)."""

    code = fields.String(metadata={"description": "服务事项代码"})
    name = fields.String(metadata={"description": "事项全称"})
    short_name = fields.String(metadata={"description": "事项简称"})
    family = fields.String(metadata={"description": "类别：social_assistance 社会救助、special_care 优抚、elderly_care 养老服务"})
    client_category = fields.String(allow_none=True, metadata={"description": "批准后纳入的服务对象类别"})
    special_care_subtype = fields.String(allow_none=True, metadata={"description": "优抚对象子类型"})
    legal_basis = fields.List(fields.String(), metadata={"description": "办理依据"})
    eligibility = fields.List(fields.String(), metadata={"description": "申请条件"})
    procedure = fields.List(fields.Nested(ProcedureStepSchema), metadata={"description": "办理程序"})
    time_limit_days = Int(metadata={"description": "办理时限（工作日）"})
    materials = fields.List(fields.Nested(ServiceMaterialSchema), metadata={"description": "材料目录"})
    sample_form = fields.Nested(SampleFormSchema, metadata={"description": "申请表式样"})
    fee = fields.Nested(FeeSchema, metadata={"description": "是否收费"})
    service_commitment = fields.String(metadata={"description": "服务承诺"})
    complaint_phone = fields.String(metadata={"description": "投诉电话"})
    re_review_interval_months = Int(allow_none=True, metadata={"description": "定期复核间隔（月）；一次性救助为空"})
    workflow_stages = fields.List(fields.Nested(WorkflowStageSchema), metadata={"description": "适用的办理环节（按顺序）"})
    urgent_track = fields.Method("_urgent_track", metadata={"description": "紧急救助程序（仅临时救助有，其他为空）：时限、环节、紧急原因"})

    def _urgent_track(self, entry: Any) -> dict[str, Any] | None:
        track = entry["workflow"].get("urgent_track")
        return UrgentTrackSchema().dump(track) if track else None


class ServiceUpdateSchema(CommandSchema):
    """What the city bureau may edit in a guide; give only what changes."""

    command = EditServiceGuide

    name = fields.String(validate=validate.Length(*TEXT_LENGTHS["name"]), metadata={"description": "事项全称"})
    short_name = fields.String(validate=validate.Length(*TEXT_LENGTHS["short_name"]), metadata={"description": "事项简称"})
    legal_basis = fields.List(fields.String(validate=validate.Length(*TEXT_LENGTHS["legal_basis"])), validate=validate.Length(*LIST_LENGTHS["legal_basis"]), metadata={"description": "办理依据"})
    eligibility = fields.List(fields.String(validate=validate.Length(*TEXT_LENGTHS["eligibility"])), validate=validate.Length(*LIST_LENGTHS["eligibility"]), metadata={"description": "申请条件"})
    procedure = fields.List(fields.Nested(ProcedureStepSchema), validate=validate.Length(*LIST_LENGTHS["procedure"]), metadata={"description": "办理程序"})
    time_limit_days = Int(validate=validate.Range(*TIME_LIMIT_DAYS), metadata={"description": "办理时限（工作日）"})
    materials = fields.List(fields.Nested(ServiceMaterialSchema), validate=validate.Length(*LIST_LENGTHS["materials"]), metadata={"description": "材料目录（整体替换）"})
    sample_form = fields.Nested(SampleFormSchema, metadata={"description": "申请表式样"})
    fee = fields.Nested(FeeSchema, metadata={"description": "是否收费"})
    service_commitment = fields.String(validate=validate.Length(*TEXT_LENGTHS["service_commitment"]), metadata={"description": "服务承诺"})
    complaint_phone = fields.String(validate=validate.Length(*TEXT_LENGTHS["complaint_phone"]), metadata={"description": "投诉电话"})
