"""The dashboard tables, defined once for the pages and for their CSV/XLSX exports."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from djgc_direct.metrics.services import ANNOTATION, COUNT_LABELS, HANDLING, INTAKE, RATES


@dataclass(frozen=True)
class Column:
    kind: str  # name, level, count, money, rate, rank
    key: str | None = None  # the count or rate it shows
    header: object = None

    def label(self, family):
        if self.header is not None:
            return self.header
        if self.kind == "rate":
            return next(spec.label for spec in RATES[family] if spec.name == self.key)
        return COUNT_LABELS[family][self.key]

    def drill_metric(self, family):
        """The count whose cases a click on this cell lists (a rate: its denominator)."""
        if self.kind in ("count", "money"):
            return self.key
        if self.kind == "rate":
            return next(spec.denominator for spec in RATES[family] if spec.name == self.key)
        return None


@dataclass(frozen=True)
class Table:
    name: str
    title: object
    family: str
    scope: str | None  # how a row narrows its drill-down (services.SCOPES)
    columns: tuple


NAME = Column("name", header=_l("名称"))
RANK = Column("rank", header=_l("排名"))
HANDLING_COLUMNS = (
    Column("count", "assignments"), Column("rate", "acknowledge_on_time"), Column("rate", "reply_on_time"),
    Column("rate", "mean_reply_workdays"), Column("count", "overdue"), Column("count", "escalations"),
    Column("rate", "satisfaction"), Column("count", "no_feedback"), Column("rate", "reopen"), Column("money", "money"),
)
TABLES = {table.name: table for table in (
    Table("tree", _l("按层级汇总"), HANDLING, "org",
          (NAME, Column("level", header=_l("层级")), *HANDLING_COLUMNS)),
    Table("units", _l("承办单位"), HANDLING, "unit", (NAME, *HANDLING_COLUMNS, RANK)),
    Table("leaders", _l("市委领导批示"), ANNOTATION, "leader",
          (Column("name", header=_l("领导")), Column("count", "forwarded"), Column("rate", "annotate_on_time"),
           Column("rate", "mean_annotate_workdays"), Column("count", "annotate_late"), RANK)),
    Table("delegations", _l("代表团来信"), INTAKE, "delegation",
          (Column("name", header=_l("代表团")), Column("count", "letters"), Column("rate", "forwarded_in_time"),
           Column("count", "forward_late"), Column("rate", "satisfaction"), Column("count", "no_feedback"),
           Column("rate", "reopen"), Column("money", "money"))),
    Table("trend", _l("近6个月趋势"), HANDLING, "unit",
          (Column("name", header=_l("月份")), Column("count", "assignments"), Column("rate", "acknowledge_on_time"),
           Column("rate", "reply_on_time"), Column("rate", "mean_reply_workdays"), Column("count", "overdue"),
           Column("rate", "satisfaction"), Column("money", "money"))),
)}
FLAG_HEADER = _l("样本不足的指标")


def cell_value(row, column):
    """A cell as plain data: text, a whole number, a Decimal (percent, mean or 元) or None (no data)."""
    if column.kind == "name":
        return row.name
    if column.kind == "level":
        return str(row.level.label) if row.level else ""
    if column.kind == "rank":
        return row.rank
    if column.kind == "rate":
        return row.rates[column.key].value
    return row.counts[column.key]


def flagged_labels(table, row):
    return [str(column.label(table.family)) for column in table.columns
            if column.kind == "rate" and row.rates[column.key].flagged]


def export_grid(table, rows):
    """Header and body for a file: every column, then the rates resting on too few cases."""
    header = [str(column.label(table.family)) for column in table.columns] + [str(FLAG_HEADER)]
    body = [[cell_value(row, column) for column in table.columns] + ["、".join(flagged_labels(table, row))]
            for row in rows]
    return header, body
