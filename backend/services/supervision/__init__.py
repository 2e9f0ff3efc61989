"""Supervision (督导): compliance with the standards per township and city-wide, the ranking,
the service figures, the weekly supervision and the monthly bulletin (周督导、月通报).

``periods`` (what a report covers), ``compliance`` (the standards checked, the ranking),
``figures`` (applications, visits, bookings and ratings beside them) and ``reports`` (building,
keeping and downloading reports). Callers use this package: ``supervision.get_report(...)``.
"""

from backend.services.supervision.compliance import (
    NO_PROFILE,
    STANDARD_LABELS,
    compute_compliance,
    get_compliance,
    late_units,
    rank,
    standards_book,
)
from backend.services.supervision.figures import (
    VISIT_GROUPS,
    applications_by_stage,
    booking_latency,
    collect_service_figures,
    evaluation_results,
    overdue_steps,
    processing_days,
    visit_coverage,
)
from backend.services.supervision.periods import (
    KIND_ALIASES,
    Period,
    parse_period,
    period_containing,
    report_kind,
)
from backend.services.supervision.reports import (
    build_report,
    generate_periodic_report,
    generate_report,
    get_report,
    monthly_bulletin,
    report_file,
    store_report_files,
    weekly_supervision_report,
)

__all__ = [
    "KIND_ALIASES", "NO_PROFILE", "STANDARD_LABELS", "VISIT_GROUPS", "Period",
    "applications_by_stage", "booking_latency", "build_report", "collect_service_figures",
    "compute_compliance", "evaluation_results", "generate_periodic_report", "generate_report",
    "get_compliance", "get_report", "late_units", "monthly_bulletin", "overdue_steps",
    "parse_period", "period_containing", "processing_days", "rank", "report_file",
    "report_kind", "standards_book", "store_report_files", "visit_coverage",
    "weekly_supervision_report",
]
