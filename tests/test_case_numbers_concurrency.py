"""Case numbers stay unique and gapless when many registrations run at the same moment."""
import threading

import sqlalchemy as sa

from djgc_direct.cases import services
from djgc_direct.cases.models import Case
from djgc_direct.extensions import db
from tests.cases_world import make_world, write_letter

WORKERS = 8  # within the connection pool (5 + 10 overflow), beside the test's own connection


def test_concurrent_registrations_get_unique_gapless_numbers(app):
    w = make_world()
    case_ids = [write_letter(w, title=f"来信{i}").id for i in range(WORKERS)]
    secretary_id = w.secretary.id
    db.session.commit()
    barrier = threading.Barrier(WORKERS)
    errors = []

    def register(case_id):
        try:
            with app.app_context():
                case = db.session.get(Case, case_id)
                secretary = db.session.get(type(w.secretary), secretary_id)
                barrier.wait(timeout=10)
                services.register(case, secretary)
                db.session.commit()
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=register, args=(case_id,)) for case_id in case_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    seqs = sorted(db.session.scalars(sa.select(Case.number_seq).where(Case.id.in_(case_ids))))
    assert seqs == list(range(1, WORKERS + 1))
