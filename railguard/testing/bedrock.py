"""A local Amazon Bedrock for offline tests: bedrock-runtime's ApplyGuardrail, Converse,
ConverseStream and InvokeModel, plus the bedrock control-plane guardrail calls.

It speaks the REST-JSON wire protocol (and AWS event streams for ConverseStream), so real
boto3 clients work against it with ``endpoint_url=server.endpoint_url`` and dummy credentials::

    with BedrockServer() as server:
        server.add_guardrail("ab12cd34ef56", version="1", spec=SPEC_YAML)   # answers computed by railguard
        server.add_model("amazon.nova-lite-v1:0", reply="Hello!")
        runtime = server.client("bedrock-runtime")
        runtime.apply_guardrail(guardrailIdentifier="ab12cd34ef56", guardrailVersion="1",
                                source="INPUT", content=[{"text": {"text": "my SSN is 123-45-6789"}}])

Guardrails answer from a railguard spec (``spec=``: realistic masks and blocks, the spec's
blocked messages, per-policy text-unit usage), from a list of scripted responses
(``responses=``, returned in order, the last one repeating), or from a function
(``handler=(text, source, request) -> response``). Guardrails created through the control plane
(``CreateGuardrail``) answer ApplyGuardrail from their own definition, imported as a spec.

Fault injection comes from :class:`~railguard.testing.server.LocalAWSServer` (``throttle(n)``,
``fail(n)``, ``slow(n, s)``), plus :meth:`BedrockServer.quota` (a text-units-per-second quota
enforced with ThrottlingException, as Bedrock does), :meth:`BedrockServer.deny` (access denied),
:meth:`BedrockServer.malformed` (raw 200 bodies: a proxy's HTML page, an empty body, ``{}``, a
body cut off after a few bytes while Content-Length announces all of it) and per-model stream errors.
``server.applied`` records every ApplyGuardrail call (time, source, characters, text units, whether
it was throttled).

Behaviour of the local server where Bedrock's is not specified in its API model: a Converse call
with ``guardrailConfig`` checks ``guardContent`` blocks if there are any, else the text of every
message; masked input reaches the model masked; a blocked input returns the guardrail's blocked
message with stopReason ``guardrail_intervened`` without calling the model.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

from ..aws.bedrock_verdict import INTERVENED, text_units
from . import eventstream
from .server import Fault, LocalAWSServer, Request, Response, aws_error

__all__ = ["BedrockServer", "AppliedCall", "CutResponse", "check_shape", "ACCOUNT"]

ACCOUNT = "123456789012"
# Identifiers may be ARNs, whose "/" arrives percent-encoded and is decoded before routing.
_APPLY = r"^/guardrail/(?P<id>.+)/version/(?P<version>[^/]+)/apply$"
_MODEL = r"^/model/(?P<model>.+)/(?P<op>converse|converse-stream|invoke)$"

GuardrailHandler = Callable[[str, str, Mapping[str, Any]], Mapping[str, Any]]


def check_shape(value: Any, operation: str, *, service: str = "bedrock-runtime", output: bool = True) -> list[str]:
    """Where ``value`` breaks botocore's shape for ``operation`` (its output shape by default)."""
    from ..aws.bedrock_export import service_shape, shape_problems

    return shape_problems(value, service_shape(operation, output=output, service=service))


@dataclass
class CutResponse(Response):
    """A response whose body stops after ``sent`` bytes and whose connection then closes, while its
    Content-Length announces the whole body: a connection dropped mid-answer."""

    sent: int = 20


@dataclass
class AppliedCall:
    time: float
    guardrail: str
    version: str
    source: str
    chars: int
    units: int
    throttled: bool = False


@dataclass
class _Guardrail:
    id: str
    version: str | None
    spec: Any = None
    responses: list[Mapping[str, Any]] | None = None
    handler: GuardrailHandler | None = None
    request: dict[str, Any] | None = None  # created through the control plane
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending_status: list[str] = field(default_factory=list)
    created: str = ""
    updated: str = ""
    resources: Mapping[str, Any] = field(default_factory=dict)
    _guard: Any = None
    _served: int = 0


@dataclass
class _Model:
    id: str
    replies: list[str] | None = None
    handler: Callable[[Mapping[str, Any]], str] | None = None
    invoke: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
    piece_chars: int = 8
    stream_error: tuple[int, str, str] | None = None
    calls: int = 0


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Bucket:
    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.at = time.monotonic()

    def take(self, units: int) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        # A request larger than the bucket goes through on a full bucket, as the client limiter allows.
        if self.tokens >= min(units, self.burst) - 1e-9:
            self.tokens -= units
            return True
        return False


class BedrockServer(LocalAWSServer):
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, region: str = "us-east-1"):
        super().__init__(host, port)
        self.region = region
        self._guardrails: dict[str, _Guardrail] = {}
        self._models: dict[str, _Model] = {}
        self._denied: set[str] = set()
        self._bucket: _Bucket | None = None
        self._glock = threading.Lock()
        self._next_id = 0
        self.applied: list[AppliedCall] = []
        self.max_apply_chars: int | None = None
        # Statuses GetGuardrail reports for a newly created or updated guardrail before READY.
        self.pending_statuses: list[str] = []
        self.route("POST", _APPLY, self._apply)
        self.route("POST", _MODEL, self._model_call)
        self.route("POST", r"^/guardrails$", self._create)
        self.route("GET", r"^/guardrails/(?P<id>.+)$", self._get)
        self.route("PUT", r"^/guardrails/(?P<id>.+)$", self._update)
        self.route("POST", r"^/guardrails/(?P<id>.+)$", self._create_version)

    def start(self) -> "BedrockServer":
        # As the base class, with a short poll interval so that stop() returns at once.
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                            name="railguard-bedrock-server", daemon=True)
            self._thread.start()
        return self

    # -- configuration ------------------------------------------------------------------------
    def add_guardrail(self, guardrail_id: str, *, version: str | None = None, spec: Any = None,
                      responses: Sequence[Mapping[str, Any]] | None = None, handler: GuardrailHandler | None = None,
                      resources: Mapping[str, Any] | None = None) -> None:
        """A guardrail answering ApplyGuardrail. ``version`` None answers every version.

        ``spec`` is spec text (YAML or RAIL), a path, or a ready :class:`railguard.Guard`.
        """
        if sum(x is not None for x in (spec, responses, handler)) != 1:
            raise ValueError("give exactly one of spec=, responses= or handler=")
        g = _Guardrail(guardrail_id, version, spec=spec, responses=list(responses) if responses is not None else None,
                       handler=handler, resources=dict(resources or {}))
        with self._glock:
            self._guardrails[guardrail_id] = g

    def add_model(self, model_id: str, *, reply: str | None = None, replies: Sequence[str] | None = None,
                  handler: Callable[[Mapping[str, Any]], str] | None = None,
                  invoke: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None, piece_chars: int = 8,
                  stream_error: tuple[int, str, str] | None = None) -> None:
        """A model for Converse/ConverseStream (``reply``, ``replies`` in order, or ``handler(request)``)
        and/or InvokeModel (``invoke(body) -> body``). ``stream_error=(after_deltas, type, message)``
        ends a ConverseStream with that exception event after so many text deltas."""
        if reply is not None:
            replies = [reply]
        self._models[model_id] = _Model(model_id, list(replies) if replies is not None else None, handler, invoke,
                                        piece_chars, stream_error)

    def quota(self, text_units_per_second: float, burst: float | None = None) -> None:
        """Enforce an ApplyGuardrail quota: calls over it get ThrottlingException (HTTP 429)."""
        self._bucket = _Bucket(float(text_units_per_second), float(burst if burst is not None
                                                                   else max(text_units_per_second, 1)))

    def malformed(self, count: int, body: bytes | str, *, status: int = 200, content_type: str = "application/json",
                  cut_after: int | None = None, path: str | None = r"/apply$") -> None:
        """Answer the next ``count`` matching calls (ApplyGuardrail by default) with ``body`` as it is.
        ``cut_after`` sends only that many bytes of it, then drops the connection (full Content-Length)."""
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        headers = {"Content-Type": content_type}
        response = (CutResponse(status, raw, headers, sent=cut_after) if cut_after is not None
                    else Response(status, raw, headers))
        self.inject(Fault(count, response, path=path))

    def _send(self, h: Any, resp: Response) -> None:
        if not isinstance(resp, CutResponse):
            super()._send(h, resp)
            return
        assert isinstance(resp.body, (bytes, bytearray))
        h.send_response(resp.status)
        for k, v in resp.headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(resp.body)))
        h.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        h.end_headers()
        h.wfile.write(resp.body[:resp.sent])
        h.wfile.flush()
        h.close_connection = True
        import socket

        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def deny(self, guardrail_id: str) -> None:
        """Answer AccessDeniedException for this guardrail."""
        self._denied.add(guardrail_id)

    def definition(self, guardrail_id: str, version: str = "DRAFT") -> dict[str, Any]:
        """The CreateGuardrail request a guardrail was created or updated with (per version)."""
        return self._guardrails[guardrail_id].versions[version]

    @property
    def throttled(self) -> int:
        return sum(1 for c in self.applied if c.throttled)

    # -- ApplyGuardrail -----------------------------------------------------------------------
    def _find(self, identifier: str, version: str) -> _Guardrail | Response:
        gid = identifier.rsplit("/", 1)[-1] if identifier.startswith("arn:") else identifier
        if gid in self._denied:
            return aws_error("AccessDeniedException", f"User is not authorized to perform bedrock:ApplyGuardrail "
                             f"on guardrail {gid}", 403)
        g = self._guardrails.get(gid)
        if g is None or (g.version is not None and g.version != version and version not in g.versions):
            return aws_error("ResourceNotFoundException", f"guardrail {gid} version {version} does not exist", 404)
        return g

    def _guard(self, g: _Guardrail) -> Any:
        if g._guard is None:
            from ..guard import Guard

            if g.request is not None:
                from ..aws.bedrock_import import request_to_spec, to_yaml
                from ..plugins import Registry

                registry = Registry.load()
                spec_text = to_yaml(request_to_spec(g.request, registry=registry).spec)
                g._guard = Guard.from_text(spec_text, registry=registry)
            elif isinstance(g.spec, Guard):
                g._guard = g.spec
            elif isinstance(g.spec, os.PathLike) or (isinstance(g.spec, str) and "\n" not in g.spec.strip()):
                g._guard = Guard.from_file(g.spec, resources=g.resources)
            else:
                g._guard = Guard.from_text(g.spec, resources=g.resources)
        return g._guard

    def evaluate(self, g: _Guardrail, text: str, source: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """The ApplyGuardrail response of guardrail ``g`` for ``text``."""
        if g.handler is not None:
            return dict(g.handler(text, source, request))
        if g.responses is not None:
            with self._glock:
                n = g._served
                g._served += 1
            return dict(g.responses[min(n, len(g.responses) - 1)])
        from ..aws.bedrock_shape import result_to_bedrock
        from ..errors import GuardBlocked

        try:
            result = self._guard(g).validate(text, source=source.lower())
        except GuardBlocked as exc:
            result = exc.result
        response = result_to_bedrock(result)
        units = text_units(len(text))
        usage = {k: 0 for k in response["usage"]}
        for a in result.assessments:
            key = {"pii": "sensitiveInformationPolicyUnits", "regex": "sensitiveInformationPolicyFreeUnits",
                   "words": "wordPolicyUnits", "denied_topics": "topicPolicyUnits",
                   "llama_guard": "contentPolicyUnits"}.get(a.validator)
            if key:
                usage[key] = units
        response["usage"] = usage
        for entry in response["assessments"]:
            entry["invocationMetrics"]["usage"] = dict(usage)
        if request.get("outputScope", "INTERVENTIONS") == "INTERVENTIONS":
            _interventions_only(response)
        return response

    def _apply(self, req: Request) -> Response:
        found = self._find(req.params["id"], req.params["version"])
        if isinstance(found, Response):
            return found
        body = req.json()
        source = body.get("source")
        if source not in ("INPUT", "OUTPUT"):
            return aws_error("ValidationException", f"source {source!r} is not INPUT or OUTPUT", 400)
        try:
            text = "\n".join(block["text"]["text"] for block in body.get("content") or [] if "text" in block)
        except (KeyError, TypeError):
            return aws_error("ValidationException", "content blocks must be {'text': {'text': ...}}", 400)
        units = text_units(len(text))
        call = AppliedCall(time.monotonic(), found.id, req.params["version"], source, len(text), units)
        with self._glock:
            self.applied.append(call)
            if self._bucket is not None and not self._bucket.take(units):
                call.throttled = True
        if call.throttled:
            return aws_error("ThrottlingException", "Your request rate is too high (text units per second)", 429)
        if self.max_apply_chars is not None and len(text) > self.max_apply_chars:
            return aws_error("ValidationException", f"content is {len(text)} characters; this server accepts at "
                             f"most {self.max_apply_chars}", 400)
        return Response.json(self.evaluate(found, text, source, body))

    # -- models -------------------------------------------------------------------------------
    def _model_call(self, req: Request) -> Response:
        model = self._models.get(req.params["model"])
        if model is None:
            return aws_error("ResourceNotFoundException", f"model {req.params['model']} not found", 404)
        op = req.params["op"]
        if op == "invoke":
            return self._invoke(model, req)
        try:
            body = req.json()
        except ValueError:
            return aws_error("ValidationException", "the request body is not JSON", 400)
        return self._converse(model, body, stream=op == "converse-stream")

    def _answer(self, model: _Model, request: Mapping[str, Any]) -> str:
        with self._glock:
            n = model.calls
            model.calls += 1
        if model.handler is not None:
            return model.handler(request)
        if model.replies:
            return model.replies[min(n, len(model.replies) - 1)]
        raise ValueError(f"model {model.id} has no Converse reply configured")

    def _converse(self, model: _Model, body: Mapping[str, Any], stream: bool) -> Response:
        messages = body.get("messages") or []
        if not messages or messages[0].get("role") != "user":
            return aws_error("ValidationException", "A conversation must start with a user message.", 400)
        for a, b in zip(messages, messages[1:]):
            if a.get("role") == b.get("role"):
                return aws_error("ValidationException", "A conversation must alternate between user and "
                                 "assistant roles.", 400)
        config = body.get("guardrailConfig")
        trace: dict[str, Any] = {}
        stop = "end_turn"
        request = dict(body)
        if config:
            found = self._find(config.get("guardrailIdentifier", ""), config.get("guardrailVersion", ""))
            if isinstance(found, Response):
                return found
            guarded = [b["guardContent"]["text"]["text"] for m in messages for b in m.get("content", [])
                       if "guardContent" in b]
            text = "\n".join(guarded) if guarded else "\n".join(
                b["text"] for m in messages for b in m.get("content", []) if "text" in b)
            verdict = self.evaluate(found, text, "INPUT", {"outputScope": "FULL"})
            trace["inputAssessment"] = {found.id: _assessment(verdict)}
            if verdict["action"] == INTERVENED and _blocked(verdict):
                trace["actionReason"] = verdict.get("actionReason", "")
                return self._reply(model, verdict["outputs"][0]["text"], "guardrail_intervened",
                                   _trace(config, trace), body, stream)
            if verdict["action"] == INTERVENED and not guarded:
                request["messages"] = self._masked(found, messages)
            answer = self._answer(model, request)
            out = self.evaluate(found, answer, "OUTPUT", {"outputScope": "FULL"})
            trace["outputAssessments"] = {found.id: [_assessment(out)]}
            if out["action"] == INTERVENED:
                trace["modelOutput"] = [answer]
                trace["actionReason"] = out.get("actionReason", "")
                answer, stop = out["outputs"][0]["text"], "guardrail_intervened"
            return self._reply(model, answer, stop, _trace(config, trace), body, stream)
        return self._reply(model, self._answer(model, request), stop, None, body, stream)

    def _masked(self, g: _Guardrail, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The messages with each text block as the guardrail masks it on its own."""
        out = []
        for m in messages:
            content = []
            for b in m.get("content", []):
                if "text" in b:
                    v = self.evaluate(g, b["text"], "INPUT", {"outputScope": "FULL"})
                    b = {"text": v["outputs"][0]["text"]} if v["action"] == INTERVENED else b
                content.append(b)
            out.append({**m, "content": content})
        return out

    def _reply(self, model: _Model, text: str, stop: str, trace: Mapping[str, Any] | None,
               request: Mapping[str, Any], stream: bool) -> Response:
        prompt_tokens = sum(len(b.get("text", "").split()) for m in request.get("messages", [])
                            for b in m.get("content", []))
        usage = {"inputTokens": prompt_tokens, "outputTokens": len(text.split()),
                 "totalTokens": prompt_tokens + len(text.split())}
        if not stream:
            out: dict[str, Any] = {"output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                                   "stopReason": stop, "usage": usage, "metrics": {"latencyMs": 1}}
            if trace is not None:
                out["trace"] = trace
            return Response.json(out)
        return Response(200, self._events(model, text, stop, usage, trace),
                        {"Content-Type": "application/vnd.amazon.eventstream"})

    def _events(self, model: _Model, text: str, stop: str, usage: Mapping[str, Any],
                trace: Mapping[str, Any] | None) -> Iterator[bytes]:
        yield eventstream.event("messageStart", {"role": "assistant"})
        size = max(1, model.piece_chars)
        for n, i in enumerate(range(0, len(text), size)):
            if model.stream_error is not None and n == model.stream_error[0]:
                yield eventstream.exception(model.stream_error[1], model.stream_error[2])
                return
            yield eventstream.event("contentBlockDelta", {"delta": {"text": text[i:i + size]}, "contentBlockIndex": 0})
        if model.stream_error is not None and model.stream_error[0] * size >= len(text):
            yield eventstream.exception(model.stream_error[1], model.stream_error[2])
            return
        yield eventstream.event("contentBlockStop", {"contentBlockIndex": 0})
        yield eventstream.event("messageStop", {"stopReason": stop})
        meta: dict[str, Any] = {"usage": dict(usage), "metrics": {"latencyMs": 1}}
        if trace is not None:
            meta["trace"] = trace
        yield eventstream.event("metadata", meta)

    def _invoke(self, model: _Model, req: Request) -> Response:
        if model.invoke is None:
            return aws_error("ValidationException", f"model {model.id} has no InvokeModel handler", 400)
        if req.header("X-Amzn-Bedrock-GuardrailIdentifier"):
            return aws_error("ValidationException", "this local server does not apply guardrails to InvokeModel; "
                             "use ApplyGuardrail or Converse", 400)
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return aws_error("ValidationException", "the request body is not JSON", 400)
        with self._glock:
            model.calls += 1
        return Response.json(dict(model.invoke(body)))

    # -- control plane ------------------------------------------------------------------------
    def _create(self, req: Request) -> Response:
        body = req.json()
        body.pop("clientRequestToken", None)  # botocore fills it in; it is not part of the definition
        from ..aws.bedrock_export import check_request

        problems = check_request(body)
        if problems:
            return aws_error("ValidationException", "; ".join(problems), 400)
        with self._glock:
            if any(g.request is not None and g.request.get("name") == body["name"] for g in self._guardrails.values()):
                return aws_error("ConflictException", f"a guardrail named {body['name']} already exists", 409)
            self._next_id += 1
            gid = f"{self._next_id:012x}"
            stamp = _now()
            g = _Guardrail(gid, None, request=body, versions={"DRAFT": body}, created=stamp, updated=stamp,
                           pending_status=list(self.pending_statuses))
            self._guardrails[gid] = g
        return Response.json({"guardrailId": gid, "guardrailArn": self._arn(gid), "version": "DRAFT",
                              "createdAt": stamp}, status=202)

    def _arn(self, gid: str) -> str:
        return f"arn:aws:bedrock:{self.region}:{ACCOUNT}:guardrail/{gid}"

    def _owned(self, identifier: str) -> _Guardrail | Response:
        gid = identifier.rsplit("/", 1)[-1] if identifier.startswith("arn:") else identifier
        g = self._guardrails.get(gid)
        if g is None or g.request is None:
            return aws_error("ResourceNotFoundException", f"guardrail {gid} does not exist", 404)
        return g

    def _get(self, req: Request) -> Response:
        from urllib.parse import parse_qs

        from ..aws.bedrock_export import config_to_policy

        g = self._owned(req.params["id"])
        if isinstance(g, Response):
            return g
        version = (parse_qs(req.query).get("guardrailVersion") or ["DRAFT"])[0]
        if version not in g.versions:
            return aws_error("ResourceNotFoundException", f"guardrail {g.id} version {version} does not exist", 404)
        definition = g.versions[version]
        status = g.pending_status.pop(0) if g.pending_status else "READY"
        out = {k: v for k, v in definition.items() if k not in _REQUEST_ONLY}
        out.update(config_to_policy(definition))
        out.update(guardrailId=g.id, guardrailArn=self._arn(g.id), version=version, status=status,
                   createdAt=g.created, updatedAt=g.updated)
        if status == "FAILED":
            out["statusReasons"] = ["the local server was told to report FAILED"]
        return Response.json(out)

    def _update(self, req: Request) -> Response:
        from ..aws.bedrock_export import check_request

        g = self._owned(req.params["id"])
        if isinstance(g, Response):
            return g
        body = req.json()
        body.pop("clientRequestToken", None)
        problems = check_request(body)
        if problems:
            return aws_error("ValidationException", "; ".join(problems), 400)
        with self._glock:
            g.request = body
            g.versions["DRAFT"] = body
            g.updated = _now()
            g._guard = None
            g.pending_status = list(self.pending_statuses)
        return Response.json({"guardrailId": g.id, "guardrailArn": self._arn(g.id), "version": "DRAFT",
                              "updatedAt": g.updated}, status=202)

    def _create_version(self, req: Request) -> Response:
        g = self._owned(req.params["id"])
        if isinstance(g, Response):
            return g
        with self._glock:
            number = str(sum(1 for v in g.versions if v != "DRAFT") + 1)
            g.versions[number] = dict(g.versions["DRAFT"])
        return Response.json({"guardrailId": g.id, "version": number}, status=202)


_REQUEST_ONLY = ("topicPolicyConfig", "contentPolicyConfig", "wordPolicyConfig", "sensitiveInformationPolicyConfig",
                 "contextualGroundingPolicyConfig", "automatedReasoningPolicyConfig", "crossRegionConfig", "kmsKeyId",
                 "tags", "clientRequestToken")


def _entries(response: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for a in response.get("assessments") or []:
        for policy in a.values():
            if isinstance(policy, Mapping):
                for entries in policy.values():
                    if isinstance(entries, list):
                        yield from (e for e in entries if isinstance(e, Mapping))


def _blocked(response: Mapping[str, Any]) -> bool:
    """Whether an intervening verdict blocks (rather than only anonymizes)."""
    actions = {e.get("action") for e in _entries(response)}
    return "BLOCKED" in actions or "ANONYMIZED" not in actions


def _assessment(response: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for a in response.get("assessments") or []:
        for k, v in a.items():
            merged.setdefault(k, v)
    return merged


def _trace(config: Mapping[str, Any], trace: Mapping[str, Any]) -> dict[str, Any] | None:
    if config.get("trace", "disabled") == "disabled":
        return None
    return {"guardrail": dict(trace)}


def _interventions_only(response: dict[str, Any]) -> None:
    """Drop what did not intervene, as outputScope INTERVENTIONS does."""
    for a in response["assessments"]:
        for policy, lists in (("sensitiveInformationPolicy", ("piiEntities", "regexes")),
                              ("wordPolicy", ("customWords", "managedWordLists")),
                              ("topicPolicy", ("topics",)), ("contentPolicy", ("filters",))):
            if policy not in a:
                continue
            for key in lists:
                a[policy][key] = [e for e in a[policy].get(key, []) if e.get("action") != "NONE"]
            if not any(a[policy].get(k) for k in lists):
                del a[policy]
