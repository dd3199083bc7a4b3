"""Bedrock's confidence levels and filter strengths, and the verdict every engine returns; shared by
content_filter and prompt_attack.

A filter's strength says which confidence levels it acts on: HIGH acts on LOW, MEDIUM and HIGH
confidence; MEDIUM on MEDIUM and HIGH; LOW on HIGH only; NONE never.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["CATEGORIES", "CONFIDENCES", "STRENGTHS", "acts", "confidence_of", "Verdict", "Judgement"]

CATEGORIES = ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT")
CONFIDENCES = ("NONE", "LOW", "MEDIUM", "HIGH")
STRENGTHS = ("NONE", "LOW", "MEDIUM", "HIGH")
_LOWEST_ACTED_ON = {"HIGH": 1, "MEDIUM": 2, "LOW": 3}


def acts(strength: str, confidence: str) -> bool:
    """Whether a filter at ``strength`` acts on a detection at ``confidence``."""
    need = _LOWEST_ACTED_ON.get(strength)
    return need is not None and CONFIDENCES.index(confidence) >= need


def confidence_of(score: float, thresholds: Mapping[str, float]) -> str:
    """The confidence level of a probability, by the model's calibrated thresholds."""
    for level in ("HIGH", "MEDIUM", "LOW"):
        if score >= thresholds[level]:
            return level
    return "NONE"


@dataclass(frozen=True)
class Verdict:
    """A content engine's verdict on one text: (confidence, score) per category; codes with no category."""

    categories: dict[str, tuple[str, float]]
    unmapped: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Judgement:
    """A prompt-attack engine's verdict on one text: attack score, its confidence level, the family."""

    score: float
    confidence: str
    family: str | None
    families: dict[str, float]
    details: dict[str, Any]
