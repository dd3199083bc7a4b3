"""Amazon Bedrock models as railguard models (boto3 is imported on first call).

- :class:`BedrockConverse`: ``converse`` and ``converse_stream``, for any model the Converse
  API serves. System messages become Converse ``system`` blocks; consecutive turns of the same
  role are merged into one message (Converse wants alternating roles).
- :class:`BedrockInvokeModel`: ``invoke_model`` with a model's native JSON body, built from a
  ``request_template`` and read back at ``response_path``.

Both accept ``region``, ``profile``, ``endpoint_url`` (boto3's ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``
keeps working when it is not given), ``retry_mode``/``max_attempts`` (botocore's retries), or a
ready ``client`` / ``session``.

``BedrockConverse(..., guardrail=NativeGuardrail(id, version))`` sends a Bedrock guardrail with
every call (``guardrailConfig``): one request instead of ApplyGuardrail on the input, the model
call and ApplyGuardrail on the output. Use it with
:func:`railguard.llm.bedrock_native.call_with_native_guardrail`, which reads the guardrail's
trace into the same result shape as the ``bedrock_guardrail`` validator (see that module for
the trade-offs).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

from ..aws import ClientOptions, error_code, make_client
from ..errors import ModelError
from ..messages import Message
from .base import Model

__all__ = ["BedrockConverse", "BedrockInvokeModel", "NativeGuardrail", "ConverseReply"]

INFERENCE_KEYS = ("maxTokens", "temperature", "topP", "stopSequences")
_SNAKE = {"max_tokens": "maxTokens", "top_p": "topP", "stop_sequences": "stopSequences"}
TRACE_MODES = ("enabled", "enabled_full", "disabled")


@dataclass(frozen=True)
class NativeGuardrail:
    """A guardrail passed natively to Converse (``guardrailConfig``)."""

    id: str
    version: str
    trace: str = "enabled"
    stream_processing_mode: str | None = None  # "sync" | "async", ConverseStream only

    def __post_init__(self) -> None:
        if not re.fullmatch(r"^(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+))$",
                        self.id):
            raise ValueError(f"{self.id!r} is not a Bedrock guardrail id or ARN")
        if not re.fullmatch(r"^(DRAFT|[1-9][0-9]{0,7})$", str(self.version)):
            raise ValueError(f"{self.version!r} is not a guardrail version (DRAFT or a number)")
        if self.trace not in TRACE_MODES:
            raise ValueError(f"trace {self.trace!r} is not one of {list(TRACE_MODES)}")
        if self.stream_processing_mode not in (None, "sync", "async"):
            raise ValueError(f"stream_processing_mode {self.stream_processing_mode!r} is not 'sync' or 'async'")

    def config(self, stream: bool = False) -> dict[str, Any]:
        cfg = {"guardrailIdentifier": self.id, "guardrailVersion": str(self.version), "trace": self.trace}
        if stream and self.stream_processing_mode:
            cfg["streamProcessingMode"] = self.stream_processing_mode
        return cfg


@dataclass(frozen=True)
class ConverseReply:
    text: str
    stop_reason: str
    usage: Mapping[str, Any] = field(default_factory=dict)
    trace: Mapping[str, Any] | None = None
    latency_ms: int = 0

    @property
    def guardrail_intervened(self) -> bool:
        return self.stop_reason == "guardrail_intervened"


class _Client:
    """A lazily created, thread-safe boto3 client."""

    def __init__(self, service: str, options: ClientOptions, client: Any, session: Any):
        self._service, self._options, self._client, self._session = service, options, client, session
        self._lock = threading.Lock()

    def get(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    try:
                        self._client = make_client(self._service, self._options, session=self._session)
                    except Exception as exc:
                        raise ModelError(f"cannot create a {self._service} client: {type(exc).__name__}: {exc}") \
                            from None
        return self._client


def _options(region: str | None, profile: str | None, endpoint_url: str | None, retry_mode: str, max_attempts: int,
             connect_timeout: float | None, read_timeout: float | None) -> ClientOptions:
    try:
        return ClientOptions(region=region, profile=profile, endpoint_url=endpoint_url, retry_mode=retry_mode,
                             max_attempts=max_attempts, connect_timeout=connect_timeout, read_timeout=read_timeout)
    except ValueError as exc:
        raise ModelError(str(exc)) from None


def _failure(exc: Exception, what: str) -> ModelError:
    code = error_code(exc)
    if code:
        message = (getattr(exc, "response", {}).get("Error") or {}).get("Message", "")
        return ModelError(f"{what} failed: {code}: {message}")
    return ModelError(f"{what} failed: {type(exc).__name__}: {exc}")


class BedrockConverse(Model):
    def __init__(self, model_id: str, *, system: str | Sequence[str] | None = None,
                 inference_config: Mapping[str, Any] | None = None,
                 additional_request_fields: Mapping[str, Any] | None = None,
                 guardrail: NativeGuardrail | None = None, client: Any = None, session: Any = None,
                 region: str | None = None, profile: str | None = None, endpoint_url: str | None = None,
                 retry_mode: str = "standard", max_attempts: int = 3, connect_timeout: float | None = None,
                 read_timeout: float | None = None):
        if not isinstance(model_id, str) or not model_id:
            raise ModelError(f"model_id must be a non-empty string, got {model_id!r}")
        self.model_id = model_id
        self.name = f"bedrock:{model_id}"
        self.system = [system] if isinstance(system, str) else list(system or ())
        config = dict(inference_config or {})
        for key in config:
            if key not in INFERENCE_KEYS:
                hint = f" (did you mean {_SNAKE[key]!r}?)" if key in _SNAKE else ""
                raise ModelError(f"inference_config key {key!r} is not one of {list(INFERENCE_KEYS)}{hint}")
        self.inference_config = config
        self.additional_request_fields = dict(additional_request_fields or {})
        if guardrail is not None and not isinstance(guardrail, NativeGuardrail):
            raise ModelError(f"guardrail must be a NativeGuardrail, got {type(guardrail).__name__}")
        self.guardrail = guardrail
        self._client = _Client("bedrock-runtime", _options(region, profile, endpoint_url, retry_mode, max_attempts,
                                                            connect_timeout, read_timeout), client, session)

    @property
    def client(self) -> Any:
        return self._client.get()

    def request(self, messages: Sequence[Message], *, stream: bool = False) -> dict[str, Any]:
        """The Converse request for ``messages``."""
        system = [{"text": s} for s in self.system if s]
        turns: list[dict[str, Any]] = []
        for m in messages:
            if m.role in ("system", "developer"):
                if m.content:
                    system.append({"text": m.content})
                continue
            if m.role not in ("user", "assistant"):
                raise ModelError(f"BedrockConverse cannot send a {m.role!r} message as text; Converse turns are "
                                 "'user' or 'assistant'")
            if not m.content:
                continue
            if turns and turns[-1]["role"] == m.role:
                turns[-1]["content"].append({"text": m.content})
            else:
                turns.append({"role": m.role, "content": [{"text": m.content}]})
        if not turns or turns[0]["role"] != "user":
            raise ModelError("a Converse conversation must start with a non-empty user message")
        req: dict[str, Any] = {"modelId": self.model_id, "messages": turns}
        if system:
            req["system"] = system
        if self.inference_config:
            req["inferenceConfig"] = dict(self.inference_config)
        if self.additional_request_fields:
            req["additionalModelRequestFields"] = dict(self.additional_request_fields)
        if self.guardrail is not None:
            req["guardrailConfig"] = self.guardrail.config(stream)
        return req

    def converse(self, messages: Sequence[Message]) -> ConverseReply:
        """One Converse call; the whole reply (text, stop reason, usage, guardrail trace)."""
        req = self.request(messages)
        try:
            resp = self.client.converse(**req)
        except Exception as exc:
            raise _failure(exc, f"Bedrock Converse with {self.model_id}") from None
        text, stop = _converse_answer(resp, f"Bedrock Converse with {self.model_id}")
        metrics = resp.get("metrics")
        latency = metrics.get("latencyMs", 0) if isinstance(metrics, Mapping) else 0
        usage = resp.get("usage")
        return ConverseReply(text, stop, usage if isinstance(usage, Mapping) else {}, resp.get("trace"),
                             int(latency) if isinstance(latency, (int, float)) else 0)

    def generate(self, messages: Sequence[Message]) -> str:
        return self.converse(messages).text

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Text deltas from ConverseStream; an exception event mid-stream raises ModelError."""
        req = self.request(messages, stream=True)
        try:
            resp = self.client.converse_stream(**req)
        except Exception as exc:
            raise _failure(exc, f"Bedrock ConverseStream with {self.model_id}") from None
        events = resp["stream"]
        stopped = False
        try:
            for event in events:
                if not isinstance(event, Mapping):
                    raise ModelError(f"Bedrock ConverseStream with {self.model_id}: an event is "
                                     f"{type(event).__name__}, not an object")
                stopped = stopped or "messageStop" in event
                delta = (event.get("contentBlockDelta") or {}).get("delta") or {}
                if isinstance(delta.get("text"), str) and delta["text"]:
                    yield delta["text"]
                for key, value in event.items():
                    if key.endswith("Exception"):  # an exception event botocore handed over as data
                        raise ModelError(f"Bedrock ConverseStream with {self.model_id} failed mid-stream: {key}: "
                                         f"{(value or {}).get('message', '')}")
        except ModelError:
            raise
        except Exception as exc:
            raise _failure(exc, f"Bedrock ConverseStream with {self.model_id} (mid-stream)") from None
        else:
            if not stopped:
                # A dropped connection or a proxy's page ends the stream early: what came is not the answer.
                raise ModelError(f"Bedrock ConverseStream with {self.model_id} ended without a messageStop event "
                                 "(the answer is incomplete)")
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()


def _converse_answer(resp: Any, where: str) -> tuple[str, str]:
    """The text and stop reason of a Converse answer; ModelError unless it is well-formed (botocore reads
    an HTML page, an empty or truncated body as ``{}``, which must not become an empty answer)."""
    if not isinstance(resp, Mapping):
        raise ModelError(f"{where}: the answer is {type(resp).__name__}, not an object")
    output = resp.get("output")
    message = output.get("message") if isinstance(output, Mapping) else None
    content = message.get("content") if isinstance(message, Mapping) else None
    if not isinstance(content, list):
        present = sorted(k for k in resp if k != "ResponseMetadata")
        raise ModelError(f"{where}: malformed answer, no output.message.content (it holds {present[:8]}); an "
                         "empty, truncated or non-JSON body?")
    stop = resp.get("stopReason")
    if not isinstance(stop, str) or not stop:
        raise ModelError(f"{where}: malformed answer, no stopReason")
    parts = []
    for n, block in enumerate(content):
        if not isinstance(block, Mapping):
            raise ModelError(f"{where}: malformed answer, output.message.content[{n}] is {type(block).__name__}")
        if "text" in block:
            if not isinstance(block["text"], str):
                raise ModelError(f"{where}: malformed answer, output.message.content[{n}].text is not a string")
            parts.append(block["text"])
    return "".join(parts), stop


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _parse_path(path: str) -> list[str | int]:
    if not isinstance(path, str) or not path.strip():
        raise ModelError(f"response_path must be a non-empty string such as 'content[0].text', got {path!r}")
    tokens: list[str | int] = []
    pos = 0
    for m in _PATH_TOKEN.finditer(path):
        gap = path[pos:m.start()]
        if gap not in ("", "."):
            raise ModelError(f"response_path {path!r}: unexpected {gap!r} at {pos}")
        name, index = m.groups()
        tokens.append(int(index) if index is not None else int(name) if name.isdigit() else name)
        pos = m.end()
    if path[pos:]:
        raise ModelError(f"response_path {path!r}: unexpected {path[pos:]!r} at {pos}")
    return tokens


_PLACEHOLDERS = ("{prompt}", "{messages}", "{system}")


class BedrockInvokeModel(Model):
    """``invoke_model`` with a native body: ``request_template`` is JSON data in which the string
    ``"{messages}"`` becomes the turns as ``[{"role", "content"}]``, ``"{system}"`` the system text
    (the key is dropped when there is none) and ``{prompt}`` inside any string the conversation as
    text. ``response_path`` (``"content[0].text"``, ``"generation"``, ``"outputs.0.text"``) locates the
    answer in the response body."""

    def __init__(self, model_id: str, request_template: Mapping[str, Any], response_path: str, *,
                 client: Any = None, session: Any = None, region: str | None = None, profile: str | None = None,
                 endpoint_url: str | None = None, retry_mode: str = "standard", max_attempts: int = 3,
                 connect_timeout: float | None = None, read_timeout: float | None = None,
                 content_type: str = "application/json", accept: str = "application/json"):
        if not isinstance(request_template, Mapping):
            raise ModelError(f"request_template must be a JSON object, got {type(request_template).__name__}")
        try:
            encoded = json.dumps(request_template)
        except (TypeError, ValueError) as exc:
            raise ModelError(f"request_template is not JSON data: {exc}") from None
        if "{prompt}" not in encoded and '"{messages}"' not in encoded:
            raise ModelError("request_template never includes the conversation: use \"{messages}\" as a value or "
                             "{prompt} inside a string")
        self.model_id = model_id
        self.name = f"bedrock:{model_id}"
        self.template = json.loads(encoded)
        self.path = _parse_path(response_path)
        self.response_path = response_path
        self.content_type, self.accept = content_type, accept
        self._client = _Client("bedrock-runtime", _options(region, profile, endpoint_url, retry_mode, max_attempts,
                                                            connect_timeout, read_timeout), client, session)

    @staticmethod
    def _prompt(messages: Sequence[Message]) -> str:
        turns = [m for m in messages if m.role not in ("system", "developer")]
        if len(turns) == 1:
            return turns[0].content
        return "\n\n".join(f"{m.role.capitalize()}: {m.content}" for m in turns)

    def body(self, messages: Sequence[Message]) -> dict[str, Any]:
        """The native request body for ``messages``."""
        system = "\n\n".join(m.content for m in messages if m.role in ("system", "developer") and m.content)
        turns = [{"role": m.role, "content": m.content} for m in messages if m.role in ("user", "assistant")]
        prompt = self._prompt(messages)

        def fill(value: Any) -> Any:
            if isinstance(value, dict):
                out = {}
                for k, v in value.items():
                    if v == "{system}" and not system:
                        continue
                    out[k] = fill(v)
                return out
            if isinstance(value, list):
                return [fill(v) for v in value]
            if value == "{messages}":
                return turns
            if value == "{system}":
                return system
            if isinstance(value, str) and "{prompt}" in value:
                return value.replace("{prompt}", prompt)
            return value

        return fill(self.template)

    def generate(self, messages: Sequence[Message]) -> str:
        body = self.body(messages)
        try:
            resp = self._client.get().invoke_model(modelId=self.model_id, body=json.dumps(body).encode("utf-8"),
                                                   contentType=self.content_type, accept=self.accept)
            raw = resp["body"].read()
        except Exception as exc:
            raise _failure(exc, f"Bedrock InvokeModel with {self.model_id}") from None
        try:
            data = json.loads(raw)
        except ValueError:
            raise ModelError(f"Bedrock InvokeModel with {self.model_id} returned a body that is not JSON") from None
        value: Any = data
        for n, token in enumerate(self.path):
            where = "".join(f"[{t}]" if isinstance(t, int) else f".{t}" for t in self.path[:n]) or "the body"
            if isinstance(token, int) and isinstance(value, list):
                if token >= len(value):
                    raise ModelError(f"response_path {self.response_path!r}: {where} has {len(value)} item(s), no "
                                     f"[{token}]")
                value = value[token]
            elif isinstance(value, dict) and str(token) in value:
                value = value[str(token)]
            else:
                keys = sorted(value) if isinstance(value, dict) else type(value).__name__
                raise ModelError(f"response_path {self.response_path!r}: {where} has no {token!r} (it holds {keys})")
        if not isinstance(value, str):
            raise ModelError(f"response_path {self.response_path!r} leads to {type(value).__name__}, not the answer "
                             "text")
        return value
