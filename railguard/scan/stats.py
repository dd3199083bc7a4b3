"""What a scan found, per shard and in total: counts only, never a text or a detected value."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..results import GuardResult

__all__ = ["ScanStats", "MAX_LISTED_IDS"]

MAX_LISTED_IDS = 1000  # blocked record ids listed in a report; the count is always exact


@dataclass
class ScanStats:
    records: int = 0
    chars: int = 0
    bytes: int = 0
    scanned: int = 0          # records that had a text to check
    without_text: int = 0     # records whose text field was missing or null (passed through)
    unreadable: int = 0       # records that could not be read as the format (handled as blocked)
    changed: int = 0          # records written with a masked or fixed text
    blocked: int = 0
    dropped: int = 0
    flagged: int = 0
    validator_errors: int = 0
    interventions: Counter = field(default_factory=Counter)   # "validator_id:action" -> records
    entity_types: Counter = field(default_factory=Counter)    # span type -> spans
    categories: Counter = field(default_factory=Counter)      # category -> records
    actions: Counter = field(default_factory=Counter)         # action -> records
    blocked_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add_result(self, result: GuardResult, record_id: str) -> None:
        self.scanned += 1
        if result.blocked:
            self.blocked += 1
            if len(self.blocked_ids) < MAX_LISTED_IDS:
                self.blocked_ids.append(record_id)
        for a in result.assessments:
            if a.error is not None:
                self.validator_errors += 1
            if a.passed:
                continue
            self.interventions[f"{a.id}:{a.action}"] += 1
            self.actions[a.action] += 1
            for span in a.spans:
                self.entity_types[span.type] += 1
            for category in a.categories:
                self.categories[category] += 1

    def add_blocked_id(self, record_id: str) -> None:
        self.blocked += 1
        if len(self.blocked_ids) < MAX_LISTED_IDS:
            self.blocked_ids.append(record_id)

    def merge(self, other: "ScanStats") -> None:
        for name in ("records", "chars", "bytes", "scanned", "without_text", "unreadable", "changed", "blocked",
                     "dropped", "flagged", "validator_errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("interventions", "entity_types", "categories", "actions"):
            getattr(self, name).update(getattr(other, name))
        room = MAX_LISTED_IDS - len(self.blocked_ids)
        if room > 0:
            self.blocked_ids.extend(other.blocked_ids[:room])
        self.seconds += other.seconds

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records, "chars": self.chars, "bytes": self.bytes, "scanned": self.scanned,
            "without_text": self.without_text, "unreadable": self.unreadable, "changed": self.changed,
            "blocked": self.blocked, "dropped": self.dropped, "flagged": self.flagged,
            "validator_errors": self.validator_errors,
            "interventions": dict(sorted(self.interventions.items())),
            "entity_types": dict(sorted(self.entity_types.items())),
            "categories": dict(sorted(self.categories.items())),
            "actions": dict(sorted(self.actions.items())),
            "blocked_ids": list(self.blocked_ids),
            "blocked_ids_truncated": self.blocked > len(self.blocked_ids),
            "worker_seconds": round(self.seconds, 4),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ScanStats":
        s = cls()
        for name in ("records", "chars", "bytes", "scanned", "without_text", "unreadable", "changed", "blocked",
                     "dropped", "flagged", "validator_errors"):
            setattr(s, name, int(d.get(name, 0)))
        for name in ("interventions", "entity_types", "categories", "actions"):
            setattr(s, name, Counter(d.get(name, {})))
        s.blocked_ids = list(d.get("blocked_ids", []))
        s.seconds = float(d.get("worker_seconds", 0.0))
        return s
