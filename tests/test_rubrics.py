"""Rubric files: the shipped ones load, validate and score hand-built figures to exact points;
broken ones are refused with an error that names the line."""
from decimal import Decimal
from pathlib import Path

import pytest

from djgc_direct.assessments import rubrics
from djgc_direct.assessments.rubrics import RubricError, parse, score
from djgc_direct.metrics.services import COUNT_LABELS, HANDLING, MetricRow

RUBRICS = Path(__file__).resolve().parent.parent / "config" / "rubrics"
DIRECT = (RUBRICS / "djgc_direct_v1.yaml").read_text(encoding="utf-8")
LEARNING = (RUBRICS / "learning_innovation_v1.yaml").read_text(encoding="utf-8")


def unit_row(min_cases=5, **counts):
    return MetricRow(HANDLING, 1, "市财政局", {name: counts.get(name, 0) for name in COUNT_LABELS[HANDLING]},
                     min_cases)


def points(parts):
    return {part.key: part.points for part in parts}


def test_the_direct_line_rubric_scores_a_hand_built_month():
    rubric = parse(DIRECT)
    assert (rubric.name, rubric.version, rubric.title, rubric.total) == (
        "djgc_direct", 1, "党代表直通车办理工作考核", Decimal(100))
    assert rubric.stars == (60, 70, 80, 90, 95)
    row = unit_row(assignments=20, ack_counted=20, ack_on_time=18, reply_counted=10, reply_on_time=8,
                   feedback=10, satisfied=9, answered=10, reopened=1, escalations=3)
    total, parts = score(rubric, row, {"quality": Decimal("17.5")})
    # 按时签收 90 %: (90−60)/(100−60) × 15 = 11.25 · 按时答复 80 %: (80−50)/50 × 25 = 15 ·
    # 满意率 90 % reaches the top step: 20 · 重办率 10 %: (10−30)/(0−30) × 10 = 6.67 ·
    # 督办 3 × 2 off 10 = 4 · 答复质量 (manual) 17.5.
    assert points(parts) == {"acknowledge": Decimal("11.25"), "reply": Decimal("15.00"),
                             "satisfaction": Decimal("20"), "reopen": Decimal("6.67"), "quality": Decimal("17.5"),
                             "escalations": Decimal("4.00")}
    assert total == Decimal("74.4")


def test_a_rate_on_too_few_cases_is_skipped_and_the_score_rescaled():
    rubric = parse(DIRECT)
    # Reply, satisfaction and reopen rest on 4 cases (< 5): skipped, like the metrics ranking.
    row = unit_row(assignments=6, ack_counted=6, ack_on_time=6, reply_counted=4, reply_on_time=4,
                   feedback=4, satisfied=4, answered=4, reopened=0, escalations=6)
    total, parts = score(rubric, row, {"quality": Decimal(10)})
    assert {part.key: part.status for part in parts} == {
        "acknowledge": "scored", "reply": "flagged", "satisfaction": "flagged", "reopen": "flagged",
        "quality": "scored", "escalations": "scored"}
    # Earned 15 + 10 + 0 (the deduction is capped at its 10 points) of the 45 that could be earned.
    assert total == Decimal("55.6")


def test_a_unit_without_figures_or_manual_scores_has_no_score():
    total, parts = score(parse(DIRECT), unit_row(), {})
    assert total is None
    assert {part.status for part in parts} == {"no_data", "unscored"}


def test_the_learning_innovation_rubric_is_six_manual_items():
    rubric = parse(LEARNING)
    assert [(i.label, i.points, i.kind) for i in rubric.indicators] == [
        ("学习创新工程开展情况", 12, "manual"), ("领导班子对学习的重视情况", 28, "manual"),
        ("坚持学习制度情况", 20, "manual"), ("完成学习任务情况", 15, "manual"), ("学习效果", 20, "manual"),
        ("经费保障", 5, "manual")]
    given = {"progress": Decimal(10), "leadership": Decimal(25), "study_system": Decimal(18),
             "study_tasks": Decimal(15), "study_effect": Decimal("16.5"), "funding": Decimal(5)}
    total, _parts = score(rubric, None, given)
    assert total == Decimal("89.5")
    # An item not yet scored is left out and the rest rescaled: 84.5 of 95 → 88.9.
    del given["funding"]
    assert score(rubric, None, given)[0] == Decimal("88.9")


@pytest.mark.parametrize("previous, score_, expected", [
    (None, Decimal(85), 3),  # first rating: the highest threshold reached
    (None, Decimal(50), 0),
    (2, Decimal(85), 3),  # up one level at a time
    (2, Decimal(72), 2),  # reaches its own threshold (70), not the next (80): stays
    (3, Decimal(85), 3),  # between its own (80) and the next (90) threshold: stays
    (3, Decimal(65), 2),  # below its own threshold: down one, however far below
    (5, Decimal(99), 5),
    (0, Decimal(10), 0),
    (4, None, 4),  # nothing to score: keeps its level
])
def test_star_levels_move_one_step_a_month(previous, score_, expected):
    assert rubrics.stars_for(parse(DIRECT), score_, previous) == expected


def broken(old, new):
    assert old in DIRECT
    return DIRECT.replace(old, new, 1)


def line_of(text, fragment):
    """The line of the last occurrence of `fragment` (the changed one, for a duplicated key)."""
    return text[:text.rindex(fragment)].count("\n") + 1


@pytest.mark.parametrize("text, fragment, message", [
    (broken("total: 100", "total: 90"), "total: 90", "与总分 90 不符"),
    (broken("metric: reply_on_time", "metric: reply_speed"), "reply_speed", "reply_speed 不是已定义的比率"),
    (broken("metric: escalations", "metric: reopen"), "metric: reopen", "reopen 不是已定义的计数"),
    (broken("kind: thresholds", "kind: stepwise"), "stepwise", "类型 stepwise 未知"),
    (broken("floor: 50", "floor: 100"), "target: 100", "floor 与 target 不能相等"),
    (broken("{at: 80, points: 14}", "{at: 80, points: 24}"), "points: 24", "分档得分超过其分值"),
    (broken("stars: [60, 70, 80, 90, 95]", "stars: [60, 80, 70, 90, 95]"), "stars:", "逐级升高"),
    (broken("    label: 答复质量", "    label: 答复: 质量"), "答复: 质量", "YAML 格式错误"),
    (broken("  - key: reopen", "  - key: acknowledge"), "key: acknowledge", "指标代码 acknowledge 重复"),
    (broken("    points: 25", "    points: 二十五"), "二十五", "points 应为数值"),
])
def test_a_broken_file_is_refused_naming_its_line(text, fragment, message):
    with pytest.raises(RubricError) as error:
        parse(text)
    assert message in error.value.message
    assert error.value.line == line_of(text, fragment)
    assert error.value.message.startswith(f"第 {error.value.line} 行")
