"""The ``prompt_guard`` engine: Meta's Prompt Guard / Llama Prompt Guard 2 where the user hosts it.

``model: {sagemaker: {endpoint, inference_component, region, endpoint_url, profile}}`` calls a
SageMaker endpoint serving the Hugging Face text-classification container: the body is
``{"inputs": [segment, ...], "parameters": {"top_k": null}}`` and the answer one list of
``{"label", "score"}`` per segment (a single ``{"label", "score"}`` per segment, the container's
default without ``top_k``, is read too). ``model: {path: DIR}`` loads a local model directory
with ``transformers`` (``pip install 'railguard[transformers]'``).

Texts longer than the model's 512-token window are split by railguard's shared chunker into
segments of ``segment_chars`` characters (1,500 by default; a local model also truncates at 512
tokens, which a segment this size does not reach in English), sent 16 to a request and scored
separately; the text takes its highest segment score, as the model card advises. The attack score of a segment is
``1 - P(benign)`` when every label is given, else the top label's score (or ``1 - score`` when
the top label is benign). Labels: ``BENIGN``/``LABEL_0`` benign; ``JAILBREAK``, ``MALICIOUS``,
``LABEL_1`` jailbreak; ``INJECTION`` indirect injection. Any other label, a score outside
[0, 1], a missing segment or any other shape raises :class:`PromptGuardError` (fail closed).
Confidence levels come from ``thresholds`` (default LOW 0.5, MEDIUM 0.8, HIGH 0.95).
"""

from __future__ import annotations

import json
import threading
from typing import Any, Callable, Iterable, Mapping, Sequence

from railguard.chunking import ChunkPolicy, split
from railguard.errors import ValidatorError

from ..content_filter.levels import Judgement, confidence_of

__all__ = ["PromptGuardEngine", "PromptGuardError", "config_problems", "LABELS"]

LABELS = {"BENIGN": None, "LABEL_0": None, "JAILBREAK": "jailbreak", "MALICIOUS": "jailbreak",
          "LABEL_1": "jailbreak", "INJECTION": "indirect_injection"}
DEFAULT_THRESHOLDS = {"LOW": 0.5, "MEDIUM": 0.8, "HIGH": 0.95}
SEGMENT_CHARS = 1500
SEGMENTS_PER_REQUEST = 16  # a long text goes out in several requests of bounded size
MAX_TOKENS = 512
_SM_KEYS = ("endpoint", "inference_component", "region", "endpoint_url", "profile", "target_variant")


class PromptGuardError(ValidatorError):
    """The Prompt Guard model failed or answered with something that is not a verdict."""


def _cut(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def config_problems(config: Any) -> Iterable[tuple[tuple[Any, ...], str]]:
    if not isinstance(config, Mapping):
        yield (), "model must be {sagemaker: {endpoint: ...}} or {path: DIR}"
        return
    where = [k for k in ("sagemaker", "path") if k in config]
    if len(where) != 1:
        yield (), "model needs exactly one of 'sagemaker' (an endpoint) or 'path' (a local model directory)"
    for key in config:
        if key not in ("sagemaker", "path", "thresholds", "segment_chars"):
            yield (key,), f"unknown key {key!r}; model takes sagemaker or path, thresholds, segment_chars"
    sm = config.get("sagemaker")
    if "sagemaker" in config:
        if not isinstance(sm, Mapping) or not isinstance(sm.get("endpoint"), str) or not sm.get("endpoint"):
            yield ("sagemaker",), "sagemaker needs 'endpoint', the endpoint name"
        else:
            for key in sm:
                if key not in _SM_KEYS:
                    yield ("sagemaker", key), f"unknown key {key!r}; sagemaker takes {list(_SM_KEYS)}"
    if "path" in config and (not isinstance(config["path"], str) or not config["path"]):
        yield ("path",), "path must be a local model directory"
    th = config.get("thresholds")
    if th is not None:
        if not isinstance(th, Mapping) or set(th) != set(DEFAULT_THRESHOLDS) or not all(
                isinstance(v, (int, float)) and 0 < v <= 1 for v in th.values()):
            yield ("thresholds",), "thresholds must give LOW, MEDIUM and HIGH, each a number in (0, 1]"
        elif not th["LOW"] <= th["MEDIUM"] <= th["HIGH"]:
            yield ("thresholds",), "thresholds must rise: LOW <= MEDIUM <= HIGH"
    seg = config.get("segment_chars")
    if seg is not None and (not isinstance(seg, int) or isinstance(seg, bool) or not 100 <= seg <= 10000):
        yield ("segment_chars",), f"{_cut(seg)} is not a number of characters from 100 to 10000"


def _segment_score(answer: Any, where: str) -> tuple[float, str | None]:
    """(attack score, family) of one segment's answer; raises PromptGuardError on anything unexpected."""
    items = answer if isinstance(answer, list) else [answer]
    if not items:
        raise PromptGuardError(f"{where}: an empty list of labels")
    scores: dict[str, float] = {}
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("label"), str):
            raise PromptGuardError(f"{where}: {_cut(item)} is not a {{label, score}} object")
        label, score = item["label"].upper(), item.get("score")
        if label not in LABELS:
            raise PromptGuardError(f"{where}: label {_cut(item['label'])} is not one of {sorted(LABELS)}")
        if not isinstance(score, (int, float)) or isinstance(score, bool) or not 0.0 <= score <= 1.0:
            raise PromptGuardError(f"{where}: score {_cut(score)} is not a number from 0 to 1")
        scores[label] = float(score)
    attacks = {LABELS[k]: v for k, v in scores.items() if LABELS[k]}
    family = max(attacks, key=attacks.get) if attacks else None
    benign = [v for k, v in scores.items() if LABELS[k] is None]
    if len(items) > 1:
        return (1.0 - benign[0] if benign else max(attacks.values())), family
    return (1.0 - benign[0], None) if benign else (max(attacks.values()), family)


class PromptGuardEngine:
    name = "prompt_guard"

    def __init__(self, config: Mapping[str, Any]):
        self.config = dict(config)
        self.thresholds = dict(config.get("thresholds") or DEFAULT_THRESHOLDS)
        size = int(config.get("segment_chars") or SEGMENT_CHARS)
        self.policy = ChunkPolicy(max_chars=size, chunk_chars=size, slack=size // 5, boundary_window=0)
        self._resource: Callable[..., Any] = lambda key, default=None: default
        self._classify: Callable[[list[str]], list[Any]] | None = None
        self._lock = threading.Lock()

    def link(self, resource: Callable[..., Any]) -> None:
        self._resource = resource

    def setup(self) -> None:
        if "path" in self.config:
            self._classify = _LocalModel(self.config["path"]).classify
        else:
            self._classify = _Endpoint(self.config["sagemaker"], self._resource).classify

    def describe(self) -> str:
        return f"path:{self.config['path']}" if "path" in self.config else f"sagemaker:{self.config['sagemaker']['endpoint']}"

    def judge(self, texts: Sequence[str], context: Any = None) -> list[Judgement]:
        if self._classify is None:
            self.setup()
        assert self._classify is not None
        out = []
        for text in texts:
            segments = [c.text for c in split(text, self.policy)]
            best, family = 0.0, None
            for first in range(0, len(segments), SEGMENTS_PER_REQUEST):
                batch = segments[first:first + SEGMENTS_PER_REQUEST]
                answers = self._classify(batch)
                if not isinstance(answers, list) or len(answers) != len(batch):
                    raise PromptGuardError(f"Prompt Guard ({self.describe()}) answered {_count(answers)} for "
                                           f"{len(batch)} segment(s) (fail closed)")
                for n, answer in enumerate(answers, start=first):
                    score, fam = _segment_score(answer, f"Prompt Guard ({self.describe()}) segment {n}")
                    if score >= best:
                        best, family = score, fam if fam else family
            conf = confidence_of(best, self.thresholds)
            out.append(Judgement(best, conf, family if conf != "NONE" else None, {},
                                 {"model": self.describe(), "segments": len(segments)}))
        return out


def _count(answers: Any) -> str:
    return f"{len(answers)} results" if isinstance(answers, list) else f"a {type(answers).__name__}"


class _Endpoint:
    """The Hugging Face text-classification container on a SageMaker endpoint."""

    def __init__(self, config: Mapping[str, Any], resource: Callable[..., Any]):
        from railguard.aws import ClientOptions, make_client

        self.config = config
        self.client = make_client("sagemaker-runtime",
                                  ClientOptions(region=config.get("region"), profile=config.get("profile"),
                                                endpoint_url=config.get("endpoint_url")),
                                  client=resource("sagemaker_runtime_client"), session=resource("boto3_session"))

    def classify(self, segments: list[str]) -> list[Any]:
        c = self.config
        kwargs: dict[str, Any] = {"EndpointName": c["endpoint"], "ContentType": "application/json",
                                  "Accept": "application/json",
                                  "Body": json.dumps({"inputs": segments, "parameters": {"top_k": None}})}
        if c.get("inference_component"):
            kwargs["InferenceComponentName"] = c["inference_component"]
        if c.get("target_variant"):
            kwargs["TargetVariant"] = c["target_variant"]
        try:
            raw = self.client.invoke_endpoint(**kwargs)["Body"].read()
        except Exception as exc:
            raise PromptGuardError(f"InvokeEndpoint {c['endpoint']} failed: {type(exc).__name__}: "
                                   f"{str(exc)[:200]}") from None
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise PromptGuardError(f"endpoint {c['endpoint']} answered {len(raw)} bytes that are not JSON "
                                   "(fail closed)") from None
        if len(segments) == 1 and isinstance(body, list) and body and isinstance(body[0], Mapping):
            # One input: the container answers [{label, score}, ...] for it, not a list of lists.
            return [body]
        return body


class _LocalModel:
    """A sequence-classification model directory loaded with transformers (CPU, no download)."""

    def __init__(self, path: str):
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError:
            raise PromptGuardError("engine prompt_guard with a local model needs transformers and torch: "
                                   "pip install 'railguard[transformers]'") from None
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(path, local_files_only=True).eval()
        except (OSError, ValueError) as exc:
            raise PromptGuardError(f"cannot load a Prompt Guard model from {path!r}: {str(exc)[:200]}") from None
        self.torch = torch
        self.labels = {int(k): str(v) for k, v in self.model.config.id2label.items()}

    def classify(self, segments: list[str]) -> list[Any]:
        with self.torch.no_grad():
            enc = self.tokenizer(segments, return_tensors="pt", truncation=True, max_length=MAX_TOKENS, padding=True)
            probs = self.torch.softmax(self.model(**enc).logits, dim=-1).tolist()
        return [[{"label": self.labels[i], "score": p} for i, p in enumerate(row)] for row in probs]
