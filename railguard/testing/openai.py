"""A local OpenAI-compatible server (the routes vLLM and TGI expose), for offline tests.

    with LocalOpenAI(lambda prompt, body: "safe") as server:
        ...  # POST {server.base_url}/completions
        server.completions()      # recorded completion requests, in order
        server.chat_requests()    # anything sent to /chat/completions (a guard must send none)

``/v1/completions`` answers ``{"choices": [{"text": ...}]}`` with what the handler returns for
the prompt. ``/v1/chat/completions`` is served too (the handler gets the last message's
content) so that a test can show a client never used it. ``api_key`` makes the server demand
``Authorization: Bearer <key>``; ``fail(n, status)`` answers the next n calls with an OpenAI-style
error; ``slow(n, seconds)`` delays them.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Any, Callable

from .server import Fault, LocalAWSServer, Request, Response

__all__ = ["LocalOpenAI", "openai_error"]

Handler = Callable[[str, dict], Any]


def openai_error(status: int, message: str, kind: str = "server_error") -> Response:
    body = {"error": {"message": message, "type": kind, "param": None, "code": status}}
    return Response(status, json.dumps(body).encode("utf-8"), {"Content-Type": "application/json"})


class LocalOpenAI:
    def __init__(self, handler: Handler | None = None, *, model: str = "meta-llama/Llama-Guard-3-8B",
                 api_key: str | None = None, server: LocalAWSServer | None = None):
        self.handler = handler
        self.model = model
        self.api_key = api_key
        self.server = server or LocalAWSServer()
        self._script: deque[Any] = deque()
        self._lock = threading.Lock()
        self.server.route("POST", r"^/v1/completions$", self._completions)
        self.server.route("POST", r"^/v1/chat/completions$", self._chat)
        self.server.route("GET", r"^/v1/models$", self._models)

    def start(self) -> "LocalOpenAI":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> "LocalOpenAI":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self.server.endpoint_url + "/v1"

    def script(self, *replies: Any) -> None:
        """Queue answers (text, or a Response) used before the handler, in order."""
        with self._lock:
            self._script.extend(replies)

    def fail(self, count: int, status: int = 500, message: str = "internal error") -> None:
        self.server.inject(Fault(count, openai_error(status, message)))

    def slow(self, count: int, seconds: float) -> None:
        self.server.slow(count, seconds)

    def completions(self) -> list[Request]:
        return self.server.calls(r"^/v1/completions$")

    def chat_requests(self) -> list[Request]:
        return self.server.calls(r"^/v1/chat/completions$")

    # -- handlers ------------------------------------------------------------------------------
    def _auth(self, req: Request) -> Response | None:
        if self.api_key is None:
            return None
        if req.header("Authorization") != f"Bearer {self.api_key}":
            return openai_error(401, "Incorrect API key provided.", "invalid_request_error")
        return None

    def _answer(self, prompt: str, body: dict) -> Any:
        with self._lock:
            if self._script:
                return self._script.popleft()
        if self.handler is None:
            return openai_error(500, "no handler and no scripted reply")
        return self.handler(prompt, body)

    def _parse(self, req: Request) -> dict | Response:
        """The request's JSON body, or the error response (key, JSON, model) the server would send."""
        denied = self._auth(req)
        if denied is not None:
            return denied
        try:
            body = req.json()
        except ValueError:
            return openai_error(400, "request body is not JSON", "invalid_request_error")
        if not isinstance(body, dict):
            return openai_error(400, "request body is not an object", "invalid_request_error")
        if body.get("model") not in (None, self.model):
            return openai_error(404, f"The model `{body.get('model')}` does not exist.", "NotFoundError")
        return body

    def _completions(self, req: Request) -> Response:
        body = self._parse(req)
        if isinstance(body, Response):
            return body
        prompt = body.get("prompt")
        if not isinstance(prompt, str):
            return openai_error(400, "prompt must be a string", "invalid_request_error")
        answer = self._answer(prompt, body)
        if isinstance(answer, Response):
            return answer
        text = str(answer)
        return Response.json({
            "id": "cmpl-local", "object": "text_completion", "created": int(time.time()), "model": self.model,
            "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split()),
                      "total_tokens": len(prompt.split()) + len(text.split())},
        })

    def _chat(self, req: Request) -> Response:
        body = self._parse(req)
        if isinstance(body, Response):
            return body
        messages = body.get("messages") or [{}]
        answer = self._answer(str(messages[-1].get("content", "")), body)
        if isinstance(answer, Response):
            return answer
        return Response.json({
            "id": "chatcmpl-local", "object": "chat.completion", "created": int(time.time()), "model": self.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": str(answer)},
                         "finish_reason": "stop"}],
        })

    def _models(self, req: Request) -> Response:
        return Response.json({"object": "list", "data": [{"id": self.model, "object": "model"}]})
