"""The ``llm`` engine: one call to a model you host classifies a text against all topics at once.

The model runs where the ``llama_guard`` validator's models run (``model: {sagemaker | bedrock |
openai | callable}``, the same backends: :mod:`railguard_validators.llama_guard.backends`), and is
sent :data:`PROMPT` filled with the topics and the text. Its answer must be exactly one JSON object
``{"topics": [...]}`` naming configured topics by their exact names (an empty list: none). Anything
else (prose, a code fence, a truncated or unknown answer, a name that is not a topic) is a
``ModelError``, so the entry's ``on_error`` decides (block by default): an answer railguard cannot
read never clears a text.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping, Sequence

from railguard.errors import ModelError

NAME = "llm"
DEFAULT_THRESHOLD = 0.5
MAX_NEW_TOKENS = 64

PROMPT = """\
You are a topic classifier. Decide which of the topics below the text is about. A text may be about \
several topics or about none of them.

Topics:
{topics}

Text:
<<<
{text}
>>>

Answer with only one JSON object on one line and nothing else: {{"topics": [...]}} listing the names \
of the topics the text is about, written exactly as above, or {{"topics": []}} if it is about none \
of them."""


def render(topics: Sequence[tuple[str, str, Sequence[str]]], text: str,
           counter_examples: Sequence[Sequence[str]] = ()) -> str:
    lines = []
    for n, (name, definition, examples) in enumerate(topics, 1):
        lines.append(f"{n}. {name}: {definition.strip()}")
        if examples:
            lines.append("   Examples: " + "; ".join(json.dumps(e, ensure_ascii=False) for e in examples))
        counter = counter_examples[n - 1] if n - 1 < len(counter_examples) else ()
        if counter:
            lines.append("   Not this topic: " + "; ".join(json.dumps(e, ensure_ascii=False) for e in counter))
    return PROMPT.format(topics="\n".join(lines), text=text)


def parse(answer: str, names: Sequence[str]) -> list[str]:
    """The topics an answer names. Raises ModelError for anything but ``{"topics": [known names]}``."""
    if not isinstance(answer, str):
        raise ModelError(f"the topic model answered {type(answer).__name__}, not text")
    body = answer.strip()
    try:
        value = json.loads(body)
    except ValueError:
        raise ModelError(f"unreadable topic answer ({len(body)} characters, not one JSON object)") from None
    if not isinstance(value, dict) or set(value) != {"topics"} or not isinstance(value["topics"], list):
        raise ModelError('unreadable topic answer (expected exactly {"topics": [...]})')
    known = set(names)
    found: list[str] = []
    for item in value["topics"]:
        if not isinstance(item, str) or item not in known:
            raise ModelError(f"the topic answer names {str(item)[:40]!r}, which is not one of the configured "
                             f"topics")
        if item not in found:
            found.append(item)
    return found


class LLMEngine:
    name = NAME
    default_threshold = DEFAULT_THRESHOLD

    def __init__(self, topics: Sequence[tuple[str, str, Sequence[str]]], model: Mapping[str, Any],
                 max_new_tokens: int = MAX_NEW_TOKENS, counter_examples: Sequence[Sequence[str]] = ()):
        self.topics = list(topics)
        self.counter_examples = [tuple(c) for c in counter_examples]
        self.names = [name for name, _, _ in topics]
        self.model = model
        self.max_new_tokens = max_new_tokens
        self.backend: Any = None
        self._resource: Callable[..., Any] | None = None

    def bind(self, resource: Callable[..., Any], deferred: bool = False) -> None:
        """Called at compile time with the validator's resource lookup (callables, boto3 clients)."""
        from railguard_validators.llama_guard.backends import make_backend

        self._resource = resource
        backend = make_backend(self.model, self.max_new_tokens, resource)
        if backend.kind == "callable" and not deferred:
            backend.find()  # a callable that was not passed in is a spec error, now

    def describe(self) -> str:
        (kind, config), = self.model.items()
        if kind == "callable":
            return f"callable:{config if isinstance(config, str) else config['name']}"
        return f"{kind}:{next(iter(config.values()), '') if isinstance(config, Mapping) else config}"

    def setup(self) -> None:
        if self.backend is not None:
            return
        from railguard_validators.llama_guard.backends import make_backend

        resource = self._resource or (lambda *_: None)
        backend = make_backend(self.model, self.max_new_tokens, resource)
        backend.setup()
        self.backend = backend

    def score(self, segments: Sequence[str]) -> list[list[float]]:
        self.setup()
        out = []
        for text in segments:
            found = set(parse(self.backend.generate(render(self.topics, text, self.counter_examples)), self.names))
            out.append([1.0 if name in found else 0.0 for name in self.names])
        return out
