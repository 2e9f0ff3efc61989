"""The report workbook a bureau circulates: one sheet per part of the bulletin (openpyxl)."""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEETS = ("排名", "达标明细", "全市汇总", "未按期完成", "较上期变化", "服务指标", "超期责任人",
          "救助金发放")
_BOLD = Font(bold=True)
_FAIL = PatternFill("solid", fgColor="F8D7DA")


def _table(sheet: Worksheet, header: list[str], rows: list[list[Any]]) -> None:
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        sheet.append(row)
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(60, 4 + width * 1.6)
    sheet.freeze_panes = "A2"


_FIGURE_LABELS = {
    "applications_by_stage": "在办件（按环节）", "overdue_steps": "超时环节",
    "processing_days": "平均办理天数（按事项）", "visit_coverage": "探访覆盖率（按对象类别）",
    "booking_latency": "预约审核用时（小时）", "evaluations": "好差评",
}


def _json(value: Any) -> str:
    # A cell holds at most 32,767 characters; the figures are small, but never fail the file.
    return json.dumps(value, ensure_ascii=False)[:32_000] if value else ""


def _yes(value: bool) -> str:
    return "达标" if value else "未达标"


def report_workbook(data: dict[str, Any]) -> bytes:
    """The workbook's bytes: ranking, details, city-wide summary, late units, changes, figures,
    late holders and the period's benefit payments."""
    book = Workbook()
    book.remove(book.active)
    ranking, details, summary, late, changes, figures, holders, payments = (
        book.create_sheet(n) for n in SHEETS)
    _table(ranking, ["名次", "乡镇代码", "乡镇（街道）", "达标率（%）", "达标项", "未达标项",
                     "未达标内容"],
           [[r["rank"], r["township_code"], r["township_name"], r["score"], r["passed"],
             r["failed"], "、".join(_label(data, c) for c in r["failed_standards"])]
            for r in data["ranking"]])
    _table(details, ["乡镇代码", "乡镇（街道）", "标准", "要求", "实际", "单位", "结果", "差距",
                     "完成时限", "说明"],
           [[t["township_code"], t["township_name"], i["label"], i["required"], i["actual"],
             i["unit"], _yes(i["passed"]), i["gap"], i["deadline"], "；".join(i["detail"])]
            for t in data["townships"] for i in t["items"]])
    for row in details.iter_rows(min_row=2):
        if row[6].value == "未达标":
            for cell in row:
                cell.fill = _FAIL
    _table(summary, ["标准", "单位", "乡镇数", "达标乡镇", "达标率（%）", "要求合计", "实际合计",
                     "差距合计", "未达标乡镇"],
           [[s["label"], s["unit"], s["townships"], s["townships_passed"],
             s["pass_rate_percent"], s["required_total"], s["actual_total"], s["gap_total"],
             "、".join(s["townships_failed"])] for s in data["city_wide"]])
    _table(late, ["乡镇代码", "乡镇（街道）", "未按期完成的标准", "完成时限", "差距", "说明"],
           [[u["township_code"], u["township_name"], s["label"], s["deadline"], s["gap"],
             "；".join(s["detail"])] for u in data["late_units"] for s in u["standards"]])
    _table(changes, ["乡镇代码", "乡镇（街道）", "达标率变化", "名次变化（正为上升）",
                     "新增未达标", "新达标"],
           [[c["township_code"], c["township_name"], c["score_change"], c["rank_change"],
             "、".join(_label(data, x) for x in c["newly_failed"]),
             "、".join(_label(data, x) for x in c["newly_passed"])]
            for c in data["changes"]["townships"]] or
           [["", f"上期（{data['changes']['previous_period']}）无报告，无法比较", "", "", "", ""]])
    _table(figures, ["指标", "是否可用", "全市合计", "分乡镇"],
           [[_FIGURE_LABELS.get(name, name), "是" if value.get("available") else "否",
             value.get("reason") or _json(value.get("totals")), _json(value.get("by_township"))]
            for name, value in data["service_figures"].items() if isinstance(value, dict)])
    _table(holders, ["乡镇代码", "乡镇（街道）", "责任人", "受理编号", "环节", "办理期限",
                     "超期天数"],
           [[p["township_code"], p["township_name"], p["holder_name"], s["reference"],
             s["stage_label"], s["due_on"], s["days_late"]]
            for p in data.get("overdue_holders", {}).get("by_person", []) for s in p["steps"]])
    _payments_table(payments, data.get("benefit_payments", []))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _payments_table(sheet: Worksheet, totals: list[dict[str, Any]]) -> None:
    """The period's benefit payments per township and service, in yuan, with the city's total."""
    def yuan(fen: int) -> float:
        return round(fen / 100, 2)

    rows = [[t["township_code"], t["township_name"], t["service_name"], t["payments"],
             yuan(t["paid_fen"]), yuan(t["scheduled_fen"]), t["stopped"]] for t in totals]
    rows.append(["", "全市合计", "", sum(t["payments"] for t in totals),
                 yuan(sum(t["paid_fen"] for t in totals)),
                 yuan(sum(t["scheduled_fen"] for t in totals)),
                 sum(t["stopped"] for t in totals)])
    _table(sheet, ["乡镇代码", "乡镇（街道）", "救助项目", "应发笔数", "已发放（元）",
                   "待发放（元）", "停发笔数"], rows)
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD


def _label(data: dict[str, Any], code: str) -> str:
    for item in data["city_wide"]:
        if item["code"] == code:
            return str(item["label"])
    for township in data["townships"]:
        for item in township["items"]:
            if item["code"] == code:
                return str(item["label"])
    return code
