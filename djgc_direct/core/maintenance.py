"""Database upkeep the scheduler runs daily (and `djgc analyze` on demand).

The query planners choose indexes from table statistics. PostgreSQL's autovacuum keeps them, but
SQLite gathers none by itself: without them it guessed that `assignments.status` narrows better
than `assignments.case_id`, and the list pages' deadline query read every open assignment (17 ms
instead of 0.1 ms at 100,000 cases). ANALYZE samples, so it stays cheap (0.2 s at 100,000 cases).
"""
from djgc_direct.extensions import db


def refresh_statistics(table=None):
    """Refresh the planner's statistics, of every table or of `table` (a name from the code,
    never from input), in the caller's transaction."""
    db.session.execute(db.text(f"ANALYZE {table}" if table else "ANALYZE"))
