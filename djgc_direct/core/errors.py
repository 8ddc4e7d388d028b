"""Errors that services raise; views turn them into form messages, the API into JSON codes."""


class DomainError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    code = "invalid"
    http_status = 422


class PermissionDenied(DomainError):
    code = "forbidden"
    http_status = 403


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
