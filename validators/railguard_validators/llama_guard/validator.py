"""``llama_guard``: Meta's Llama Guard as a safety classifier over the conversation.

The input stage assesses the ``User`` role on the user's turns (earlier turns of a multi-turn
conversation included, in order); the output stage assesses the ``Agent`` role on the
conversation including the answer being checked. The prompt is rendered byte for byte as the
model expects (:mod:`.prompt`), sent to one backend (:mod:`.backends`) and the answer read by
:func:`.verdict.parse_verdict`, which fails closed.

Per-category actions: ``category_actions: {block: [S1, S2], log: [S6]}`` overrides ``on_fail``
for those categories. When several categories are violated, the strongest action wins
(raise > block > reask > log; a plugin action given as ``on_fail`` ranks just above log);
categories without an override use ``on_fail``. Denied topics turned into categories use their
``denied_topics`` entry's ``on_fail``.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from railguard import ChunkPolicy, Context, Message, Outcome, ParamIssue, Validator
from railguard.messages import SEPARATOR

from .backends import Backend, make_backend
from .categories import DEFAULT_VARIANT, MODEL_NAMES, Category, code_prefix, resolve
from .prompt import render, turns_from
from .schema import PARAMS_SCHEMA, check
from .verdict import parse_verdict

__all__ = ["LlamaGuard"]

_RANK = {"raise": 5, "block": 4, "reask": 3, "fix": 2, "mask": 1, "log": 0}
_PLUGIN_RANK = 0.5


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


class LlamaGuard(Validator):
    name = "llama_guard"
    description = ("Meta's Llama Guard (1, 2 or 3) on SageMaker, Bedrock, an OpenAI-compatible server or a "
                   "Python callable; input: the user's turns, output: the conversation with the answer.")
    params_schema = PARAMS_SCHEMA
    default_on_fail = "block"
    stages = ("input", "output")

    def __init__(self, params: Mapping[str, Any] | None = None, *, stage: str = "output"):
        super().__init__(params, stage=stage)
        p = self.params
        self.version: int = p.get("version", 3)
        self.variant: str = p.get("model_variant", DEFAULT_VARIANT[self.version])
        self.model_name = MODEL_NAMES[(self.version, self.variant)]
        self.renderer: str = p.get("renderer", "chat_template")
        self.descriptions: bool | None = p.get("descriptions")
        selection = _plain(p["categories"]) if "categories" in p else None
        self.categories: tuple[Category, ...] = resolve(self.version, self.variant, selection)
        self.category_actions: dict[str, str] = {code: action for action, codes in
                                                 (p.get("category_actions") or {}).items() for code in codes}
        self.max_new_tokens: int = p.get("max_new_tokens", 20)
        self._batch_chars: int = p.get("batch_chars", 1000)
        self.role = "User" if stage == "input" else "Agent"
        self.on_fail = self.default_on_fail
        self.topics: dict[str, str] = {}  # category code -> denied topic name
        self.topic_actions: dict[str, str] = {}
        self.backend: Backend | None = None

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        return check(params)

    # -- compile time ----------------------------------------------------------------------
    def link(self, spec: Any, resources: Mapping[str, Any]) -> None:
        super().link(spec, resources)
        own = next((e for e in spec.stage(self.stage) if e.id == self.entry_id), None)
        if own is not None:
            self.on_fail = own.on_fail
        entries = self._topic_entries(spec)
        if entries:
            self._add_topics(entries)
        codes = {c.code for c in self.categories}
        for code, action in self.category_actions.items():
            if code not in codes:
                raise ValueError(f"category_actions.{action}: {code!r} is not among the categories this entry "
                                 f"checks {sorted(codes)}")
        backend = make_backend(_plain(self.params["model"]), self.max_new_tokens, self.resource)
        if backend.kind == "callable" and not getattr(resources, "deferred", False):
            backend.find()  # type: ignore[attr-defined]  # a missing function is a spec error, now

    def _topic_entries(self, spec: Any) -> list[Any]:
        wanted = self.params.get("denied_topics_from")
        if wanted:
            for stage in (self.stage, "output" if self.stage == "input" else "input"):
                for entry in spec.stage(stage):
                    if entry.id == wanted:
                        if entry.name != "denied_topics":
                            raise ValueError(f"denied_topics_from: {wanted!r} is a {entry.name!r} entry, "
                                             f"not denied_topics")
                        return [entry]
            ids = [e.id for s in ("input", "output") for e in spec.stage(s) if e.name == "denied_topics"]
            raise ValueError(f"denied_topics_from: no entry has the id {wanted!r}; denied_topics entries: {ids}")
        if self.params.get("include_denied_topics"):
            found = [e for e in spec.stage(self.stage) if e.name == "denied_topics"]
            if not found:
                raise ValueError(f"include_denied_topics: the {self.stage} stage has no denied_topics entry to "
                                 f"take topics from")
            return found
        return []

    def _add_topics(self, entries: list[Any]) -> None:
        prefix = code_prefix(self.version)
        used = {c.code for c in self.categories} | {c.code for c in resolve(self.version, self.variant, None)}
        numbers = [int(c[len(prefix):]) for c in used if c.startswith(prefix) and c[len(prefix):].isdigit()]
        n = max(numbers, default=0)
        added: list[Category] = []
        for entry in entries:
            for topic in entry.params.get("topics", ()):
                n += 1
                code = f"{prefix}{n}"
                name = str(topic.get("name"))
                description = str(topic.get("definition") or "").strip()
                examples = [str(e) for e in topic.get("examples", ())]
                if examples:
                    description += "\nExamples of this topic:\n" + "\n".join(f" - {e}" for e in examples)
                counter = [str(e) for e in topic.get("counter_examples", ())]
                if counter:
                    description += "\nNot this topic:\n" + "\n".join(f" - {e}" for e in counter)
                added.append(Category(code, name, description, custom=True))
                self.topics[code] = name
                self.topic_actions[code] = entry.on_fail
        self.categories = self.categories + tuple(added)

    # -- run time ----------------------------------------------------------------------------
    def setup(self) -> None:
        backend = make_backend(_plain(self.params["model"]), self.max_new_tokens, self.resource)
        backend.setup()
        self.backend = backend

    def lookahead(self) -> int | None:
        return None

    def batch_chars(self) -> int | None:
        return self._batch_chars

    def chunk_policy(self) -> ChunkPolicy | None:
        size = self.params.get("max_chars")
        if size is None:
            return None
        return ChunkPolicy(max_chars=size, chunk_chars=size, slack=max(1, size // 10), boundary_window=0)

    def conversation(self, text: str, context: Context) -> list[Message]:
        """The turns to render: what the user said (input stage) or the exchange with the answer (output)."""
        turns = [m for m in context.messages if m.role in ("user", "assistant")]
        if self.stage == "output":
            return turns + [Message("assistant", text)]
        users = [m for m in turns if m.role == "user"]
        if users and SEPARATOR.join(m.content for m in users) == text:
            last = max(i for i, m in enumerate(turns) if m.role == "user")
            return turns[:last + 1]
        if len(users) == 1:  # the text was masked or fixed by another validator: assess what goes on
            last = next(i for i, m in enumerate(turns) if m.role == "user")
            return turns[:last] + [Message("user", text)]
        return [Message("user", text)]

    def prompt(self, text: str, context: Context) -> str:
        return render(turns_from(self.conversation(text, context)), role=self.role, categories=self.categories,
                      version=self.version, variant=self.variant, renderer=self.renderer,
                      descriptions=self.descriptions)

    def validate(self, text: str, context: Context) -> Outcome:
        details: dict[str, Any] = {"version": self.version, "model_variant": self.variant, "model": self.model_name,
                                   "renderer": self.renderer, "role": self.role}
        if not text.strip():
            return Outcome.ok(details={**details, "skipped": "no text to assess"})
        if self.backend is None:
            self.setup()
        assert self.backend is not None
        details["backend"] = self.backend.describe()
        raw = self.backend.generate(self.prompt(text, context))
        verdict = parse_verdict(raw, [c.code for c in self.categories])
        details["verdict"] = verdict.to_dict()
        if verdict.status == "ok":
            details["raw"] = raw.strip()
        else:
            details["raw_chars"] = len(raw) if isinstance(raw, str) else 0
        if verdict.safe:
            return Outcome.ok(details=details)
        if verdict.status != "ok":
            return Outcome.fail(f"{self.model_name}'s answer could not be read: {verdict.error}", details=details)
        names = {c.code: c.name.strip().rstrip(".") for c in self.categories}
        flagged = [f"{c} {names[c]}" if c in names else f"{c} (unknown code)" for c in verdict.categories]
        topics = {c: self.topics[c] for c in verdict.categories if c in self.topics}
        if topics:
            details["topics"] = topics
        what = "the user's message" if self.stage == "input" else "the answer"
        message = (f"{self.model_name} found {what} unsafe: " + ", ".join(flagged) if flagged else
                   f"{self.model_name} found {what} unsafe without naming a category")
        return Outcome.fail(message, categories=verdict.categories, action=self._action(verdict.categories),
                            details=details)

    def _action(self, codes: Iterable[str]) -> str | None:
        chosen = [self.category_actions.get(c) or self.topic_actions.get(c) or self.on_fail for c in codes]
        if not chosen:
            return None
        best = max(chosen, key=lambda a: _RANK.get(a, _PLUGIN_RANK))
        return None if best == self.on_fail else best
