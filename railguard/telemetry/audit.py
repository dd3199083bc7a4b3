"""The audit log: one JSON record per failed verdict (intervention or monitored), never a value.

A detected value is represented by HMAC-SHA256 under a key read from the environment
(``RAILGUARD_AUDIT_KEY`` by default), over its NFKC, case-folded form: the same leaked
e-mail address gives the same hash in every record, while the log alone cannot recover it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from ..errors import RailguardError
from .facts import CallFacts
from .lines import line_writer

__all__ = ["AuditLog", "AUDIT_VERSION", "DEFAULT_KEY_ENV"]

AUDIT_VERSION = 1
DEFAULT_KEY_ENV = "RAILGUARD_AUDIT_KEY"
MIN_KEY_BYTES = 16


def _keyed(key: bytes) -> Callable[[str], str]:
    def digest(value: str) -> str:
        norm = unicodedata.normalize("NFKC", value).casefold()
        return hmac.new(key, norm.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest


class AuditLog:
    """Audit records to ``target`` (a path, a stream, a ``logging.Logger`` or a callable taking a line).

    The key comes from the environment variable ``key_env``; it must hold at least 16 bytes.
    ``hash_values=False`` writes spans without hashes and needs no key.
    """

    def __init__(self, target: Any, *, key_env: str = DEFAULT_KEY_ENV, hash_values: bool = True,
                 environ: Mapping[str, str] | None = None):
        self.write = line_writer(target)
        self.hasher: Callable[[str], str] | None = None
        if hash_values:
            raw = (os.environ if environ is None else environ).get(key_env, "")
            if len(raw.encode("utf-8")) < MIN_KEY_BYTES:
                shown = "is not set" if not raw else f"holds {len(raw.encode('utf-8'))} bytes"
                raise RailguardError(
                    f"audit log: the environment variable {key_env} {shown}; set it to a secret of at least "
                    f"{MIN_KEY_BYTES} bytes (python -c 'import secrets; print(secrets.token_hex(32))'), "
                    f"or pass hash_values=False")
            self.hasher = _keyed(raw.encode("utf-8"))

    def record(self, f: CallFacts) -> None:
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        call_id = secrets.token_hex(8)
        for s in f.stages:
            for v in s.verdicts:
                spans = []
                for n, (typ, start, end) in enumerate(v.spans):
                    item: dict[str, Any] = {"type": typ, "start": start, "end": end}
                    if v.hashes:
                        item["hmac"] = v.hashes[n]
                    spans.append(item)
                rec = {"v": AUDIT_VERSION, "time": now, "call_id": call_id, "guard": f.guard,
                       "spec_hash": f.spec_hash, "call": f.kind, "stage": v.stage, "validator": v.validator,
                       "validator_name": v.name, "mode": v.mode, "action": v.action,
                       "would_action": v.would_action, "error": v.error, "entity_types": list(v.entity_types),
                       "categories": list(v.categories), "score": v.score, "spans": spans,
                       "reask_round": v.attempt}
                self.write(json.dumps(rec, separators=(",", ":"), ensure_ascii=False))
