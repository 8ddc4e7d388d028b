"""List pages count their rows only up to a cap, and page through the rest."""
import sqlalchemy as sa

from djgc_direct.cases.models import Case
from djgc_direct.core import pagination
from djgc_direct.extensions import db
from tests.cases_world import make_world, write_letter


def test_capped_total_and_next_page(app):
    w = make_world()
    for i in range(7):
        write_letter(w, title=f"第{i}封")
    db.session.commit()
    stmt = sa.select(Case).order_by(Case.id.desc())
    with app.test_request_context("/cases/?page=1"):
        first = pagination.paginate(stmt, 3, cap=5)
        assert (first.total, first.capped, first.has_next, first.has_prev) == (5, True, True, False)
        assert [case.title for case in first.items] == ["第6封", "第5封", "第4封"]
    with app.test_request_context("/cases/?page=3"):
        last = pagination.paginate(stmt, 3)
        assert [case.title for case in last.items] == ["第0封"] and not last.has_next
    with app.test_request_context("/cases/"):
        exact = pagination.paginate(stmt, 10)
        assert (exact.total, exact.capped, exact.has_next) == (7, False, False)
