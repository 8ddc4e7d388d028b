"""Case numbers 直通〔YYYY〕NNNN号: sequential per year, never duplicated, never skipped.

The year's counter row is created if missing (ON CONFLICT DO NOTHING, so two first
registrations of a year cannot collide) and then incremented with UPDATE … RETURNING, which
locks the row until the registering transaction ends. A rolled-back registration rolls its
increment back with it, so no number is lost.
"""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from djgc_direct.cases.models import CaseNumberCounter
from djgc_direct.extensions import db

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def format_number(year, seq):
    return f"直通〔{year}〕{seq:04d}号"


def take_next_number(year):
    """Reserve the next sequence number of `year` in the current transaction."""
    insert = _INSERTS[db.session.get_bind().dialect.name]
    db.session.execute(
        insert(CaseNumberCounter).values(year=year, last_seq=0).on_conflict_do_nothing(index_elements=["year"]))
    return db.session.execute(
        sa.update(CaseNumberCounter)
        .where(CaseNumberCounter.year == year)
        .values(last_seq=CaseNumberCounter.last_seq + 1)
        .returning(CaseNumberCounter.last_seq)
    ).scalar_one()
