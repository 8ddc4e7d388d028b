"""Organisation and delegation operations. They flush; the caller commits once."""
import csv
import functools
import io

import sqlalchemy as sa
from flask_babel import gettext as _

from djgc_direct.audit.services import changes, record
from djgc_direct.core.errors import ValidationError
from djgc_direct.extensions import db
from djgc_direct.organisations.models import (
    LEVEL_BY_CHINESE, SECTOR_BY_CHINESE, Delegation, Level, Organisation, Sector,
)

ORG_FIELDS = ("name", "parent", "level", "sector", "is_unit", "active")
IMPORT_COLUMNS = ["name", "parent", "level", "sector", "is_unit"]
_TRUE = {"1", "true", "yes", "y", "是"}
_FALSE = {"0", "false", "no", "n", "否", ""}


def parse_level(value):
    value = (value or "").strip()
    if value in LEVEL_BY_CHINESE:
        return LEVEL_BY_CHINESE[value]
    try:
        return Level(value.lower())
    except ValueError:
        raise ValidationError(_("未知层级“%(v)s”。", v=value), field="level") from None


def parse_sector(value):
    value = (value or "").strip()
    if value in SECTOR_BY_CHINESE:
        return SECTOR_BY_CHINESE[value]
    try:
        return Sector(value.lower())
    except ValueError:
        raise ValidationError(_("未知领域“%(v)s”。", v=value), field="sector") from None


def parse_flag(value):
    value = (value or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValidationError(_("是否承办单位须为 1/0、true/false 或 是/否,而不是“%(v)s”。", v=value), field="is_unit")


def clean_name(value, field="name"):
    name = " ".join((value or "").split())
    if not name or len(name) > 120:
        raise ValidationError(_("名称不能为空,最长 120 个字符。"), field=field)
    return name


def _check_placement(org, name, parent, level):
    same_name = sa.select(Organisation.id).where(Organisation.name == name)
    if org.id is not None:
        same_name = same_name.where(Organisation.id != org.id)
    if db.session.scalar(same_name):
        raise ValidationError(_("组织“%(name)s”已存在。", name=name), field="name")
    if parent is None:
        if level is not Level.CITY:
            raise ValidationError(_("只有市级组织可以没有上级组织。"), field="parent")
        return
    ancestor = parent
    while ancestor is not None:
        if org.id is not None and ancestor.id == org.id:
            raise ValidationError(_("上级组织不能是它自己或它的下级。"), field="parent")
        ancestor = ancestor.parent
    if parent.level.rank > level.rank:
        raise ValidationError(
            _("“%(name)s”的层级不能高于上级组织“%(parent)s”。", name=name, parent=parent.name), field="level")


def create_organisation(*, name, parent, level, sector, is_unit=False, actor=None):
    name = clean_name(name)
    org = Organisation(name=name, level=level, sector=sector, is_unit=is_unit, active=True)
    _check_placement(org, name, parent, level)
    org.parent = parent
    db.session.add(org)
    db.session.flush()
    record("organisation_created", org, actor=actor,
           after={"name": name, "parent": parent.id if parent else None, "level": level.value,
                  "sector": sector.value, "is_unit": is_unit})
    return org


def update_organisation(org, values, *, actor):
    merged = {field: values.get(field, getattr(org, field)) for field in ORG_FIELDS}
    merged["name"] = clean_name(merged["name"])
    _check_placement(org, merged["name"], merged["parent"], merged["level"])
    before, after = changes(org, ORG_FIELDS, merged)
    if after:
        record("organisation_updated", org, actor=actor, before=before, after=after)
        db.session.flush()
    return org


def import_organisations(text, *, actor=None):
    """Import organisations from CSV text (columns name,parent,level,sector,is_unit).

    All or nothing: the first bad row raises ValidationError naming its line, and the caller
    rolls back. A parent may be an existing organisation or one on an earlier line.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != IMPORT_COLUMNS:
        raise ValidationError(_("第1行:表头须为 %(cols)s。", cols=",".join(IMPORT_COLUMNS)))
    existing = {org.name: org for org in db.session.scalars(sa.select(Organisation))}
    created = []
    for row in reader:
        line = reader.line_num
        try:
            if None in row or any(value is None for value in row.values()):
                raise ValidationError(_("列数不对,应为 %(n)d 列。", n=len(IMPORT_COLUMNS)))
            name = clean_name(row["name"])
            if name in existing:
                raise ValidationError(_("组织“%(name)s”已存在。", name=name))
            parent_name = " ".join(row["parent"].split())
            parent = existing.get(parent_name) if parent_name else None
            if parent_name and parent is None:
                raise ValidationError(_("上级组织“%(name)s”不存在(须已存在或在前面的行中)。", name=parent_name))
            level = parse_level(row["level"])
            org = Organisation(name=name, level=level, sector=parse_sector(row["sector"]),
                               is_unit=parse_flag(row["is_unit"]), active=True, parent=parent)
            if parent is None and level is not Level.CITY:
                raise ValidationError(_("只有市级组织可以没有上级组织。"))
            if parent is not None and parent.level.rank > level.rank:
                raise ValidationError(_("层级不能高于上级组织“%(parent)s”。", parent=parent.name))
        except ValidationError as exc:
            raise ValidationError(_("第%(line)d行:%(msg)s", line=line, msg=exc.message)) from None
        db.session.add(org)
        existing[name] = org
        created.append(org)
    if not created:
        raise ValidationError(_("文件中没有数据行。"))
    db.session.flush()
    record("organisations_imported", actor=actor, object_type="organisations", object_id=None,
           after={"count": len(created), "names": [org.name for org in created[:50]]})
    return created


def create_delegation(name, *, actor=None):
    name = clean_name(name)
    if db.session.scalar(sa.select(Delegation.id).where(Delegation.name == name)):
        raise ValidationError(_("代表团“%(name)s”已存在。", name=name), field="name")
    delegation = Delegation(name=name, active=True)
    db.session.add(delegation)
    db.session.flush()
    record("delegation_created", delegation, actor=actor, after={"name": name})
    return delegation


def update_delegation(delegation, values, *, actor):
    merged = {"name": clean_name(values.get("name", delegation.name)),
              "active": values.get("active", delegation.active)}
    if db.session.scalar(sa.select(Delegation.id).where(Delegation.name == merged["name"],
                                                        Delegation.id != delegation.id)):
        raise ValidationError(_("代表团“%(name)s”已存在。", name=merged["name"]), field="name")
    before, after = changes(delegation, ("name", "active"), merged)
    if after:
        record("delegation_updated", delegation, actor=actor, before=before, after=after)
        db.session.flush()
    return delegation


def organisation_tree():
    """All organisations, each with its depth, in tree order (parents before children)."""
    orgs = db.session.scalars(sa.select(Organisation).order_by(Organisation.name)).all()
    by_parent = {}
    for org in orgs:
        by_parent.setdefault(org.parent_id, []).append(org)
    ordered = []

    def walk(parent_id, depth):
        for org in by_parent.get(parent_id, []):
            ordered.append((org, depth))
            walk(org.id, depth + 1)

    walk(None, 0)
    return ordered


def handling_units(active_only=True):
    stmt = sa.select(Organisation).where(Organisation.is_unit.is_(True)).order_by(Organisation.name)
    if active_only:
        stmt = stmt.where(Organisation.active.is_(True))
    return db.session.scalars(stmt).all()


def handling_unit_choices():
    """(id, name) of each active handling unit, by name: the choices of a form, read as bare rows
    (forms list every unit, some pages twice)."""
    return list(map(tuple, db.session.execute(_unit_choices_statement(Organisation.id, Organisation.name))))


@functools.cache
def unit_choices_statement():
    """SELECT (id, name, position) of each active handling unit, its position by name: a form's
    choices, read with others in one statement (search.services.filter_choices)."""
    return _unit_choices_statement(Organisation.id, Organisation.name, _position(Organisation.name))


@functools.cache
def _unit_choices_statement(*columns):
    return (sa.select(*columns).where(Organisation.is_unit.is_(True), Organisation.active.is_(True))
            .order_by(Organisation.name))


@functools.cache
def delegation_choices_statement():
    """SELECT (id, name, position) of each active delegation, its position by name (the search
    form's filter)."""
    return (sa.select(Delegation.id, Delegation.name, _position(Delegation.name))
            .where(Delegation.active.is_(True)).order_by(Delegation.name))


def _position(order):
    return sa.func.row_number().over(order_by=order).label("position")
