"""The metrics against hand-computed figures of tests/metrics_world.py (November 2026)."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from djgc_direct.core.errors import ValidationError
from djgc_direct.core.models import UTCDateTime
from djgc_direct.deadlines.calendar import workdays_between
from djgc_direct.extensions import db
from djgc_direct.metrics import services
from djgc_direct.metrics.periods import last_months, parse_period
from djgc_direct.metrics.services import ANNOTATION, HANDLING, INTAKE
from djgc_direct.metrics.sql import local_date, workday_numbers
from tests.metrics_world import make_metrics_world

NOVEMBER = "2026-11"


@pytest.fixture
def mw(clock):
    return make_metrics_world(clock)


def by_name(rows):
    return {row.name: row for row in rows}


def values(row):
    return {name: rate.value for name, rate in row.rates.items()}


def cases_behind(mw, family, metric, scope=None, scope_id=None, period=NOVEMBER):
    ids = set(db.session.scalars(services.case_ids(parse_period(period), family, metric, scope, scope_id)))
    return {letter for letter, case in mw.cases.items() if case.id in ids}


def test_unit_figures(mw):
    units = by_name(services.units(parse_period(NOVEMBER)))
    finance = units["市财政局"]
    assert finance.counts == {
        "assignments": 5, "ack_counted": 5, "ack_on_time": 3, "ack_late": 2, "reply_counted": 4, "reply_on_time": 2,
        "replied_late": 1, "overdue_open": 1, "overdue": 2, "replied": 3, "reply_workdays": 16, "escalations": 4,
        "answered": 3, "feedback": 3, "satisfied": 2, "dissatisfied": 1, "no_feedback": 0, "reopened": 1,
        "money": Decimal("1750000.00")}
    assert values(finance) == {"acknowledge_on_time": Decimal("60.0"), "reply_on_time": Decimal("50.0"),
                               "mean_reply_workdays": Decimal("5.3"), "satisfaction": Decimal("66.7"),
                               "reopen": Decimal("33.3")}
    park = units["雒容工业园区管委会"]
    assert (park.counts["assignments"], park.counts["reply_on_time"], park.counts["no_feedback"],
            park.counts["money"]) == (2, 1, 1, Decimal("50000.00"))
    # The verdict never given is "no feedback", apart: not a dissatisfied one, and no satisfaction rate.
    assert values(park) == {"acknowledge_on_time": Decimal("100.0"), "reply_on_time": Decimal("100.0"),
                            "mean_reply_workdays": Decimal("1.0"), "satisfaction": None, "reopen": Decimal("0.0")}
    county = units["柳江区人社局"]
    # A reply still waiting for review: timed, but not "answered" and its money not counted yet.
    assert (county.counts["replied"], county.counts["answered"], county.counts["money"]) == (1, 0, Decimal("0.00"))
    township = units["拉堡镇政府"]
    assert values(township) == {"acknowledge_on_time": Decimal("0.0"), "reply_on_time": None,
                                "mean_reply_workdays": None, "satisfaction": None, "reopen": None}


def test_the_cases_behind_the_unit_figures(mw):
    finance = mw.base.finance.id
    # B replied on 19 Nov after its 12 Nov deadline was extended to 20 Nov: on time.
    assert cases_behind(mw, HANDLING, "reply_on_time", "unit", finance) == {"A", "B"}
    assert cases_behind(mw, HANDLING, "replied_late", "unit", finance) == {"C"}
    assert cases_behind(mw, HANDLING, "overdue_open", "unit", finance) == {"D"}
    assert cases_behind(mw, HANDLING, "overdue", "unit", finance) == {"C", "D"}
    assert cases_behind(mw, HANDLING, "ack_late", "unit", finance) == {"B", "C"}  # C: round 2 never acknowledged
    assert cases_behind(mw, HANDLING, "escalations", "unit", finance) == {"C", "D"}
    assert cases_behind(mw, HANDLING, "reopened", "unit", finance) == {"C"}
    assert cases_behind(mw, HANDLING, "money", "unit", finance) == {"A", "C"}
    assert cases_behind(mw, HANDLING, "no_feedback", "unit", mw.base.park.id) == {"F"}
    assert cases_behind(mw, HANDLING, "assignments", "org", mw.county.id) == {"G"}
    assert cases_behind(mw, HANDLING, "assignments") == {"A", "B", "C", "D", "F", "G"}  # E was merged away


def test_roll_up_is_the_sum_of_its_parts(mw):
    period = parse_period(NOVEMBER)
    units = {row.key: row for row in services.units(period)}
    nodes = {row.key: row for row in services.tree(period)}
    expected_members = {mw.city.id: set(units), mw.county.id: {mw.county_unit.id, mw.township_unit.id},
                        mw.township.id: {mw.township_unit.id}, mw.base.finance.id: {mw.base.finance.id}}
    for node_id, members in expected_members.items():
        node = nodes[node_id]
        for name in services.COUNT_LABELS[HANDLING]:
            assert node.counts[name] == sum(units[u].counts[name] for u in members), (node.name, name)
    city = nodes[mw.city.id]
    assert city.counts == services.total(HANDLING, period).counts
    # Rates come from the summed numerators and denominators, not from averaging the units' rates.
    assert values(city)["acknowledge_on_time"] == Decimal("66.7")  # (3 + 2 + 1 + 0) / (5 + 2 + 1 + 1)
    assert values(city)["reply_on_time"] == Decimal("66.7")  # (2 + 1 + 1) / (4 + 1 + 1)
    assert values(city)["mean_reply_workdays"] == Decimal("4.0")  # (16 + 1 + 3) / (3 + 1 + 1)
    county = nodes[mw.county.id]
    assert (values(county)["acknowledge_on_time"], county.level.value, county.parent_id) == (
        Decimal("50.0"), "county", mw.city.id)


def test_leader_figures(mw):
    leaders = by_name(services.leaders(parse_period(NOVEMBER)))
    chen = leaders["陈刚"]
    # Five forwardings (E was merged away): B annotated on 10 Nov, a day after its 9 Nov deadline.
    assert chen.counts == {"forwarded": 5, "annotate_counted": 5, "annotate_on_time": 4, "annotate_late": 1,
                           "annotated": 5, "annotate_workdays": 7}
    assert values(chen) == {"annotate_on_time": Decimal("80.0"), "mean_annotate_workdays": Decimal("1.4")}
    assert values(leaders["张建华"]) == {"annotate_on_time": Decimal("100.0"), "mean_annotate_workdays": Decimal("1.0")}
    assert values(leaders["刘海燕"]) == {"annotate_on_time": None, "mean_annotate_workdays": None}
    assert cases_behind(mw, ANNOTATION, "annotate_late", "leader", mw.base.chen.id) == {"B"}


def test_intake_and_delegation_figures(mw):
    period = parse_period(NOVEMBER)
    (delegation,) = services.delegations(period)
    city = services.total(INTAKE, period)
    assert delegation.counts == city.counts == {
        "letters": 7, "forward_counted": 7, "forwarded_on_time": 5, "forward_late": 2, "answered": 4, "closed": 3,
        "reopened": 1,
        "feedback": 3, "satisfied": 2, "dissatisfied": 1, "no_feedback": 1, "money": Decimal("1800000.00")}
    assert values(city) == {"forwarded_in_time": Decimal("71.4"), "satisfaction": Decimal("66.7"),
                            "reopen": Decimal("25.0")}
    # The merged letter counts nowhere, the returned-and-resubmitted one once (on time: its clock restarted).
    assert cases_behind(mw, INTAKE, "letters") == {"A", "B", "C", "D", "F", "G", "H"}
    assert cases_behind(mw, INTAKE, "forward_late") == {"B", "H"}
    assert cases_behind(mw, INTAKE, "closed") == {"A", "B", "F"}  # C was reopened
    assert cases_behind(mw, INTAKE, "no_feedback", "delegation", delegation.key) == {"F"}


def test_a_period_without_cases_is_no_data_not_zero(mw):
    for family in (HANDLING, ANNOTATION, INTAKE):
        row = services.total(family, parse_period("2026-09"))
        assert not row.has_data
        assert all(rate.value is None and not rate.flagged for rate in row.rates.values())
    for row in services.units(parse_period("2026-09")):
        assert row.rank is None and all(value is None for value in values(row).values())


def test_quarter_year_and_custom_range(mw):
    november = services.total(INTAKE, parse_period(NOVEMBER)).counts
    assert services.total(INTAKE, parse_period("2026-Q4")).counts == november
    assert services.total(INTAKE, parse_period("2026")).counts == november
    first_half = services.total(INTAKE, parse_period(None, "2026-11-01", "2026-11-15"))
    assert first_half.counts["letters"] == 5  # G (16 Nov) and H (20 Nov) are outside
    assert services.total(HANDLING, parse_period(None, "2026-11-01", "2026-11-15")).counts["assignments"] == 7


def test_min_cases_flag_and_ranking(mw, app, monkeypatch):
    period = parse_period(NOVEMBER)
    units = by_name(services.units(period))
    finance = units["市财政局"]
    assert not finance.rates["acknowledge_on_time"].flagged  # 5 cases: enough
    assert finance.rates["reply_on_time"].flagged  # 4 cases: shown, flagged
    assert all(row.rank is None for row in units.values())  # every reply rate rests on fewer than 5
    monkeypatch.setitem(app.config, "METRICS_MIN_CASES", 1)
    ranks = {row.name: row.rank for row in services.units(period)}
    assert ranks == {"雒容工业园区管委会": 1, "柳江区人社局": 1, "市财政局": 3, "拉堡镇政府": None}


def test_trend_is_the_last_six_months(mw):
    trend = services.unit_trend(mw.base.finance.id)
    assert [row.period.code for row in trend] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert [row.counts["assignments"] for row in trend] == [0, 0, 0, 0, 0, 5]
    assert trend[-1].rates["reply_on_time"].value == Decimal("50.0") and trend[0].rates["reply_on_time"].value is None


@pytest.mark.parametrize("code, start, end", [
    ("2026-11", date(2026, 11, 1), date(2026, 11, 30)), ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2026-12", date(2026, 12, 1), date(2026, 12, 31)), ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-q4", date(2026, 10, 1), date(2026, 12, 31)), ("2026", date(2026, 1, 1), date(2026, 12, 31)),
])
def test_periods(code, start, end):
    period = parse_period(code)
    assert (period.start, period.end) == (start, end)
    assert parse_period(**{"code": period.query_args.get("period")}) == period


@pytest.mark.parametrize("args", [
    {"code": "2026-13"}, {"code": "2026-Q5"}, {"code": "26-11"}, {"code": "0000"}, {"code": "2026-11", "from_": "2026-11-01"},
    {"from_": "2026-11-30", "to": "2026-11-01"}, {"from_": "2020-01-01", "to": "2026-01-01"}, {"from_": "x", "to": "y"},
])
def test_bad_periods_are_refused(args):
    with pytest.raises(ValidationError) as error:
        parse_period(**args)
    assert error.value.field == "period"


def test_period_bounds_are_local_midnights():
    start, end = parse_period("2026-11").bounds_utc()
    assert start == datetime(2026, 10, 31, 16, tzinfo=timezone.utc)
    assert end == datetime(2026, 11, 30, 16, tzinfo=timezone.utc)
    assert last_months(3, date(2026, 1, 15))[0].code == "2025-11"


def test_local_date_is_shanghai_on_both_databases():
    def local(at):
        return db.session.scalar(sa.select(local_date(sa.literal(at, UTCDateTime))))
    assert local(datetime(2026, 11, 30, 15, 59, tzinfo=timezone.utc)) == date(2026, 11, 30)
    assert local(datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)) == date(2026, 12, 1)


def test_working_day_numbers_agree_with_the_calendar():
    first, last = date(2026, 9, 25), date(2026, 10, 20)
    workdays = workday_numbers(first, last)
    numbers = dict(db.session.execute(sa.select(workdays.c.day, workdays.c.n)).all())
    assert numbers[date(2026, 10, 13)] - numbers[date(2026, 9, 30)] == 5 == workdays_between(
        date(2026, 9, 30), date(2026, 10, 13))  # 1–7 Oct off, Saturday 10 Oct worked
    assert numbers[date(2026, 10, 7)] == numbers[date(2026, 9, 30)]
