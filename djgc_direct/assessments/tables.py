"""The results table, defined once for the page, the CSV/XLSX exports and the API."""
from decimal import Decimal

from flask_babel import gettext as _

from djgc_direct.assessments.rubrics import STAR_LEVELS


def stars_text(level):
    """★ characters with the level in words, so the stars never stand alone (screen readers, print)."""
    if level is None:
        return _("未评星")
    return "★" * level + "☆" * (STAR_LEVELS - level) + " " + _("%(n)d 星", n=level)


def status_text(status):
    return {"flagged": _("样本不足"), "no_data": _("无数据"), "unscored": _("未评分")}.get(status, "")


def part_text(part):
    return Decimal(part["points"]) if part["points"] is not None else status_text(part["status"])


def export_grid(rubric, results):
    """Header and rows: rank, unit, score, stars, last month's stars, each indicator's points
    (or why it was skipped)."""
    header = [_("排名"), _("承办单位"), _("得分"), _("星级"), _("上月星级")] + [
        f"{indicator.label}({indicator.points})" for indicator in rubric.indicators]
    body = []
    for result in results:
        parts = {part["key"]: part for part in result.breakdown}
        body.append([result.rank, result.unit_name, None if result.score is None else result.score,
                     stars_text(result.stars), stars_text(result.previous_stars)]
                    + [part_text(parts[indicator.key]) if indicator.key in parts else ""
                       for indicator in rubric.indicators])
    return header, body
