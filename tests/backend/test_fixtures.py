"""The demo data files in backend/fixtures/ keep the invariants the seeder and the API rely on.

Loaded with the standard library only, so a city can edit the JSON and run these tests to check it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "backend" / "fixtures"

CANONICAL_STAGES = ["acceptance", "verification", "deliberation", "public_notice", "approval"]
STAGE_LABELS = {
    "acceptance": "受理",
    "verification": "核查",
    "deliberation": "评议",
    "public_notice": "公示",
    "approval": "审批",
}
ACTOR_ROLES = {"coordinator", "township_staff", "city_admin"}
DECIDING_ROLES = {"township_staff", "city_admin"}
LEVELS = {"village", "township", "county"}
FAMILIES = {"social_assistance", "special_care", "elderly_care"}
CLIENT_CATEGORIES = {
    "subsistence_allowance",
    "extreme_poverty",
    "left_behind_child",
    "left_behind_woman",
    "left_behind_elder",
    "special_care",
    "elderly",
    "disabled",
}
SERVICE_CODES = {
    "subsistence_allowance",
    "extreme_poverty_support",
    "temporary_relief",
    "medical_relief",
    "special_care_veteran_test_or_war",
    "special_care_rural_veteran_60",
    "special_care_martyr_child",
    "home_care",
    "nursing_home_admission",
}
SERVICE_FIELDS = {
    "code",
    "name",
    "family",
    "legal_basis",
    "eligibility",
    "procedure",
    "time_limit_days",
    "materials",
    "sample_form",
    "fee",
    "service_commitment",
    "complaint_phone",
    "re_review_interval_months",
    "workflow",
}
STAGE_FIELDS = {"stage", "label", "actor_role", "reject_role", "level", "time_limit_days",
                "applies"}
STATION_FLAGS = ("has_person", "has_sign", "has_place", "has_rules", "has_ledger")
VISIT_KINDS = {
    "routine_visit",
    "counselling",
    "emotional_support",
    "doorstep_service",
    "condolence_visit",
}
VISIT_SERVICES = {
    "counselling",
    "emotional_support",
    "behaviour_correction",
    "relationship_mediation",
    "capacity_building",
    "support_network",
    "other",
}

CITY_CENTRE = (34.40, 113.74)
MAX_OFFICE_DISTANCE_KM = 25.0
MAX_VILLAGE_DISTANCE_KM = 4.0
CJK = re.compile(r"[\u4e00-\u9fff]")


def load(name: str) -> Any:
    with (FIXTURES / name).open(encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def city() -> dict[str, Any]:
    return load("demo_city.json")


@pytest.fixture(scope="module")
def townships(city: dict[str, Any]) -> list[dict[str, Any]]:
    return city["townships"]


@pytest.fixture(scope="module")
def villages(townships: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for t in townships for v in t["villages"]]


@pytest.fixture(scope="module")
def guide() -> dict[str, Any]:
    return load("service_guide.json")


@pytest.fixture(scope="module")
def services(guide: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return guide["services"]


@pytest.fixture(scope="module")
def care() -> dict[str, Any]:
    return load("care_rules.json")


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lng) points."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def population_band(population: int) -> str:
    """Band of the staffing standard: < 30,000; 30,000–50,000; > 50,000."""
    if population < 30_000:
        return "small"
    return "medium" if population <= 50_000 else "large"


def is_chinese(text: Any) -> bool:
    return isinstance(text, str) and bool(text.strip()) and bool(CJK.search(text))


def labelled_texts(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every value under a key people read (label, name, title), with its path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("label", "name", "title", "short_name"):
                yield f"{path}.{key}", value
            yield from labelled_texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from labelled_texts(value, f"{path}[{i}]")


@pytest.mark.parametrize("name", ["demo_city.json", "service_guide.json", "care_rules.json"])
def test_every_label_name_and_title_is_non_empty_chinese(name: str) -> None:
    bad = [path for path, text in labelled_texts(load(name)) if not is_chinese(text)]
    assert bad == []


# --- demo_city.json: geography ------------------------------------------------------------


def test_city_has_a_six_digit_area_code(city: dict[str, Any]) -> None:
    assert re.fullmatch(r"\d{6}", city["city"]["code"])


def test_township_codes_are_nine_digits_and_extend_the_city_code(
    city: dict[str, Any], townships: list[dict[str, Any]]
) -> None:
    for t in townships:
        assert re.fullmatch(r"\d{9}", t["code"]), t["code"]
        assert t["code"].startswith(city["city"]["code"]), t["code"]


def test_village_codes_are_twelve_digits_and_extend_their_township_code(
    townships: list[dict[str, Any]],
) -> None:
    for t in townships:
        for v in t["villages"]:
            assert re.fullmatch(r"\d{12}", v["code"]), v["code"]
            assert v["code"].startswith(t["code"]), v["code"]


def test_area_codes_are_unique_across_the_city(
    townships: list[dict[str, Any]], villages: list[dict[str, Any]]
) -> None:
    codes = [t["code"] for t in townships] + [v["code"] for v in villages]
    assert [c for c, n in Counter(codes).items() if n > 1] == []


def test_village_names_are_unique_within_their_township(townships: list[dict[str, Any]]) -> None:
    for t in townships:
        names = [v["name"] for v in t["villages"]]
        assert len(names) == len(set(names)), t["name"]


def test_townships_include_towns_subdistricts_and_zones(townships: list[dict[str, Any]]) -> None:
    assert {t["kind"] for t in townships} == {"town", "subdistrict", "zone"}


def test_subdistricts_are_mostly_communities(townships: list[dict[str, Any]]) -> None:
    for t in townships:
        assert {v["kind"] for v in t["villages"]} <= {"village", "community"}
        if t["kind"] == "subdistrict":
            kinds = Counter(v["kind"] for v in t["villages"])
            assert kinds["community"] > kinds["village"], t["name"]


def test_each_township_has_eight_to_twenty_villages(townships: list[dict[str, Any]]) -> None:
    for t in townships:
        assert 8 <= len(t["villages"]) <= 20, t["name"]


def test_each_staffing_population_band_has_at_least_three_townships(
    townships: list[dict[str, Any]],
) -> None:
    bands = Counter(population_band(t["population"]) for t in townships)
    assert all(bands[band] >= 3 for band in ("small", "medium", "large")), bands


def test_elderly_population_is_a_plausible_share_of_population(
    townships: list[dict[str, Any]],
) -> None:
    for t in townships:
        assert 0.05 < t["elderly_population"] / t["population"] < 0.40, t["name"]


def test_township_offices_lie_within_25_km_of_the_city_centre(
    townships: list[dict[str, Any]],
) -> None:
    for t in townships:
        assert distance_km(CITY_CENTRE, (t["lat"], t["lng"])) <= MAX_OFFICE_DISTANCE_KM, t["name"]


def test_villages_lie_within_4_km_of_their_township_office(townships: list[dict[str, Any]]) -> None:
    for t in townships:
        office = (t["lat"], t["lng"])
        for v in t["villages"]:
            assert distance_km(office, (v["lat"], v["lng"])) <= MAX_VILLAGE_DISTANCE_KM, v["name"]


def test_township_offices_have_a_chinese_address_and_a_local_landline(
    townships: list[dict[str, Any]],
) -> None:
    for t in townships:
        assert is_chinese(t["office_address"]), t["name"]
        assert re.fullmatch(r"0371-6\d{7}", t["phone"]), t["phone"]
    assert len({t["phone"] for t in townships}) == len(townships)


def test_deviations_come_from_the_declared_kinds_and_most_townships_have_none(
    city: dict[str, Any], townships: list[dict[str, Any]]
) -> None:
    kinds = set(city["deviation_kinds"])
    for t in townships:
        assert set(t["deviations"]) <= kinds, t["name"]
    assert sum(1 for t in townships if not t["deviations"]) > len(townships) / 2


def test_only_offices_below_40_m2_are_flagged_too_small(townships: list[dict[str, Any]]) -> None:
    small = {t["code"] for t in townships if t["office_area_m2"] < 40}
    flagged = {t["code"] for t in townships if "office_too_small" in t["deviations"]}
    assert small == flagged
    assert 1 <= len(small) < len(townships) / 2


def test_stations_show_their_sign_and_place_exactly_when_they_have_them(
    villages: list[dict[str, Any]],
) -> None:
    for v in villages:
        s = v["station"]
        assert all(isinstance(s[flag], bool) for flag in STATION_FLAGS), v["name"]
        assert s["has_sign"] == s["sign"].endswith("民政服务站"), v["name"]
        assert s["has_place"] == is_chinese(s["place"]), v["name"]


def test_almost_all_stations_have_all_five_elements(villages: list[dict[str, Any]]) -> None:
    incomplete = [v for v in villages if not all(v["station"][f] for f in STATION_FLAGS)]
    assert 1 <= len(incomplete) <= len(villages) // 10


def test_incomplete_stations_are_exactly_in_townships_flagged_station_incomplete(
    townships: list[dict[str, Any]],
) -> None:
    for t in townships:
        has_incomplete = any(not all(v["station"][f] for f in STATION_FLAGS) for v in t["villages"])
        assert has_incomplete == ("station_incomplete" in t["deviations"]), t["name"]


def test_name_pools_are_large_enough_and_chinese(city: dict[str, Any]) -> None:
    pools = city["name_pools"]
    for key, minimum in (
        ("surnames", 60),
        ("given_name_chars_male", 40),
        ("given_name_chars_female", 40),
    ):
        assert len(set(pools[key])) == len(pools[key]) >= minimum, key
        assert all(is_chinese(c) for c in pools[key]), key


def test_address_patterns_name_their_placeholders(city: dict[str, Any]) -> None:
    patterns = city["address_patterns"]
    assert {"{village}", "{group}", "{number}"} <= set(re.findall(r"{\w+}", patterns["village"]))
    assert {"{street}", "{number}"} <= set(re.findall(r"{\w+}", patterns["community"]))
    assert all(is_chinese(s) for s in patterns["street_names"])


# --- service_guide.json: the published guide and its workflows -------------------------


def applied(workflow: dict[str, Any]) -> list[str]:
    return [s["stage"] for s in workflow["stages"] if s["applies"]]


def test_the_guide_covers_every_service_keyed_by_its_own_code(
    services: dict[str, dict[str, Any]],
) -> None:
    assert set(services) == SERVICE_CODES
    assert all(code == entry["code"] for code, entry in services.items())


def test_every_service_publishes_all_required_fields(services: dict[str, dict[str, Any]]) -> None:
    for code, entry in services.items():
        assert set(entry) >= SERVICE_FIELDS, SERVICE_FIELDS - set(entry)
        assert entry["family"] in FAMILIES, code
        assert entry["legal_basis"] and all(is_chinese(b) for b in entry["legal_basis"]), code
        assert entry["eligibility"] and all(is_chinese(e) for e in entry["eligibility"]), code
        assert is_chinese(entry["service_commitment"]), code
        assert entry["complaint_phone"], code
        assert isinstance(entry["time_limit_days"], int) and entry["time_limit_days"] > 0, code


def test_legal_bases_are_cited_with_book_title_marks(services: dict[str, dict[str, Any]]) -> None:
    for entry in services.values():
        assert all(b.startswith("《") and "》" in b for b in entry["legal_basis"]), entry["code"]


def test_every_service_is_free(services: dict[str, dict[str, Any]]) -> None:
    for entry in services.values():
        assert entry["fee"]["charged"] is False and entry["fee"]["amount_fen"] == 0
        assert entry["fee"]["label"] == "免费"


def test_every_service_requires_at_least_one_catalogued_material(
    guide: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    catalog = guide["material_catalog"]
    for entry in services.values():
        assert any(m["required"] for m in entry["materials"]), entry["code"]
        for m in entry["materials"]:
            assert catalog.get(m["code"]) == m["name"], m["code"]
            assert isinstance(m["required"], bool) and isinstance(m["note"], str)


def test_sample_forms_have_a_title_and_uniquely_coded_fields(
    services: dict[str, dict[str, Any]],
) -> None:
    for entry in services.values():
        form = entry["sample_form"]
        codes = [f["code"] for f in form["fields"]]
        assert is_chinese(form["title"]) and codes and len(codes) == len(set(codes)), entry["code"]


def test_workflow_stages_are_in_canonical_order_with_canonical_labels(
    services: dict[str, dict[str, Any]],
) -> None:
    for entry in services.values():
        stages = [s["stage"] for s in entry["workflow"]["stages"]]
        assert stages == sorted(stages, key=CANONICAL_STAGES.index), entry["code"]
        assert len(stages) == len(set(stages)) and applied(entry["workflow"]), entry["code"]
        for s in entry["workflow"]["stages"]:
            assert set(s) >= STAGE_FIELDS and s["label"] == STAGE_LABELS[s["stage"]]
            assert s["actor_role"] in ACTOR_ROLES and s["level"] in LEVELS, s


def test_skipped_stages_give_a_reason_and_take_no_time(services: dict[str, dict[str, Any]]) -> None:
    for entry in services.values():
        for s in entry["workflow"]["stages"]:
            if s["applies"]:
                assert s["time_limit_days"] > 0, (entry["code"], s["stage"])
            else:
                assert s["time_limit_days"] == 0 and is_chinese(s["skip_reason"]), s["stage"]


def test_stage_time_limits_fit_within_the_published_time_limit(
    services: dict[str, dict[str, Any]],
) -> None:
    for entry in services.values():
        total = sum(s["time_limit_days"] for s in entry["workflow"]["stages"])
        assert total <= entry["time_limit_days"], entry["code"]


def test_public_notice_lasts_the_workflows_public_notice_days(
    services: dict[str, dict[str, Any]],
) -> None:
    for entry in services.values():
        workflow = entry["workflow"]
        assert workflow["public_notice_days"] == 7
        for s in workflow["stages"]:
            if s["stage"] == "public_notice" and s["applies"]:
                assert s["time_limit_days"] == workflow["public_notice_days"], entry["code"]


@pytest.mark.parametrize("code", ["subsistence_allowance", "extreme_poverty_support"])
def test_subsistence_and_extreme_poverty_go_through_all_five_stages_approved_by_the_city(
    services: dict[str, dict[str, Any]], code: str
) -> None:
    workflow = services[code]["workflow"]
    assert applied(workflow) == CANONICAL_STAGES
    by_stage = {s["stage"]: s for s in workflow["stages"]}
    assert by_stage["acceptance"]["level"] == "township"
    assert by_stage["deliberation"]["level"] == "village"
    assert by_stage["approval"]["actor_role"] == "city_admin"


def test_special_care_services_skip_village_acceptance_and_initial_review(
    services: dict[str, dict[str, Any]],
) -> None:
    special = [e for e in services.values() if e["family"] == "special_care"]
    assert {e["special_care_subtype"] for e in special} == {
        "veteran_test_or_war",
        "rural_veteran_60",
        "martyr_child",
    }
    for entry in special:
        assert "acceptance" not in applied(entry["workflow"]), entry["code"]
        assert "deliberation" not in applied(entry["workflow"]), entry["code"]
        assert applied(entry["workflow"])[0] == "verification", entry["code"]


def test_temporary_relief_is_short_with_an_urgent_track(
    services: dict[str, dict[str, Any]],
) -> None:
    workflow = services["temporary_relief"]["workflow"]
    assert applied(workflow) == ["acceptance", "verification", "approval"]
    urgent = workflow["urgent_track"]
    assert urgent["time_limit_hours"] <= 24
    assert set(urgent["stages"]) | set(urgent["post_hoc_stages"]) == set(applied(workflow))


def test_urgent_track_hours_roles_and_causes_are_complete(
    services: dict[str, dict[str, Any]],
) -> None:
    urgent = services["temporary_relief"]["workflow"]["urgent_track"]
    assert set(urgent["stage_time_limit_hours"]) == set(urgent["stages"])
    assert sum(urgent["stage_time_limit_hours"].values()) <= urgent["time_limit_hours"]
    assert set(urgent["stage_roles"].values()) <= DECIDING_ROLES
    assert set(urgent["causes"]) == {"sudden_disaster", "accident", "serious_illness", "other"}
    assert all(is_chinese(label) for label in urgent["causes"].values())


def test_refusals_and_approvals_belong_to_the_township_or_the_city(
    services: dict[str, dict[str, Any]],
) -> None:
    for entry in services.values():
        workflows = [entry["workflow"], entry.get("re_review_workflow", {"stages": []})]
        for s in (s for w in workflows for s in w["stages"]):
            assert s["reject_role"] in DECIDING_ROLES, (entry["code"], s["stage"])
            expected = "township_staff" if s["actor_role"] == "coordinator" else s["actor_role"]
            assert s["reject_role"] == expected, (entry["code"], s["stage"])
            if s["stage"] == "approval":
                assert s["actor_role"] in DECIDING_ROLES, entry["code"]


def test_procedure_steps_mirror_the_applied_workflow_stages(
    guide: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    for entry in services.values():
        steps = entry["procedure"]
        assert steps[0]["step"] == "application"
        stage_steps = [s for s in steps if s["step"] in STAGE_LABELS]
        assert [s["step"] for s in stage_steps] == applied(entry["workflow"]), entry["code"]
        assert all(s["name"] == STAGE_LABELS[s["step"]] for s in stage_steps)
        assert {s["step"] for s in steps} <= set(STAGE_LABELS) | set(guide["procedure_steps"])
        has_re_review_step = steps[-1]["step"] == "re_review"
        assert has_re_review_step == (entry["re_review_interval_months"] is not None), entry["code"]


def test_re_review_workflow_exists_exactly_for_services_with_a_re_review_interval(
    services: dict[str, dict[str, Any]],
) -> None:
    for entry in services.values():
        interval = entry["re_review_interval_months"]
        assert ("re_review_workflow" in entry) == (interval is not None), entry["code"]
        if interval is not None:
            assert interval in (3, 6, 12)
            stages = entry["re_review_workflow"]["stages"]
            assert [s["stage"] for s in stages] == ["verification", "approval"], entry["code"]


def test_one_off_services_have_no_re_review(services: dict[str, dict[str, Any]]) -> None:
    assert services["temporary_relief"]["re_review_interval_months"] is None
    assert services["medical_relief"]["re_review_interval_months"] is None


# --- care_rules.json: recurring visits ----------------------------------------------------


def test_care_categories_are_exactly_the_glossary_client_categories(care: dict[str, Any]) -> None:
    assert {c["code"] for c in care["categories"]} == CLIENT_CATEGORIES


def test_every_client_category_has_exactly_one_visit_rule(care: dict[str, Any]) -> None:
    categories = [r["category"] for r in care["rules"]]
    assert sorted(categories) == sorted(CLIENT_CATEGORIES)


def test_visit_windows_and_grace_periods_are_shorter_than_the_interval(
    care: dict[str, Any],
) -> None:
    for r in care["rules"]:
        assert r["interval_days"] > 0 and r["duration_minutes"] > 0, r["category"]
        assert 0 <= r["window_days"] < r["interval_days"], r["category"]
        assert 0 <= r["grace_days"] < r["interval_days"], r["category"]


def test_default_intervals_follow_the_policy_digest(care: dict[str, Any]) -> None:
    intervals = {r["category"]: r["interval_days"] for r in care["rules"]}
    assert intervals == {
        "extreme_poverty": 14,
        "left_behind_elder": 14,
        "left_behind_child": 14,
        "left_behind_woman": 30,
        "elderly": 30,
        "disabled": 30,
        "subsistence_allowance": 90,
        "special_care": 90,
    }


def test_rules_use_known_visit_kinds_and_skills(care: dict[str, Any]) -> None:
    kinds = {k["code"] for k in care["visit_kinds"]}
    skills = {s["code"] for s in care["skills"]}
    assert kinds == VISIT_KINDS
    for r in care["rules"]:
        assert r["visit_kind"] in kinds and r["required_skill"] in skills | {None}, r["category"]


def test_counselling_visits_need_the_certified_counselling_skill(care: dict[str, Any]) -> None:
    skill = {k["code"]: k["required_skill"] for k in care["visit_kinds"]}
    assert skill["counselling"] == "counselling"
    assert all(s is None for code, s in skill.items() if code != "counselling")


def test_only_left_behind_women_may_require_a_female_worker(care: dict[str, Any]) -> None:
    requiring = {r["category"] for r in care["rules"] if r["require_female_worker"]}
    assert requiring <= {"left_behind_woman"}


def test_visit_services_are_the_glossary_services(care: dict[str, Any]) -> None:
    assert {s["code"] for s in care["visit_services"]} == VISIT_SERVICES


def test_spring_festival_dates_are_listed_for_2025_to_2030_in_late_january_or_february(
    care: dict[str, Any],
) -> None:
    dates = care["festivals"]["spring_festival"]["dates"]
    assert set(dates) == {str(year) for year in range(2025, 2031)}
    for year, iso in dates.items():
        day = dt.date.fromisoformat(iso)
        assert day.year == int(year)
        assert dt.date(day.year, 1, 21) <= day <= dt.date(day.year, 2, 20), iso


def test_condolence_visits_precede_spring_festival_and_august_first(care: dict[str, Any]) -> None:
    rules = care["festival_rules"]
    assert {r["before"] for r in rules} == {"spring_festival", "08-01"}
    for r in rules:
        assert r["before"] in care["festivals"]
        assert r["kind"] == "condolence_visit" and r["category"] == "special_care"
        assert 0 < r["days_before"] <= 31


def test_visits_for_two_name_known_categories_and_skills(care: dict[str, Any]) -> None:
    rule = care["two_worker_visits"]
    skills = {s["code"] for s in care["skills"]}
    assert 0 < rule["sync_tolerance_minutes"] <= 30
    assert set(rule["categories"]) <= CLIENT_CATEGORIES
    flags = {f["code"]: f for f in rule["client_flags"]}
    assert set(flags) == {"safety_risk", "psychological_crisis"}
    for flag in flags.values():
        assert flag["label"] and flag["note"]
        assert {flag["required_skill"], flag["partner_skill"]} <= skills | {None}
    # A crisis visit: a certified counsellor, and a second worker of any kind.
    crisis = flags["psychological_crisis"]
    assert (crisis["required_skill"], crisis["partner_skill"]) == ("counselling", None)
