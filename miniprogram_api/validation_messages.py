"""marshmallow's field and validator messages in Chinese, for the people reading them; the
envelope's machine-readable ``code`` (``invalid_input``) and the field names stay as they are."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

FIELD_MESSAGES: dict[type[ma.fields.Field], dict[str, str]] = {
    ma.fields.Field: {"required": "此项必填", "null": "此项不能为空",
                      "validator_failed": "取值无效"},
    ma.fields.String: {"invalid": "须为文本", "invalid_utf8": "须为有效的 UTF-8 文本"},
    ma.fields.Integer: {"invalid": "须为整数"},
    ma.fields.Number: {"invalid": "须为数字", "too_large": "数值过大"},
    ma.fields.Float: {"special": "不接受 NaN 或无穷大"},
    ma.fields.Decimal: {"special": "不接受 NaN 或无穷大"},
    ma.fields.Boolean: {"invalid": "须为 true 或 false"},
    ma.fields.Date: {"invalid": "须为日期，如 2026-12-03", "format": "无法按日期格式输出"},
    ma.fields.DateTime: {"invalid": "须为时间，如 2026-12-03T09:30:00+08:00",
                         "invalid_awareness": "须带时区", "format": "无法按时间格式输出"},
    ma.fields.Time: {"invalid": "须为时刻，如 09:30", "invalid_awareness": "时区不符",
                     "format": "无法按时刻格式输出"},
    ma.fields.List: {"invalid": "须为列表"},
    ma.fields.Tuple: {"invalid": "须为列表"},
    ma.fields.Dict: {"invalid": "须为对象"},
    ma.fields.Nested: {"type": "须为对象"},
    ma.fields.Email: {"invalid": "须为有效的电子邮箱"},
    ma.fields.URL: {"invalid": "须为有效的网址"},
    ma.fields.Enum: {"unknown": "须为以下之一：{choices}"},
}


def install() -> None:
    """Replace the English defaults (every schema built afterwards reads these)."""
    for field_class, messages in FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}
    ma.Schema._default_error_messages = {
        "type": "输入类型无效", "unknown": "不认识的字段"}
    validate.Length.message_min = "长度不能少于 {min}"
    validate.Length.message_max = "长度不能超过 {max}"
    validate.Length.message_all = "长度须在 {min} 至 {max} 之间"
    validate.Length.message_equal = "长度须为 {equal}"
    validate.Range.message_min = "须{min_op} {{min}}"
    validate.Range.message_max = "须{max_op} {{max}}"
    validate.Range.message_all = "须{min_op} {{min}} 且{max_op} {{max}}"
    validate.Range.message_gte, validate.Range.message_gt = "不小于", "大于"
    validate.Range.message_lte, validate.Range.message_lt = "不大于", "小于"
    validate.OneOf.default_message = "须为以下之一：{choices}"
    validate.Regexp.default_message = "格式不正确"
