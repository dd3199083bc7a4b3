"""SageMaker real-time endpoints as railguard models (boto3 ``sagemaker-runtime``, imported lazily).

    model = SageMakerEndpoint("llm-endpoint", inference_component="main",
                              parameters={"max_new_tokens": 512}, prompt_format="llama3")
    guard.call(model, "Hello")

Payloads (``payload=``):

- ``"tgi"`` (default): ``{"inputs": <prompt>, "parameters": {...}}``, answered by
  ``[{"generated_text": ...}]`` or ``{"generated_text": ...}`` (TGI, LMI, JumpStart text models).
  The prompt is the conversation rendered by ``prompt_format`` (``llama3``, ``llama2``, ``none``
  or a callable; see :mod:`railguard.llm.prompt_formats`).
- ``"messages"``: an OpenAI-style chat body ``{"messages": [...], **parameters}`` answered with
  ``choices[0].message.content`` (newer LLM containers apply the chat template themselves).
- anything else: pass ``request_builder(prompt, messages, parameters) -> dict | bytes | str`` and
  ``response_reader(body) -> str`` (``body`` is the decoded JSON, or the text when it is not
  JSON); ``stream_reader(line) -> str | None`` reads one line of a response stream (without it a
  custom stream is passed through as raw text).

Streaming (``stream``) calls ``invoke_endpoint_with_response_stream`` and yields text as it
arrives: ``PayloadPart`` bytes are joined before lines are read (a line or a UTF-8 character may
be split across parts); TGI's ``data:{"token": {"text": ...}}`` lines, JSON lines and OpenAI-style
``data:`` chunks are understood; ``ModelStreamError`` and ``InternalStreamFailure`` become
:class:`~railguard.errors.ModelError` naming the endpoint and component.

Errors: ``ModelError`` (HTTP 424, the container failed) becomes a railguard ``ModelError`` naming
the endpoint, the inference component and the model's own status and message. Throttling and
5xx answers are retried by botocore (``retry_mode``, ``max_attempts``) before anything is raised.

A ``sagemaker.core.resources.Endpoint`` from the SageMaker Python SDK 3.x (the optional extra
``railguard[sagemaker]``) can be passed instead of a name; calls still go through boto3.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import re
import threading
from typing import Any, AsyncIterator, Callable, Iterator, Mapping, Sequence

from ..errors import ModelError
from ..messages import Message
from .base import Model
from .prompt_formats import PromptFormat, get_format

__all__ = ["SageMakerEndpoint", "StreamLineReader", "PAYLOADS"]

PAYLOADS = ("tgi", "messages")
_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
_COMPONENT = re.compile(r"^[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?$")

RequestBuilder = Callable[[str, Sequence[Message], Mapping[str, Any]], Any]
ResponseReader = Callable[[Any], str]
StreamReader = Callable[[str], "str | None"]


def _check_name(value: Any, what: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or len(value) > 63 or not pattern.fullmatch(value):
        raise ValueError(f"{what} {value!r} is not a valid SageMaker name (1-63 letters, digits and "
                         f"hyphens, starting and ending with a letter or digit)")
    return value


def _sdk_endpoint(obj: Any) -> tuple[str, Any, str | None, Callable[[], Any] | None]:
    """(name, session, region, client factory) of a ``sagemaker.core.resources.Endpoint``.

    Duck-typed, so the SDK is never imported here: the object's ``endpoint_name``, the boto3
    session and region it was fetched with (``_session``/``_region``, which the SDK sets through
    ``Endpoint.get(..., session=, region=)``) and the SDK's own client factory
    (``get_sagemaker_client``), so calls are signed and retried exactly as the SDK would.
    """
    name = getattr(obj, "endpoint_name", None)
    if not isinstance(name, str):
        raise TypeError(f"expected an endpoint name or a sagemaker Endpoint object, got {type(obj).__name__}")
    session = getattr(obj, "_session", None)
    region = getattr(obj, "_region", None)
    factory = getattr(type(obj), "get_sagemaker_client", None)

    def build() -> Any:
        return factory(session=session, region_name=region, service_name="sagemaker-runtime")

    return name, session, region if isinstance(region, str) else None, build if callable(factory) else None


class StreamLineReader:
    """Turns response-stream lines into text pieces (TGI SSE, JSON lines, OpenAI-style chunks).

    One reader per stream: it remembers whether token text was seen, so a closing
    ``generated_text`` summary is not yielded a second time.
    """

    def __init__(self, where: str):
        self.where = where
        self.seen_text = False

    def __call__(self, line: str) -> str | None:
        line = line.strip()
        if not line or line.startswith(":") or line.startswith(("event:", "id:", "retry:")):
            return None
        if line.startswith("data:"):
            line = line[5:].strip()
        if not line or line == "[DONE]":
            return None
        try:
            obj = json.loads(line)
        except ValueError:
            raise ModelError(f"{self.where}: unreadable line in the response stream (not JSON, "
                             f"{len(line)} chars); use payload with a stream_reader for this container") from None
        text = self._text(obj)
        if text:
            self.seen_text = True
        return text

    def _text(self, obj: Any) -> str | None:
        if isinstance(obj, list):  # some containers send [{"token": ...}]
            return "".join(t for t in (self._text(o) for o in obj) if t) or None
        if not isinstance(obj, Mapping):
            return None
        if obj.get("error") is not None:
            err = obj["error"]
            msg = err.get("message") if isinstance(err, Mapping) else err
            kind = obj.get("error_type") or (err.get("type") if isinstance(err, Mapping) else None)
            raise ModelError(f"{self.where}: the model failed mid-stream"
                             + (f" ({kind})" if kind else "") + f": {msg}")
        token = obj.get("token")
        if isinstance(token, Mapping):
            if token.get("special"):
                return None
            text = token.get("text")
            return text if isinstance(text, str) else None
        choices = obj.get("choices")
        if isinstance(choices, list):
            if not choices or not isinstance(choices[0], Mapping):
                return None
            delta = choices[0].get("delta")
            if isinstance(delta, Mapping):
                content = delta.get("content")
                return content if isinstance(content, str) else None
            text = choices[0].get("text")
            return text if isinstance(text, str) else None
        final = obj.get("generated_text")
        if isinstance(final, str) and not self.seen_text:
            return final
        return None


class _Lines:
    """Joins payload parts and hands out complete lines (a part may end mid-line or mid-character)."""

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, data: bytes) -> list[str]:
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        return [line.decode("utf-8", errors="replace").rstrip("\r") for line in lines]

    def close(self) -> list[str]:
        rest, self.buffer = self.buffer, b""
        return [rest.decode("utf-8", errors="replace")] if rest.strip() else []


class SageMakerEndpoint(Model):
    """A SageMaker real-time endpoint (optionally one inference component of it) as a model."""

    def __init__(self, endpoint_name: Any, inference_component: str | None = None,
                 target_variant: str | None = None, custom_attributes: str | None = None,
                 region: str | None = None, endpoint_url: str | None = None, client: Any = None,
                 payload: str = "tgi", parameters: Mapping[str, Any] | None = None,
                 prompt_format: str | PromptFormat | None = "llama3", *,
                 request_builder: RequestBuilder | None = None, response_reader: ResponseReader | None = None,
                 stream_reader: StreamReader | None = None, session: Any = None, profile: str | None = None,
                 retry_mode: str = "standard", max_attempts: int = 3, connect_timeout: float | None = None,
                 read_timeout: float | None = None, content_type: str = "application/json",
                 accept: str = "application/json"):
        from ..aws import ClientOptions

        sdk_client: Callable[[], Any] | None = None
        if not isinstance(endpoint_name, str):
            endpoint_name, sdk_session, sdk_region, sdk_client = _sdk_endpoint(endpoint_name)
            if region or endpoint_url or profile or session is not None:
                sdk_client = None  # explicit settings win over the SDK's own client
            session = session if session is not None else sdk_session
            region = region or sdk_region
        self.endpoint_name = _check_name(endpoint_name, "endpoint name", _NAME)
        self.inference_component = (None if inference_component is None else
                                    _check_name(inference_component, "inference component", _COMPONENT))
        self.target_variant = None if target_variant is None else _check_name(target_variant, "target variant", _NAME)
        if custom_attributes is not None and (not isinstance(custom_attributes, str) or len(custom_attributes) > 1024
                                              or not custom_attributes.isascii()):
            raise ValueError("custom_attributes must be at most 1024 ASCII characters")
        self.custom_attributes = custom_attributes
        custom = request_builder is not None or response_reader is not None
        if custom and (request_builder is None or response_reader is None):
            raise ValueError("a custom payload needs both request_builder and response_reader")
        if not custom and payload not in PAYLOADS:
            raise ValueError(f"payload {payload!r} is not one of {list(PAYLOADS)}; for another container pass "
                             f"request_builder= and response_reader=")
        self.payload = "custom" if custom else payload
        self.request_builder = request_builder
        self.response_reader = response_reader
        self.stream_reader = stream_reader
        self.parameters = dict(parameters or {})
        self.prompt_format = get_format(prompt_format)
        self.content_type = content_type
        self.accept = accept
        self.options = ClientOptions(region=region, profile=profile, endpoint_url=endpoint_url, retry_mode=retry_mode,
                                     max_attempts=max_attempts, connect_timeout=connect_timeout,
                                     read_timeout=read_timeout)
        self._client = client
        self._session = session
        self._sdk_client = sdk_client
        self._lock = threading.Lock()
        self.name = f"sagemaker:{self.endpoint_name}" + (f"/{self.inference_component}" if self.inference_component
                                                          else "")

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def where(self) -> str:
        text = f"SageMaker endpoint {self.endpoint_name!r}"
        if self.inference_component:
            text += f" (inference component {self.inference_component!r})"
        if self.target_variant:
            text += f" (variant {self.target_variant!r})"
        return text

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None and self._sdk_client is not None:
                    self._client = self._sdk_client()
                elif self._client is None:
                    from ..aws import make_client

                    self._client = make_client("sagemaker-runtime", self.options, session=self._session)
        return self._client

    def render(self, messages: Sequence[Message]) -> str:
        """The prompt text a raw-text payload sends for ``messages``."""
        return self.prompt_format(list(messages))

    def _body(self, prompt: str, messages: Sequence[Message], stream: bool) -> bytes:
        if self.payload == "tgi":
            body: Any = {"inputs": prompt, "parameters": self.parameters}
            if stream:
                body["stream"] = True
        elif self.payload == "messages":
            body = {"messages": [m.to_dict() for m in messages], **self.parameters}
            if stream:
                body["stream"] = True
        else:
            assert self.request_builder is not None
            body = self.request_builder(prompt, tuple(messages), dict(self.parameters))
        if isinstance(body, (bytes, bytearray)):
            return bytes(body)
        if isinstance(body, str):
            return body.encode("utf-8")
        return json.dumps(body).encode("utf-8")

    def _kwargs(self, body: bytes, stream: bool) -> dict[str, Any]:
        kw: dict[str, Any] = {"EndpointName": self.endpoint_name, "Body": body, "ContentType": self.content_type,
                              "Accept": self.accept}
        if self.inference_component:
            kw["InferenceComponentName"] = self.inference_component
        if self.target_variant:
            kw["TargetVariant"] = self.target_variant
        if self.custom_attributes:
            kw["CustomAttributes"] = self.custom_attributes
        return kw

    def _error(self, exc: Exception, operation: str) -> ModelError:
        from ..aws import error_code

        code = error_code(exc)
        if code is None:
            return ModelError(f"{self.where}: {operation} failed: {type(exc).__name__}: {exc}")
        response = getattr(exc, "response", {}) or {}
        message = (response.get("Error") or {}).get("Message") or ""
        if code == "ModelError":
            status = response.get("OriginalStatusCode")
            original = response.get("OriginalMessage")
            text = f"{self.where}: the model returned an error"
            if status is not None:
                text += f" (HTTP {status})"
            text += f": {original or message}"
            if response.get("LogStreamArn"):
                text += f" [logs: {response['LogStreamArn']}]"
            return ModelError(text)
        if code in ("ModelStreamError", "InternalStreamFailure"):
            detail = response.get("ErrorCode") or (response.get("Error") or {}).get("ErrorCode")
            what = "the model's response stream failed" if code == "ModelStreamError" else \
                "SageMaker's response stream failed (internal stream failure; retry the request)"
            return ModelError(f"{self.where}: {what}" + (f" ({detail})" if detail else "")
                              + (f": {message}" if message else ""))
        attempts = ((response.get("ResponseMetadata") or {}).get("RetryAttempts"))
        tail = f" (after {attempts + 1} attempts)" if attempts else ""
        return ModelError(f"{self.where}: {operation} failed: {code}: {message}{tail}")

    def _call(self, operation: str, body: bytes, stream: bool) -> Any:
        method = getattr(self.client, operation)
        try:
            return method(**self._kwargs(body, stream))
        except Exception as exc:
            if _is_aws_error(exc):
                raise self._error(exc, operation) from exc
            raise

    def _read(self, raw: bytes) -> str:
        text = raw.decode("utf-8", errors="replace")
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = None
            if self.payload != "custom":
                raise ModelError(f"{self.where}: the answer is not JSON ({len(raw)} bytes); for this container "
                                 f"use a custom payload (request_builder / response_reader)") from None
        if self.payload == "custom":
            assert self.response_reader is not None
            out = self.response_reader(text if body is None else body)
            if not isinstance(out, str):
                raise ModelError(f"{self.where}: response_reader returned {type(out).__name__}, expected str")
            return out
        return read_answer(body, self.payload, self.where)

    # -- the Model interface ------------------------------------------------------------------
    def complete(self, prompt: str) -> str:
        """Send an already-rendered prompt (no prompt format applied) and return the answer text."""
        body = self._body(prompt, (Message("user", prompt),), stream=False)
        response = self._call("invoke_endpoint", body, False)
        return self._read(self._drain(response["Body"]))

    def generate(self, messages: Sequence[Message]) -> str:
        body = self._body(self.render(messages) if self.payload != "messages" else "", messages, stream=False)
        response = self._call("invoke_endpoint", body, False)
        return self._read(self._drain(response["Body"]))

    def _drain(self, stream: Any) -> bytes:
        try:
            return stream.read()
        except Exception as exc:
            raise ModelError(f"{self.where}: reading the answer failed: {type(exc).__name__}: {exc}") from exc

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Text pieces as the endpoint sends them (``invoke_endpoint_with_response_stream``)."""
        body = self._body(self.render(messages) if self.payload != "messages" else "", messages, stream=True)
        return self._stream(body)

    async def astream(self, messages: Sequence[Message]) -> AsyncIterator[str]:
        """:meth:`stream` for asyncio: each piece is read in a worker thread as it arrives."""
        loop = asyncio.get_running_loop()
        pieces = self.stream(messages)
        end = object()
        try:
            while True:
                piece = await loop.run_in_executor(None, next, pieces, end)
                if piece is end:
                    return
                yield piece
        finally:
            pieces.close()

    def stream_prompt(self, prompt: str) -> Iterator[str]:
        """Like :meth:`stream` for an already-rendered prompt."""
        return self._stream(self._body(prompt, (Message("user", prompt),), stream=True))

    def _stream(self, body: bytes) -> Iterator[str]:
        response = self._call("invoke_endpoint_with_response_stream", body, True)
        events = response["Body"]
        raw = self.payload == "custom" and self.stream_reader is None
        reader: Callable[[str], str | None] = self.stream_reader or StreamLineReader(self.where)
        lines = _Lines()
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        try:
            for event in events:
                part = event.get("PayloadPart") if isinstance(event, Mapping) else None
                if part is None:
                    continue
                data = part.get("Bytes") or b""
                if raw:
                    text = decoder.decode(data)
                    if text:
                        yield text
                    continue
                for line in lines.feed(data):
                    piece = reader(line)
                    if piece:
                        yield piece
            if raw:
                tail = decoder.decode(b"", final=True)
                if tail:
                    yield tail
            else:
                for line in lines.close():
                    piece = reader(line)
                    if piece:
                        yield piece
        except ModelError:
            raise
        except Exception as exc:
            if _is_aws_error(exc) or _is_transport_error(exc):
                raise self._error(exc, "invoke_endpoint_with_response_stream") from exc
            raise
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    pass


def read_answer(body: Any, payload: str, where: str) -> str:
    """The generated text in a ``tgi`` or ``messages`` answer body; ModelError naming the shape otherwise."""
    if isinstance(body, Mapping) and body.get("error") is not None:
        err = body["error"]
        msg = err.get("message") if isinstance(err, Mapping) else err
        raise ModelError(f"{where}: the model answered with an error: {msg}")
    if payload == "tgi":
        item = body[0] if isinstance(body, list) and body else body
        if isinstance(item, Mapping) and isinstance(item.get("generated_text"), str):
            return item["generated_text"]
        if isinstance(item, Mapping) and isinstance(item.get("generation"), str):
            return item["generation"]
    else:
        choices = body.get("choices") if isinstance(body, Mapping) else None
        if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
            message = choices[0].get("message")
            if isinstance(message, Mapping) and isinstance(message.get("content"), str):
                return message["content"]
            if isinstance(choices[0].get("text"), str):
                return choices[0]["text"]
    shape = (f"a list of {len(body)}" if isinstance(body, list) else
             f"keys {sorted(map(str, body))}" if isinstance(body, Mapping) else type(body).__name__)
    want = ("[{'generated_text': ...}] or {'generated_text': ...}" if payload == "tgi"
            else "{'choices': [{'message': {'content': ...}}]}")
    raise ModelError(f"{where}: unexpected answer shape ({shape}); payload {payload!r} expects {want}")


def _is_aws_error(exc: BaseException) -> bool:
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        return False
    return isinstance(exc, (ClientError, BotoCoreError))


def _is_transport_error(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("urllib3", "botocore", "http.client")) or isinstance(exc, (ConnectionError, OSError))
