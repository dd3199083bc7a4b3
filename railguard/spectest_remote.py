"""Offline answers for a spec's remote entries while its test cases run.

A spec test must run in CI, where no AWS account is reachable. Entries that call a remote
service are therefore pointed at local servers on 127.0.0.1 (the :mod:`railguard.testing`
kit: real boto3 clients, real wire protocols), which answer with the case's ``replies``:

- ``bedrock_guardrail``: an ApplyGuardrail response, given as a mapping (as recorded from the
  API), or ``"NONE"`` for no intervention;
- ``llama_guard`` on ``sagemaker`` or ``bedrock``: the generated text (``"safe"``, ``"unsafe\\nS1"``).

An entry a case gives no reply for answers the clean verdict (``NONE``, ``safe``), and the case
notes it: such a case tests the spec's local entries given that the remote service passes the
text. The validator's own parsing, category mapping and actions run unchanged, so a malformed
reply fails the case as a validator error. Entries of other backends (an OpenAI-compatible
server, a callable) are left as the spec says: pass their clients or callables as ``resources``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Mapping

from .spec.model import Spec, TestCase

__all__ = ["Replayer", "remote_entries", "RemoteEntry"]

_CLEAN = {"llama_guard": "safe", "bedrock_guardrail": "NONE"}
_USAGE_KEYS = ("topicPolicyUnits", "contentPolicyUnits", "wordPolicyUnits", "sensitiveInformationPolicyUnits",
               "sensitiveInformationPolicyFreeUnits", "contextualGroundingPolicyUnits")


@dataclass(frozen=True)
class RemoteEntry:
    stage: str
    id: str
    validator: str
    service: str  # "bedrock" | "sagemaker"
    target: tuple[str, ...]  # guardrail id / model id / (endpoint, component)


def remote_entries(spec: Spec) -> list[RemoteEntry]:
    """The entries of ``spec`` that the replayer answers."""
    out: list[RemoteEntry] = []
    for entry in spec.input + spec.output:
        if entry.name == "bedrock_guardrail":
            out.append(RemoteEntry(entry.stage, entry.id, entry.name, "bedrock", (entry.id,)))
        elif entry.name == "llama_guard":
            model = entry.params.get("model") or {}
            if "sagemaker" in model:
                c = model["sagemaker"]
                out.append(RemoteEntry(entry.stage, entry.id, entry.name, "sagemaker",
                                       (c["endpoint"], c.get("inference_component") or "")))
            elif "bedrock" in model:
                out.append(RemoteEntry(entry.stage, entry.id, entry.name, "bedrock",
                                       ("model", model["bedrock"]["model_id"])))
    return out


def _none_response() -> dict[str, Any]:
    return {"usage": {k: 0 for k in _USAGE_KEYS}, "action": "NONE", "outputs": [], "assessments": []}


class Replayer:
    """Context manager: local servers for a spec's remote entries, and the resources pointing at them."""

    def __init__(self, spec: Spec, resources: Mapping[str, Any] | None = None):
        self.spec = spec
        self.user = dict(resources or {})
        # Entries whose clients the caller supplied keep them: nothing to replay.
        self.entries = [e for e in remote_entries(spec) if not self._supplied(e)]
        self.resources: dict[str, Any] = dict(self.user)
        self._case: TestCase | None = None
        self._used: set[str] = set()
        self._lock = threading.Lock()
        self._bedrock: Any = None
        self._sagemaker: Any = None

    def _supplied(self, e: RemoteEntry) -> bool:
        key = "sagemaker_runtime_client" if e.service == "sagemaker" else "bedrock_runtime_client"
        own = self.user.get(e.id)
        return key in self.user or "boto3_session" in self.user or (isinstance(own, Mapping) and key in own)

    def __enter__(self) -> "Replayer":
        if not self.entries:
            return self
        services = {e.service for e in self.entries}
        if "bedrock" in services:
            from .testing.bedrock import BedrockServer

            self._bedrock = BedrockServer().start()
        if "sagemaker" in services:
            from .testing.sagemaker import LocalSageMaker

            self._sagemaker = LocalSageMaker().start()
        endpoints: dict[str, set[str]] = {}
        for e in self.entries:
            if e.service == "bedrock" and e.validator == "bedrock_guardrail":
                self._bedrock.add_guardrail(e.target[0], handler=self._guardrail_handler(e.target[0]))
                client = self._bedrock.client("bedrock-runtime")
            elif e.service == "bedrock":
                self._bedrock.add_model(e.target[1], invoke=self._model_handler(("model", e.target[1])))
                client = self._bedrock.client("bedrock-runtime")
            else:
                endpoints.setdefault(e.target[0], set()).add(e.target[1])
                client = self._sagemaker.client()
            key = "sagemaker_runtime_client" if e.service == "sagemaker" else "bedrock_runtime_client"
            own = dict(self.user.get(e.id) or {}) if isinstance(self.user.get(e.id), Mapping) else {}
            self.resources[e.id] = {**own, key: client}
        for endpoint, components in endpoints.items():
            if components == {""}:
                self._sagemaker.endpoint(endpoint, self._sagemaker_handler((endpoint, "")))
            else:
                self._sagemaker.endpoint(endpoint, components={
                    c: self._sagemaker_handler((endpoint, c)) for c in components if c})
        return self

    def __exit__(self, *exc: Any) -> None:
        for server in (self._bedrock, self._sagemaker):
            if server is not None:
                server.stop()

    # -- per case ------------------------------------------------------------------------------
    def prepare(self, case: TestCase) -> tuple[str, ...]:
        """Make the servers answer for ``case``; notes on the entries answered with the clean verdict."""
        with self._lock:
            self._case = case
            self._used = set()
        notes = []
        for e in self.entries:
            if e.stage == case.stage and e.id not in case.replies:
                notes.append(f"{e.id}: no reply given, the local {e.service} server answers {_CLEAN[e.validator]!r}")
        return tuple(notes)

    def problems(self) -> list[str]:
        """Replies the case gave that no call asked for (a reply for an entry that never ran)."""
        case = self._case
        if case is None:
            return []
        replayed = {e.id for e in self.entries if e.stage == case.stage}
        out = []
        for vid in case.replies:
            if vid not in replayed:
                out.append(f"replies[{vid!r}]: {vid} is not a remote entry this run replays "
                           f"(replayed here: {sorted(replayed)})")
            elif vid not in self._used:
                out.append(f"replies[{vid!r}]: {vid} was never called")
        return out

    def _reply(self, target: tuple[str, ...], validator: str) -> Any:
        with self._lock:
            case = self._case
            if case is None:
                return _CLEAN[validator]
            for e in self.entries:
                if e.stage == case.stage and e.target == target:
                    self._used.add(e.id)
                    if e.id in case.replies:
                        return case.replies[e.id]
            return _CLEAN[validator]

    def _guardrail_handler(self, guardrail_id: str) -> Any:
        def handle(text: str, source: str, request: Mapping[str, Any]) -> Mapping[str, Any]:
            from ._frozen import thaw

            reply = self._reply((guardrail_id,), "bedrock_guardrail")
            if isinstance(reply, str):
                return _none_response() if reply == "NONE" else {"message": reply}
            return thaw(reply)
        return handle

    def _model_handler(self, target: tuple[str, ...]) -> Any:
        def handle(body: Mapping[str, Any]) -> Mapping[str, Any]:
            reply = self._reply(target, "llama_guard")
            return {"generation": reply if isinstance(reply, str) else json.dumps(reply)}
        return handle

    def _sagemaker_handler(self, target: tuple[str, ...]) -> Any:
        def handle(invocation: Any) -> Any:
            reply = self._reply(target, "llama_guard")
            return reply if isinstance(reply, str) else json.dumps(reply)
        return handle
