"""The app as `make bench` serves it through gunicorn: the real app plus one empty route, the
floor that page timings are compared with (same server, same hooks, no work)."""
from djgc_direct import create_app
from djgc_direct.core.access import public

app = create_app()


@public
def _empty():
    return ""


app.add_url_rule("/__bench_empty", "bench_empty", _empty)
