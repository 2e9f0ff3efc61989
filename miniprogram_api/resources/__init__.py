"""Every resource's blueprint, registered in this order (it is also the docs' order)."""

from flask_smorest import Blueprint

from miniprogram_api.resources.accountability.routes import blp as accountability_blp
from miniprogram_api.resources.applications.routes import blp as applications_blp
from miniprogram_api.resources.auth.routes import blp as auth_blp
from miniprogram_api.resources.bookings.routes import blp as bookings_blp
from miniprogram_api.resources.case_files.routes import blp as case_files_blp
from miniprogram_api.resources.clients.routes import blp as clients_blp
from miniprogram_api.resources.department_data.routes import blp as department_data_blp
from miniprogram_api.resources.grievances.routes import blp as grievances_blp
from miniprogram_api.resources.household_checks.routes import blp as household_checks_blp
from miniprogram_api.resources.links.routes import blp as links_blp
from miniprogram_api.resources.me.routes import blp as me_blp
from miniprogram_api.resources.messages.routes import blp as messages_blp
from miniprogram_api.resources.notices.routes import blp as notices_blp
from miniprogram_api.resources.operations.routes import blp as operations_blp
from miniprogram_api.resources.payments.routes import blp as payments_blp
from miniprogram_api.resources.plans.routes import blp as plans_blp
from miniprogram_api.resources.routes.routes import blp as routes_blp
from miniprogram_api.resources.services.routes import blp as services_blp
from miniprogram_api.resources.staff.routes import blp as staff_blp
from miniprogram_api.resources.stations.routes import blp as stations_blp
from miniprogram_api.resources.supervision.routes import blp as supervision_blp
from miniprogram_api.resources.townships.routes import blp as townships_blp
from miniprogram_api.resources.training.routes import blp as training_blp
from miniprogram_api.resources.villages.routes import blp as villages_blp
from miniprogram_api.resources.visits.routes import blp as visits_blp
from miniprogram_api.resources.wechat.routes import blp as wechat_blp
from miniprogram_api.resources.week_plans.routes import blp as week_plans_blp

BLUEPRINTS: list[Blueprint] = [
    auth_blp,
    me_blp,
    townships_blp,
    staff_blp,
    stations_blp,
    villages_blp,
    clients_blp,
    links_blp,
    services_blp,
    applications_blp,
    accountability_blp,
    household_checks_blp,
    department_data_blp,
    notices_blp,
    grievances_blp,
    bookings_blp,
    visits_blp,
    case_files_blp,
    payments_blp,
    supervision_blp,
    training_blp,
    messages_blp,
    operations_blp,
    plans_blp,
    week_plans_blp,
    routes_blp,
    wechat_blp,
]
