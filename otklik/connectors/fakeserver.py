"""The common part of every network's fake API server.

A fake is a real HTTP server on 127.0.0.1 (an ephemeral port by default) running in
a thread, so connectors are tested over real HTTP exactly as in production, only
with ``base_url`` pointing here. Faults can be scheduled one by one
(``fake.faults.schedule(...)``) or injected at random with a seeded generator
(``fake.faults.randomly(...)``).

Fault kinds:

``api_error``      the network's own error answer (``code`` is the network's code)
``http_500``       HTTP 500 with an HTML body
``timeout``        the server sleeps ``delay`` seconds before answering
``malformed``      HTTP 200 with a truncated JSON body
``drop``           the connection is closed without an answer
``partial``        a page with fewer items than asked (the fake decides what that means)
``lost_response``  the operation IS performed, then the answer is replaced by HTTP 502 —
                   the case that makes "check before retry" necessary
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

TRANSPORT_FAULTS = ("http_500", "timeout", "malformed", "drop")
S = TypeVar("S", bound="FakeServer")


@dataclass
class Fault:
    kind: str
    code: int | str | None = None
    delay: float = 0.5
    op: str = "*"  # the operation it applies to ("wall.getComments", "sendMessage", "*")
    after: int = 0  # let this many matching requests through first


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    files: dict[str, tuple[str, bytes, str]]
    body: bytes
    headers: dict[str, str]

    @property
    def params(self) -> dict[str, str]:
        """Query and form parameters together (APIs accept both)."""
        return {**self.query, **self.form}

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class FakeResponse:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> FakeResponse:
        try:
            return cls(status, json.dumps(payload, ensure_ascii=False).encode())
        except UnicodeEncodeError:  # lone surrogates: real servers send them \u-escaped
            return cls(status, json.dumps(payload).encode())

    @classmethod
    def text(cls, text: str, status: int = 200) -> FakeResponse:
        return cls(status, text.encode(), "text/plain; charset=utf-8")


class FaultPlan:
    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._scheduled: list[Fault] = []
        self._rate = 0.0
        self._kinds: tuple[str, ...] = ()
        self._codes: tuple[int | str, ...] = ()
        self._rng = random.Random(seed)
        self.injected: list[Fault] = []

    def schedule(
        self,
        kind: str,
        *,
        op: str = "*",
        code: int | str | None = None,
        delay: float = 0.5,
        times: int = 1,
        after: int = 0,
    ) -> None:
        with self._lock:
            self._scheduled.extend(Fault(kind, code, delay, op, after if i == 0 else 0) for i in range(times))

    def randomly(
        self, rate: float, kinds: tuple[str, ...], *, codes: tuple[int | str, ...] = (), seed: int | None = None
    ) -> None:
        with self._lock:
            self._rate, self._kinds, self._codes = rate, kinds, codes
            if seed is not None:
                self._rng = random.Random(seed)

    def clear(self) -> None:
        with self._lock:
            self._scheduled.clear()
            self._rate = 0.0

    def take(self, op: str, *, allowed: tuple[str, ...] | None = None) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self._scheduled):
                if fault.op in ("*", op) and (allowed is None or fault.kind in allowed):
                    if fault.after > 0:
                        fault.after -= 1
                        break
                    fault = self._scheduled.pop(i)
                    self.injected.append(fault)
                    return fault
            if self._rate and self._rng.random() < self._rate:
                kinds = [k for k in self._kinds if allowed is None or k in allowed]
                if kinds:
                    kind = self._rng.choice(kinds)
                    code = self._rng.choice(self._codes) if (kind == "api_error" and self._codes) else None
                    fault = Fault(kind, code, 0.3, op)
                    self.injected.append(fault)
                    return fault
        return None


class FakeServer:
    """Subclasses implement :meth:`dispatch` and :meth:`api_error`."""

    name = "fake"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, seed: int | None = None) -> None:
        self.host = host
        self.port = port
        self.faults = FaultPlan(seed)
        self.lock = threading.RLock()
        self.requests: list[tuple[str, str]] = []  # (op, path) of every request, for assertions
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------

    def start(self: S) -> S:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                server._serve(self)

            do_POST = do_GET

        self._httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name=f"{self.name}-fake", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self: S) -> S:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- to implement -----------------------------------------------------------

    def operation(self, request: FakeRequest) -> str:
        """The API operation a request is for (used to match faults)."""
        return request.path.rsplit("/", 1)[-1]

    def dispatch(self, request: FakeRequest, fault: Fault | None) -> FakeResponse:
        raise NotImplementedError

    def api_error(self, code: int | str | None, op: str) -> FakeResponse:
        raise NotImplementedError

    # -- plumbing ---------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        request = _parse(handler)
        op = self.operation(request)
        with self.lock:
            self.requests.append((op, request.path))
        fault = self.faults.take(op)
        response: FakeResponse | None
        if fault is None or fault.kind in ("partial", "lost_response"):
            response = self.dispatch(request, fault)
            if fault is not None and fault.kind == "lost_response":
                response = FakeResponse(502, b"<html>502 Bad Gateway</html>", "text/html")
        elif fault.kind == "api_error":
            response = self.api_error(fault.code, op)
        elif fault.kind == "http_500":
            response = FakeResponse(500, b"<html>500 Internal Server Error</html>", "text/html")
        elif fault.kind == "timeout":
            time.sleep(fault.delay)
            response = self.dispatch(request, None)
        elif fault.kind == "slow_response":
            # The request is carried out at once; the answer comes late (a client may die waiting).
            response = self.dispatch(request, None)
            time.sleep(fault.delay)
        elif fault.kind == "malformed":
            response = FakeResponse(200, b'{"response": {"items": [{"id": 1, "te')
        elif fault.kind == "drop":
            handler.close_connection = True
            try:
                handler.connection.shutdown(2)
            except OSError:
                pass
            return
        else:
            response = self.dispatch(request, fault)
        _write(handler, response)


def _parse(handler: BaseHTTPRequestHandler) -> FakeRequest:
    parts = urlsplit(handler.path)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    ctype = handler.headers.get("Content-Type", "")
    form: dict[str, str] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    if ctype.startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif ctype.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
            if filename is not None:
                files[str(name)] = (filename, payload, part.get_content_type())
            else:
                form[str(name)] = payload.decode("utf-8", "replace")
    return FakeRequest(
        handler.command, parts.path, query, form, files, body, {k.lower(): v for k, v in handler.headers.items()}
    )


def _write(handler: BaseHTTPRequestHandler, response: FakeResponse) -> None:
    try:
        handler.send_response(response.status)
        handler.send_header("Content-Type", response.content_type)
        handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        handler.wfile.write(response.body)
    except (BrokenPipeError, ConnectionResetError):
        pass


@dataclass
class Clock:
    """The fakes' notion of "now" (unix seconds), movable in tests."""

    offset: float = 0.0
    frozen: float | None = field(default=None)

    def now(self) -> int:
        return int(self.frozen if self.frozen is not None else time.time() + self.offset)
