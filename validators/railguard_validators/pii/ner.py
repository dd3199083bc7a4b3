"""The spaCy engine for NAME and ADDRESS (the ``railguard[ner]`` extra).

NAME is every PERSON entity of the pipeline (a leading title and a trailing possessive
``'s`` left out). ADDRESS is the rules grammar's street addresses, each extended over a
GPE or LOC entity that directly follows it ("..., Springfield"). Any installed English
pipeline works; ``spacy_model`` picks one, else the first English pipeline found.
Asking for this engine when spaCy or a pipeline is missing is a spec error, never a
silent fall-back to the rules.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from pathlib import Path
from typing import Iterable

from .scan import Scan

__all__ = ["SpacyNames", "problem", "english_pipelines"]

INSTALL = ("pip install 'railguard[ner]' and an English pipeline: python -m spacy download en_core_web_sm "
           "(or any installed English spaCy pipeline package)")
_TITLE = re.compile(r"^(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Rev|Capt)\.?\s+")
_DISABLE = ("parser", "lemmatizer", "attribute_ruler", "senter")


def _meta(package: str) -> dict | None:
    """A pipeline package's meta.json, read without importing the package (or spaCy)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "meta.json"
        if path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
    return None


def english_pipelines() -> list[str]:
    """Installed spaCy pipeline packages whose language is English, sorted by name."""
    import spacy.util

    return sorted(name for name in spacy.util.get_installed_models() if (_meta(name) or {}).get("lang") == "en")


def problem(model: str | None) -> str | None:
    """Why ``engine: spacy`` (with ``spacy_model``) cannot run here, with the install command; None if it can."""
    if importlib.util.find_spec("spacy") is None:
        return f"engine 'spacy' needs spaCy, which is not installed: {INSTALL}"
    if model is None:
        if not english_pipelines():
            return f"engine 'spacy' found no installed English spaCy pipeline: {INSTALL}"
        return None
    meta = _meta(model)
    if meta is None:
        installed = english_pipelines()
        return (f"{model!r} is not an installed spaCy pipeline (installed English pipelines: {installed}); "
                f"install it (python -m spacy download {model}) or name an installed one")
    if meta.get("lang") != "en":
        return f"{model!r} is a {meta.get('lang')!r} pipeline; the pii validator needs an English one"
    return None


class SpacyNames:
    """NAME (and ADDRESS) with a spaCy pipeline; a recognizer step for the detector."""

    engine = "spacy"

    def __init__(self, types: Iterable[str], model: str | None) -> None:
        issue = problem(model)
        if issue is not None:
            from railguard.errors import MissingDependency

            raise MissingDependency(f"pii engine 'spacy' ({issue})", "ner", ("spacy",))
        import spacy

        self.model_name = model or english_pipelines()[0]
        nlp = spacy.load(self.model_name)
        for name in _DISABLE:  # once, here: toggling pipes per call would race between threads
            if name in nlp.pipe_names:
                nlp.disable_pipe(name)
        self.nlp = nlp
        # A pipeline is not documented as thread-safe; chunks of a long text and concurrent guards
        # may call this from several threads, so calls are serialised.
        self._lock = threading.Lock()
        types = set(types)
        self.names = "NAME" in types
        self.addresses = None
        if "ADDRESS" in types:
            from .addresses import AddressRules

            self.addresses = AddressRules()

    def __call__(self, scan: Scan) -> None:
        text = scan.text
        before = len(scan.out)
        if self.addresses is not None:
            self.addresses(scan)
        if not text.strip():
            return
        with self._lock:
            doc = self.nlp(text)
        places = []
        for ent in doc.ents:
            s, e = ent.start_char, ent.end_char
            if ent.label_ == "PERSON" and self.names:
                value = text[s:e]
                m = _TITLE.match(value)
                if m:
                    s += m.end()
                if text.endswith("'s", s, e) or text.endswith("’s", s, e):
                    e -= 2
                if e > s:
                    scan.add(s, e, "NAME", 0.85, "spacy:PERSON")
            elif ent.label_ in ("GPE", "LOC"):
                places.append((s, e))
        if self.addresses is not None and places:
            self._extend(scan, before, places)

    @staticmethod
    def _extend(scan: Scan, before: int, places: list[tuple[int, int]]) -> None:
        text = scan.text
        for i in range(before, len(scan.out)):
            s, e, t, score, why = scan.out[i]
            if t != "ADDRESS":
                continue
            for ps, pe in places:
                if pe > e and e <= ps <= e + 3 and text[e:ps].strip(" ,\n") == "":
                    e = pe
            scan.out[i] = (s, e, t, score, why + "+spacy")
