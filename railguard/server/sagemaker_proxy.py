"""``POST /endpoints/{name}/invocations`` and ``/invocations-response-stream``: sagemaker-runtime's
InvokeEndpoint and InvokeEndpointWithResponseStream, guarded, forwarded to the real endpoint.

The caller's payload format is kept: a TGI body (``{"inputs": ..., "parameters": ...}``) or a
messages body (``{"messages": [...], ...}``). The input stage checks the prompt (masked text
replaces it in the forwarded body; a block answers the spec's message without calling the
endpoint), the endpoint is called with the caller's headers (content type, accept, custom
attributes, target variant, inference component), and the output stage checks the answer, which
goes back in the endpoint's own shape. Streams are re-framed as AWS event streams whose
``PayloadPart`` events carry only text the output validators cleared.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, AsyncIterator, Mapping

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from ..errors import GuardBlocked, ModelError
from .protocol import error_response
from .state import ServerState, deadline_left, note_result, timeout_response

__all__ = ["invoke", "invoke_stream", "SageMakerForwarder"]

_HEADERS = (("ContentType", "content-type"), ("CustomAttributes", "x-amzn-sagemaker-custom-attributes"),
            ("TargetVariant", "x-amzn-sagemaker-target-variant"),
            ("InferenceComponentName", "x-amzn-sagemaker-inference-component"),
            ("InferenceId", "x-amzn-sagemaker-inference-id"))


class SageMakerForwarder:
    """One sagemaker-runtime client per configured target (boto3 clients are thread-safe)."""

    def __init__(self) -> None:
        self._clients: dict[tuple, Any] = {}

    def client(self, region: str | None, endpoint_url: str | None) -> Any:
        key = (region, endpoint_url)
        if key not in self._clients:
            from ..aws import ClientOptions, make_client

            self._clients[key] = make_client("sagemaker-runtime", ClientOptions(region=region,
                                                                                endpoint_url=endpoint_url))
        return self._clients[key]


def _route(state: ServerState, name: str, component: str | None) -> Any:
    fallback = None
    for r in state.config.sagemaker:
        if r.endpoint == name and r.inference_component == component:
            return r
        if r.endpoint == name and r.inference_component is None:
            fallback = fallback or r
    return fallback


def _error(path: str, status: int, message: str, code: str) -> Response:
    return error_response(path, status, message, code)


async def _prepare(request: Request) -> tuple[Any, ...] | Response:
    state: ServerState = request.app.state.railguard
    path = request.url.path
    name = request.path_params["name"]
    component = request.headers.get("x-amzn-sagemaker-inference-component")
    route = _route(state, name, component)
    if route is None:
        return _error(path, 400, f"Endpoint {name[:63]} (inference component {str(component)[:63]}) is not "
                      "served by this proxy.", "ValidationError")
    guard = state.guards.get(route.guard)
    if guard is None:
        return _error(path, 503, f"the guard of endpoint {name[:63]} is not loaded", "ServiceUnavailable")
    raw = await request.body()
    try:
        body = json.loads(raw)
    except ValueError:
        return _error(path, 400, "this proxy reads JSON payloads (TGI inputs or messages)", "ValidationError")
    if isinstance(body, Mapping) and isinstance(body.get("inputs"), str):
        payload, prompt = "tgi", body["inputs"]
    elif isinstance(body, Mapping) and isinstance(body.get("messages"), list) and body["messages"]:
        payload, prompt = "messages", body["messages"]
    else:
        return _error(path, 400, "the payload must be a TGI body {'inputs': str, ...} or a messages body "
                      "{'messages': [...], ...}", "ValidationError")
    kwargs: dict[str, Any] = {"EndpointName": route.target_endpoint or name}
    for arg, header in _HEADERS:
        value = request.headers.get(header)
        if value:
            kwargs[arg] = value
    accept = request.headers.get("accept") or request.headers.get("x-amzn-sagemaker-accept")
    if accept:
        kwargs["Accept"] = accept
    client = _forwarder(state).client(route.region, route.endpoint_url)
    request.scope["railguard.log"]["route"] = "sagemaker"
    return route, guard, body, payload, prompt, kwargs, client


def _forwarder(state: ServerState) -> SageMakerForwarder:
    if state.sagemaker is None:
        state.sagemaker = SageMakerForwarder()
    return state.sagemaker


def _with_prompt(body: Mapping[str, Any], payload: str, prompt: Any) -> bytes:
    out = dict(body)
    if payload == "tgi":
        out["inputs"] = prompt if isinstance(prompt, str) else prompt[-1]["content"]
    else:
        out["messages"] = [dict(m) if isinstance(m, Mapping) else {"role": m.role, "content": m.content}
                           for m in prompt]
    return json.dumps(out, ensure_ascii=False).encode("utf-8")


def _answer(payload: str, upstream: Any, text: str, blocked: bool) -> bytes:
    if payload == "tgi":
        if isinstance(upstream, Mapping):
            return json.dumps({**upstream, "generated_text": text}, ensure_ascii=False).encode("utf-8")
        item = dict(upstream[0]) if isinstance(upstream, list) and upstream and isinstance(upstream[0], Mapping) \
            else {}
        item["generated_text"] = text
        return json.dumps([item], ensure_ascii=False).encode("utf-8")
    base = dict(upstream) if isinstance(upstream, Mapping) else {"object": "chat.completion"}
    choice = dict((base.get("choices") or [{}])[0])
    choice.update(index=0, message={"role": "assistant", "content": text},
                  finish_reason="content_filter" if blocked else choice.get("finish_reason", "stop"))
    base["choices"] = [choice]
    return json.dumps(base, ensure_ascii=False).encode("utf-8")


def _client_error(exc: Exception) -> tuple[int, str, str]:
    """The real endpoint's error as (status, code, message), passed on to the caller."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        err = response.get("Error", {})
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 502)
        return int(status), str(err.get("Code", "ModelError")), str(err.get("Message", ""))[:300]
    return 502, "ModelError", f"the endpoint could not be called: {type(exc).__name__}"


async def invoke(request: Request) -> Response:
    prepared = await _prepare(request)
    if isinstance(prepared, Response):
        return prepared
    route, guard, body, payload, prompt, kwargs, client = prepared
    state: ServerState = request.app.state.railguard
    path = request.url.path
    seen: dict[str, Any] = {}

    def call_endpoint(guarded_prompt: Any) -> str:
        from ..llm.sagemaker import read_answer

        t0 = time.perf_counter()
        try:
            resp = client.invoke_endpoint(Body=_with_prompt(body, payload, guarded_prompt), **kwargs)
            raw = resp["Body"].read()
        except Exception as exc:
            seen["error"] = _client_error(exc)
            raise ModelError(seen["error"][2]) from None
        finally:
            state.metrics.upstream_seconds.labels("sagemaker").observe(time.perf_counter() - t0)
        seen["headers"] = {k: resp[k] for k in ("ContentType", "InvokedProductionVariant", "CustomAttributes")
                           if resp.get(k)}
        try:
            seen["body"] = json.loads(raw)
        except ValueError:
            raise ModelError("the endpoint answered a body that is not JSON") from None
        return read_answer(seen["body"], payload, f"endpoint {kwargs['EndpointName']}")

    async def model(guarded_prompt: Any) -> str:
        return await asyncio.to_thread(call_endpoint, guarded_prompt)

    try:
        result = await asyncio.wait_for(guard.acall(model, prompt), deadline_left(request))
    except GuardBlocked as exc:
        result = exc.result
    except asyncio.TimeoutError:
        return timeout_response(request)
    except ModelError as exc:
        status, code, message = seen.get("error") or (424, "ModelError", str(exc)[:300])
        request.scope["railguard.log"]["error"] = "upstream"
        return _error(path, status, message, code)
    note_result(request, result)
    headers = {"x-Amzn-Invoked-Production-Variant": seen.get("headers", {}).get("InvokedProductionVariant",
                                                                                  "AllTraffic")}
    if seen.get("headers", {}).get("CustomAttributes"):
        headers["X-Amzn-SageMaker-Custom-Attributes"] = seen["headers"]["CustomAttributes"]
    return Response(_answer(payload, seen.get("body"), result.output, result.blocked), 200, headers=headers,
                    media_type="application/json")


def _part(payload: str, text: str, final: bool, blocked: bool) -> bytes:
    from ..testing.eventstream import event

    if payload == "tgi":
        token = {"id": 0, "text": text, "logprob": 0.0, "special": final}
        data = {"token": token, "generated_text": None, "details": None}
        line = b"data:" + json.dumps(data, ensure_ascii=False).encode("utf-8") + b"\n\n"
    else:
        choice = {"index": 0, "delta": {} if final else {"content": text},
                  "finish_reason": ("content_filter" if blocked else "stop") if final else None}
        line = b"data: " + json.dumps({"object": "chat.completion.chunk", "choices": [choice]},
                                      ensure_ascii=False).encode("utf-8") + b"\n\n"
        if final:
            line += b"data: [DONE]\n\n"
    return event("PayloadPart", line, "application/octet-stream")


def _stream_exception(kind: str, message: str) -> bytes:
    from ..testing.eventstream import encode_message

    return encode_message({":exception-type": kind, ":content-type": "application/json",
                           ":message-type": "exception"}, json.dumps({"Message": message}).encode("utf-8"))


async def invoke_stream(request: Request) -> Response:
    prepared = await _prepare(request)
    if isinstance(prepared, Response):
        return prepared
    route, guard, body, payload, prompt, kwargs, client = prepared
    state: ServerState = request.app.state.railguard
    path = request.url.path
    stream_body = dict(body)
    stream_body["stream"] = True

    def open_events(guarded_prompt: Any) -> Any:
        try:
            resp = client.invoke_endpoint_with_response_stream(
                Body=_with_prompt(stream_body, payload, guarded_prompt), **kwargs)
        except Exception as exc:
            raise ModelError(_client_error(exc)[2]) from None
        return iter(resp["Body"])

    async def model(guarded_prompt: Any) -> AsyncIterator[str]:
        from ..llm.sagemaker import StreamLineReader, _Lines

        events = await asyncio.to_thread(open_events, guarded_prompt)
        reader, lines = StreamLineReader(f"endpoint {kwargs['EndpointName']}"), _Lines()
        done = object()
        while True:
            try:
                ev = await asyncio.to_thread(next, events, done)
            except Exception as exc:  # ModelStreamError / InternalStreamFailure from the real endpoint
                raise ModelError(f"the endpoint's stream failed: {_client_error(exc)[2] or type(exc).__name__}") \
                    from None
            chunk = [] if ev is done else lines.feed(ev.get("PayloadPart", {}).get("Bytes", b""))
            if ev is done:
                chunk = lines.close()
            for line in chunk:
                text = reader(line)
                if text:
                    yield text
            if ev is done:
                return

    stream = guard.astream(model, prompt)
    iterator = stream.__aiter__()
    try:
        first = await asyncio.wait_for(iterator.__anext__(), deadline_left(request))
    except (StopAsyncIteration, GuardBlocked):
        first = None
    except asyncio.TimeoutError:
        await stream.aclose()
        return timeout_response(request)
    except ModelError as exc:
        request.scope["railguard.log"]["error"] = "upstream"
        return _error(path, 424, str(exc)[:300], "ModelError")

    async def frames() -> AsyncIterator[bytes]:
        piece = first
        try:
            while piece is not None:
                if piece:
                    yield _part(payload, piece, False, False)
                try:
                    piece = await asyncio.wait_for(iterator.__anext__(), deadline_left(request))
                except (StopAsyncIteration, GuardBlocked):
                    piece = None
        except asyncio.TimeoutError:
            request.scope["railguard.log"]["error"] = "timeout"
            yield _stream_exception("InternalStreamFailure", "the stream did not finish in time")
            await stream.aclose()
            return
        except ModelError as exc:
            request.scope["railguard.log"]["error"] = "upstream"
            yield _stream_exception("ModelStreamError", str(exc)[:300])
            await stream.aclose()
            return
        result = stream.result
        blocked = bool(result is not None and result.blocked)
        if result is not None:
            note_result(request, result)
        yield _part(payload, "", True, blocked)

    return StreamingResponse(frames(), 200, media_type="application/vnd.amazon.eventstream",
                             headers={"X-Amzn-SageMaker-Content-Type": "text/event-stream",
                                      "x-Amzn-Invoked-Production-Variant": "AllTraffic"})
