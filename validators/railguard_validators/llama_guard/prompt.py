"""Rendering the exact prompt a Llama Guard model expects.

Two renderers, byte for byte:

- ``chat_template`` (default): what the model's own Hugging Face chat template produces, the
  format each model was published with (for Llama Guard 1 the ``[INST]`` prompt of the JumpStart
  blog). Turn texts are stripped of surrounding whitespace, as the templates do.
- ``cookbook``: what Meta's llama-cookbook ``build_custom_prompt`` produces (texts unstripped,
  other spacing), for deployments that were tuned or tested with it.

Two deliberate differences from the reference code: a selection of categories keeps the
categories' original codes (the cookbook renumbers a subset from 1, so the model's ``S2`` would no
longer mean what the policy says), and string message content is rendered as the text it is (the
Llama Guard 3 1B/11B templates expect content parts and silently render a string as an empty
conversation). Conversations are rendered in order; system, developer and tool turns are left out
(Llama Guard knows only ``User`` and ``Agent``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from .categories import Category, MODEL_NAMES, VARIANTS, category_text

__all__ = ["Turn", "RENDERERS", "ROLES", "turns_from", "render"]

RENDERERS = ("chat_template", "cookbook")
ROLES = ("User", "Agent")

_TASK = ("Task: Check if there is unsafe content in '{role}' messages in conversations according our safety "
         "policy with the below categories.\n\n<BEGIN UNSAFE CONTENT CATEGORIES>\n{categories}\n"
         "<END UNSAFE CONTENT CATEGORIES>\n\n<BEGIN CONVERSATION>\n\n{conversation}\n\n<END CONVERSATION>\n\n")
_ASSESS_V1 = ("Provide your safety assessment for {role} in the above conversation:\n"
              "- First line must read 'safe' or 'unsafe'.\n"
              "- If unsafe, a second line must include a comma-separated list of violated categories.")
_ASSESS = ("Provide your safety assessment for ONLY THE LAST {role} message in the above conversation:\n"
           " - First line must read 'safe' or 'unsafe'.\n"
           " - If unsafe, a second line must include a comma-separated list of violated categories.")
_HEADER = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>"
_ANSWER = "<|eot_id|><|start_header_id|>assistant<|end_header_id|>"


@dataclass(frozen=True)
class Turn:
    """One turn for Llama Guard: ``User`` or ``Agent``, its text parts and how many images it had."""

    role: str
    texts: tuple[str, ...]
    images: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


def _parts(content: Any, where: str) -> tuple[tuple[str, ...], int]:
    if isinstance(content, str):
        return (content,), 0
    if not isinstance(content, Sequence) or isinstance(content, (bytes, bytearray)):
        raise ValueError(f"{where}.content: expected a string or a list of parts, got {type(content).__name__}")
    texts: list[str] = []
    images = 0
    for j, part in enumerate(content):
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, Mapping) and isinstance(part.get("text"), str) and part.get("type", "text") == "text":
            texts.append(part["text"])
        elif isinstance(part, Mapping) and (part.get("type") == "image" or "image" in part):
            images += 1
        else:
            raise ValueError(f"{where}.content[{j}]: expected a text part or an image part")
    return tuple(texts), images


def turns_from(conversation: Iterable[Any], *, strict: bool = False) -> tuple[Turn, ...]:
    """Turns from railguard Messages or ``{"role", "content"}`` dicts (content: text or parts).

    ``user`` becomes ``User`` and ``assistant`` ``Agent``; other roles are left out, or refused
    when ``strict`` (a conversation file given to the CLI).
    """
    out: list[Turn] = []
    for i, message in enumerate(conversation):
        role = getattr(message, "role", None)
        content = getattr(message, "content", None)
        if isinstance(message, Mapping):
            role, content = message.get("role"), message.get("content")
        where = f"conversation[{i}]"
        if role not in ("user", "assistant"):
            if strict or not isinstance(role, str):
                raise ValueError(f"{where}.role: {role!r} is not 'user' or 'assistant'")
            continue
        texts, images = _parts(content, where)
        out.append(Turn("User" if role == "user" else "Agent", texts, images))
    return tuple(out)


def _conversation(turns: Sequence[Turn], per_part: bool, strip: bool) -> str:
    lines: list[str] = []
    for turn in turns:
        texts = turn.texts if per_part else (turn.text,)
        for text in texts:
            lines.append(f"{turn.role}: {text.strip() if strip else text}")
    return "\n\n".join(lines)


def render(turns: Sequence[Turn], *, role: str, categories: Sequence[Category], version: int, variant: str,
           renderer: str = "chat_template", descriptions: bool | None = None) -> str:
    """The exact prompt for ``turns``, assessing the last ``role`` turn against ``categories``.

    ``descriptions`` lists each category's policy text under its name; by default Meta's categories
    are described only where the reference format does (the Llama Guard 1 chat template) and custom
    categories always are.
    """
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {list(ROLES)}")
    if renderer not in RENDERERS:
        raise ValueError(f"renderer {renderer!r} is not one of {list(RENDERERS)}")
    if version not in VARIANTS or variant not in VARIANTS[version]:
        raise ValueError(f"Llama Guard {version} has no variant {variant!r}; "
                         f"variants: {list(VARIANTS.get(version, ()))}")
    if not turns:
        raise ValueError("the conversation has no user or assistant turn to assess")
    if not categories:
        raise ValueError("at least one category is needed")
    images = sum(t.images for t in turns)
    if images and (version, variant) != (3, "11b-vision"):
        raise ValueError(f"{MODEL_NAMES[(version, variant)]} reads text only; the conversation has "
                         f"{images} image part(s) (Llama-Guard-3-11B-Vision takes images)")
    chat = renderer == "chat_template"
    default_describe = chat and version == 1
    lines = [category_text(c, version, renderer,
                           descriptions if descriptions is not None else (c.custom or default_describe))
             for c in categories]
    # The Llama Guard 3 1B/11B templates write one line per text part; the others one per message.
    per_part = chat and version == 3 and variant != "8b"
    body = _TASK.format(role=role, categories="\n".join(lines),
                        conversation=_conversation(turns, per_part, strip=chat))
    body += (_ASSESS_V1 if version == 1 else _ASSESS).format(role=role)
    if version in (1, 2):
        return f"[INST] {body} [/INST]"
    if not chat:
        return f"{_HEADER} {body} {_ANSWER}"
    if variant == "8b":  # the 8B template opens with a space and closes without one
        return f" {_HEADER}\n\n{body}{_ANSWER}"
    return f"{_HEADER}\n\n" + ("<|image|> " if images else "") + f"{body} {_ANSWER}"
