"""Typed errors of the domain. Each maps to one HTTP answer in timeport.api.errors."""


class TimeportError(Exception):
    """Base class: `message` is safe to show to the caller."""

    status_code = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(TimeportError):
    status_code = 400


class Unauthorized(TimeportError):
    status_code = 401


class Forbidden(TimeportError):
    status_code = 403


class NotFound(TimeportError):
    status_code = 404


class Conflict(TimeportError):
    status_code = 409


class Gone(TimeportError):
    status_code = 410


class PayloadTooLarge(TimeportError):
    status_code = 413


class ServiceUnavailable(TimeportError):
    """A third party needed for the request is not answering; trying later may work."""

    status_code = 503


class FileRejected(TimeportError):
    """A whole input file is unusable (encoding, header); nothing from it is written."""

    status_code = 400
