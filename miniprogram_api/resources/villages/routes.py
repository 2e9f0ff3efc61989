"""The villages and communities of the city, public: a resident chooses theirs when filing."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from backend.permissions import PUBLIC
from backend.services import geography
from miniprogram_api.extensions import Blueprint, PeeweePage

from .schemas import PublicVillageSchema, VillageQueryArgsSchema

blp = Blueprint("villages", __name__, url_prefix="/api/v1/villages",
                description="村（社区）：申请时选择所在村（社区），无需登录")


@blp.route("")
class Villages(MethodView):
    """Villages to choose from."""

    @blp.permission(PUBLIC, errors=(422,))
    @blp.doc(security=[])  # no login: a resident chooses a village before anything else
    @blp.arguments(VillageQueryArgsSchema, location="query")
    @blp.response(200, PublicVillageSchema(many=True))
    @blp.paginate(PeeweePage)
    def get(self, args: dict[str, Any]) -> Any:
        """Villages and communities with their township, by township or name (选择村（社区））."""
        return geography.list_villages(township_id=args.get("township_id"),
                                       name=args.get("name"))
