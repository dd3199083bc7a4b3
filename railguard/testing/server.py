"""A threaded local HTTP server that speaks AWS wire protocols, for offline tests.

Service modules (:mod:`railguard.testing.bedrock`, :mod:`railguard.testing.sagemaker`)
add routes; this module gives them the plumbing: an ephemeral port on 127.0.0.1,
request recording, JSON and AWS error responses, streamed (chunked) responses for
event streams, and fault injection (throttle the first N calls, answer 5xx, delay).

    with LocalAWSServer() as server:
        server.route("POST", r"^/guardrail/(?P<id>[^/]+)/version/(?P<version>[^/]+)/apply$", handler)
        client = server.client("bedrock-runtime")
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import unquote, urlsplit

__all__ = ["LocalAWSServer", "Request", "Response", "Fault", "aws_error"]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    query: str = ""
    time: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def header(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return default


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    # For streamed bodies: seconds to wait before each part.
    part_delay: float = 0.0

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> "Response":
        return cls(status, json.dumps(data).encode("utf-8"), {"Content-Type": "application/json", **(headers or {})})


def aws_error(code: str, message: str, status: int) -> Response:
    """A REST-JSON error as AWS sends it: botocore reads the code from x-amzn-ErrorType."""
    return Response(status, json.dumps({"message": message}).encode("utf-8"),
                    {"Content-Type": "application/json", "x-amzn-ErrorType": f"{code}:http://internal.amazon.com/"})


@dataclass
class Fault:
    """Answer the next ``count`` matching calls with ``response`` (after ``delay`` seconds)."""

    count: int
    response: Response | None
    delay: float = 0.0
    path: str | None = None  # regex on the path; None: every path


Handler = Callable[[Request], Response]


class LocalAWSServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self.delay = 0.0
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as separate writes: without TCP_NODELAY, Nagle's algorithm and
            # the client's delayed ACK add about 40 ms to every call on Linux.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                server._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def endpoint_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "LocalAWSServer":
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="railguard-test-server",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "LocalAWSServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- configuration ----------------------------------------------------------------------
    def route(self, method: str, path_pattern: str, handler: Handler) -> None:
        self._routes.append((method.upper(), re.compile(path_pattern), handler))

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def throttle(self, count: int, path: str | None = None, code: str = "ThrottlingException") -> None:
        self.inject(Fault(count, aws_error(code, "Rate exceeded", 429), path=path))

    def fail(self, count: int, status: int = 500, path: str | None = None,
             code: str = "InternalServerException") -> None:
        self.inject(Fault(count, aws_error(code, "Internal failure", status), path=path))

    def slow(self, count: int, seconds: float, path: str | None = None) -> None:
        self.inject(Fault(count, None, delay=seconds, path=path))

    def calls(self, path_pattern: str | None = None) -> list[Request]:
        with self._lock:
            reqs = list(self.requests)
        if path_pattern is None:
            return reqs
        rx = re.compile(path_pattern)
        return [r for r in reqs if rx.search(r.path)]

    def client(self, service: str, *, region: str = "us-east-1", max_attempts: int = 3, mode: str = "standard",
               **config: Any) -> Any:
        """A real boto3 client pointed at this server, with dummy credentials."""
        import boto3
        from botocore.config import Config

        cfg = Config(retries={"max_attempts": max_attempts, "mode": mode}, **config)
        return boto3.client(service, region_name=region, endpoint_url=self.endpoint_url,
                            aws_access_key_id="testing", aws_secret_access_key="testing", config=cfg)

    # -- request handling -------------------------------------------------------------------
    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.count > 0 and (fault.path is None or re.search(fault.path, path)):
                    fault.count -= 1
                    return fault
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        parts = urlsplit(h.path)
        path = unquote(parts.path)
        req = Request(h.command, path, dict(h.headers.items()), body, query=parts.query, time=time.monotonic())
        with self._lock:
            self.requests.append(req)
        fault = self._take_fault(path)
        if self.delay:
            time.sleep(self.delay)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.response is not None:
                self._send(h, fault.response)
                return
        for method, rx, handler in self._routes:
            m = rx.match(path)
            if m and method == h.command:
                req.params = {k: v for k, v in m.groupdict().items() if v is not None}
                try:
                    resp = handler(req)
                except Exception as exc:  # a broken test handler answers 500 instead of hanging the client
                    resp = aws_error("InternalServerException", f"test handler failed: {type(exc).__name__}: {exc}",
                                     500)
                self._send(h, resp)
                return
        self._send(h, aws_error("UnknownOperationException", f"no route for {h.command} {path}", 404))

    def _send(self, h: BaseHTTPRequestHandler, resp: Response) -> None:
        h.send_response(resp.status)
        headers = {k.lower(): v for k, v in resp.headers.items()}
        if isinstance(resp.body, (bytes, bytearray)):
            for k, v in resp.headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(resp.body)))
            h.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
            h.end_headers()
            h.wfile.write(resp.body)
            return
        for k, v in resp.headers.items():
            if k.lower() != "content-length":
                h.send_header(k, v)
        if "transfer-encoding" not in headers:
            h.send_header("Transfer-Encoding", "chunked")
        h.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        h.end_headers()
        try:
            for part in resp.body:
                if resp.part_delay:
                    time.sleep(resp.part_delay)
                if not part:
                    continue
                h.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                h.wfile.flush()
            h.wfile.write(b"0\r\n\r\n")
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
