"""Friendly error pages, and JSON errors `{"error": {"code", "message"}}` under /api/."""
import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from djgc_direct.extensions import db

log = logging.getLogger(__name__)

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid", 500: "server_error"}


def _messages():
    return {
        400: _("请求无效。"),
        403: _("您没有权限访问此页面。"),
        404: _("找不到该页面,或您无权查看。"),
        405: _("不支持此操作方式。"),
        413: _("上传的内容过大。"),
        500: _("系统出现错误,已记录。请稍后再试。"),
    }


def _respond(status, message):
    if request.path.startswith("/api/"):
        response = jsonify(error={"code": CODES.get(status, "error"), "message": message})
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, message=message), status


def install_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _respond(400, _("表单已过期或缺少安全令牌(CSRF),请刷新页面后重试。"))

    @app.errorhandler(HTTPException)
    def http_error(error):
        return _respond(error.code, _messages().get(error.code, error.description))

    @app.errorhandler(Exception)
    def server_error(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _respond(500, _messages()[500])
