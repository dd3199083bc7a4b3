"""The ``llama_guard`` engine of content_filter: any llama_guard backend, flagged codes mapped to Bedrock's
five categories by the category's name (so Llama Guard 1, 2 and 3 map alike):

| Llama Guard category (codes)                                        | content_filter category |
|---------------------------------------------------------------------|-------------------------|
| Violent Crimes (LG2/3 S1)                                           | VIOLENCE                |
| Non-Violent Crimes (S2), Criminal Planning (LG1 O3), Regulated or   | MISCONDUCT              |
| Controlled Substances (O5), Elections (LG3 S13)                     |                         |
| Sex Crimes (S3), Child Exploitation (S4)                            | SEXUAL, MISCONDUCT      |
| Defamation (LG3 S5)                                                 | INSULTS                 |
| Indiscriminate Weapons (LG2 S8, LG3 S9), Guns and Illegal Weapons   | VIOLENCE, MISCONDUCT    |
| (O4)                                                                |                         |
| Hate (LG2 S9, LG3 S10)                                              | HATE                    |
| Violence and Hate (O1)                                              | VIOLENCE, HATE          |
| Self-Harm (O6, LG2 S10, LG3 S11)                                    | VIOLENCE                |
| Sexual Content (O2, LG2 S11, LG3 S12)                               | SEXUAL                  |
| Specialized Advice, Privacy, Intellectual Property, Code            | none: reported in       |
| Interpreter Abuse (LG3 S14), custom categories                      | ``details.unmapped``    |

Llama Guard answers safe/unsafe without a confidence: a mapped category is HIGH confidence
(every strength but NONE acts on it). An answer that cannot be read is an error (fail closed).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

from railguard import Context
from railguard.errors import ValidatorError

from ..llama_guard.backends import make_backend
from ..llama_guard.schema import check as check_llama_guard
from ..llama_guard.validator import LlamaGuard
from ..llama_guard.verdict import parse_verdict
from .levels import CATEGORIES, Verdict

__all__ = ["LlamaGuardEngine", "NAME_MAP", "config_problems"]

NAME_MAP: dict[str, tuple[str, ...]] = {
    "violent crimes": ("VIOLENCE",),
    "non-violent crimes": ("MISCONDUCT",),
    "criminal planning": ("MISCONDUCT",),
    "regulated or controlled substances": ("MISCONDUCT",),
    "elections": ("MISCONDUCT",),
    "sex crimes": ("SEXUAL", "MISCONDUCT"),
    "child exploitation": ("SEXUAL", "MISCONDUCT"),
    "defamation": ("INSULTS",),
    "indiscriminate weapons": ("VIOLENCE", "MISCONDUCT"),
    "guns and illegal weapons": ("VIOLENCE", "MISCONDUCT"),
    "hate": ("HATE",),
    "violence and hate": ("VIOLENCE", "HATE"),
    "self-harm": ("VIOLENCE",),
    "sexual content": ("SEXUAL",),
}


class LlamaGuardEngineError(ValidatorError):
    """Llama Guard's answer could not be read."""


def config_problems(config: Mapping[str, Any]) -> Iterable[tuple[tuple[Any, ...], str]]:
    if "model" not in config:
        yield (), "llama_guard needs 'model' (a sagemaker, bedrock, openai or callable backend)"
    for issue in check_llama_guard(config):
        yield tuple(issue.path), issue.message


class LlamaGuardEngine:
    name = "llama_guard"

    def __init__(self, config: Mapping[str, Any], stage: str):
        self.config = dict(config)
        self.guard = LlamaGuard(self.config, stage=stage)  # its prompt rendering and categories
        self._resource: Callable[..., Any] = lambda key, default=None: default
        self.backend: Any = None
        self.names = {c.code: c.name.strip().rstrip(".").lower() for c in self.guard.categories}

    def link(self, resource: Callable[..., Any]) -> None:
        self._resource = resource

    def setup(self) -> None:
        backend = make_backend(self.config["model"], self.guard.max_new_tokens, self._resource)
        backend.setup()
        self.backend = backend

    def judge(self, texts: Sequence[str], context: Any = None) -> list[Verdict]:
        if self.backend is None:
            self.setup()
        ctx = context if context is not None else Context(self.guard.stage, "content_filter")
        out = []
        for text in texts:
            raw = self.backend.generate(self.guard.prompt(text, ctx))
            verdict = parse_verdict(raw, list(self.names))
            if verdict.status != "ok":
                raise LlamaGuardEngineError(f"{self.guard.model_name}'s answer could not be read: {verdict.error} "
                                            "(fail closed)")
            cats = {c: ("NONE", 0.0) for c in CATEGORIES}
            unmapped: list[str] = []
            for code in verdict.categories:
                mapped = NAME_MAP.get(self.names.get(code, ""), ())
                for cat in mapped:
                    cats[cat] = ("HIGH", 1.0)
                if not mapped:
                    unmapped.append(code)
            out.append(Verdict(cats, tuple(unmapped), {"model": self.guard.model_name,
                                                       "flagged": list(verdict.categories)}))
        return out
