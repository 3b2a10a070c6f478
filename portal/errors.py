"""Domain errors carry a stable code that tests assert and the API returns; screens show the message."""


class PortalError(Exception):
    """Base of every domain error. ``code`` is stable (UPPER_SNAKE), ``message`` is translated."""

    status = 400

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.field = field


class NotFound(PortalError):
    status = 404


class PermissionDenied(PortalError):
    status = 403
