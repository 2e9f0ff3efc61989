"""Compliance, reports and profile imports as the city bureau and township offices read them."""

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from backend.reports import xlsx
from miniprogram_api.extensions import Int, Schema

_NUMBER = "数值（人数、面积、金额（分）、百分比等，单位见 unit）"


class ComplianceItemSchema(Schema):
    """One standard for one township."""

    code = fields.String(metadata={"description": "标准代码"})
    label = fields.String(metadata={"description": "标准名称"})
    unit = fields.String(metadata={"description": "单位"})
    required = fields.Float(metadata={"description": f"标准要求的{_NUMBER}"})
    actual = fields.Float(allow_none=True, metadata={"description": f"实际{_NUMBER}；null 为未填报"})
    passed = fields.Boolean(metadata={"description": "是否达标"})
    gap = fields.Float(allow_none=True, metadata={"description": "差距（达标为0）"})
    deadline = fields.String(allow_none=True, metadata={"description": "政策完成时限"})
    late = fields.Boolean(metadata={"description": "已过完成时限仍未达标"})
    detail = fields.List(fields.String(), metadata={"description": "说明（缺哪些、哪些村）"})


class TownshipComplianceSchema(Schema):
    """A township against every standard."""

    township_id = Int(metadata={"description": "乡镇编号"})
    township_code = fields.String(metadata={"description": "乡镇9位区划代码"})
    township_name = fields.String(metadata={"description": "乡镇（街道）名称"})
    population = Int(metadata={"description": "常住人口"})
    elderly_population = Int(metadata={"description": "老年人口"})
    score = fields.Float(metadata={"description": "达标率（%）"})
    passed = Int(metadata={"description": "达标项数"})
    failed = Int(metadata={"description": "未达标项数"})
    failed_standards = fields.List(fields.String(), metadata={"description": "未达标的标准代码"})
    items = fields.List(fields.Nested(ComplianceItemSchema), metadata={"description": "各项标准"})


class CityWideSchema(Schema):
    """One standard across the townships in scope."""

    code = fields.String(metadata={"description": "标准代码"})
    label = fields.String(metadata={"description": "标准名称"})
    unit = fields.String(metadata={"description": "单位"})
    townships = Int(metadata={"description": "乡镇数"})
    townships_passed = Int(metadata={"description": "达标乡镇数"})
    townships_failed = fields.List(fields.String(), metadata={"description": "未达标乡镇"})
    pass_rate_percent = fields.Float(allow_none=True, metadata={"description": "达标率（%）"})
    required_total = fields.Float(allow_none=True, metadata={"description": "要求合计（可相加的指标）"})
    actual_total = fields.Float(allow_none=True, metadata={"description": "实际合计"})
    gap_total = fields.Float(allow_none=True, metadata={"description": "差距合计"})


class EditionSchema(Schema):
    """The edition of the standards applied."""

    title = fields.String(metadata={"description": "标准版本名称"})
    effective_from = fields.String(metadata={"description": "生效日期"})


class ComplianceSchema(Schema):
    """Compliance per township and city-wide, with service figures beside it."""

    period = fields.String(metadata={"description": "统计周期（2026-11 或 2026-W48）"})
    period_start = fields.String(metadata={"description": "周期起始日"})
    period_end = fields.String(metadata={"description": "周期结束日（按此日生效的标准评估）"})
    standards = fields.Nested(EditionSchema, metadata={"description": "所用标准版本"})
    townships = fields.List(fields.Nested(TownshipComplianceSchema),
                            metadata={"description": "各乡镇达标情况"})
    city_wide = fields.List(fields.Nested(CityWideSchema),
                            metadata={"description": "全市（管辖范围内）汇总；乡镇用户为空"})
    service_figures = fields.Dict(metadata={"description": "服务指标（办件、超时环节、探访覆盖、预约审批时长、评价），每项一个对象"})


# A month (2026-11) or an ISO week (2026-W48); empty for the current one.
PERIOD = validate.Regexp(r"^(\d{4}-(\d{2}|W\d{2}))?$", error="统计周期格式应为 2026-11（月）或 2026-W48（周）")


class ComplianceQueryArgsSchema(Schema):
    """Which period."""

    period = fields.String(validate=PERIOD,
                           metadata={"description": "统计周期：2026-11（月）或 2026-W48（周），缺省为本月"})


class RankingSchema(Schema):
    """A township's place in the ranking."""

    rank = Int(metadata={"description": "名次（达标率相同者并列）"})
    township_code = fields.String(metadata={"description": "乡镇代码"})
    township_name = fields.String(metadata={"description": "乡镇名称"})
    score = fields.Float(metadata={"description": "达标率（%）"})
    passed = Int(metadata={"description": "达标项数"})
    failed = Int(metadata={"description": "未达标项数"})
    failed_standards = fields.List(fields.String(), metadata={"description": "未达标的标准代码"})


class LateUnitSchema(Schema):
    """A township named for standards still unmet after their deadline."""

    township_code = fields.String(metadata={"description": "乡镇代码"})
    township_name = fields.String(metadata={"description": "乡镇名称"})
    standards = fields.List(fields.Dict(), metadata={"description": "逾期未完成的标准（代码、名称、时限、差距、说明）"})


class OverdueStepSchema(Schema):
    """One late step a person holds."""

    reference = fields.String(metadata={"description": "受理编号"})
    stage = fields.String(metadata={"description": "环节代码"})
    stage_label = fields.String(metadata={"description": "环节"})
    due_on = fields.String(metadata={"description": "办理期限（日期）"})
    days_late = Int(metadata={"description": "超期天数"})


class OverdueHolderSchema(Schema):
    """A named person and the late steps they hold (强化责任追究)."""

    township_code = fields.String(metadata={"description": "乡镇代码"})
    township_name = fields.String(metadata={"description": "乡镇名称"})
    holder_id = Int(allow_none=True, metadata={"description": "责任人账号编号（空：该环节无人在岗）"})
    holder_name = fields.String(metadata={"description": "责任人姓名"})
    overdue = Int(metadata={"description": "超期环节数"})
    steps = fields.List(fields.Nested(OverdueStepSchema), metadata={"description": "超期环节"})


class OverdueTownshipSchema(Schema):
    """Late steps of one township."""

    township_code = fields.String(metadata={"description": "乡镇代码"})
    township_name = fields.String(metadata={"description": "乡镇名称"})
    overdue = Int(metadata={"description": "超期环节数"})


class OverdueHoldersSchema(Schema):
    """The late steps open at the period's end, by township and by the person holding them."""

    by_township = fields.List(fields.Nested(OverdueTownshipSchema), metadata={"description": "按乡镇"})
    by_person = fields.List(fields.Nested(OverdueHolderSchema), metadata={"description": "按责任人"})


class PaymentTotalSchema(Schema):
    """Benefit payments of the period in one township and service."""

    township_code = fields.String(metadata={"description": "乡镇区划代码"})
    township_name = fields.String(metadata={"description": "乡镇名称"})
    service_code = fields.String(metadata={"description": "救助项目代码"})
    service_name = fields.String(metadata={"description": "救助项目名称"})
    payments = Int(metadata={"description": "应发或已发的月度发放条数"})
    paid_fen = Int(metadata={"description": "已发放金额（分）"})
    scheduled_fen = Int(metadata={"description": "待发放金额（分）"})
    stopped = Int(metadata={"description": "已停发的条数"})


class ReportSchema(ComplianceSchema):
    """A weekly supervision (周督导) or monthly bulletin (月通报)."""

    kind = fields.String(metadata={"description": "weekly_supervision 周督导 / monthly_bulletin 月通报"})
    kind_label = fields.String(metadata={"description": "报告类型中文名"})
    title = fields.String(metadata={"description": "标题"})
    city = fields.Dict(metadata={"description": "城市（代码、名称）"})
    generated_at = fields.String(metadata={"description": "生成时间（UTC）"})
    ranking = fields.List(fields.Nested(RankingSchema), metadata={"description": "乡镇排名"})
    late_units = fields.List(fields.Nested(LateUnitSchema),
                             metadata={"description": "逾期未完成、全市点名的单位"})
    changes = fields.Dict(metadata={"description": "较上期变化（达标率、名次、新增/消除的未达标项）"})
    overdue_holders = fields.Nested(OverdueHoldersSchema, metadata={"description": "超期环节及其责任人（按乡镇、按人）"})
    benefit_payments = fields.List(fields.Nested(PaymentTotalSchema), metadata={"description": "本期救助金发放合计，按乡镇和救助项目"})


class ReportQueryArgsSchema(Schema):
    """Which period and in what form."""

    period = fields.String(validate=PERIOD,
                           metadata={"description": "周期：月报 2026-11，周报 2026-W48；缺省为本期"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "xlsx", "png"]),
                           metadata={"description": "json 数据 / xlsx 可下发的表格（"
                                                    + "、".join(xlsx.SHEETS)
                                                    + "各一张工作表）/ png 图表"})
    chart = fields.String(load_default="ranking", validate=validate.OneOf(["ranking", "standards"]),
                          metadata={"description": "png 图表：ranking 乡镇排名 / standards 各项达标率"})


class ReportGenerateSchema(Schema):
    """Generate and keep a report now."""

    period = fields.String(validate=PERIOD,
                           metadata={"description": "周期，缺省为本期"})


class StoredReportSchema(Schema):
    """A kept report."""

    id = Int(metadata={"description": "报告编号"})
    kind = fields.String(metadata={"description": "报告类型"})
    period = fields.String(metadata={"description": "周期"})
    generated_at = fields.DateTime(metadata={"description": "生成时间（UTC）"})


class ImportQueryArgsSchema(Schema):
    """Dry-run or import."""

    dry_run = fields.Boolean(load_default=True,
                             metadata={"description": "true（缺省）只检查不导入；false 全部无误时导入"})


class ImportFileSchema(Schema):
    """The uploaded file."""

    file = Upload(required=True, metadata={"description": "乡镇概况 .xlsx（工作表“乡镇概况”“养老院”）或 .csv"})


class ImportErrorSchema(Schema):
    """One error, where the spreadsheet shows it."""

    sheet = fields.String(metadata={"description": "工作表"})
    row = Int(metadata={"description": "行号（表头为第1行）"})
    column = fields.String(metadata={"description": "列（字母与表头）"})
    message = fields.String(metadata={"description": "问题"})


class ImportOutcomeSchema(Schema):
    """What every all-or-nothing spreadsheet import answers (backend.services.tabular's
    ImportOutcome); each import's report adds its own counts."""

    dry_run = fields.Boolean(metadata={"description": "是否仅检查"})
    valid = fields.Boolean(metadata={"description": "全部单元格无误"})
    imported = fields.Boolean(metadata={"description": "已导入（全部无误且不是仅检查时）"})
    errors = fields.List(fields.Nested(ImportErrorSchema), metadata={
        "description": "每个有误的单元格（工作表、行、列）；有错误时不导入任何数据"})


class ImportReportSchema(ImportOutcomeSchema):
    """What the township-profile import found and did."""

    profiles = Int(metadata={"description": "乡镇概况行数"})
    nursing_homes = Int(metadata={"description": "养老院行数"})
    townships = fields.List(fields.String(), metadata={"description": "涉及的乡镇代码"})


class TemplateQueryArgsSchema(Schema):
    """Template format."""

    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]),
                           metadata={"description": "xlsx（含养老院与填写说明）或 csv（仅乡镇概况）"})
