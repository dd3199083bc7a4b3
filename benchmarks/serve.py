"""railguard serve on loopback: requests/s and p50/p99 latency per protocol, clients and workers.

    python benchmarks/serve.py [--seconds 3] [--clients 1,8,64] [--workers 1,2]

A spec with pii (8 types) + regex + words checks 1 KB messages. For 1 and 2 worker processes
(``railguard serve`` as a subprocess), async httpx clients drive ``ApplyGuardrail`` and
``/v1/guards/{name}/validate`` at each concurrency for a bounded time; the chat proxy is measured
against an instant upstream (a uvicorn app that answers at once), next to the upstream called
directly, so the difference is the proxy's own overhead. The in-process ``guard.validate`` time
for the same text is printed for comparison. The load generator runs on the same machine as the
server (2 cores here), so figures are a floor, and indicative on a shared machine.

Goals (issue 12): HTTP-layer p50 overhead <= 1 ms over in-process at 1 client; >= 1,500
ApplyGuardrail requests/s with 2 workers; p99 < 20 ms at 64 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "validators")]

SPEC = """\
railguard: 1
name: bench
messages: {blocked_input: "Blocked.", blocked_output: "Blocked."}
input:
  - pii:
      entities: [US_SOCIAL_SECURITY_NUMBER, EMAIL, PHONE, CREDIT_DEBIT_CARD_NUMBER, US_BANK_ACCOUNT_NUMBER,
                 IP_ADDRESS, US_PASSPORT_NUMBER, INTERNATIONAL_BANK_ACCOUNT_NUMBER]
      on_fail: mask
  - regex: {patterns: [{name: TICKET, pattern: 'TCK-\\d{6}', action: mask}]}
  - words: {words: [forbiddenword, anotherbadword, thirdbadword], on_fail: block}
output:
  - pii: {entities: [EMAIL, PHONE], on_fail: mask}
"""
KEY = "bench-key"
SENTENCE = "Customer asked about the status of an order placed last week and the delivery window. "


def message() -> str:
    text = (SENTENCE * 13)[:1000]
    return text[:960] + " mail a@b.co"  # about 1 KB, one finding to mask


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def in_process(spec_path: str, n: int = 2000) -> float:
    from railguard import Guard

    guard = Guard.from_file(spec_path)
    guard.warmup()
    text = message()
    for _ in range(200):
        guard.validate(text)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        guard.validate(text)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


class _Conn:
    """One keep-alive HTTP/1.1 connection on asyncio streams: the load generator must cost less than
    the server it measures (httpx's pool, at 64 connections in one process, saturates first)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def post(self, path: str, payload: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAuthorization: Bearer {KEY}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n").encode()
        self.writer.write(head + payload)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw.split(b" ", 2)[1])
        length = 0
        for line in raw.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return status


async def drive(url: str, path: str, body: dict, clients: int, seconds: float) -> dict:
    host, port = url.rsplit("//", 1)[1].split(":")
    payload = json.dumps(body).encode("utf-8")
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def one() -> None:
        nonlocal errors
        conn = _Conn(host, int(port))
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            status = await conn.post(path, payload)
            latencies.append(time.perf_counter() - t0)
            errors += status != 200
        conn.writer.close()

    await asyncio.gather(*(one() for _ in range(clients)))
    return {"rps": len(latencies) / seconds, "p50_ms": pct(latencies, 0.5) * 1000,
            "p99_ms": pct(latencies, 0.99) * 1000, "n": len(latencies), "errors": errors}


def start_server(args: list[str], port: int) -> subprocess.Popen:
    import httpx

    env = {**os.environ, "RAILGUARD_API_KEY": KEY}
    proc = subprocess.Popen([sys.executable, "-m", "railguard", "serve", *args, "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not become ready")


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


UPSTREAM = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
ANSWER = {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [
    {"index": 0, "message": {"role": "assistant", "content": "Your order ships tomorrow."}, "finish_reason": "stop"}]}
async def chat(request):
    await request.body()
    return JSONResponse(ANSWER)
async def ready(request):
    return JSONResponse({})
app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"]), Route("/readyz", ready)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


def instant_upstream(port: int) -> subprocess.Popen:
    """An OpenAI-compatible upstream that answers at once (uvicorn + Starlette, its own process)."""
    import httpx

    proc = subprocess.Popen([sys.executable, "-c", UPSTREAM, str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the upstream did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--clients", default="1,8,64")
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    tmp = Path(tempfile.mkdtemp())
    (tmp / "bench.yaml").write_text(SPEC, encoding="utf-8")
    text = message()
    inproc = in_process(str(tmp / "bench.yaml"))
    print(f"in-process guard.validate, 1 KB: p50 {inproc:.3f} ms")
    apply_body = {"source": "INPUT", "content": [{"text": {"text": text}}]}
    validate_body = {"text": text, "source": "input"}
    rows = []
    up_port = free_port()
    upstream = instant_upstream(up_port)
    for workers in [int(w) for w in args.workers.split(",")]:
        port = free_port()
        (tmp / "server.yaml").write_text(
            f"railguard_server: 1\nspecs: [bench.yaml]\nworkers: {workers}\n"
            f"auth: {{api_keys: [{{name: bench, env: RAILGUARD_API_KEY}}]}}\n"
            f"limits: {{max_concurrent_per_client: 1000}}\n"
            f"routes: [{{model: m, guard: bench, upstream: {{openai: {{url: 'http://127.0.0.1:{up_port}/v1'}}}}}}]\n",
            encoding="utf-8")
        proc = start_server(["--config", str(tmp / "server.yaml")], port)
        url = f"http://127.0.0.1:{port}"
        try:
            for name, path, body in (("ApplyGuardrail", "/guardrail/bench/version/DRAFT/apply", apply_body),
                                     ("validate", "/v1/guards/bench/validate", validate_body),
                                     ("chat proxy", "/v1/chat/completions",
                                      {"model": "m", "messages": [{"role": "user", "content": text}]})):
                for c in clients:
                    r = asyncio.run(drive(url, path, body, c, args.seconds))
                    rows.append((name, workers, c, r))
                    print(f"{name:15s} workers={workers} clients={c:3d}: {r['rps']:8.0f} req/s  "
                          f"p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms  (n={r['n']}, errors={r['errors']})",
                          flush=True)
        finally:
            stop_server(proc)
    for c in clients:
        r = asyncio.run(drive(f"http://127.0.0.1:{up_port}", "/v1/chat/completions",
                              {"model": "m", "messages": [{"role": "user", "content": text}]}, c, args.seconds))
        print(f"{'upstream direct':15s}            clients={c:3d}: {r['rps']:8.0f} req/s  p50 {r['p50_ms']:7.2f} ms  "
              f"p99 {r['p99_ms']:7.2f} ms")
    stop_server(upstream)
    one = next(r for n, w, c, r in rows if n == "ApplyGuardrail" and w == 1 and c == 1)
    print(json.dumps({"in_process_p50_ms": round(inproc, 3),
                      "http_overhead_p50_ms_1_client": round(one["p50_ms"] - inproc, 3)}))


if __name__ == "__main__":
    main()
