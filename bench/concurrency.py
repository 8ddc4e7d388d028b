"""Many clients at once through gunicorn: 50 representatives submit 1,000 letters over the JSON
API while the secretariat registers them. Afterwards every letter is stored, the case numbers
are unique and gapless, and no request failed.

    python -m bench.concurrency [--clients 50] [--letters 1000]   (DJGC_BENCH_DATABASE_URL for PostgreSQL)
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from bench.run import fresh_app
from djgc_direct.accounts import services as accounts
from djgc_direct.cases.models import Case
from djgc_direct.extensions import db
from djgc_direct.organisations.models import Delegation

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-pass-2026"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(base, method, path, token=None, body=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def make_people(app, clients):
    with app.app_context():
        delegation = Delegation(name="并发代表团", active=True)
        db.session.add(delegation)
        leader = accounts.create_user(username="leader", role="leader", name="陈刚", title="市委书记", precedence=1,
                                      password=PASSWORD)
        accounts.create_user(username="secretary", role="secretariat", name="秘书", password=PASSWORD)
        for i in range(clients):
            accounts.create_user(username=f"rep{i}", role="representative", name=f"代表{i}", delegation=delegation,
                                 password=PASSWORD)
        db.session.commit()
        return leader.id


def start_gunicorn(url, port, workers, module="app:app"):
    env = {**os.environ, "DATABASE_URL": url, "DJGC_CONFIG": "development", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": "4"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "--access-logfile",
                               "/dev/null", module], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start: " + server.stderr.read())


def run(clients, letters, workers):
    with tempfile.TemporaryDirectory() as tmp:
        app = fresh_app(Path(tmp), "concurrency")
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        leader_id = make_people(app, clients)
        port = free_port()
        server = start_gunicorn(url, port, workers)
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            tokens = [call(base, "POST", "/auth/token", body={"username": f"rep{i}", "password": PASSWORD})[1]["token"]
                      for i in range(clients)]
            secretary = call(base, "POST", "/auth/token", body={"username": "secretary", "password": PASSWORD})[1]["token"]

            def submit(i):
                return call(base, "POST", "/cases", tokens[i % clients],
                            {"title": f"并发来信{i}", "content": "雒容工业园区拖欠农民工工资。" * 20,
                             "leader_ids": [leader_id], "submit": True})

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=clients) as pool:
                submitted = list(pool.map(submit, range(letters)))
            submit_seconds = time.perf_counter() - started
            ids = [body["id"] for status, body in submitted if status == 201]

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=10) as pool:  # ten secretaries registering at once
                registered = list(pool.map(lambda case_id: call(base, "POST", f"/cases/{case_id}/register", secretary),
                                           ids))
            register_seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
        with app.app_context():
            stored = db.session.scalar(sa.select(sa.func.count(Case.id)))
            seqs = sorted(db.session.scalars(sa.select(Case.number_seq).where(Case.number_seq.is_not(None))))
            dialect = db.engine.dialect.name
            db.engine.dispose()
    errors = [(status, body) for status, body in submitted + registered if status not in (200, 201)]
    return {"name": "50 clients through gunicorn", "database": dialect, "clients": clients, "workers": workers,
            "letters_sent": letters, "letters_stored": stored, "errors": len(errors), "first_errors": errors[:3],
            "numbers_unique_and_gapless": seqs == list(range(1, len(ids) + 1)),
            "submit_seconds": round(submit_seconds, 2), "submit_per_second": round(letters / submit_seconds, 1),
            "register_seconds": round(register_seconds, 2),
            "register_per_second": round(len(ids) / register_seconds, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    result = run(args.clients, args.letters, args.workers)
    for key, value in result.items():
        print(f"  {key:28} {value}")
    ok = result["letters_stored"] == args.letters and not result["errors"] and result["numbers_unique_and_gapless"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
