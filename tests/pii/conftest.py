from __future__ import annotations

import pytest

from railguard import Context
from railguard_validators.pii import Pii


def detect(text: str, entities, **params) -> list[tuple[str, str]]:
    """(type, matched text) of every span the validator reports, in order."""
    v = Pii({"entities": list(entities), **params}, stage="input")
    v.setup()
    out = v.validate(text, Context("input", "pii"))
    for s in out.spans:
        assert 0 <= s.start < s.end <= len(text)
    return [(s.type, text[s.start:s.end]) for s in out.spans]


@pytest.fixture
def pii_detect():
    return detect
