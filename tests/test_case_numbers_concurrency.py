"""Case numbers stay unique and gapless when many registrations run at the same moment."""
import itertools

import sqlalchemy as sa

from djgc_direct.accounts.models import User
from djgc_direct.cases import services
from djgc_direct.cases.models import Case
from djgc_direct.extensions import db
from tests.cases_world import make_world, write_letter
from tests.helpers import run_at_once

WORKERS = 8  # within the connection pool (5 + 10 overflow), beside the test's own connection


def test_concurrent_registrations_get_unique_gapless_numbers(app):
    w = make_world()
    case_ids = [write_letter(w, title=f"来信{i}").id for i in range(WORKERS)]
    secretary_id = w.secretary.id
    db.session.commit()
    next_case = itertools.count().__next__  # each thread takes its own letter

    def register():
        case = db.session.get(Case, case_ids[next_case()])
        services.register(case, db.session.get(User, secretary_id))
        db.session.commit()

    run_at_once(app, register, copies=WORKERS, timeout=60)
    seqs = sorted(db.session.scalars(sa.select(Case.number_seq).where(Case.id.in_(case_ids))))
    assert seqs == list(range(1, WORKERS + 1))
