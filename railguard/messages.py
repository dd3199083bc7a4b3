"""Chat messages: one internal shape for the prompt formats users pass in.

Accepted inputs: a plain string (one user turn), OpenAI-style dicts
(``{"role": "user", "content": "..."}`` or content as a list of
``{"type": "text", "text": ...}`` parts) and Bedrock Converse-style dicts
(``{"role": "user", "content": [{"text": "..."}]}``). A :class:`Conversation`
remembers where every text lives, so masked or fixed text can be written back
in the caller's own shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .errors import RailguardError

__all__ = ["Message", "Conversation", "SEPARATOR"]

# User turns are joined with this separator for one input-stage run.
SEPARATOR = "\n\n"

_ROLES = {"user", "assistant", "system", "tool", "developer"}


@dataclass(frozen=True)
class Message:
    role: str
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class _Loc:
    """Where a text lives in the original structure: message index and content-part index (or None)."""

    message: int
    part: int | None
    key: str


class Conversation:
    """A normalised view of a prompt, able to rebuild the original shape with new texts."""

    def __init__(self, original: Any, messages: tuple[Message, ...], locs: tuple[tuple[_Loc, ...], ...],
                 was_string: bool):
        self.original = original
        self.messages = messages
        self._locs = locs
        self.was_string = was_string

    @classmethod
    def parse(cls, prompt_or_messages: Any) -> "Conversation":
        if isinstance(prompt_or_messages, str):
            return cls(prompt_or_messages, (Message("user", prompt_or_messages),), ((),), True)
        if isinstance(prompt_or_messages, Message):
            prompt_or_messages = [prompt_or_messages]
        if not isinstance(prompt_or_messages, Sequence) or isinstance(prompt_or_messages, (bytes, bytearray)):
            raise RailguardError(
                f"expected a prompt string or a list of messages, got {type(prompt_or_messages).__name__}")
        messages: list[Message] = []
        locs: list[tuple[_Loc, ...]] = []
        for i, raw in enumerate(prompt_or_messages):
            if isinstance(raw, Message):
                messages.append(raw)
                locs.append((_Loc(i, None, "content"),))
                continue
            if not isinstance(raw, Mapping):
                raise RailguardError(f"messages[{i}]: expected a dict with 'role' and 'content', got {type(raw).__name__}")
            role = raw.get("role")
            if not isinstance(role, str) or role not in _ROLES:
                raise RailguardError(f"messages[{i}].role: {role!r} is not one of {sorted(_ROLES)}")
            content = raw.get("content")
            if isinstance(content, str):
                messages.append(Message(role, content))
                locs.append((_Loc(i, None, "content"),))
            elif isinstance(content, Sequence):
                texts: list[str] = []
                part_locs: list[_Loc] = []
                for j, part in enumerate(content):
                    if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                        texts.append(part["text"])
                        part_locs.append(_Loc(i, j, "text"))
                    elif isinstance(part, str):
                        texts.append(part)
                        part_locs.append(_Loc(i, j, ""))
                # Non-text parts (images, tool results) pass through untouched.
                messages.append(Message(role, "\n".join(texts)))
                locs.append(tuple(part_locs))
            else:
                raise RailguardError(f"messages[{i}].content: expected a string or a list of parts, "
                                     f"got {type(content).__name__}")
        return cls(prompt_or_messages, tuple(messages), tuple(locs), False)

    # -- the input stage's view -------------------------------------------------------
    def user_text(self) -> tuple[str, list[tuple[tuple[int, int], int, int]]]:
        """Every text part of every user turn joined by SEPARATOR, and ((message, part), start, end) of each."""
        pieces: list[str] = []
        segments: list[tuple[tuple[int, int], int, int]] = []
        pos = 0
        for i, message in enumerate(self.messages):
            if message.role != "user":
                continue
            for n, text in enumerate(self._part_texts(i)):
                if pieces:
                    pos += len(SEPARATOR)
                segments.append(((i, n), pos, pos + len(text)))
                pieces.append(text)
                pos += len(text)
        return SEPARATOR.join(pieces), segments

    def _part_texts(self, i: int) -> list[str]:
        locs = self._locs[i]
        if self.was_string or (len(locs) == 1 and locs[0].part is None):
            return [self.messages[i].content]
        raw = self.original[i]["content"]
        return [raw[loc.part]["text"] if loc.key else raw[loc.part] for loc in locs]

    def with_texts(self, new_texts: Mapping[tuple[int, int], str]) -> "Conversation":
        """A conversation where text part n of message i is replaced by new_texts[(i, n)].

        Only the messages that change are copied (the caller's structure is never mutated) and
        nothing is parsed again: time linear in the changed messages, however long the list."""
        if self.was_string:
            return Conversation.parse(new_texts.get((0, 0), self.original))
        rebuilt = list(self.original)
        messages = list(self.messages)
        by_message: dict[int, dict[int, str]] = {}
        for (i, n), text in new_texts.items():
            by_message.setdefault(i, {})[n] = text
        for i, parts in by_message.items():
            raw, locs = rebuilt[i], self._locs[i]
            if isinstance(raw, Message):
                rebuilt[i] = messages[i] = Message(raw.role, parts[0])
                continue
            raw = dict(raw)
            if len(locs) == 1 and locs[0].part is None:
                raw["content"] = parts[0]
                messages[i] = Message(messages[i].role, parts[0])
            else:
                content = list(raw["content"])
                for n, text in parts.items():
                    loc = locs[n]
                    content[loc.part] = {**content[loc.part], "text": text} if loc.key else text
                raw["content"] = content
                texts = [content[loc.part]["text"] if loc.key else content[loc.part] for loc in locs]
                messages[i] = Message(messages[i].role, "\n".join(texts))
            rebuilt[i] = raw
        return Conversation(rebuilt, tuple(messages), self._locs, False)

    def appended(self, *extra: Message) -> "Conversation":
        """The conversation with extra turns (used by reask), in the caller's shape."""
        if self.was_string:
            # A string prompt stays a string: the extra turns are written out as text.
            text = self.original
            for m in extra:
                label = "Your previous answer" if m.role == "assistant" else "Correction"
                text += f"{SEPARATOR}{label}:\n{m.content}"
            return Conversation.parse(text)
        original = list(self.original)
        bedrock_style = any(isinstance(m, Mapping) and isinstance(m.get("content"), list) for m in original)
        for m in extra:
            if bedrock_style:
                original.append({"role": m.role, "content": [{"text": m.content}]})
            else:
                original.append({"role": m.role, "content": m.content})
        return Conversation.parse(original)

    def last_user_text(self) -> str:
        for m in reversed(self.messages):
            if m.role == "user":
                return m.content
        return ""
