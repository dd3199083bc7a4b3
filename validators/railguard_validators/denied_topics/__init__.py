"""``denied_topics``: block texts about topics the spec describes (name, definition, examples, and
optionally counter-examples: texts near the topic that are not on it and must pass).

Four engines, chosen with ``engine:``: ``semantic`` (the default, core install: all-MiniLM-L6-v2
on numpy, nearest example, thresholds calibrated against a shipped background of everyday
prompts), ``embedding`` (a sentence-transformers model through torch, ``pip install
'railguard[embeddings]'``), ``llm`` (one call to a hosted model) and ``lexical`` (TF-IDF over each topic's words: fast but it
matches words, not meaning; kept as an explicit choice). The default is one fixed engine so
that a spec means the same on every machine; a spec asking for ``embedding`` where it cannot
load fails when it is loaded, and never falls back to another engine.

A text is scored as a whole and, when it has several sentences, sentence by sentence;
a topic's score is the best of these, and the topic matches when it reaches the topic's
threshold. A segment nearer to one of a topic's counter-examples than to the topic itself (its
definition and every example) scores 0 for it: that is how a spec says "questions about my own
bonus are fine" next to a topic about colleagues' pay, which similarity alone cannot tell apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from railguard import ChunkPolicy, Context, Outcome, ParamIssue, Validator, hookimpl

from . import embedding, lexical, llm, semantic
from ..llama_guard.schema import PARAMS_SCHEMA
from .text import reading, segments

MAX_TOPICS = 30  # Bedrock's limits
MAX_DEFINITION = 1000
MAX_EXAMPLES = 5
MAX_EXAMPLE = 100
MAX_COUNTER_EXAMPLES = 10  # not a Bedrock field: railguard's own bound, examples' length limit
ENGINES = (semantic.NAME, embedding.NAME, lexical.NAME, llm.NAME)


_LLM_MODEL = PARAMS_SCHEMA["properties"]["model"]


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Topic:
    name: str
    definition: str
    examples: tuple[str, ...]
    threshold: float
    counter_examples: tuple[str, ...] = ()


def _preview(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:40])[:-1] + "...'"


class DeniedTopics(Validator):
    name = "denied_topics"
    description = ("Texts about denied topics, each described by a name, a definition and examples; engine "
                   "'semantic' (default: all-MiniLM-L6-v2 on numpy, calibrated), 'embedding' (sentence-transformers, "
                   "local model), 'llm' (a hosted model) or 'lexical' (TF-IDF).")
    params_schema = {
        "type": "object",
        "required": ["topics"],
        "properties": {
            "engine": {"enum": list(ENGINES), "default": semantic.NAME},
            "model": {"anyOf": [
                {"type": "string", "minLength": 1},
                _LLM_MODEL,
            ], "description": "engine 'embedding': a local model directory or an installed model package "
                              f"(default {embedding.DEFAULT_MODEL!r}); engine 'llm': where the model runs, "
                              "exactly one of sagemaker, bedrock, openai, callable (as llama_guard's model)."},
            "max_new_tokens": {"type": "integer", "minimum": 8, "maximum": 512,
                               "description": f"engine 'llm': answer length (default {llm.MAX_NEW_TOKENS})."},
            "threshold": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                          "description": f"Score at which a topic matches, for every topic without its own "
                                         f"(default: semantic {semantic.DEFAULT_THRESHOLD} on its calibrated "
                                         f"scale, lexical {lexical.DEFAULT_THRESHOLD}, "
                                         f"embedding {embedding.DEFAULT_THRESHOLD})."},
            "topics": {
                "type": "array",
                "minItems": 1,
                "description": f"At most {MAX_TOPICS} topics (Bedrock's limit).",
                "items": {
                    "type": "object",
                    "required": ["name", "definition"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "pattern": r"^[0-9a-zA-Z_ !?.-]{1,100}$"},
                        "definition": {"type": "string", "minLength": 1,
                                       "description": f"At most {MAX_DEFINITION} characters."},
                        "examples": {"type": "array", "items": {"type": "string", "minLength": 1},
                                     "description": f"At most {MAX_EXAMPLES} examples of at most "
                                                    f"{MAX_EXAMPLE} characters (Bedrock's limits)."},
                        "counter_examples": {
                            "type": "array", "items": {"type": "string", "minLength": 1},
                            "description": f"At most {MAX_COUNTER_EXAMPLES} texts of at most {MAX_EXAMPLE} "
                                           "characters that come near the topic but are not on it: a text "
                                           "nearer to one of them than to the topic does not match it."},
                        "threshold": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                    },
                },
            },
        },
    }
    default_on_fail = "block"
    inline = False  # per instance: True for the lexical engine (see __init__)

    def __init__(self, params: Mapping[str, Any] | None = None, *, stage: str = "output"):
        super().__init__(params, stage=stage)
        self.engine_name = self.params.get("engine", semantic.NAME)
        # A local engine reads a topic as it reads a text (``reading``); the llm engine sends what was written.
        read = str if self.engine_name == llm.NAME else reading
        specs = [(t["name"], read(t["definition"]), tuple(read(e) for e in t.get("examples", ())))
                 for t in self.params["topics"]]
        counter = [tuple(read(e) for e in t.get("counter_examples", ())) for t in self.params["topics"]]
        if self.engine_name == embedding.NAME:
            self.engine: Any = embedding.EmbeddingEngine(specs, self.params.get("model", embedding.DEFAULT_MODEL),
                                                         counter_examples=counter)
        elif self.engine_name == llm.NAME:
            self.engine = llm.LLMEngine(specs, _plain(self.params["model"]),
                                        self.params.get("max_new_tokens", llm.MAX_NEW_TOKENS), counter_examples=counter)
        elif self.engine_name == semantic.NAME:
            self.engine = semantic.SemanticEngine(specs, counter_examples=counter)
        else:
            self.engine = lexical.LexicalEngine(specs, counter_examples=counter)
        # CPU-cheap and linear (a token lookup): run in the calling thread. The semantic engine runs a
        # transformer (milliseconds per text) and goes to the worker pool like the embedding engine.
        self.inline = self.engine_name == lexical.NAME
        default = float(self.params.get("threshold", self.engine.default_threshold))
        self.topics = tuple(Topic(t["name"], t["definition"], tuple(t.get("examples", ())),
                                  float(t.get("threshold", default)), tuple(t.get("counter_examples", ())))
                            for t in self.params["topics"])

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        engine = params.get("engine", semantic.NAME)
        model = params.get("model")
        if engine == embedding.NAME:
            if model is not None and not isinstance(model, str):
                yield ParamIssue(("model",), "engine 'embedding' takes a model directory or package name (a "
                                 "string); a {sagemaker|bedrock|openai|callable} model is for engine 'llm'")
            else:
                for problem in embedding.problems(model or embedding.DEFAULT_MODEL):
                    yield ParamIssue(("model",) if "model" in params else ("engine",), problem)
        elif engine == llm.NAME:
            if model is None:
                yield ParamIssue(("engine",), "engine 'llm' needs 'model': where the model runs, one of "
                                 "{sagemaker: {endpoint}}, {bedrock: {model_id}}, {openai: {base_url}}, "
                                 "{callable: name}")
            elif isinstance(model, str):
                yield ParamIssue(("model",), f"engine 'llm' needs 'model' as one of sagemaker, bedrock, openai or "
                                 f"callable, not the string {model[:40]!r} (a string names an embedding model)")
        elif "model" in params:
            yield ParamIssue(("model",), f"'model' applies to engines 'embedding' and 'llm' only; this entry uses "
                             f"{engine!r}: remove 'model' or choose one of those engines")
        if "max_new_tokens" in params and engine != llm.NAME:
            yield ParamIssue(("max_new_tokens",), "'max_new_tokens' applies to engine 'llm' only")
        topics = params.get("topics")
        if not isinstance(topics, list):
            return
        if len(topics) > MAX_TOPICS:
            yield ParamIssue(("topics",), f"{len(topics)} topics; a denied_topics validator takes at most "
                             f"{MAX_TOPICS} (Bedrock's limit): split them over several entries")
        seen: dict[str, int] = {}
        for i, topic in enumerate(topics):
            if not isinstance(topic, Mapping):
                continue
            yield from _topic_issues(i, topic, seen)

    def link(self, spec: Any, resources: Mapping[str, Any]) -> None:
        super().link(spec, resources)
        if self.engine_name == llm.NAME:
            self.engine.bind(self.resource, deferred=bool(getattr(resources, "deferred", False)))

    def setup(self) -> None:
        self.engine.setup()

    def prepare_batch(self, texts: Sequence[str]) -> None:
        """Batch hint from ``guard.validate_batch``: an engine that embeds (``embedding``) embeds every
        segment of the batch in one pass, so the per-text checks that follow only look them up."""
        self.engine.setup()
        prepare = getattr(self.engine, "prepare", None)
        if prepare is not None:
            prepare([seg for text in texts for seg in self.segments(text)])

    def segments(self, text: str) -> list[str]:
        """The whole text (when it is short enough to be read as one) and each of its sentences, read as a
        person reads them (``reading``: full-width or mathematical letters, a zero-width space in every word
        or Cyrillic look-alikes must not slip a text past a topic). The llm engine reads the whole text as
        written, in one call (long texts are chunked by the runtime)."""
        if self.engine_name == llm.NAME:
            return [text]
        return segments(reading(text))

    def score_many(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Each text's score per topic (the best over the whole text and its sentences)."""
        grouped = getattr(self.engine, "score_texts", None)
        if grouped is not None:  # the engine calibrates a text by how many segments it was read as
            rows = grouped([self.segments(text) for text in texts])
            return [{t.name: row[k] for k, t in enumerate(self.topics)} for row in rows]
        flat: list[str] = []
        owners: list[int] = []
        for n, text in enumerate(texts):
            segs = self.segments(text)
            flat.extend(segs)
            owners.extend([n] * len(segs))
        best = [[0.0] * len(self.topics) for _ in texts]
        for owner, row in zip(owners, self.engine.score(flat) if flat else []):
            mine = best[owner]
            for k, value in enumerate(row):
                if value > mine[k]:
                    mine[k] = value
        return [{t.name: row[k] for k, t in enumerate(self.topics)} for row in best]

    def validate(self, text: str, context: Context) -> Outcome:
        scores = self.score_many([text])[0]
        ranked = sorted(self.topics, key=lambda t: -scores[t.name])
        best = ranked[0]
        matched = [t.name for t in ranked if scores[t.name] >= t.threshold]
        details = {"engine": self.engine_name, "topic": matched[0] if matched else best.name,
                   "scores": {t.name: round(scores[t.name], 4) for t in self.topics}}
        if self.engine_name == llm.NAME:
            details["model"] = self.engine.describe()
        score = round(scores[best.name], 4)
        if not matched:
            return Outcome.ok(details=details, score=score)
        return Outcome.fail(f"the text is about denied topic(s): {', '.join(matched)}", categories=matched,
                            score=score, details=details)

    def lookahead(self) -> int | None:
        return None  # a topic is a property of the whole text

    def chunk_policy(self) -> ChunkPolicy | None:
        if self.engine_name == llm.NAME:
            return ChunkPolicy(max_chars=8000, chunk_chars=8000, slack=1000, boundary_window=0, concurrency=4)
        if self.engine_name not in (embedding.NAME, semantic.NAME):
            return None
        # Embedding long text is costly: split it on sentence boundaries and stop at the first match.
        return ChunkPolicy(max_chars=4000, chunk_chars=4000, slack=800, boundary_window=0, concurrency=1)


def _topic_issues(i: int, topic: Mapping[str, Any], seen: dict[str, int]) -> Iterable[ParamIssue]:
    name = topic.get("name")
    if isinstance(name, str):
        if name.lower() in seen:
            yield ParamIssue(("topics", i, "name"), f"{name!r} is already the name of topics[{seen[name.lower()]}]")
        seen.setdefault(name.lower(), i)
    definition = topic.get("definition")
    if isinstance(definition, str) and len(definition) > MAX_DEFINITION:
        yield ParamIssue(("topics", i, "definition"), f"{_preview(definition)} has {len(definition):,} characters; "
                         f"a definition has at most {MAX_DEFINITION:,}")
    examples = topic.get("examples")
    if isinstance(examples, list):
        if len(examples) > MAX_EXAMPLES:
            yield ParamIssue(("topics", i, "examples"), f"{len(examples)} examples; a topic has at most "
                             f"{MAX_EXAMPLES} (Bedrock's limit)")
        for k, example in enumerate(examples):
            if isinstance(example, str) and len(example) > MAX_EXAMPLE:
                yield ParamIssue(("topics", i, "examples", k), f"{_preview(example)} has {len(example)} characters; "
                                 f"an example has at most {MAX_EXAMPLE} (Bedrock's limit)")
    counter = topic.get("counter_examples")
    if isinstance(counter, list):
        if len(counter) > MAX_COUNTER_EXAMPLES:
            yield ParamIssue(("topics", i, "counter_examples"), f"{len(counter)} counter-examples; a topic has at "
                             f"most {MAX_COUNTER_EXAMPLES}")
        own = {e.strip().lower() for e in examples if isinstance(e, str)} if isinstance(examples, list) else set()
        for k, text in enumerate(counter):
            if not isinstance(text, str):
                continue
            if len(text) > MAX_EXAMPLE:
                yield ParamIssue(("topics", i, "counter_examples", k), f"{_preview(text)} has {len(text)} characters; "
                                 f"a counter-example has at most {MAX_EXAMPLE}")
            elif text.strip().lower() in own:
                yield ParamIssue(("topics", i, "counter_examples", k), f"{_preview(text)} is also one of the topic's "
                                 f"examples: a text cannot be both on the topic and not on it")


@hookimpl
def register_validators() -> list[type[Validator]]:
    return [DeniedTopics]
