"""A local sagemaker-runtime: InvokeEndpoint and InvokeEndpointWithResponseStream over HTTP.

    with LocalSageMaker() as sm:
        sm.endpoint("llm", components={
            "guard": lambda inv: "unsafe\\nS1" if "knife" in inv.prompt else "safe",
            "main": lambda inv: "Here is a recipe.",
        })
        client = sm.client()             # a real boto3 sagemaker-runtime client
        ...
        [inv.component for inv in sm.invocations()]   # what was called, in order

Handlers take an :class:`Invocation` and return the generated text (a ``str``), a JSON value to
send as it is (``dict``/``list``), or a :class:`Reply` for anything else: the container failing
(HTTP 424 ``ModelError``), a stream that breaks after some tokens (``ModelStreamError``,
``InternalStreamFailure``), explicit token splits. ``script()`` queues replies that are used before
the handler, in order. Answers follow the request: a ``messages`` body gets an OpenAI-style chat
completion, anything else TGI's ``[{"generated_text": ...}]``; streams are TGI server-sent
events (``data:{"token": ...}``) or OpenAI-style ``data:`` chunks, cut into ``PayloadPart``
events of ``part_size`` bytes when set (so lines and UTF-8 characters straddle parts).
Throttling, 5xx and delays come from :class:`~railguard.testing.server.LocalAWSServer`
(``sm.server.throttle(2)``).
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

from .eventstream import encode_message, event
from .server import LocalAWSServer, Request, Response, aws_error

__all__ = ["LocalSageMaker", "Invocation", "Reply", "split_tokens"]

ACCOUNT = "123456789012"
EOS = "<|eot_id|>"


@dataclass
class Invocation:
    """One recorded call: which endpoint, component and variant, with which body."""

    endpoint: str
    component: str | None
    variant: str | None
    custom_attributes: str | None
    content_type: str | None
    accept: str | None
    body: bytes
    streaming: bool
    request: Request

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def prompt(self) -> str:
        """The text the model sees: ``inputs`` of a TGI body, else the last message's content."""
        try:
            data = self.json()
        except ValueError:
            return self.body.decode("utf-8", errors="replace")
        if isinstance(data, Mapping):
            if isinstance(data.get("inputs"), str):
                return data["inputs"]
            messages = data.get("messages")
            if isinstance(messages, list) and messages and isinstance(messages[-1], Mapping):
                content = messages[-1].get("content")
                return content if isinstance(content, str) else json.dumps(content)
        return ""

    @property
    def parameters(self) -> Mapping[str, Any]:
        data = self.json()
        return data.get("parameters", {}) if isinstance(data, Mapping) else {}


@dataclass
class Reply:
    """A scripted answer. ``text`` is the generated text; ``body`` an exact JSON body instead.

    ``model_error=(status, message)`` answers HTTP 424 ModelError as SageMaker does when the
    container fails. For streams: ``tokens`` fixes the split, ``stream_error`` (an ErrorCode such
    as ``ModelInvocationTimeExceeded``) sends a ModelStreamError after ``error_after`` tokens,
    ``internal_failure`` an InternalStreamFailure instead; ``hold`` (a ``threading.Event``) stops
    the stream after ``hold_after`` parts until it is set, to show a client reads parts as they come.
    """

    text: str | None = None
    body: Any = None
    model_error: tuple[int, str] | None = None
    tokens: list[str] | None = None
    stream_error: str | None = None
    internal_failure: bool = False
    error_after: int = 0
    part_size: int | None = None
    hold: threading.Event | None = None
    hold_after: int = 1


Handler = Callable[[Invocation], Any]


def split_tokens(text: str) -> list[str]:
    """Word-sized pieces with their leading whitespace, as tokenizers tend to produce."""
    pieces = re.findall(r"\s*\S+|\s+$", text)
    return pieces or ([text] if text else [])


def _validation(message: str) -> Response:
    return aws_error("ValidationError", message, 400)


def _model_error(endpoint: str, status: int, message: str) -> Response:
    log = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/sagemaker/Endpoints/{endpoint}"
    body = {"ErrorCode": "CLIENT_ERROR_FROM_MODEL" if status < 500 else "SERVER_ERROR_FROM_MODEL",
            "LogStreamArn": log, "OriginalStatusCode": status, "OriginalMessage": message,
            "Message": f"Received {'client' if status < 500 else 'server'} error ({status}) from primary with "
                       f"message \"{message}\". See {log} for more information."}
    return Response(424, json.dumps(body).encode("utf-8"),
                    {"Content-Type": "application/json", "x-amzn-ErrorType": "ModelError:http://internal.amazon.com/"})


class _Target:
    def __init__(self, handler: Handler | None):
        self.handler = handler
        self.script: deque[Any] = deque()


class LocalSageMaker:
    def __init__(self, server: LocalAWSServer | None = None, *, part_size: int | None = None,
                 part_delay: float = 0.0, tgi_shape: str = "list"):
        if tgi_shape not in ("list", "dict"):
            raise ValueError(f"tgi_shape {tgi_shape!r} is not one of ['list', 'dict']")
        self.server = server or LocalAWSServer()
        self.part_size = part_size
        self.part_delay = part_delay
        self.tgi_shape = tgi_shape
        self._lock = threading.Lock()
        self._endpoints: dict[str, dict[str | None, _Target]] = {}
        self._invocations: list[Invocation] = []
        self.server.route("POST", r"^/endpoints/(?P<name>[^/]+)/invocations$", self._invoke)
        self.server.route("POST", r"^/endpoints/(?P<name>[^/]+)/invocations-response-stream$", self._invoke_stream)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "LocalSageMaker":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> "LocalSageMaker":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    def client(self, **kw: Any) -> Any:
        """A real boto3 ``sagemaker-runtime`` client pointed at this server (dummy credentials)."""
        return self.server.client("sagemaker-runtime", **kw)

    def reset(self) -> None:
        """Forget endpoints, recorded calls and pending faults (to reuse one running server across tests)."""
        with self._lock:
            self._endpoints.clear()
            self._invocations.clear()
        server = self.server
        with server._lock:  # the same testing package: its plumbing is ours to reset
            server._faults.clear()
            server.requests.clear()
        server.delay = 0.0

    # -- configuration -----------------------------------------------------------------------
    def endpoint(self, name: str, handler: Handler | None = None, *,
                 components: Mapping[str, Handler | None] | None = None) -> None:
        """Serve ``name``: one handler, or one per inference component (then the header is required)."""
        if handler is not None and components is not None:
            raise ValueError("give either a handler or components, not both")
        with self._lock:
            if components is not None:
                self._endpoints[name] = {c: _Target(h) for c, h in components.items()}
            else:
                self._endpoints[name] = {None: _Target(handler)}

    def script(self, endpoint: str, *replies: Any, component: str | None = None) -> None:
        """Queue replies (str, JSON value or Reply) for the next calls to this endpoint/component."""
        target = self._target_or_raise(endpoint, component)
        with self._lock:
            target.script.extend(replies)

    def invocations(self, endpoint: str | None = None, component: str | None = None) -> list[Invocation]:
        with self._lock:
            out = list(self._invocations)
        return [i for i in out if (endpoint is None or i.endpoint == endpoint)
                and (component is None or i.component == component)]

    def _target_or_raise(self, endpoint: str, component: str | None) -> _Target:
        targets = self._endpoints.get(endpoint)
        if targets is None or component not in targets:
            raise KeyError(f"no endpoint {endpoint!r}" + (f" with component {component!r}" if component else ""))
        return targets[component]

    # -- request handling ----------------------------------------------------------------------
    def _record(self, req: Request, streaming: bool) -> Invocation:
        inv = Invocation(endpoint=req.params["name"], component=req.header("X-Amzn-SageMaker-Inference-Component"),
                         variant=req.header("X-Amzn-SageMaker-Target-Variant"),
                         custom_attributes=req.header("X-Amzn-SageMaker-Custom-Attributes"),
                         content_type=req.header("Content-Type"),
                         accept=req.header("X-Amzn-SageMaker-Accept" if streaming else "Accept"),
                         body=req.body, streaming=streaming, request=req)
        with self._lock:
            self._invocations.append(inv)
        return inv

    def _resolve(self, inv: Invocation) -> tuple[Any, Response | None]:
        with self._lock:
            targets = self._endpoints.get(inv.endpoint)
            if targets is None:
                return None, _validation(f"Endpoint {inv.endpoint} of account {ACCOUNT} not found.")
            if None in targets and inv.component is not None:
                return None, _validation(f"Inference Component Name header is not allowed for endpoint "
                                         f"{inv.endpoint}: it hosts no inference components.")
            if None not in targets and inv.component is None:
                return None, _validation("Inference Component Name header is required for endpoints to which you "
                                         "plan to deploy inference components. Please include Inference "
                                         "Component Name header or consider using SageMaker models.")
            target = targets.get(inv.component)
            if target is None:
                return None, _validation(f"Inference Component {inv.component} not found for endpoint "
                                         f"{inv.endpoint}.")
            if target.script:
                return target.script.popleft(), None
            handler = target.handler
        if handler is None:
            return None, _model_error(inv.endpoint, 500, "no handler and no scripted reply for this call")
        return handler(inv), None

    def _reply(self, req: Request, streaming: bool) -> tuple[Invocation, Reply | None, Response | None]:
        inv = self._record(req, streaming)
        value, error = self._resolve(inv)
        if error is not None:
            return inv, None, error
        if isinstance(value, Reply):
            reply = value
        elif isinstance(value, str):
            reply = Reply(text=value)
        else:
            reply = Reply(body=value)
        if reply.model_error is not None:
            return inv, None, _model_error(inv.endpoint, *reply.model_error)
        return inv, reply, None

    def _is_chat(self, inv: Invocation) -> bool:
        try:
            data = inv.json()
        except ValueError:
            return False
        return isinstance(data, Mapping) and "messages" in data

    def _invoke(self, req: Request) -> Response:
        inv, reply, error = self._reply(req, streaming=False)
        if error is not None:
            return error
        assert reply is not None
        headers = {"x-Amzn-Invoked-Production-Variant": inv.variant or "AllTraffic"}
        if isinstance(reply.body, (bytes, bytearray)):
            return Response(200, bytes(reply.body), {"Content-Type": "text/plain", **headers})
        if reply.body is not None:
            return Response.json(reply.body, headers=headers)
        text = reply.text or ""
        if self._is_chat(inv):
            body: Any = {"id": "chatcmpl-local", "object": "chat.completion", "model": "local",
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                      "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": len(inv.prompt.split()), "completion_tokens": len(split_tokens(text))}}
        else:
            body = [{"generated_text": text}] if self.tgi_shape == "list" else {"generated_text": text}
        return Response.json(body, headers=headers)

    def _invoke_stream(self, req: Request) -> Response:
        inv, reply, error = self._reply(req, streaming=True)
        if error is not None:
            return error
        assert reply is not None
        if reply.body is not None:
            raw = reply.body if isinstance(reply.body, (bytes, bytearray)) else json.dumps(reply.body).encode()
            events = [bytes(raw)]
        else:
            tokens = reply.tokens if reply.tokens is not None else split_tokens(reply.text or "")
            fail = reply.stream_error is not None or reply.internal_failure
            if fail:
                tokens = tokens[:reply.error_after]
            events = (_chat_events(tokens, done=not fail) if self._is_chat(inv)
                      else _tgi_events(tokens, done=not fail))
        parts = _repart(events, reply.part_size or self.part_size)
        frames = [event("PayloadPart", p, "application/octet-stream") for p in parts]
        if reply.stream_error is not None:
            frames.append(_exception("ModelStreamError", f"Model stream failed: {reply.stream_error}",
                                     ErrorCode=reply.stream_error))
        elif reply.internal_failure:
            frames.append(_exception("InternalStreamFailure", "Internal stream failure, please retry."))
        content_type = "application/jsonlines" if reply.body is not None else "text/event-stream"
        return Response(200, _held(frames, reply), {"Content-Type": "application/vnd.amazon.eventstream",
                                            "X-Amzn-SageMaker-Content-Type": content_type,
                                            "x-Amzn-Invoked-Production-Variant": inv.variant or "AllTraffic"},
                        part_delay=self.part_delay)


def _exception(kind: str, message: str, **fields: Any) -> bytes:
    # botocore reads the modelled members (``Message``), so the key is capitalised here.
    payload = json.dumps({"Message": message, **fields}).encode("utf-8")
    return encode_message({":exception-type": kind, ":content-type": "application/json",
                           ":message-type": "exception"}, payload)


def _held(frames: list[bytes], reply: Reply) -> Iterator[bytes]:
    for i, frame in enumerate(frames):
        if reply.hold is not None and i == reply.hold_after:
            reply.hold.wait(timeout=30)
        yield frame


def _tgi_events(tokens: list[str], done: bool) -> list[bytes]:
    out = []
    for i, tok in enumerate(tokens):
        out.append(b"data:" + json.dumps({"token": {"id": 1000 + i, "text": tok, "logprob": -0.1, "special": False},
                                          "generated_text": None, "details": None}).encode("utf-8") + b"\n\n")
    if done:
        out.append(b"data:" + json.dumps({"token": {"id": 128009, "text": EOS, "logprob": 0.0, "special": True},
                                          "generated_text": "".join(tokens), "details": None}).encode("utf-8")
                   + b"\n\n")
    return out


def _chat_events(tokens: list[str], done: bool) -> list[bytes]:
    def chunk(delta: dict, finish: str | None) -> bytes:
        data = {"id": "chatcmpl-local", "object": "chat.completion.chunk", "model": "local",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return b"data: " + json.dumps(data).encode("utf-8") + b"\n\n"

    out = [chunk({"role": "assistant", "content": ""}, None)]
    out += [chunk({"content": tok}, None) for tok in tokens]
    if done:
        out.append(chunk({}, "stop"))
        out.append(b"data: [DONE]\n\n")
    return out


def _repart(events: list[bytes], size: int | None) -> Iterator[bytes]:
    if not size:
        return iter(events)
    blob = b"".join(events)
    return iter([blob[i:i + size] for i in range(0, len(blob), size)])
