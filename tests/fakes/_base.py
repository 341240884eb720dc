"""Machinery shared by the fake API servers: a loopback WSGI server, request log, fault queue.

Each fake is a WSGI application served by werkzeug's threaded development server on
127.0.0.1 with an OS-chosen port. Nothing here opens a connection to any other host.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

LOOPBACK = "127.0.0.1"

# Fault kinds every fake understands, with the options each accepts and their defaults.
COMMON_FAULTS: dict[str, dict[str, Any]] = {
    "429": {"retry_after": 1},
    "500": {},
    "drop": {},
    "stall": {"seconds": 1.0},
}


@dataclass
class RecordedRequest:
    """One request as the fake received it; the Authorization value is never kept."""

    method: str
    path: str
    query_string: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    # What the fake did: the status it answered (None when it dropped the connection) and
    # the scripted fault it applied, if any ("402-quota" also covers the exhausted window).
    status: int | None = None
    fault: str | None = None


@dataclass
class _Fault:
    kind: str
    remaining: int
    include_me: bool
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[..., Response]
    # True for the credential check (Toggl /me, Harvest /users/me), which scripted faults
    # skip unless they were scripted with include_me=True.
    is_me: bool = False


class _QuietHandler(WSGIRequestHandler):
    """Request handler that keeps the test output free of access-log lines."""

    def log(self, type: str, message: str, *args: Any) -> None:
        return None


class DropConnection(ConnectionResetError):
    """Raised inside the app after shutting the socket; werkzeug then sends nothing."""


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


def text_response(body: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status=status, headers=headers, mimetype="text/plain")


class FakeServer:
    """Base class: subclasses fill `self.routes` and answer authentication and faults."""

    #: Extra fault kinds of a subclass: kind -> accepted options with defaults.
    extra_faults: dict[str, dict[str, Any]] = {}

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.base_url: str | None = None
        self._lock = threading.Lock()
        self._faults: deque[_Fault] = deque()
        self._log: list[RecordedRequest] = []
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> str:
        """Serve on 127.0.0.1 with an OS-chosen port in a background thread; return the base URL."""
        if self._server is not None:
            raise RuntimeError(f"{type(self).__name__} is already running at {self.base_url}")
        self._stopping.clear()
        server = make_server(LOOPBACK, 0, self, threaded=True, request_handler=_QuietHandler)
        self._server = server
        self.base_url = f"http://{LOOPBACK}:{server.port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"{type(self).__name__}-server",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving; stalled requests are woken so that this returns promptly."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- request log -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot (a new list) of every request received so far, oldest first."""
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    # -- fault injection -------------------------------------------------------------------

    def script(self, kind: str, count: int = 1, *, include_me: bool = False, **options: Any):
        """Queue a fault for the next `count` matching requests (see the module docstrings).

        Faults apply in the order scripted, to requests that reached a known endpoint with
        valid credentials. The credential-check endpoint is skipped unless include_me=True.
        """
        known = {**COMMON_FAULTS, **self.extra_faults}
        if kind not in known:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(known)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        unknown = set(options) - set(known[kind])
        if unknown:
            raise TypeError(f"fault {kind!r} takes no option(s) {sorted(unknown)}")
        merged = {**known[kind], **options}
        with self._lock:
            self._faults.append(_Fault(kind, count, include_me, merged))

    @property
    def pending_faults(self) -> list[tuple[str, int]]:
        """(kind, remaining count) of every scripted fault not yet used up, in order."""
        with self._lock:
            return [(fault.kind, fault.remaining) for fault in self._faults]

    def _take_fault(self, is_me: bool) -> _Fault | None:
        with self._lock:
            if not self._faults:
                return None
            head = self._faults[0]
            if is_me and not head.include_me:
                return None
            head.remaining -= 1
            if head.remaining == 0:
                self._faults.popleft()
            return _Fault(head.kind, 1, head.include_me, dict(head.options))

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the server is stopping."""
        self._stopping.wait(seconds)

    # -- WSGI ------------------------------------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        record = self._record(request)
        response = self._respond(request, record)
        with self._lock:
            record.status = response.status_code
        return response(environ, start_response)

    def _record(self, request: Request) -> RecordedRequest:
        headers = {}
        for name, value in request.headers.items():
            headers[name] = "<redacted>" if name.lower() == "authorization" else value
        body = request.get_data(cache=True)
        parsed = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query_string=request.query_string.decode("latin-1"),
            query=dict(request.args.items()),
            headers=headers,
            json=parsed,
        )
        with self._lock:
            self._log.append(record)
        return record

    def _respond(self, request: Request, record: RecordedRequest) -> Response:
        route, params, path_matched = None, {}, False
        for candidate in self.routes:
            match = candidate.pattern.fullmatch(request.path)
            if match is None:
                continue
            path_matched = True
            if candidate.method == request.method:
                route, params = candidate, match.groupdict()
                break
        if route is None:
            return self.error_response(405 if path_matched else 404, request)
        denied = self.authenticate(request)
        if denied is not None:
            return denied
        blocked = self.before_faults(request, route, record)
        if blocked is not None:
            return blocked
        fault = self._take_fault(route.is_me)
        if fault is not None:
            with self._lock:
                record.fault = fault.kind
            answer = self.apply_fault(fault, request, route, record)
            if answer is not None:
                return answer
        return route.handler(request, **params)

    def apply_fault(
        self, fault: _Fault, request: Request, route: Route, record: RecordedRequest
    ) -> Response | None:
        """Answer a fault; None means "carry on and answer normally" (after a stall)."""
        if fault.kind == "429":
            seconds = fault.options["retry_after"]
            return self.rate_limited_response(seconds)
        if fault.kind == "500":
            return self.error_response(500, request)
        if fault.kind == "drop":
            sock = request.environ.get("werkzeug.socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            with self._lock:
                record.status = None
            raise DropConnection("connection dropped by a scripted fault")
        if fault.kind == "stall":
            self.sleep(float(fault.options["seconds"]))
            return None
        raise AssertionError(f"{type(self).__name__} cannot apply fault {fault.kind!r}")

    # -- hooks for subclasses --------------------------------------------------------------

    def authenticate(self, request: Request) -> Response | None:
        raise NotImplementedError

    def before_faults(
        self, request: Request, route: Route, record: RecordedRequest
    ) -> Response | None:
        return None

    def rate_limited_response(self, retry_after: int) -> Response:
        raise NotImplementedError

    def error_response(self, status: int, request: Request) -> Response:
        raise NotImplementedError
