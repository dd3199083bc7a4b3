"""Prompt formats for raw-text models: a conversation turned into the one string such a model reads.

Containers that take ``{"inputs": "<text>"}`` (TGI, LMI, most JumpStart text models) apply no
chat template: the caller must. Three formats are built in:

- ``llama3``: Llama 3 chat headers, ``<|begin_of_text|><|start_header_id|>user<|end_header_id|>``
  then two newlines, the text and ``<|eot_id|>`` per turn, ending with an open assistant header.
- ``llama2``: Llama 2 ``<s>[INST] ... [/INST]`` turns, the system prompt inside ``<<SYS>>`` in the
  first user turn.
- ``none``: the texts themselves, joined by a blank line (a model that wants a bare prompt).

Turn texts are stripped of surrounding whitespace, as Meta's reference formatters do. Any
callable ``fn(messages) -> str`` can stand in for a named format.
"""

from __future__ import annotations

from typing import Callable, Sequence, Union

from ..messages import Message

__all__ = ["PromptFormat", "FORMATS", "llama3", "llama2", "plain", "get_format"]

PromptFormat = Callable[[Sequence[Message]], str]


def llama3(messages: Sequence[Message]) -> str:
    """Llama 3 / 3.1 / 3.2 / 3.3 instruct format, ready for the assistant's answer."""
    roles = {"developer": "system", "tool": "ipython"}
    out = ["<|begin_of_text|>"]
    for m in messages:
        role = roles.get(m.role, m.role)
        out.append(f"<|start_header_id|>{role}<|end_header_id|>\n\n{m.content.strip()}<|eot_id|>")
    out.append("<|start_header_id|>assistant<|end_header_id|>\n\n")
    return "".join(out)


def llama2(messages: Sequence[Message]) -> str:
    """Llama 2 chat format: ``<s>[INST] user [/INST] answer </s>`` per exchange, system in ``<<SYS>>``.

    System (and developer) texts go to the first user turn; tool results count as user turns;
    consecutive turns of one side are joined by a blank line, since the format alternates.
    """
    system = "\n\n".join(m.content.strip() for m in messages if m.role in ("system", "developer"))
    turns: list[list[str]] = []  # [side, text] with side "user" or "assistant", alternating
    for m in messages:
        if m.role in ("system", "developer"):
            continue
        side = "assistant" if m.role == "assistant" else "user"
        if turns and turns[-1][0] == side:
            turns[-1][1] += "\n\n" + m.content.strip()
        else:
            turns.append([side, m.content.strip()])
    if turns and turns[0][0] == "assistant":
        turns.insert(0, ["user", ""])
    if not turns:
        turns.append(["user", ""])
    if system:
        turns[0][1] = f"<<SYS>>\n{system}\n<</SYS>>\n\n{turns[0][1]}"
    out: list[str] = []
    for i in range(0, len(turns), 2):
        user = turns[i][1]
        answer = turns[i + 1][1] if i + 1 < len(turns) else None
        if answer is None:
            out.append(f"<s>[INST] {user} [/INST]")
        else:
            out.append(f"<s>[INST] {user} [/INST] {answer} </s>")
    return "".join(out)


def plain(messages: Sequence[Message]) -> str:
    """No format: the texts joined by a blank line (one user message: its text unchanged)."""
    if len(messages) == 1:
        return messages[0].content
    return "\n\n".join(m.content for m in messages)


FORMATS: dict[str, PromptFormat] = {"llama3": llama3, "llama2": llama2, "none": plain}


def get_format(spec: Union[str, PromptFormat, None]) -> PromptFormat:
    """A prompt format by name (``llama3``, ``llama2``, ``none``), or the given callable."""
    if spec is None:
        return plain
    if callable(spec):
        return spec
    if isinstance(spec, str) and spec in FORMATS:
        return FORMATS[spec]
    raise ValueError(f"prompt format {spec!r} is not one of {sorted(FORMATS)} (or a callable messages -> str)")
