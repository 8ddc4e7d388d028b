"""Secure by default: every URL rule is public on purpose or needs a login; admin pages need admin."""
import pytest
from werkzeug.routing import BuildError

from djgc_direct.accounts.models import Role
from djgc_direct.core.access import is_public_endpoint
from tests.factories import AdminFactory, LeaderFactory, RepresentativeFactory, UnitStaffFactory, UserFactory
from tests.helpers import login

# Endpoints that are meant to be reachable without logging in; nothing else may be.
EXPECTED_PUBLIC = {"static", "accounts.login", "main.set_language", "main.healthz", "api_auth.issue_token",
                   "api-docs.openapi_json"}

SAMPLE_ARGS = {"int": 1, "string": "x", "default": "x", "path": "x/y"}


def concrete_urls(app):
    """One concrete URL per rule, with sample values for its arguments."""
    for rule in app.url_map.iter_rules():
        values = {name: SAMPLE_ARGS.get(type(conv).__name__.replace("Converter", "").lower(), "1")
                  for name, conv in rule._converters.items()}
        if rule.endpoint == "static":
            values = {"filename": "css/app.css"}
        try:
            url = rule.build(values, append_unknown=False)[1]
        except BuildError:  # pragma: no cover - a rule that cannot be built is itself a failure
            pytest.fail(f"cannot build a URL for {rule}")
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        yield rule.endpoint, url, methods


def test_public_endpoints_are_exactly_the_expected_ones(app):
    public = {rule.endpoint for rule in app.url_map.iter_rules() if is_public_endpoint(rule.endpoint)}
    assert public == EXPECTED_PUBLIC


def test_every_other_route_requires_login(app, client):
    checked = 0
    for endpoint, url, methods in concrete_urls(app):
        if endpoint in EXPECTED_PUBLIC:
            continue
        for method in methods:
            # GET redirects to the login page; a POST without a session dies at CSRF or login.
            response = client.open(url, method=method)
            assert response.status_code in (302, 400, 401), (endpoint, method, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login"), (endpoint, method)
            checked += 1
    assert checked >= 10


ADMIN_ONLY_PREFIX = "/admin/"


@pytest.mark.parametrize("factory", [RepresentativeFactory, LeaderFactory, UnitStaffFactory, UserFactory])
def test_admin_pages_refuse_other_roles(app, client, factory):
    user = factory(username="someone")
    assert user.role is not Role.ADMIN
    login(client, "someone")
    urls = [url for _endpoint, url, methods in concrete_urls(app)
            if url.startswith(ADMIN_ONLY_PREFIX) and "GET" in methods]
    assert urls
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_admin_reaches_admin_pages(app, client):
    AdminFactory(username="root")
    login(client, "root")
    for url in ["/admin/users/", "/admin/users/new", "/admin/organisations/", "/admin/organisations/new",
                "/admin/delegations/", "/admin/audit", "/admin/calendar/", "/admin/deadlines"]:
        assert client.get(url).status_code == 200, url


def test_error_pages_are_friendly(client):
    AdminFactory(username="root")
    login(client, "root")
    response = client.get("/admin/users/999999")
    assert response.status_code == 404
    assert "找不到该页面" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
