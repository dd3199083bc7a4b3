"""Which text a validator judges: ``roles:`` and ``history:``, guard-content tags, documents.

- ``roles``: any of ``user``, ``system``, ``assistant``, ``tool``, ``document``. ``document`` is
  retrieved content passed as ``metadata={"documents": [...]}`` (or ``guard.call(...,
  documents=[...])``); ``tool`` is tool results in the conversation.
- ``history``: ``last`` (the latest turn of each role), ``all`` or an integer N (the latest N
  turns of each role).
- Guard-content tags: when a judged text holds Bedrock-style tags
  (``<amazon-bedrock-guardrails-guardContent_SUFFIX>...</amazon-bedrock-guardrails-guardContent_SUFFIX>``),
  only the tagged parts of it are judged, as Bedrock does.

The stage's own text (the user turns of the input stage, the answer of the output stage, possibly
masked by an earlier validator) stands for ``user`` / ``assistant`` with ``history: all``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

__all__ = ["ROLES", "Piece", "pieces", "schema", "check", "history_of", "TAG"]

ROLES = ("user", "system", "assistant", "tool", "document")
TAG = re.compile(r"<amazon-bedrock-guardrails-guardContent_([A-Za-z0-9]{1,32})>(.*?)"
                 r"</amazon-bedrock-guardrails-guardContent_\1>", re.S)
_MAX_DOCUMENTS = 1000


def schema(default_roles: Sequence[str]) -> dict[str, Any]:
    return {
        "roles": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(ROLES)},
                  "description": f"Which content is judged (default {list(default_roles)})."},
        "history": {"anyOf": [{"enum": ["last", "all"]}, {"type": "integer", "minimum": 1, "maximum": 1000},
                              {"type": "string", "pattern": "^[1-9][0-9]{0,2}$|^1000$"}],
                    "description": "last: the latest turn per role; all (default); N (1-1000): the latest N turns "
                                   "per role."},
    }


def history_of(params: Mapping[str, Any]) -> Any:
    """``history`` as pieces() takes it: 'all', 'last' or an int (RAIL attributes arrive as text)."""
    value = params.get("history", "all")
    return int(value) if isinstance(value, str) and value.isdigit() else value


@dataclass(frozen=True)
class Piece:
    """One judged text and where it came from."""

    role: str
    index: int | None  # message index in the conversation, or document index; None: the stage text
    text: str
    tagged: bool = False

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role, "chars": len(self.text)}
        if self.index is not None:
            out["document" if self.role == "document" else "message"] = self.index
        if self.tagged:
            out["tagged"] = True
        return out


def _tagged(piece: Piece) -> list[Piece]:
    if "guardContent_" not in piece.text:
        return [piece]
    parts = [m.group(2) for m in TAG.finditer(piece.text)]
    if not parts:
        return [piece]
    return [Piece(piece.role, piece.index, p, True) for p in parts]


def _latest(items: list[Piece], history: Any) -> list[Piece]:
    if history == "all":
        return items
    n = 1 if history == "last" else int(history)
    return items[-n:]


def documents_of(metadata: Mapping[str, Any]) -> list[str]:
    docs = metadata.get("documents") if metadata else None
    if docs is None:
        return []
    if isinstance(docs, str) or not isinstance(docs, Sequence):
        raise ValueError(f"metadata 'documents' must be a list of strings, got {type(docs).__name__}")
    if len(docs) > _MAX_DOCUMENTS:
        raise ValueError(f"{len(docs)} documents; at most {_MAX_DOCUMENTS} are judged per call")
    for i, d in enumerate(docs):
        if not isinstance(d, str):
            raise ValueError(f"documents[{i}] must be a string, got {type(d).__name__}")
    return list(docs)


def pieces(text: str, stage: str, messages: Iterable[Any], metadata: Mapping[str, Any], roles: Sequence[str],
           history: Any) -> list[Piece]:
    """The texts to judge, in conversation order, documents last."""
    msgs = list(messages)
    own_role = "user" if stage == "input" else "assistant"
    by_role: dict[str, list[Piece]] = {r: [] for r in ROLES}
    for i, m in enumerate(msgs):
        role = "system" if m.role == "developer" else m.role
        if role in by_role:
            by_role[role].append(Piece(role, i, m.content))
    out: list[Piece] = []
    for role in ROLES:
        if role not in roles or role == "document":
            continue
        if role == own_role and history == "all":
            out.append(Piece(role, None, text))  # what earlier validators of this stage passed on
            continue
        if role == own_role and stage == "output":
            out.append(Piece(role, None, text))  # the answer being checked is the latest assistant turn
            continue
        out.extend(_latest(by_role[role], history))
    if "document" in roles:
        docs = [Piece("document", i, d) for i, d in enumerate(documents_of(metadata))]
        out.extend(docs)
    result: list[Piece] = []
    for p in out:
        result.extend(_tagged(p))
    return [p for p in result if p.text.strip()]


def check(params: Mapping[str, Any], stage_roles: Mapping[str, Sequence[str]] | None = None) -> Iterable[str]:
    """Problems with a roles/history choice beyond the schema (messages without a path)."""
    roles = params.get("roles")
    if isinstance(roles, list) and roles == []:
        yield "roles must name at least one of " + ", ".join(ROLES)
