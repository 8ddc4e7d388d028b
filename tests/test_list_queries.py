"""No N+1 on lists: each list page runs as many SQL statements with 40 cases as with 5."""
import contextlib
import re

import pytest
import sqlalchemy as sa

from djgc_direct.cases.models import CaseStatus
from djgc_direct.extensions import db
from tests.cases_world import case_in, make_world
from tests.helpers import login

# (url, who looks, the state the listed cases are in)
PAGES = [
    ("/cases/", "mishuchu", CaseStatus.IN_PROGRESS),
    ("/cases/", "suzhiming", CaseStatus.ANSWERED),
    ("/cases/", "chengang", CaseStatus.FORWARDED),
    ("/cases/?q=农民工", "caizheng", CaseStatus.ASSIGNED),
    ("/cases/inbox", "mishuchu", CaseStatus.SUBMITTED),
    ("/cases/to-annotate", "chengang", CaseStatus.FORWARDED),
    ("/cases/annotated", "chengang", CaseStatus.ANNOTATED),
    ("/assignments/", "caizheng", CaseStatus.ASSIGNED),
    ("/search?q=农民工", "mishuchu", CaseStatus.REPLIED),
    ("/search?q=农民工 财政局", "chengang", CaseStatus.ANSWERED),
    ("/search?q=农民工", "suzhiming", CaseStatus.ANSWERED),
    ("/search?overdue=no&sort=oldest", "luorong", CaseStatus.IN_PROGRESS),
]


@contextlib.contextmanager
def counting_statements():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def statements_for(client, url, listed):
    assert client.get(url).status_code == 200  # warm-up: caches of the first request are not the page's cost
    with counting_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    links = set(re.findall(r'href="/cases/(\d+)"', response.get_data(as_text=True)))
    assert len(links) >= listed, f"{url} lists {len(links)} cases, expected {listed}"
    return statements


@pytest.mark.parametrize("url, username, status", PAGES, ids=[f"{p[0]} {p[1]}" for p in PAGES])
def test_list_queries_do_not_grow_with_the_page(app, url, username, status):
    world = make_world()
    client = app.test_client()
    login(client, username)
    for _ in range(5):
        case_in(world, status)
    few = statements_for(client, url, 5)
    for _ in range(35):
        case_in(world, status)
    many = statements_for(client, url, 20)  # a full page
    assert len(many) == len(few), "\n".join(many)
    assert len(few) < 25


def test_the_case_list_reads_its_rows_in_few_statements(app):
    """The secretariat's list, with cases waiting on leaders and on units: the user and session,
    the page, its capped count, the deadline settings and calendar, the leaders and the units of
    the deadline badges, the header's unread count. No statement per relation of the rows."""
    world = make_world()
    client = app.test_client()
    login(client, "mishuchu")
    for status in (CaseStatus.FORWARDED, CaseStatus.IN_PROGRESS, CaseStatus.ANSWERED, CaseStatus.SUBMITTED):
        case_in(world, status)
    statements = statements_for(client, "/cases/", 4)
    assert len(statements) <= 8, "\n".join(statements)


def test_a_case_page_reads_only_the_collections_the_case_holds(app):
    """The case page asks with the case whether it holds annotations, assignments, replies,
    feedback, attachments and links, and reads only those it holds."""
    world = make_world()
    registered, closed = case_in(world, CaseStatus.REGISTERED), case_in(world, CaseStatus.CLOSED)
    client = app.test_client()
    login(client, "mishuchu")
    collections = ("annotations", "assignments", "replies", "feedback", "attachments")
    assert not any(getattr(registered, name) for name in collections)
    for case in (registered, closed):
        held = {name for name in collections if getattr(case, name)}
        with counting_statements() as statements:
            page = client.get(f"/cases/{case.id}").get_data(as_text=True)
        read = {name for name in collections for s in statements  # a reply's files are the reply's
                if s.lstrip().startswith(f"SELECT {name}.") and f"{name}.case_id" in s.partition("WHERE")[2]}
        assert read == held, case.status
        assert not any(s.lstrip().startswith("SELECT case_links.") for s in statements)  # it has no links
    assert closed.annotations[0].text in page and closed.replies[0].text in page
