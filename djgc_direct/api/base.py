"""flask-smorest wired into the house rules: errors in the API's JSON shape, the OpenAPI
document public, every API blueprint exempt from CSRF because it accepts bearer tokens only."""
from datetime import timedelta
from http import HTTPStatus

from flask_smorest import Api, Blueprint

from djgc_direct.api.errors import ErrorEnvelopeSchema, JsonBodyParser, install_error_handlers
from djgc_direct.core.access import public

API_PREFIX = "/api/v1"

DESCRIPTION = """\
The JSON API of 党代表直通车 (the Party Representative Direct Line of Liuzhou).

Authenticate with `POST /api/v1/auth/token` and send the token as `Authorization: Bearer <token>`;
the API ignores the browser's session cookie. Every error has the shape
`{"error": {"code": …, "message": …, "field": …}}` (`field` only when one field is at fault).
Letters written through the API carry no attachments: files are uploaded with the web form.
Money (`amount_yuan`) is in yuan, as a decimal string such as "1730000.00"; dates are ISO dates,
times ISO 8601 in UTC.
"""

# Defaults; a configuration class may set any of them. No documentation UI: the UIs load their
# scripts from a CDN, and government intranets have no internet.
SETTINGS = {
    "API_TITLE": "党代表直通车 API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": API_PREFIX,
    "API_TOKEN_LIFETIME": timedelta(days=30),
}


class DirectLineApi(Api):
    ERROR_SCHEMA = ErrorEnvelopeSchema  # documents the error shape in the OpenAPI document

    def _register_error_handlers(self):
        """Keep the app's own handlers: HTML error pages, and under /api/ the JSON shape
        (flask-smorest would otherwise answer every HTTP error anywhere in its own format)."""

    @public
    def _openapi_json(self):
        return super()._openapi_json()


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint that refuses non-JSON bodies and answers errors as JSON."""

    ARGUMENTS_PARSER = JsonBodyParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        install_error_handlers(self)

    def refusals(self, *statuses):
        """Document the error answers a view gives: 401, and `statuses` (422 for a bad body is
        documented by `arguments`)."""
        def decorator(view):
            for status in (HTTPStatus.UNAUTHORIZED, *statuses):
                view = self.alt_response(status, response=HTTPStatus(status).name)(view)
            return view
        return decorator
