"""The national report format (deerhabitat.nrschema): coercion, every problem with its key, invariants."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deerhabitat.errors import ReportFormatError
from deerhabitat.nrschema import (
    CODE_LISTS,
    SECTIONS,
    SECTIONS_BY_KEY,
    Problem,
    check_country,
    check_report,
    key_path,
    period_label,
    validate_report,
)

TODAY = dt.date(2026, 11, 24)


def problems_of(data, **kw):
    return [str(p) for p in check_report(data, today=TODAY, **kw)[1]]


def test_minimal_report_is_valid_and_coerced(report):
    report["populations"][0]["method"] = "Census"
    report["populations"][0]["count"] = "1,475"
    report["report"]["country"] = "uzb"
    coerced, problems = check_report(report, today=TODAY)
    assert problems == []
    pop = coerced["populations"][0]
    assert (pop["method"], pop["count"], coerced["report"]["country"]) == ("census", 1475, "UZB")
    assert coerced["populations"][1]["date"] == "2019-10"
    assert pop["captive"] is None and pop["males"] is None
    assert set(coerced) == set(SECTIONS_BY_KEY)
    assert coerced["community"] == [] and len(coerced["releases"]) == 1
    assert set(coerced["threats"][0]) == {f.name for f in SECTIONS_BY_KEY["threats"].fields}


def test_yaml_dates_and_booleans_are_accepted(make_report):
    data = make_report()
    data["report"]["submitted"] = dt.date(2024, 3, 1)
    data["populations"][0].update(captive=False, date=2023)
    data["protected_areas"][0]["deer_present"] = "yes"
    coerced, problems = check_report(data, today=TODAY)
    assert problems == []
    assert coerced["report"]["submitted"] == "2024-03-01"
    assert coerced["populations"][0]["captive"] is False and coerced["populations"][0]["date"] == "2023"
    assert coerced["protected_areas"][0]["deer_present"] is True


def _set(path, value):
    def mutate(data):
        target = data
        for part in path[:-1]:
            target = target[part]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return mutate


_DELETE = object()

CASES = {
    "wrong code": (
        _set(("populations", 0, "method"), "aerial"),
        "populations[0].method: 'aerial' is not an allowed value; expected one of: census, "
        "distance-sampling, camera-trap, enclosure-count, estimate; pick one from the list",
    ),
    "near-miss code": (
        _set(("populations", 2, "trend"), "stabel"),
        "populations[2].trend: 'stabel' is not an allowed value (did you mean 'stable'?); expected "
        "one of: increasing, stable, decreasing, fluctuating, unknown; pick one from the list",
    ),
    "missing required": (
        _set(("populations", 0, "count"), _DELETE),
        "populations[0].count: missing; required: number of animals counted or estimated (a whole "
        "number from 0 to 10,000,000); fill it in",
    ),
    "empty required text": (
        _set(("report", "authority"), "  "),
        "report.authority: missing; required: the national authority responsible for the MOU; fill it in",
    ),
    "negative count": (
        _set(("populations", 0, "count"), -5),
        "populations[0].count: -5 is negative; expected a whole number from 0 to 10,000,000; correct the "
        "value",
    ),
    "fractional count": (
        _set(("populations", 0, "count"), 12.5),
        "populations[0].count: 12.5 is not a whole number; expected a whole number from 0 to 10,000,000; "
        "correct the value",
    ),
    "future date": (
        _set(("populations", 0, "date"), "2027-01"),
        "populations[0].date: '2027-01' is in the future or before 1700; dates must lie between 1700 and "
        "today; expected a date written YYYY, YYYY-MM or YYYY-MM-DD, not in the future; correct the value",
    ),
    "not a date": (
        _set(("populations", 0, "date"), "spring 2023"),
        "populations[0].date: 'spring 2023' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD; expected a "
        "date written YYYY, YYYY-MM or YYYY-MM-DD, not in the future; correct the value",
    ),
    "future year": (
        _set(("report", "period_end"), 2031),
        "report.period_end: 2031 is not a year between 1700 and 2026; expected a year (YYYY), not in the "
        "future; correct the value",
    ),
    "wrong country code": (
        _set(("report", "country"), "UZ"),
        "report.country: 'UZ' is not an ISO 3166-1 alpha-3 code; expected an ISO 3166-1 alpha-3 "
        "country code such as KAZ, UZB, TJK, TKM or AFG; correct the value",
    ),
    "unknown key": (
        _set(("populations", 1, "cuont"), 3),
        "populations[1].cuont: unknown key 'cuont'; allowed keys: site_id, site_name, site_status, scope, "
        "river, latitude, longitude, coord_quality, date, count, lower, upper, method, captive, trend, "
        "males, females, young, source, notes; did you mean 'count'? rename or remove it",
    ),
    "unknown report key": (
        _set(("report", "contry"), "UZB"),
        "report.contry: unknown key 'contry'; allowed keys: format_version, country, country_name, "
        "period_start, period_end, submitted, authority, focal_point_name, focal_point_position, "
        "focal_point_email, language, note, illustrative; did you mean 'country'? rename or remove it",
    ),
    "captive stock breakdown": (
        _set(("captive_stock", 0, "young"), 3),
        "captive_stock[0].total: males + females + young = 7 is more than the total 5; correct the total or "
        "its breakdown",
    ),
    "captive stock after the report": (
        _set(("captive_stock", 0, "date"), "2025-01"),
        "captive_stock[0].date: '2025-01' is after the submission date '2024-03-01'; a stock count is dated "
        "on or before the report; correct the date",
    ),
    "mortality cause": (
        _set(("mortality", 0, "cause"), "wolf"),
        "mortality[0].cause: 'wolf' is not an allowed value; expected one of: disease, predation, "
        "starvation, flood, drought, fire, road, fence, other, unknown; pick one from the list",
    ),
    "bounds": (
        _set(("populations", 1, "lower"), 2200),
        "populations[1].count: lower <= count <= upper does not hold (2200, 2112, 3344); correct the "
        "estimate or its bounds",
    ),
    "sex and age": (
        _set(("populations", 2, "young"), 60),
        "populations[2].count: males + females + young = 190 is more than the count 186; correct the "
        "count or its breakdown",
    ),
    "latitude alone": (
        _set(("populations", 2, "longitude"), None),
        "populations[2].longitude: missing while latitude is given; give both coordinates (decimal "
        "degrees, WGS 84) or neither",
    ),
    "huge count": (
        _set(("populations", 0, "count"), 10**400),
        f"populations[0].count: {'1' + '0' * 56}... is not valid; "
        "expected a whole number from 0 to 10,000,000; correct the value",
    ),
    "count above the maximum": (
        _set(("populations", 0, "count"), 20_000_000),
        "populations[0].count: 20000000 is out of range; expected a whole number from 0 to "
        "10,000,000; correct the value",
    ),
    "latitude out of range": (
        _set(("populations", 2, "latitude"), 95),
        "populations[2].latitude: 95 is out of range; expected a number from -90 to 90; correct the value",
    ),
    "period backwards": (
        _set(("report", "period_start"), 2024),
        "report.period_end: the period ends (2023) before it starts (2024); the end must be the same "
        "year or later; correct period_start/period_end",
    ),
    "submitted early": (
        lambda d: d["report"].update(period_start=2025, period_end=2025),
        "report.submitted: '2024-03-01' is before the period starts (2025); a report is submitted during "
        "or after its period; correct the date",
    ),
    "count after submission": (
        _set(("populations", 0, "date"), "2024-05"),
        "populations[0].date: '2024-05' is after the submission date '2024-03-01'; a count is "
        "dated on or before the report; correct the date",
    ),
    "duplicate count": (
        _set(("populations", 1, "date"), "2023"),
        "populations[1].date: site_id='UZB-A', date='2023' repeats populations[0]; each entry needs "
        "its own site_id + date: merge the entries or correct one",
    ),
    "site renamed": (
        _set(("populations", 1, "site_name"), "Site A2"),
        "populations[1].site_name: 'Site A2' differs from 'Site A' given for site 'UZB-A' at "
        "populations[0].site_name; one site has one site_name: make them equal",
    ),
    "captive site not captive": (_set(("populations", 2, "site_status"), "captive"), None),
    "release without origin": (
        _set(("releases", 0, "source_site_id"), None),
        "releases[0]: neither source_site_id nor source_name is given; say where the animals "
        "came from (a site id, or in words such as 'not stated')",
    ),
    "release of zero": (
        _set(("releases", 0, "n_released"), 0),
        "releases[0].n_released: 0 is out of range; expected a whole number from 1 to 10,000,000; correct "
        "the value",
    ),
    "bad iso3 list": (
        _set(
            ("releases",),
            [
                {
                    "date": "2021",
                    "site_id": "UZB-A",
                    "source_name": "x",
                    "n_released": 2,
                    "males": 2,
                    "females": 1,
                    "source": "s",
                }
            ],
        ),
        "releases[0].n_released: males + females = 3 is more than n_released 2; correct one of them",
    ),
    "bad partner": (
        _set(("cooperation",), [{"activity": "x", "partner_countries": "KAZ, XX"}]),
        "cooperation[0].partner_countries: 'XX' not ISO 3166-1 alpha-3 code(s); expected ISO 3166-1 "
        "alpha-3 country codes separated by commas, such as 'KAZ, UZB'; correct the value",
    ),
    "bad email": (
        _set(("report", "focal_point_email"), "focal.point"),
        "report.focal_point_email: 'focal.point' is not an e-mail address; expected an e-mail address such "
        "as name@example.org; correct the value",
    ),
    "research backwards": (
        _set(("research",), [{"activity": "x", "kind": "survey", "year_start": 2022, "year_end": 2021}]),
        "research[0].year_end: 2021 is before year_start 2022; correct one of them",
    ),
    "duplicate action": (
        _set(
            ("work_programme",),
            [
                {"action_id": "9.7", "action": "a", "status": "planned"},
                {"action_id": "9.7", "action": "b", "status": "completed"},
            ],
        ),
        "work_programme[1].action_id: programme=None, action_id='9.7' repeats work_programme[0]; "
        "each entry needs its own programme + action_id: merge the entries or correct one",
    ),
    "section not a list": (
        _set(("threats",), {"threat": "poaching"}),
        "threats: section 'threats' must be a list of entries (one per row), not a mapping; write "
        "each entry as '- key: value'",
    ),
    "entry not a mapping": (
        _set(("threats",), ["poaching"]),
        "threats[0]: entry 'poaching' is text, not a mapping of keys (threat, severity, trend, "
        "site_id ...); rewrite it",
    ),
    "report section missing": (
        _set(("report",), _DELETE),
        "report: section 'report' is missing; it needs the fields country, period_start, "
        "period_end, submitted, authority, focal_point_name; fill it in",
    ),
    "format version": (
        _set(("report", "format_version"), "2.0"),
        "report.format_version: '2.0' is not a known format version; expected '1.0', '1.1' or '1.2'; use a "
        "current template",
    ),
    "bool": (
        _set(("protected_areas", 0, "deer_present"), "maybe"),
        "protected_areas[0].deer_present: 'maybe' is neither yes nor no; expected yes or no; correct the "
        "value",
    ),
    "list in a text field": (
        _set(("populations", 0, "site_name"), ["a", "b"]),
        "populations[0].site_name: ['a', 'b'] is a list, not a single value; expected text; "
        "correct the value",
    ),
    "iucn": (
        _set(("protected_areas", 0, "iucn_cat"), "I"),
        "protected_areas[0].iucn_cat: 'I' is not an allowed value; expected one of: Ia, Ib, II, III, IV, V, "
        "VI, Not Reported, Not Applicable, Not Assigned; pick one from the list",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_problem_is_one_line_naming_its_key(case, make_report):
    mutate, expected = CASES[case]
    data = make_report()
    mutate(data)
    problems = problems_of(data)
    if case == "captive site not captive":
        data["populations"][2]["captive"] = "no"
        problems = problems_of(data)
        expected = (
            "populations[2].captive: is 'no' but site_status is 'captive'; animals at a captive site are "
            "captive: write 'yes' or change the status"
        )
    assert problems == [expected]
    assert "\n" not in problems[0]


def test_unknown_section_suggests_the_right_one(report):
    report["popualtions"] = report.pop("populations")
    (problem,) = problems_of(report)
    assert problem.startswith(
        "popualtions: unknown section 'popualtions'; sections: report (sheet 'Report'), "
        "populations (sheet 'Populations'),"
    )
    assert problem.endswith("did you mean 'populations'? rename or remove it")


def test_every_problem_is_listed_not_just_the_first(report):
    report["populations"][0]["count"] = -1
    report["populations"][1]["method"] = "guess"
    report["report"]["country"] = "XXX"
    report["threats"][0]["severity"] = "extreme"
    wheres = [p.where for p in check_report(report, today=TODAY)[1]]
    assert wheres == [
        "report.country",
        "populations[0].count",
        "populations[1].method",
        "threats[0].severity",
    ]


def test_a_key_missing_from_every_entry_is_reported_once(report):
    for entry in report["populations"]:
        del entry["trend"]
    assert problems_of(report) == [
        "populations[*].trend: missing in every entry (required); expected one of: increasing, stable, "
        "decreasing, fluctuating, unknown; add 'trend' to each entry"
    ]


def test_the_same_unknown_key_in_many_entries_is_reported_once(report):
    for entry in report["populations"]:
        entry["cnt"] = 1
    (problem,) = problems_of(report)
    assert problem.startswith("populations[0].cnt: unknown key 'cnt' (in 3 entries)")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            None,
            "the report: the report is empty; it needs at least the 'report' section; start from "
            "`deerhabitat national-report template`",
        ),
        (
            [1, 2],
            "the report: the report must be a mapping of sections (report, populations, distribution, "
            "protected_areas, threats, poaching, mortality, legal_status, measures, releases, captive_stock, "
            "research, community, cooperation, capacity, work_programme, priorities), not a list [1, 2]; "
            "start from `deerhabitat national-report template`",
        ),
        (
            "just text",
            "the report: the report must be a mapping of sections (report, populations, distribution, "
            "protected_areas, threats, poaching, mortality, legal_status, measures, releases, captive_stock, "
            "research, community, cooperation, capacity, work_programme, priorities), not text 'just text'; "
            "start from `deerhabitat national-report template`",
        ),
    ],
)
def test_a_report_that_is_not_a_mapping(data, expected):
    assert problems_of(data) == [expected]


def test_locator_names_the_place(report):
    report["populations"][2]["count"] = -3
    (problem,) = check_report(report, today=TODAY, locate=lambda path: f"<{'/'.join(map(str, path))}>")[1]
    assert problem == Problem(
        "<populations/2/count>",
        "-3 is negative; expected a whole number from 0 to 10,000,000; correct the value",
    )


def test_validate_report_raises_listing_every_problem(report):
    assert validate_report(report, today=TODAY)["report"]["country"] == "UZB"
    report["populations"][0]["count"] = -1
    report["report"]["country"] = "ZZZ"
    with pytest.raises(
        ReportFormatError, match=r"^2 problem\(s\) in UZB.yaml: report.country: 'ZZZ' is not"
    ) as exc:
        validate_report(report, today=TODAY, name="UZB.yaml")
    assert len(exc.value.problems) == 2 and "populations[0].count: -1 is negative" in str(
        exc.value.problems[1]
    )


def test_helpers():
    assert key_path(("populations", 0, "count")) == "populations[0].count"
    assert period_label(2020, 2023) == "2020-2023"
    assert check_country(" kaz ") is None
    assert check_country("KZ").startswith("'KZ' is not an ISO 3166-1 alpha-3 country code")


def test_code_lists_match_the_store_schema():
    from deerhabitat.schema import COUNT_METHODS, IUCN_CATEGORIES, SITE_SCOPES, SITE_STATUSES

    assert CODE_LISTS["count-method"] == COUNT_METHODS and CODE_LISTS["iucn-category"] == IUCN_CATEGORIES
    assert CODE_LISTS["site-status"] == SITE_STATUSES and CODE_LISTS["site-scope"] == SITE_SCOPES
    for section in SECTIONS:
        assert len(section.field_names) == len(set(section.field_names))
        for field in section.fields:
            assert (field.dtype == "code") == (field.codes is not None), field
            assert field.codes is None or field.codes in CODE_LISTS


# -- invariants ------------------------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(10**300, 10**400),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.dates().map(str),
    st.sampled_from(["UZB", "census", "2023", "yes"]),
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["report", "populations", "count", "site_id", "date", "x", "threats"])
            | st.text(max_size=6),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(_json)
def test_any_data_gives_problems_never_an_exception(data):
    report, problems = check_report(data, today=TODAY)
    assert set(report) == set(SECTIONS_BY_KEY)
    for problem in problems:
        text = str(problem)
        assert text and "\n" not in problem.message and problem.where


_field_values = {
    "count": st.one_of(st.integers(-5, 10**6), st.floats(-5, 1e6), st.text(max_size=5), st.none()),
    "date": st.one_of(st.dates(), st.integers(1600, 2100), st.text(max_size=10), st.none()),
    "method": st.one_of(st.sampled_from(CODE_LISTS["count-method"]), st.text(max_size=8)),
    "latitude": st.one_of(st.floats(-200, 200), st.none()),
    "lower": st.one_of(st.integers(-5, 10**6), st.none()),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.fixed_dictionaries(_field_values))
def test_checked_reports_are_stable(values, make_report):
    """Re-checking a report's coerced, JSON round-tripped form gives it back (when it had no problem)."""
    data = make_report()
    data["populations"][2].update(values)
    report, problems = check_report(data, today=TODAY)
    again, problems_again = check_report(json.loads(json.dumps(report)), today=TODAY)
    if not problems:
        assert problems_again == [] and again == report
    else:
        assert all(p.where.startswith(("populations[2]", "populations[*]", "report")) for p in problems)


@settings(max_examples=60)
@given(lower=st.integers(0, 10**6), count=st.integers(0, 10**6), upper=st.integers(0, 10**6))
def test_bounds_rule_matches_arithmetic(lower, count, upper, make_report):
    data = make_report()
    data["populations"][2].update(lower=lower, count=count, upper=upper, males=None, females=None, young=None)
    problems = problems_of(data)
    assert (problems == []) == (lower <= count <= upper)


@pytest.mark.parametrize(
    "junk", ["many", "12 deer", "1e999", "4l.2", "", "-", "½", "0x10", "nan", "inf", [1], {"a": 1}]
)
def test_no_python_error_text_reaches_the_focal_point(junk, make_report):
    """Every number, year and yes/no field given junk gives a plain reason, never Python's own words."""
    for section in SECTIONS:
        for field in section.fields:
            if field.dtype not in ("int", "float", "year", "bool", "email", "date"):
                continue
            data = make_report()
            if section.many:
                data[section.key] = [{field.name: junk}]
            else:
                data[section.key][field.name] = junk
            _, problems = check_report(data, today=TODAY)
            text = " ".join(str(p) for p in problems)
            for words in ("could not convert", "invalid literal", "object", "Error", "float", "int()"):
                assert words not in text, (section.key, field.name, text)
