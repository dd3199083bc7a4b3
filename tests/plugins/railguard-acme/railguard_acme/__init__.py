"""A third-party plugin as users write them: one validator and one action, registered by entry point."""

from __future__ import annotations

import hashlib

from railguard import Action, Context, Kind, Outcome, Span, Validator, hookimpl


class Shouting(Validator):
    """Fails when more than ``max_ratio`` of the letters are upper case; spans are the shouted words."""

    name = "acme_shouting"
    description = "Flags SHOUTED words."
    params_schema = {
        "type": "object",
        "properties": {"max_ratio": {"type": "number", "minimum": 0, "maximum": 1}},
    }
    can_mask = True
    inline = True

    def validate(self, text: str, context: Context) -> Outcome:
        letters = [c for c in text if c.isalpha()]
        upper = sum(1 for c in letters if c.isupper())
        ratio = upper / len(letters) if letters else 0.0
        if ratio <= self.params.get("max_ratio", 0.5):
            return Outcome.ok(score=ratio)
        spans = []
        pos = 0
        for word in text.split():
            start = text.index(word, pos)
            pos = start + len(word)
            if len(word) > 1 and word.isupper():
                spans.append(Span(start, pos, "SHOUT"))
        return Outcome.fail(f"{ratio:.0%} of the letters are upper case", spans=spans, score=ratio)


class HashMask(Action):
    """A mask that replaces a span with a short stable hash of it, so equal values stay joinable."""

    name = "acme_hash"
    kind = Kind.MASK
    description = "Replace each span with <TYPE:hash8>."

    def replacement(self, span: Span, fragment: str, mask_format: str) -> str:
        return f"<{span.type}:{hashlib.sha256(fragment.encode()).hexdigest()[:8]}>"


@hookimpl
def register_validators():
    return [Shouting]


@hookimpl
def register_actions():
    return [HashMask]
