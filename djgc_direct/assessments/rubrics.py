"""Rubrics as data: a YAML file of indicators with points, parsed, validated and scored here.
The file format and the scoring rules are described in docs/assessments.md.

Validation errors name the line: the document is composed first (yaml nodes carry their marks),
and every value is read from its node, so an error can point at the node it is about.
"""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import yaml
from flask_babel import gettext as _

from djgc_direct.core.errors import ValidationError
from djgc_direct.metrics.services import COUNT_LABELS, HANDLING, RATES

KINDS = ("linear", "thresholds", "deduction", "manual")
STAR_LEVELS = 5
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
# The figures a rubric may bind to: a unit's handling rates (linear, thresholds) and counts (deduction).
RATE_METRICS = {spec.name: spec for spec in RATES[HANDLING]}
COUNT_METRICS = set(COUNT_LABELS[HANDLING])


class RubricError(ValidationError):
    """A rubric file that cannot be used; `line` is 1-based, None when the file has none to name."""

    def __init__(self, message, line=None):
        super().__init__(_("第 %(line)d 行:%(message)s", line=line, message=message) if line else message,
                         field="file")
        self.line = line


@dataclass(frozen=True)
class Step:
    at: Decimal
    points: Decimal


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    points: Decimal
    kind: str
    metric: str | None = None
    floor: Decimal | None = None  # linear: 0 points at or beyond the floor …
    target: Decimal | None = None  # … full points at or beyond the target (floor > target: lower is better)
    steps: tuple = ()  # thresholds, ascending
    per: Decimal | None = None  # deduction: points off per count …
    cap: Decimal | None = None  # … at most this many in all
    guidance: str = ""  # manual: what the assessor looks at


@dataclass(frozen=True)
class Rubric:
    name: str
    version: int
    title: str
    total: Decimal
    stars: tuple  # score thresholds of ★ to ★★★★★, ascending
    recognition: int  # how many best units are recognised …
    warning: int  # … and how many weakest are warned
    min_scored_share: Decimal  # a unit is ranked (and rated) only when this share of the points could be scored
    indicators: tuple = field(default_factory=tuple)

    @property
    def manual_indicators(self):
        return [indicator for indicator in self.indicators if indicator.kind == "manual"]

    def indicator(self, key):
        return next((indicator for indicator in self.indicators if indicator.key == key), None)


# ---- reading a file -----------------------------------------------------------------------------

def _line(node):
    return node.start_mark.line + 1


class _Mapping:
    """A YAML mapping node read key by key, remembering the node of each value for errors."""

    def __init__(self, node, what):
        if not isinstance(node, yaml.MappingNode):
            raise RubricError(_("%(what)s应为键值对。", what=what), _line(node))
        self.node = node
        self.values = {}
        for key_node, value_node in node.value:
            if key_node.value in self.values:
                raise RubricError(_("重复的键 %(key)s。", key=key_node.value), _line(key_node))
            self.values[key_node.value] = value_node

    def has(self, key):
        return key in self.values

    def node_of(self, key):
        if key not in self.values:
            raise RubricError(_("缺少 %(key)s。", key=key), _line(self.node))
        return self.values[key]

    def text(self, key, default=None):
        if default is not None and key not in self.values:
            return default
        node = self.node_of(key)
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            raise RubricError(_("%(key)s 应为非空文字。", key=key), _line(node))
        return str(node.value).strip()

    def number(self, key, default=None, minimum=None):
        if default is not None and key not in self.values:
            return default
        return _number(self.node_of(key), key, minimum)

    def whole(self, key, default=None, minimum=0):
        value = self.number(key, default, minimum)
        if value != value.to_integral_value():
            raise RubricError(_("%(key)s 应为整数。", key=key), _line(self.node_of(key)))
        return int(value)

    def sequence(self, key):
        node = self.node_of(key)
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise RubricError(_("%(key)s 应为非空列表。", key=key), _line(node))
        return node.value


def _number(node, key, minimum=None):
    try:
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":bool"):
            raise InvalidOperation
        value = Decimal(str(node.value))
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise RubricError(_("%(key)s 应为数值。", key=key), _line(node)) from None
    if minimum is not None and value < minimum:
        raise RubricError(_("%(key)s 不能小于 %(min)s。", key=key, min=minimum), _line(node))
    return value


def parse(text):
    """A Rubric from YAML text; RubricError (naming the line) for anything unusable."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise RubricError(_("YAML 格式错误:%(problem)s", problem=problem), mark.line + 1 if mark else None) from None
    if root is None:
        raise RubricError(_("文件是空的。"))
    top = _Mapping(root, _("考核细则"))
    indicators, keys = [], set()
    for node in top.sequence("indicators"):
        indicator = _indicator(_Mapping(node, _("指标")))
        if indicator.key in keys:
            raise RubricError(_("指标代码 %(key)s 重复。", key=indicator.key), _line(node))
        keys.add(indicator.key)
        indicators.append(indicator)
    total = top.number("total", minimum=Decimal(1))
    points = sum(indicator.points for indicator in indicators)
    if points != total:
        raise RubricError(_("各指标分值合计 %(sum)s,与总分 %(total)s 不符。", sum=points, total=total),
                          _line(top.node_of("total")))
    return Rubric(name=_code(top, "name"), version=top.whole("version", minimum=1), title=top.text("title"),
                  total=total, stars=_stars(top, total), recognition=top.whole("recognition", 3),
                  warning=top.whole("warning", 3), min_scored_share=_share(top), indicators=tuple(indicators))


def _share(top):
    share = top.number("min_scored_share", Decimal("0.5"), minimum=Decimal(0))
    if share > 1:
        raise RubricError(_("min_scored_share 应在 0 到 1 之间。"), _line(top.node_of("min_scored_share")))
    return share


def _code(mapping, key):
    value = mapping.text(key)
    if not value.replace("_", "").isalnum() or not value.isascii():
        raise RubricError(_("%(key)s 只能由字母、数字和下划线组成。", key=key), _line(mapping.node_of(key)))
    return value


def _stars(top, total):
    nodes = top.sequence("stars")
    if len(nodes) != STAR_LEVELS:
        raise RubricError(_("stars 应列出一星至五星的 %(n)d 个分数线。", n=STAR_LEVELS), _line(top.node_of("stars")))
    values = [_number(node, "stars", Decimal(0)) for node in nodes]
    for previous, node, value in zip(values, nodes[1:], values[1:]):
        if value <= previous:
            raise RubricError(_("stars 的分数线应逐级升高。"), _line(node))
    if values[-1] > total:
        raise RubricError(_("五星分数线不能高于总分。"), _line(nodes[-1]))
    return tuple(values)


def _indicator(m):
    key, label = _code(m, "key"), m.text("label")
    points = m.number("points", minimum=Decimal(0))
    if points == 0:
        raise RubricError(_("指标 %(key)s 的分值应大于 0。", key=key), _line(m.node_of("points")))
    kind_node = m.node_of("kind")
    kind = m.text("kind")
    if kind not in KINDS:
        raise RubricError(_("指标 %(key)s 的类型 %(kind)s 未知,应为 %(kinds)s 之一。", key=key, kind=kind,
                            kinds="、".join(KINDS)), _line(kind_node))
    if kind == "manual":
        if m.has("metric"):
            raise RubricError(_("人工评分指标 %(key)s 不绑定指标数据。", key=key), _line(m.node_of("metric")))
        return Indicator(key, label, points, kind, guidance=m.text("guidance", ""))
    metric = m.text("metric")
    known = COUNT_METRICS if kind == "deduction" else RATE_METRICS
    if metric not in known:
        raise RubricError(_("指标 %(key)s 绑定的 %(metric)s 不是已定义的%(what)s。", key=key, metric=metric,
                            what=_("计数") if kind == "deduction" else _("比率")), _line(m.node_of("metric")))
    if kind == "linear":
        floor, target = m.number("floor"), m.number("target")
        if floor == target:
            raise RubricError(_("指标 %(key)s 的 floor 与 target 不能相等。", key=key), _line(m.node_of("target")))
        return Indicator(key, label, points, kind, metric, floor=floor, target=target)
    if kind == "thresholds":
        steps = []
        for node in m.sequence("steps"):
            step = _Mapping(node, _("分档"))
            at, earned = step.number("at"), step.number("points", minimum=Decimal(0))
            if earned > points:
                raise RubricError(_("指标 %(key)s 的分档得分超过其分值。", key=key), _line(node))
            if steps and (at <= steps[-1].at or earned < steps[-1].points):
                raise RubricError(_("指标 %(key)s 的分档应按 at 升序,得分不减。", key=key), _line(node))
            steps.append(Step(at, earned))
        return Indicator(key, label, points, kind, metric, steps=tuple(steps))
    per = m.number("per", minimum=Decimal(0))
    cap = m.number("cap", points, minimum=Decimal(0))
    if per == 0 or cap > points:
        raise RubricError(_("指标 %(key)s 的 per 应大于 0,cap 不能超过分值。", key=key), _line(m.node))
    return Indicator(key, label, points, kind, metric, per=per, cap=cap)


# ---- scoring ----------------------------------------------------------------------------------------

@dataclass
class Scored:
    """One indicator's outcome for one unit: points earned, or skipped with the reason."""
    key: str
    points: Decimal | None
    out_of: Decimal
    status: str  # scored, flagged (too few cases), no_data, unscored (manual, not yet scored)
    value: object = None  # the rate, count or manual note it rests on

    def as_json(self):
        return {"key": self.key, "points": None if self.points is None else str(self.points),
                "out_of": str(self.out_of), "status": self.status,
                "value": None if self.value is None else str(self.value)}


def score_indicator(indicator, row, manual):
    """Points for one indicator from a unit's MetricRow (None: no figures) and its manual scores."""
    if indicator.kind == "manual":
        given = manual.get(indicator.key)
        if given is None:
            return Scored(indicator.key, None, indicator.points, "unscored")
        return Scored(indicator.key, given, indicator.points, "scored", given)
    if row is None or not row.has_data:
        return Scored(indicator.key, None, indicator.points, "no_data")
    if indicator.kind == "deduction":
        count = Decimal(row.counts[indicator.metric])
        earned = indicator.points - min(indicator.cap, indicator.per * count)
        return Scored(indicator.key, earned.quantize(CENT, ROUND_HALF_UP), indicator.points, "scored", count)
    rate = row.rates[indicator.metric]
    if rate.value is None:
        return Scored(indicator.key, None, indicator.points, "no_data")
    if rate.flagged:  # like the metrics ranking: too few cases to count (docs/assessments.md)
        return Scored(indicator.key, None, indicator.points, "flagged", rate.value)
    if indicator.kind == "linear":
        share = (rate.value - indicator.floor) / (indicator.target - indicator.floor)
        earned = indicator.points * min(max(share, Decimal(0)), Decimal(1))
    else:
        earned = max((step.points for step in indicator.steps if rate.value >= step.at), default=Decimal(0))
    return Scored(indicator.key, earned.quantize(CENT, ROUND_HALF_UP), indicator.points, "scored", rate.value)


def score(rubric, row, manual):
    """(score out of the rubric's total or None, [Scored]) for one unit. Skipped indicators leave
    the score rescaled over the points that could be earned; with none, there is no score."""
    parts = [score_indicator(indicator, row, manual) for indicator in rubric.indicators]
    available = scored_points(parts)
    if not available:
        return None, parts
    earned = sum(part.points for part in parts if part.points is not None)
    return (earned * rubric.total / available).quantize(TENTH, ROUND_HALF_UP), parts


def scored_points(parts):
    """The points that could be earned: those of the indicators not skipped."""
    return sum((part.out_of for part in parts if part.points is not None), Decimal(0))


def comparable(rubric, parts):
    """Whether enough of the rubric could be scored for the unit to be ranked and rated: a score
    rescaled from a sliver of the points (say, only the escalation deduction) says little."""
    return scored_points(parts) >= rubric.total * rubric.min_scored_share


def stars_for(rubric, score_, previous):
    """创星升级: the level (0–5) a unit holds after this month. With no level yet, it is rated by
    the highest threshold its score reaches; after that it moves one level a month: up when the
    score reaches the next level's threshold, down when it falls below its own level's threshold.
    No score keeps the level it had."""
    if score_ is None:
        return previous
    if previous is None:
        return sum(1 for threshold in rubric.stars if score_ >= threshold)
    if previous < STAR_LEVELS and score_ >= rubric.stars[previous]:
        return previous + 1
    if previous > 0 and score_ < rubric.stars[previous - 1]:
        return previous - 1
    return previous
