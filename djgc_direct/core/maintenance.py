"""Database upkeep the scheduler runs daily (and `djgc analyze` on demand).

The query planners choose indexes from table statistics. PostgreSQL's autovacuum keeps them, but
SQLite gathers none by itself: without them it guessed that `assignments.status` narrows better
than `assignments.case_id`, and the list pages' deadline query read every open assignment (17 ms
instead of 0.1 ms at 100,000 cases). ANALYZE samples, so it stays cheap (0.2 s at 100,000 cases).

SQLite's FTS5 search index grows by a small segment at every write and merges them only now and
then; a query reads every segment. Merged into one ('optimize'), the two words of the benchmark
took 1.95 against 2.95 ms at 100,000 cases (1.4 s to merge). PostgreSQL's GIN index needs no such
step (autovacuum folds its pending list in).
"""
from djgc_direct.extensions import db
from djgc_direct.search.schema import FTS_TABLE


def daily_upkeep():
    """What the scheduler does daily (and `djgc analyze`), in the caller's transaction: the
    planner's statistics refreshed and, on SQLite, the search index merged into one segment."""
    refresh_statistics()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(db.text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')"))


def refresh_statistics(table=None):
    """Refresh the planner's statistics, of every table or of `table` (a name from the code,
    never from input), in the caller's transaction."""
    db.session.execute(db.text(f"ANALYZE {table}" if table else "ANALYZE"))
