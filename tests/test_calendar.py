"""The working-day calendar: official schedule, 调休, overrides, the Mon–Fri fallback, the CLI."""
import logging
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from djgc_direct.audit.models import AuditRecord
from djgc_direct.core.errors import ValidationError
from djgc_direct.deadlines import calendar as cal
from djgc_direct.deadlines import services
from djgc_direct.deadlines.models import CalendarOverride
from djgc_direct.extensions import db
from tests.factories import AdminFactory

# chinesecalendar 1.11.0 has data up to 2026; these tests pin what that means.
LAST_OFFICIAL_YEAR = 2026
UNKNOWN_YEAR = 2027


@pytest.fixture(autouse=True)
def fresh_fallback_warnings(monkeypatch):
    """The fallback warning is logged once per year per process; each test starts unwarned."""
    monkeypatch.setattr(cal, "_warned_years", set())


@pytest.fixture
def override_queries():
    """Counts SELECTs on calendar_overrides during the test."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "calendar_overrides" in statement:
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    yield statements
    sa.event.remove(db.engine, "before_cursor_execute", count)


def add(day, is_workday, note="测试调整"):
    services.add_override(day, is_workday, note)
    db.session.commit()


# --- the official schedule -------------------------------------------------------------------

def test_national_day_2026_example_from_the_design():
    # Oct 1–7 off, Saturday Oct 10 worked: Oct 8, 9, 10, 12, 13.
    assert cal.add_workdays(date(2026, 9, 30), 5) == date(2026, 10, 13)


def test_national_day_holidays_are_off_and_the_adjusted_saturday_is_on():
    assert [cal.is_workday(date(2026, 10, d)) for d in range(1, 8)] == [False] * 7
    assert cal.is_workday(date(2026, 10, 10)) is True   # Saturday, 调休
    assert cal.is_workday(date(2026, 10, 11)) is False  # ordinary Sunday
    assert cal.is_workday(date(2026, 9, 20)) is True    # Sunday, 调休 for National Day


def test_spring_festival_2026():
    # Off Sun Feb 15 – Mon Feb 23; Saturdays Feb 14 and Feb 28 are worked.
    assert [cal.is_workday(date(2026, 2, d)) for d in range(15, 24)] == [False] * 9
    assert cal.is_workday(date(2026, 2, 14)) is True
    assert cal.is_workday(date(2026, 2, 28)) is True
    assert cal.add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_workdays(date(2026, 2, 12), 3) == date(2026, 2, 24)
    assert cal.workdays_between(date(2026, 2, 14), date(2026, 2, 24)) == 1


def test_start_day_never_counts_even_when_it_is_a_working_day():
    assert cal.add_workdays(date(2026, 11, 26), 1) == date(2026, 11, 27)
    assert cal.add_workdays(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Friday -> Monday
    assert cal.add_workdays(date(2026, 10, 3), 1) == date(2026, 10, 8)    # from inside a holiday
    assert cal.add_workdays(date(2026, 10, 3), 0) == date(2026, 10, 3)


def test_subtract_workdays_for_the_due_soon_reminder():
    assert cal.subtract_workdays(date(2026, 10, 13), 2) == date(2026, 10, 10)  # the 调休 Saturday
    assert cal.subtract_workdays(date(2026, 10, 8), 1) == date(2026, 9, 30)
    assert cal.add_workdays(date(2026, 10, 13), -2) == date(2026, 10, 10)
    assert cal.subtract_workdays(date(2026, 10, 8), -5) == date(2026, 10, 14)


def test_workdays_between_positive_negative_and_zero():
    assert cal.workdays_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert cal.workdays_between(date(2026, 10, 13), date(2026, 9, 30)) == -5
    assert cal.workdays_between(date(2026, 10, 13), date(2026, 10, 13)) == 0
    assert cal.workdays_between(date(2026, 10, 1), date(2026, 10, 7)) == 0  # a whole holiday
    # Overdue on a Monday after a Friday deadline: one working day.
    assert cal.workdays_between(date(2026, 11, 27), date(2026, 11, 30)) == 1


def test_workdays_between_inverts_add_workdays():
    start = date(2026, 9, 15)
    for n in (1, 5, 15, 40):
        assert cal.workdays_between(start, cal.add_workdays(start, n)) == n


def test_datetimes_are_refused_not_truncated():
    # A UTC datetime's .date() can be the day before in Shanghai; the caller converts first.
    with pytest.raises(TypeError, match="Asia/Shanghai"):
        cal.is_workday(datetime(2026, 10, 9, 20, 0))
    with pytest.raises(TypeError):
        cal.add_workdays(date(2026, 10, 9), 1.5)


# --- years the package does not know ---------------------------------------------------------

def test_official_coverage_comes_from_the_package():
    assert cal.has_official_data(LAST_OFFICIAL_YEAR) is True
    assert cal.has_official_data(UNKNOWN_YEAR) is False
    assert cal.has_official_data(2003) is False  # before the package's first year
    assert cal.official_range()[1] == LAST_OFFICIAL_YEAR


def test_deadline_crossing_into_an_unknown_year_falls_back_and_warns(caplog):
    caplog.set_level(logging.WARNING, logger="djgc_direct.deadlines.calendar")
    # Dec 29, 30, 31 (official), then Fri Jan 1 2027 and Mon Jan 4 2027 by the Mon–Fri fallback.
    assert cal.add_workdays(date(2026, 12, 28), 5) == date(2027, 1, 4)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2027" in warnings[0].getMessage() and "Monday to Friday" in warnings[0].getMessage()


def test_fallback_warning_is_logged_once_per_year(caplog):
    caplog.set_level(logging.WARNING, logger="djgc_direct.deadlines.calendar")
    cal.is_workday(date(2027, 3, 1))
    cal.add_workdays(date(2027, 3, 1), 10)
    cal.workdays_between(date(2027, 1, 1), date(2028, 1, 10))
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert " 2027 " in messages[0] and " 2028 " in messages[1]


def test_official_years_do_not_warn(caplog):
    caplog.set_level(logging.WARNING, logger="djgc_direct.deadlines.calendar")
    cal.workdays_between(date(2025, 1, 1), date(2026, 12, 31))
    assert caplog.records == []


def test_fallback_is_monday_to_friday():
    assert [cal.is_workday(date(2027, 3, d)) for d in range(1, 8)] == [True] * 5 + [False] * 2


# --- overrides --------------------------------------------------------------------------------

def test_override_turns_a_saturday_into_a_workday_and_a_weekday_into_a_holiday():
    saturday, weekday = date(2027, 2, 6), date(2027, 2, 11)
    assert not cal.is_workday(saturday) and cal.is_workday(weekday)
    add(saturday, True, "2027 年春节调休上班")
    add(weekday, False, "2027 年春节放假")
    assert cal.is_workday(saturday) is True
    assert cal.is_workday(weekday) is False
    # Fri Feb 5 + 1 is the worked Saturday; Wed Feb 10 + 1 skips the holiday Thursday.
    assert cal.add_workdays(date(2027, 2, 5), 1) == saturday
    assert cal.add_workdays(date(2027, 2, 10), 1) == date(2027, 2, 12)
    assert cal.workdays_between(date(2027, 2, 5), date(2027, 2, 12)) == 5  # 6, 8, 9, 10, 12


def test_override_wins_over_the_official_schedule():
    add(date(2026, 10, 5), True, "假设的补班")      # an official holiday made a working day
    add(date(2026, 10, 10), False, "假设取消调休")  # the official 调休 Saturday made a day off
    # Oct 5, 8, 9, 12, 13 -> the fifth is still Oct 13, but through different days.
    assert cal.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 9)
    assert cal.add_workdays(date(2026, 9, 30), 4) == date(2026, 10, 12)
    assert cal.official_is_workday(date(2026, 10, 5)) is False
    assert cal.official_is_workday(date(UNKNOWN_YEAR, 1, 1)) is None


def test_fallback_year_with_new_years_day_entered():
    add(date(2027, 1, 1), False, "元旦")
    assert cal.add_workdays(date(2026, 12, 28), 5) == date(2027, 1, 5)


def test_overrides_are_loaded_in_one_query(override_queries):
    add(date(2027, 1, 1), False, "元旦")
    override_queries.clear()
    cal.add_workdays(date(2026, 9, 30), 15)
    assert len(override_queries) == 1
    override_queries.clear()
    assert cal.workdays_between(date(2026, 1, 1), date(2027, 12, 31)) > 400
    assert len(override_queries) == 1


def test_long_walks_load_more_overrides_when_they_leave_the_first_window(override_queries):
    # A run of 60 entered holidays pushes the walk past its first window (2n + 31 days).
    for offset in range(60):
        services.add_override(date(2027, 3, 1) + timedelta(days=offset), False, "停工")
    db.session.commit()
    override_queries.clear()
    assert cal.add_workdays(date(2027, 2, 26), 1) == date(2027, 4, 30)  # Mar 1 + 60 days = Apr 30 (Fri)
    assert len(override_queries) == 2


# --- coverage ---------------------------------------------------------------------------------

def test_coverage_per_year():
    add(date(2027, 2, 6), True, "调休")
    add(date(2027, 2, 11), False, "春节")
    add(date(2026, 10, 5), True, "补班")
    by_year = {c.year: c for c in cal.coverage([2028, 2026, 2027])}
    assert [c.year for c in cal.coverage([2028, 2026, 2027])] == [2026, 2027, 2028]
    assert by_year[2026].official and not by_year[2026].fallback and by_year[2026].warning is None
    assert by_year[2026].override_count == 1
    assert by_year[2027].fallback and by_year[2027].override_count == 2
    assert "2027 年" in str(by_year[2027].warning) and "2 条" in str(by_year[2027].warning)
    assert by_year[2028].fallback and by_year[2028].override_count == 0
    assert "周一至周五" in str(by_year[2028].warning)
    assert cal.coverage([]) == []


# --- services ---------------------------------------------------------------------------------

def test_add_and_remove_write_one_audit_record_each():
    admin = AdminFactory()
    override = services.add_override(date(2027, 2, 6), True, "  国办发明电〔2026〕  ", actor=admin)
    db.session.commit()
    assert override.note == "国办发明电〔2026〕" and override.created_by_id == admin.id
    services.remove_override(date(2027, 2, 6), actor=admin)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(CalendarOverride.id))) == 0
    records = db.session.scalars(sa.select(AuditRecord).order_by(AuditRecord.id)).all()
    assert [(r.action, r.actor_id) for r in records] == [
        ("calendar_override_added", admin.id), ("calendar_override_removed", admin.id)]
    assert records[0].after == {"day": "2027-02-06", "is_workday": True, "note": "国办发明电〔2026〕"}
    assert records[1].before == records[0].after


def test_duplicate_unknown_and_empty_note_are_refused():
    add(date(2027, 2, 6), True)
    with pytest.raises(ValidationError, match="2027-02-06 已有日历调整"):
        services.add_override(date(2027, 2, 6), False, "再来一次")
    db.session.rollback()
    with pytest.raises(ValidationError, match="2027-02-07 没有日历调整"):
        services.remove_override(date(2027, 2, 7))
    with pytest.raises(ValidationError, match="说明"):
        services.add_override(date(2027, 2, 8), False, "   ")
    with pytest.raises(ValidationError, match="说明"):
        services.add_override(date(2027, 2, 8), False, "长" * 201)
    assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id))) == 1


# --- command line -----------------------------------------------------------------------------

def calendar_cli(runner, *args):
    return runner.invoke(args=["djgc", "calendar", *args])


def test_cli_add_workdays(runner):
    result = calendar_cli(runner, "add-workdays", "2026-09-30", "5")
    assert result.exit_code == 0, result.output
    assert result.output == "2026-10-13\n"


@pytest.mark.parametrize("args, message", [
    (["2026-13-01", "5"], "'2026-13-01' is not a date in the form YYYY-MM-DD"),
    (["30/09/2026", "5"], "is not a date in the form YYYY-MM-DD"),
    (["2026-09-30", "five"], "'five' is not a valid integer"),
    (["2026-09-30"], "Missing argument 'N'"),
])
def test_cli_add_workdays_bad_input(runner, args, message):
    result = calendar_cli(runner, "add-workdays", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_cli_add_workdays_into_an_unknown_year_does_not_crash(runner):
    result = calendar_cli(runner, "add-workdays", "2026-12-28", "5")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2027-01-04"


def test_cli_status(runner):
    add(date(2027, 2, 6), True, "调休")
    add(date(2026, 10, 5), True, "补班")
    result = calendar_cli(runner, "status", "--from", "2026", "--to", "2028")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2026: official; overrides: 1"
    assert lines[1].startswith("2027: overrides: 1; fallback (Mon–Fri): 2027 年的国务院节假日安排尚未收录")
    assert lines[2].startswith("2028: fallback (Mon–Fri): 2028 年")
    assert len(lines) == 3


def test_cli_status_defaults_to_this_year_and_the_next_two(runner):
    result = calendar_cli(runner, "status")  # the test clock stands in November 2026
    assert [line[:5] for line in result.output.splitlines()] == ["2026:", "2027:", "2028:"]
    result = calendar_cli(runner, "status", "--from", "2028", "--to", "2027")
    assert result.exit_code == 2 and "--to 2027 is before --from 2028" in result.output


def test_cli_override_add_and_remove(runner):
    result = calendar_cli(runner, "override", "add", "2027-02-06", "--workday", "--note", "国办发明电〔2026〕")
    assert result.exit_code == 0, result.output
    assert "2027-02-06 is now a working day" in result.output
    assert cal.is_workday(date(2027, 2, 6)) is True

    result = calendar_cli(runner, "override", "add", "2027-02-06", "--holiday", "--note", "重复")
    assert result.exit_code == 1
    assert "2027-02-06 已有日历调整(工作日),如需修改请先删除。" in result.output

    result = calendar_cli(runner, "override", "remove", "2027-02-06")
    assert result.exit_code == 0, result.output
    assert cal.is_workday(date(2027, 2, 6)) is False
    result = calendar_cli(runner, "override", "remove", "2027-02-06")
    assert result.exit_code == 1 and "2027-02-06 没有日历调整" in result.output

    actions = db.session.scalars(sa.select(AuditRecord.action).order_by(AuditRecord.id)).all()
    assert actions == ["calendar_override_added", "calendar_override_removed"]


def test_cli_override_add_needs_a_kind_and_a_note(runner):
    result = calendar_cli(runner, "override", "add", "2027-02-06", "--note", "缺少类型")
    assert result.exit_code == 2 and "--workday or --holiday" in result.output
    result = calendar_cli(runner, "override", "add", "2027-02-06", "--holiday")
    assert result.exit_code == 2 and "Missing option '--note'" in result.output
    result = calendar_cli(runner, "override", "add", "2027-02-30", "--holiday", "--note", "x")
    assert result.exit_code == 2 and "'2027-02-30' is not a date" in result.output
    assert db.session.scalar(sa.select(sa.func.count(CalendarOverride.id))) == 0
