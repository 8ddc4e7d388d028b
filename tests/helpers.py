"""Helpers for driving the app through its forms, CSRF tokens included."""
import re

from tests.factories import PASSWORD

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, url):
    page = client.get(url)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1) or match.group(2)


def login(client, username, password=PASSWORD, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    token = csrf_token(client, url)
    return client.post(url, data={"username": username, "password": password, "csrf_token": token})


def post_form(client, url, data, form_url=None):
    """POST `data` to `url` with a CSRF token taken from `form_url` (default: `url`)."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={**data, "csrf_token": token})


def run_at_once(app, job, copies=2, timeout=120):
    """Run `job()` in `copies` threads that start together, each in its own app context (its own
    database session), as several processes would. Returns the results; fails on any error."""
    import threading

    barrier = threading.Barrier(copies)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(job())
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=run) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert errors == []
    assert len(results) == copies
    return results
