"""Login, refresh and the token pair answered by both."""

from marshmallow import fields, validate

from miniprogram_api.extensions import Int, Schema


class WeChatLoginSchema(Schema):
    """A wx.login code from the mini-program."""

    code = fields.String(required=True, validate=validate.Length(1, 128),
                         metadata={"description": "wx.login() 返回的临时登录凭证 code（一次有效）"})


class StaffLoginSchema(Schema):
    """A staff member's username and password."""

    username = fields.String(required=True, validate=validate.Length(1, 50),
                             metadata={"description": "工作人员账号"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(1, 200),
                             metadata={"description": "密码（连续失败5次将锁定15分钟）"})


class RefreshSchema(Schema):
    """A refresh token to rotate."""

    refresh_token = fields.String(required=True, validate=validate.Length(1, 200),
                                  metadata={"description": "登录时获得的刷新令牌（每次刷新后更换）"})


class WhoSchema(Schema):
    """Who the token belongs to."""

    kind = fields.String(metadata={"description": "staff（工作人员）或 resident（居民）"})
    id = Int(metadata={"description": "账号编号"})
    role = fields.String(metadata={"description": "角色：resident、coordinator、township_staff、"
                                                  "social_worker、city_admin"})
    name = fields.String(metadata={"description": "姓名（居民可能为空）"})
    area_code = fields.String(metadata={"description": "管辖范围的区划代码前缀（工作人员）"})
    must_change_password = fields.Boolean(metadata={
        "description": "为 true 时须先调用 POST /me/password 修改初始密码，其他接口答 403 "
                       "password_change_required"})


class TokenPairSchema(Schema):
    """Access and refresh tokens."""

    access_token = fields.String(metadata={"description": "访问令牌，放在 Authorization: Bearer 头中"})
    refresh_token = fields.String(metadata={"description": "刷新令牌，用于 /auth/refresh"})
    token_type = fields.String(metadata={"description": "固定为 Bearer"})
    expires_in = Int(metadata={"description": "访问令牌有效秒数"})
    user = fields.Nested(WhoSchema, metadata={"description": "当前用户"})
