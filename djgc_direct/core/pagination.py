"""Pagination for lists that may hold a million rows: the page comes from the index (ORDER BY
… LIMIT/OFFSET on an indexed order), and the total is counted only up to a cap, because an exact
COUNT(*) over a whole table costs more than the page itself."""
from dataclasses import dataclass

import sqlalchemy as sa
from flask import request

from djgc_direct.extensions import db

COUNT_CAP = 10_000


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int  # exact up to COUNT_CAP
    capped: bool  # True: there are more than `total`

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page * self.per_page < self.total or (self.capped and len(self.items) == self.per_page)

    @property
    def prev_num(self):
        return self.page - 1

    @property
    def next_num(self):
        return self.page + 1


def paginate(stmt, per_page, page=None, cap=COUNT_CAP, options=()):
    """One page of `stmt` (which must be ordered, and not DISTINCT) and its capped total.

    `options` (loader options) apply to the page only: the count selects no columns of the rows
    it counts, so that it reads the index alone and not, say, every letter's text.
    """
    page = page or request.args.get("page", 1, type=int)
    page = max(1, page)
    items = db.session.scalars(stmt.options(*options).limit(per_page).offset((page - 1) * per_page)).all()
    counted = db.session.scalar(sa.select(sa.func.count()).select_from(
        stmt.order_by(None).with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
        .limit(cap + 1).subquery()))
    return Page(items, page, per_page, min(counted, cap), counted > cap)
