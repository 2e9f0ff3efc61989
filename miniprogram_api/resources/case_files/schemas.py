"""A client's case file out."""

from __future__ import annotations

from marshmallow import fields

from miniprogram_api.extensions import Int, Schema


class CaseFileEntrySchema(Schema):
    """One event in the file."""

    at = fields.DateTime(metadata={"description": "发生时间（UTC）"})
    type = fields.String(metadata={"description": "application 申请 / decision 办理决定 / booking 预约 / "
                                                  "care_visit 定期探访 / visit 探访记录"})
    id = Int(metadata={"description": "记录编号"})
    status = fields.String(metadata={"description": "状态"})
    title = fields.String(metadata={"description": "摘要"})
    detail = fields.Dict(metadata={"description": "细节"})


class CaseFileSchema(Schema):
    """The client's whole file in time order."""

    client_id = Int(metadata={"description": "服务对象编号"})
    client_name = fields.String(metadata={"description": "姓名"})
    entries = fields.List(fields.Nested(CaseFileEntrySchema),
                          metadata={"description": "按时间排列的记录"})
