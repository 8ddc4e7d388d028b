"""Errors of the JSON API, all in one shape: {"error": {"code", "message"[, "field"]}}.

Services raise DomainErrors (core.errors) with a code and an HTTP status; a concurrent change of
the same case surfaces as SQLAlchemy's StaleDataError (Case has a version column); webargs
reports schema errors as HTTP 422 with its messages attached. Each becomes the same JSON shape,
after the transaction is rolled back, so a refused call changes nothing.
"""
import marshmallow as ma
from flask import jsonify
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import UnprocessableEntity
from webargs.flaskparser import FlaskParser, abort

from djgc_direct.core.errors import DomainError
from djgc_direct.extensions import db


class ErrorSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={
        "description": "unauthorized, forbidden, not_found, conflict, invalid …"})
    message = ma.fields.String(required=True, metadata={"description": "for people to read"})
    field = ma.fields.String(metadata={"description": "the request field at fault, when there is one"})


class ErrorEnvelopeSchema(ma.Schema):
    error = ma.fields.Nested(ErrorSchema, required=True)


def error_response(status, code, message, field=None):
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    response = jsonify(error=error)
    response.status_code = status
    return response


class JsonBodyParser(FlaskParser):
    """webargs' parser, refusing a body that is not JSON, or not valid JSON, as invalid (422)
    rather than ignoring it or answering 400."""

    def load_json(self, req, schema):
        if req.get_data(cache=True) and not req.is_json:
            abort(422, messages={"json": {"_schema": [_("请求体须为 JSON(Content-Type: application/json)。")]}})
        return super().load_json(req, schema)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        abort(422, exc=error, messages={"json": {"_schema": [_("请求体不是有效的 JSON。")]}})


def _first_schema_error(messages):
    """(field, message) of the first error webargs found; its messages are keyed by location
    (json, query), then by field, and by index inside lists."""
    for by_field in messages.values():
        for field, problems in by_field.items():
            while isinstance(problems, dict):
                problems = next(iter(problems.values()))
            return (None if field == "_schema" else field), problems[0]
    return None, _("请求无效。")


def install_error_handlers(blueprint):
    @blueprint.errorhandler(DomainError)
    def domain_error(error):
        db.session.rollback()
        return error_response(error.http_status, error.code, error.message, error.field)

    @blueprint.errorhandler(StaleDataError)
    def concurrent_change(_error):
        db.session.rollback()
        return error_response(409, "conflict", _("该来信刚被其他人处理过,请刷新后重试。"))

    @blueprint.errorhandler(UnprocessableEntity)
    def schema_error(error):
        db.session.rollback()
        field, message = _first_schema_error(getattr(error, "data", {}).get("messages", {}))
        return error_response(422, "invalid", f"{field}: {message}" if field else message, field)
