"""The benchmark table (`make bench-suite`): at each size, a realistic database, then

  submit   letters through the service layer, and through HTTP (gunicorn) against the empty route
  list     the secretariat's case list page (p50/p95 ms) against the empty route, and its bare SQL
  case     the secretariat's page of a registered and of an annotated case (similar letters, and the
           annotate and assign forms with every unit), against the empty route
  search   the search page for a two-character word and for two words, against the empty route,
           and the search service's own statements replayed as bare SQL
  sweep    one reminder sweep against its own statements run as bare SQL
  assessment  the month's metrics and assessment run, against their own statements as bare SQL
  bulletin    the month's 工作简报 (figures, chart, .docx), its figures against their statements as bare SQL

Each figure sits beside its floor from the same run, as a ratio; a table of them is printed at
the end. Results: bench-results/suite-<db>.json.

    python -m bench.suite --sizes 10000 100000      (DJGC_BENCH_DATABASE_URL for PostgreSQL)
    python -m bench.suite --sizes 1000000 --reuse   (measure a database generated before again)
"""
import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from http.cookiejar import CookieJar
from pathlib import Path

import sqlalchemy as sa

from bench import data, lifecycle
from bench.concurrency import free_port, start_gunicorn
from bench.run import RESULTS, TODAY, fresh_app, import_rubric, monthly_assessment, timed
from djgc_direct.accounts import services as accounts
from djgc_direct.accounts.models import User
from djgc_direct.cases import services as cases
from djgc_direct.search import services as search
from djgc_direct.search.similar import keep_similar_letters
from djgc_direct.assessments.models import RubricVersion
from djgc_direct.cases.models import Case, CaseStatus
from djgc_direct.core.clock import clock_set_to
from djgc_direct.core.maintenance import daily_upkeep
from djgc_direct.deadlines import reminders
from djgc_direct.documents import reports
from djgc_direct.documents.gbt9704 import document_bytes
from djgc_direct.metrics.periods import month
from djgc_direct.extensions import db

PASSWORD = "Bench-pass-2026"
# Words the generated letters use (bench/data.py): a matter in about one letter in twenty, and a
# place with a matter, together in about one letter in a thousand.
SHORT_QUERY = "道路"
LONG_QUERY = "雒容工业园区 拖欠农民工工资"


def percentiles(samples):
    ordered = sorted(samples)
    return {"p50_ms": round(1000 * statistics.median(ordered), 2),
            "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 2)}


def ratio(value, floor):
    return round(value / floor, 2) if floor else None


def logged_in_opener(base, username):
    """A urllib opener with the session cookie of `username` (login through the form, CSRF and all)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    data = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": PASSWORD}).encode()
    opener.open(base + "/login", data=data).read()
    return opener


def timed_rounds(opener, urls, count, warm_up=5):
    """{name: `count` timings} of GETs of each of `urls` ({name: url}), taken in turns — one of
    each per round — so that every page and its floor see the machine alike; after `warm_up`
    untimed rounds (caches filled, as in service)."""
    for _ in range(warm_up):
        for url in urls.values():
            opener.open(url).read()
    samples = {name: [] for name in urls}
    for _ in range(count):
        for name, url in urls.items():
            started = time.perf_counter()
            opener.open(url).read()
            samples[name].append(time.perf_counter() - started)
    return samples


def measure_http(app, url_db, requests):
    with app.app_context():  # the generated people have no password; two of them get one
        for user in db.session.scalars(sa.select(User).where(User.username.in_(["sec0", "rep0"]))):
            accounts.reset_password(user, PASSWORD, actor=None)
        db.session.commit()
        # Cases the secretariat handles now: their pages show the workflow, deadlines and similar
        # letters; an annotated one also the annotate and assign forms, with every handling unit.
        case_id, annotated_id = (db.session.scalar(sa.select(sa.func.max(Case.id)).where(Case.status == status))
                                 for status in (CaseStatus.REGISTERED, CaseStatus.ANNOTATED))
        # A submitted letter has its similar letters kept; the bulk load skips that, so these two get
        # theirs as `djgc similar-letters` finds them (the page reads them by the case's key).
        for shown in (case_id, annotated_id):
            keep_similar_letters(db.session.get(Case, shown), earlier_only=True)
        db.session.commit()
    port = free_port()
    server = start_gunicorn(url_db, port, workers=2, module="bench.wsgi:app")
    base = f"http://127.0.0.1:{port}"
    try:
        opener = logged_in_opener(base, "sec0")
        pages = timed_rounds(opener, {
            "empty_route": base + "/__bench_empty", "case_list_page": base + "/cases/",
            "case_page": base + f"/cases/{case_id}", "annotated_case_page": base + f"/cases/{annotated_id}",
            "search_two_characters": base + "/search?q=" + urllib.parse.quote(SHORT_QUERY),
            "search_two_words": base + "/search?q=" + urllib.parse.quote(LONG_QUERY)}, requests)
        submit = measure_http_submit(base, requests)
    finally:
        server.terminate()
        server.wait(timeout=30)
    empty = pages.pop("empty_route")
    empty_p95 = percentiles(empty)["p95_ms"]
    result = {"empty_route": percentiles(empty), "submit": submit}
    for name, samples in pages.items():
        result[name] = percentiles(samples)
        result[name + "_vs_empty_p95"] = ratio(result[name]["p95_ms"], empty_p95)
    return result


def measure_http_submit(base, letters, clients=10):
    """Letters written over the JSON API by `clients` at once, against the empty route under the
    same concurrency."""
    token = json.loads(urllib.request.urlopen(urllib.request.Request(
        base + "/api/v1/auth/token", data=json.dumps({"username": "rep0", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"})).read())["token"]
    leader = json.loads(urllib.request.urlopen(urllib.request.Request(
        base + "/api/v1/leaders", headers={"Authorization": f"Bearer {token}"})).read())[0]["id"]

    # Letters like the generated ones: text that always matched the measured searches made each
    # run of a kept database find more of them at the newest ids.
    rng = random.Random(f"http-{letters}")
    letters_text = [data.letter(rng) for _ in range(letters)]

    def post(i):
        title, content = letters_text[i]
        body = json.dumps({"title": title, "content": content, "leader_ids": [leader], "submit": True}).encode()
        request = urllib.request.Request(base + "/api/v1/cases", data=body, headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        return urllib.request.urlopen(request).status

    def empty(_i):
        return urllib.request.urlopen(base + "/__bench_empty").status

    with ThreadPoolExecutor(max_workers=clients) as pool:
        empty_seconds, _ = timed(lambda: list(pool.map(empty, range(letters))))
        submit_seconds, statuses = timed(lambda: list(pool.map(post, range(letters))))
    assert set(statuses) == {201}, statuses
    return {"letters": letters, "clients": clients, "per_second": round(letters / submit_seconds, 1),
            "empty_route_per_second": round(letters / empty_seconds, 1),
            "empty_vs_submit": ratio(letters / empty_seconds, letters / submit_seconds)}


def measure_list_sql(app, count):
    """The list page's main statement, run bare on the DBAPI connection."""
    with app.app_context():
        secretary = db.session.scalar(sa.select(User).where(User.username == "sec0"))
        statement = (sa.select(Case).where(cases.visible_cases_filter(secretary)).order_by(Case.id.desc()).limit(30))
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        samples = []
        with db.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            for _ in range(count):
                started = time.perf_counter()
                cursor = raw.cursor()
                cursor.execute(str(compiled))
                cursor.fetchall()
                cursor.close()
                samples.append(time.perf_counter() - started)
    return percentiles(samples)


def measure_submit_service(app, letters):
    with app.app_context():
        representative = db.session.scalar(sa.select(User).where(User.username == "rep0"))
        leader_id = db.session.scalar(sa.select(User.id).where(User.username == "leader0"))

        rng = random.Random(f"service-{letters}")
        texts = [data.letter(rng) for _ in range(letters)]

        def write_all():
            for title, content in texts:
                cases.create_letter(representative, title=title, content=content, leader_ids=[leader_id], submit=True)
                db.session.commit()

        seconds, _ = timed(write_all)
    return {"letters": letters, "per_second": round(letters / seconds, 1)}


def captured(function):
    """Run `function` (in an app context) and return its result and the SQL statements it ran."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        result = function()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    return result, statements


def replayed(statements, reads_only=False):
    """Seconds to run `statements` as bare SQL on the DBAPI connection (rolled back). With
    `reads_only`, only the queries: inserts that refer to ids the database handed out cannot be
    replayed on PostgreSQL, whose sequences do not roll back."""
    if reads_only:
        statements = [(statement, parameters) for statement, parameters in statements
                      if statement.lstrip().upper().startswith(("SELECT", "WITH"))]
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        started = time.perf_counter()
        cursor = raw.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            if cursor.description:
                cursor.fetchall()
        seconds = time.perf_counter() - started
        raw.rollback()
    return seconds


def measure_search_sql(app, query, count):
    """The statements of one secretariat search (the service, in process), replayed as bare SQL."""
    with app.app_context():
        secretary = db.session.scalar(sa.select(User).where(User.username == "sec0"))
        results, statements = captured(lambda: search.search_cases(secretary, query))
        db.session.rollback()
        samples = [replayed(statements) for _ in range(count)]
    return {**percentiles(samples), "statements": len(statements), "found": results.pagination.total,
            "more": results.more}


def measure_sweep(app):
    """One sweep as of TODAY, then the same statements as bare SQL; both rolled back."""
    with app.app_context():
        with clock_set_to(TODAY):
            (seconds, result), statements = captured(lambda: timed(reminders.sweep))
        db.session.rollback()
        floor = replayed(statements)
    return {"seconds": round(seconds, 3), "reminders": sum(result.reminders.values()),
            "bare_sql_seconds": round(floor, 3), "ratio": ratio(seconds, floor)}


# The last whole month before TODAY (26 November 2026): what the monthly assessment scores.
MONTH = month(2026, 10)


def measure_assessment(app):
    """The month's metrics and assessment run (rolled back), then its statements as bare SQL."""
    with app.app_context():
        # The rubric stays in the database (committed): the replayed statements refer to it.
        version = db.session.scalar(sa.select(RubricVersion).order_by(RubricVersion.id.desc()).limit(1))
        if version is None:
            version = import_rubric()
            db.session.commit()
        (seconds, run), statements = captured(lambda: timed(lambda: monthly_assessment(version, MONTH)))
        units = len(run.results)
        db.session.rollback()
        floor = replayed(statements, reads_only=True)  # the run's own rows (one per unit) are left out
    return {"seconds": round(seconds, 3), "units": units, "statements": len(statements),
            "bare_sql_seconds": round(floor, 3), "ratio": ratio(seconds, floor)}


def measure_bulletin(app):
    """The month's bulletin: its figures (against their statements as bare SQL), then the document
    with its chart, saved."""
    with app.app_context():
        (figures_seconds, content), statements = captured(
            lambda: timed(lambda: reports.bulletin_content(MONTH, TODAY.date())))
        issue = reports.take_issue(MONTH, None, TODAY.date())
        build_seconds, document = timed(lambda: reports.bulletin(
            content, office="中共柳州市委党代表直通车办公室", issue=issue, day=TODAY.date()))
        save_seconds, saved = timed(lambda: document_bytes(document))
        db.session.rollback()
        floor = replayed(statements)
    return {"figures_seconds": round(figures_seconds, 3), "bare_sql_seconds": round(floor, 3),
            "ratio": ratio(figures_seconds, floor), "document_seconds": round(build_seconds + save_seconds, 3),
            "total_seconds": round(figures_seconds + build_seconds + save_seconds, 3),
            "letters_in_month": content.intake.counts["letters"], "docx_kib": len(saved) // 1024}


def vacuumed():
    """VACUUM ANALYZE, as autovacuum does on a live server: after a bulk load (visibility map,
    statistics) and after an earlier run's rolled-back sweep (dead rows), so runs start alike."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")


def run_size(size, requests, reuse, generate_only=False):
    with tempfile.TemporaryDirectory() as tmp:
        app = fresh_app(Path(tmp), f"suite_{size}", keep=reuse)
        with app.app_context():
            present = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
            generate_seconds = None
            if not present:
                generate_seconds, _ = timed(lambda: lifecycle.generate(size, TODAY.date()))
            dialect = db.engine.dialect.name
            if dialect == "postgresql":
                vacuumed()
            else:
                daily_upkeep()  # as the scheduler's nightly job does (core/maintenance.py)
            db.session.commit()
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        if generate_only:
            with app.app_context():
                db.engine.dispose()
            return None
        row = {"size": size, "database": dialect, "cases": present or size,
               "generate_seconds": generate_seconds and round(generate_seconds, 1)}
        # Pages first: the sweep, rolled back, leaves a million dead rows for autovacuum to clear.
        row["http"] = measure_http(app, url, requests)
        row["list_bare_sql"] = measure_list_sql(app, requests)
        row["search_two_characters_bare_sql"] = measure_search_sql(app, SHORT_QUERY, requests)
        row["search_two_words_bare_sql"] = measure_search_sql(app, LONG_QUERY, requests)
        for page_name, floor_name in (("search_two_characters", "search_two_characters_bare_sql"),
                                      ("search_two_words", "search_two_words_bare_sql")):
            # The issue's floor for search is its bare SQL; the empty route's ratio is there too.
            row["http"][page_name + "_vs_bare_sql_p95"] = ratio(row["http"][page_name]["p95_ms"],
                                                               row[floor_name]["p95_ms"])
        row["submit_service"] = measure_submit_service(app, 200)
        row["assessment"] = measure_assessment(app)
        row["bulletin"] = measure_bulletin(app)
        row["sweep"] = measure_sweep(app)
        with app.app_context():
            db.engine.dispose()
    return row


def table(rows):
    """The figures of each size beside their floors, as text (the JSON has everything)."""
    lines = ["| figure | " + " | ".join(f"{row['database']} {row['cases']:,}" for row in rows) + " |",
             "|---|" + "---|" * len(rows)]

    def line(label, cell):
        lines.append(f"| {label} | " + " | ".join(cell(row) for row in rows) + " |")

    def page(name):
        return lambda row: (f"{row['http'][name]['p50_ms']} / {row['http'][name]['p95_ms']} ms "
                            f"({row['http'][name + '_vs_empty_p95']}×)")

    def bare(name, page_name=None):
        def cell(row):
            text = f"{row[name]['p50_ms']} / {row[name]['p95_ms']} ms"
            return text + (f" (page {row['http'][page_name + '_vs_bare_sql_p95']}×)" if page_name else "")
        return cell

    def against_floor(name):
        return lambda row: f"{row[name]['seconds']} s / {row[name]['bare_sql_seconds']} s ({row[name]['ratio']}×)"

    line("empty route p50 / p95", lambda row: f"{row['http']['empty_route']['p50_ms']} / "
                                              f"{row['http']['empty_route']['p95_ms']} ms")
    line("case list page (× empty p95)", page("case_list_page"))
    line("— its main statement, bare SQL", bare("list_bare_sql"))
    line("case page, registered (× empty p95)", page("case_page"))
    line("case page, annotated (× empty p95)", page("annotated_case_page"))
    line(f"search “{SHORT_QUERY}” page (× empty p95)", page("search_two_characters"))
    line("— its statements, bare SQL (page × p95)", bare("search_two_characters_bare_sql", "search_two_characters"))
    line(f"search “{LONG_QUERY}” page (× empty p95)", page("search_two_words"))
    line("— its statements, bare SQL (page × p95)", bare("search_two_words_bare_sql", "search_two_words"))
    line("submit, service layer", lambda row: f"{row['submit_service']['per_second']} letters/s")
    line("submit over HTTP (empty route)", lambda row: f"{row['http']['submit']['per_second']} letters/s "
                                                       f"({row['http']['submit']['empty_route_per_second']}/s)")
    line("reminder sweep / bare SQL", against_floor("sweep"))
    line("monthly assessment / bare SQL", against_floor("assessment"))
    line("bulletin figures / bare SQL", lambda row: f"{row['bulletin']['figures_seconds']} s / "
                                                    f"{row['bulletin']['bare_sql_seconds']} s ({row['bulletin']['ratio']}×)")
    line("bulletin, whole (.docx)", lambda row: f"{row['bulletin']['total_seconds']} s, "
                                                f"{row['bulletin']['docx_kib']} KiB")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the generated database (bench-results/ or the PostgreSQL server) and, when "
                             "it is there already, measure it again instead of generating it")
    parser.add_argument("--generate-only", action="store_true",
                        help="with --reuse: build the databases that are missing and measure nothing")
    args = parser.parse_args()
    result = {"machine": {"platform": platform.platform(), "python": platform.python_version(),
                          "cpus": os.cpu_count()},
              "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "rows": []}
    RESULTS.mkdir(exist_ok=True)
    for size in args.sizes:  # written after each size: the large ones take long
        row = run_size(size, args.requests, args.reuse, args.generate_only)
        if row is None:
            continue
        result["rows"].append(row)
        out = RESULTS / f"suite-{row['database']}.json"
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
        print(json.dumps(row, ensure_ascii=False, indent=2))
        print(f"written to {out}")
    if result["rows"]:
        print(table(result["rows"]))


if __name__ == "__main__":
    main()
