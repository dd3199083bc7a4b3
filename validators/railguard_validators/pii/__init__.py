"""``pii``: detects and masks personal data, named as Amazon Bedrock Guardrails names it.

A spec means the same here and on Bedrock: ``entities`` lists Bedrock's entity types, each
optionally with its own action (``mask`` as Bedrock's ANONYMIZE, ``block`` as BLOCK). Numbers
with a validity rule are accepted only when it passes (Luhn, mod 97, mod 11, ABA, SSN rules,
libphonenumber metadata); types that have none need a cue word near the value. NAME and
ADDRESS come from a deterministic rules engine or, with ``engine: spacy``, from an installed
spaCy English pipeline (the ``railguard[ner]`` extra).
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Mapping

from railguard import ChunkPolicy, Context, Outcome, ParamIssue, Span, Validator, hookimpl

from .entities import ENTITY_TYPES, RULES

__all__ = ["Pii", "ENTITY_TYPES"]

_NAME_TYPES = ("NAME", "ADDRESS")


def _entity_entries(params: Mapping[str, Any]) -> list[tuple[int, str, str | None, bool]]:
    """(index, type, action, written as object) for each well-formed entry of ``entities``."""
    out = []
    entities = params.get("entities")
    if not isinstance(entities, (list, tuple)):  # a list in a loaded spec, a tuple once frozen
        return out
    for i, item in enumerate(entities):
        if isinstance(item, str):
            out.append((i, item, None, False))
        elif isinstance(item, Mapping) and isinstance(item.get("type"), str):
            action = item.get("action")
            out.append((i, item["type"], action if isinstance(action, str) else None, True))
    return out


class Pii(Validator):
    name = "pii"
    description = ("Personal data by Amazon Bedrock's entity names (EMAIL, PHONE, US_SOCIAL_SECURITY_NUMBER, "
                   "...): validity checks, context cues, masks or blocks per entity.")
    params_schema = {
        "type": "object",
        "required": ["entities"],
        "properties": {
            "entities": {
                "type": "array",
                "minItems": 1,
                "maxItems": len(ENTITY_TYPES),
                "description": "Bedrock PII entity types, as names or {type, action} objects.",
                "items": {
                    "anyOf": [
                        {"type": "string", "description": "An entity type; its action is the entry's on_fail."},
                        {
                            "type": "object",
                            "required": ["type"],
                            "additionalProperties": False,
                            "properties": {
                                "type": {"type": "string"},
                                "action": {"enum": ["mask", "block"],
                                           "description": "mask (Bedrock ANONYMIZE) or block (Bedrock BLOCK)."},
                            },
                        },
                    ],
                },
            },
            "mask_format": {"type": "string", "minLength": 1, "maxLength": 100,
                            "description": "Placeholder for masked values; the token TYPE becomes the entity "
                                           "type. Default: the spec's settings.mask_format, '{TYPE}'."},
            "allow": {"type": "array", "maxItems": 10000,
                      "items": {"type": "string", "minLength": 1, "maxLength": 1000},
                      "description": "Literal values never flagged (exact, or equal after case folding and "
                                     "removing spaces and - . / ( ))."},
            "engine": {"enum": ["rules", "spacy"], "default": "rules",
                       "description": "How NAME and ADDRESS are found: deterministic rules, or a spaCy pipeline."},
            "spacy_model": {"type": "string", "pattern": r"^[A-Za-z0-9_.\-]{1,100}$",
                            "description": "Installed spaCy pipeline for engine: spacy (default: the first "
                                           "English pipeline installed)."},
            "phone_regions": {"type": "array", "minItems": 1, "maxItems": 50, "uniqueItems": True,
                              "items": {"type": "string", "pattern": "^[A-Z]{2}$"},
                              "description": "Regions whose national phone formats are recognised without a "
                                             "country code (default: US GB CA AU IN DE FR IE NZ)."},
        },
    }
    default_on_fail = "mask"
    can_mask = True
    inline = True

    def __init__(self, params: Mapping[str, Any] | None = None, *, stage: str = "output"):
        super().__init__(params, stage=stage)
        entries = _entity_entries(self.params)
        self.actions: dict[str, str | None] = {t: a for _, t, a, _ in entries}
        self.engine_name = self.params.get("engine", "rules")
        self.spacy_model = self.params.get("spacy_model")
        self._detector = None
        self._budget_s: float | None = None

    # -- spec checking --------------------------------------------------------------------
    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        from railguard.spec.check import did_you_mean

        seen: dict[str, int] = {}
        for i, entity, _, as_object in _entity_entries(params):
            path = ("entities", i, "type") if as_object else ("entities", i)
            if entity not in RULES:
                yield ParamIssue(path, f"{entity!r} is not a PII entity type{did_you_mean(entity, ENTITY_TYPES)}; "
                                       f"valid types (Amazon Bedrock's names): {', '.join(ENTITY_TYPES)}")
            elif entity in seen:
                yield ParamIssue(path, f"{entity!r} is already listed as entities[{seen[entity]}]")
            else:
                seen[entity] = i
        engine = params.get("engine", "rules")
        model = params.get("spacy_model")
        if isinstance(model, str) and engine != "spacy":
            yield ParamIssue(("spacy_model",), f"{model!r} is only used with engine: spacy (engine is {engine!r})")
        if engine == "spacy":
            from .ner import problem

            issue = problem(model if isinstance(model, str) else None)
            if issue is not None:
                yield ParamIssue(("spacy_model",) if isinstance(model, str) else ("engine",), issue)
        regions = params.get("phone_regions")
        if isinstance(regions, (list, tuple)):
            from .phones import supported_regions

            known = supported_regions()
            for i, region in enumerate(regions):
                if isinstance(region, str) and region not in known:
                    hint = " (did you mean 'GB'?)" if region == "UK" else did_you_mean(region, sorted(known))
                    yield ParamIssue(("phone_regions", i), f"{region!r} is not a region libphonenumber knows{hint}; "
                                                          "use ISO 3166 alpha-2 codes such as 'US', 'GB', 'DE'")

    # -- lifecycle ------------------------------------------------------------------------
    def link(self, spec: Any, resources: Mapping[str, Any]) -> None:
        """Takes this entry's ``timeout_s`` as the scan's time budget: an inline validator's timeout
        is only checked after it returns, so the scan itself stops there and fails closed."""
        super().link(spec, resources)
        for entry in getattr(spec, self.stage, None) or ():
            if getattr(entry, "id", None) == self.entry_id and isinstance(getattr(entry, "timeout_s", None), float):
                self._budget_s = entry.timeout_s

    def _names_engine(self):
        wanted = [t for t in _NAME_TYPES if t in self.actions]
        if not wanted:
            return None
        if self.engine_name == "spacy":
            from .ner import SpacyNames

            return SpacyNames(wanted, self.spacy_model)
        from .names import RuleNames

        return RuleNames(wanted)

    def setup(self) -> None:
        from .detector import Detector

        self._engine_label = None
        self._names = self._names_engine()
        self._detector = Detector(list(self.actions), allow=tuple(self.params.get("allow", ())),
                                  phone_regions=tuple(self.params.get("phone_regions", ())),
                                  names=self._names,
                                  blocking=[t for t, a in self.actions.items() if a == "block"])

    @property
    def engine(self) -> str:
        """Which engine found NAME/ADDRESS, as reported in ``details["engine"]``: ``rules`` or
        ``spacy:<pipeline>`` (``rules`` when neither type is selected: spaCy is then not loaded)."""
        label = getattr(self, "_engine_label", None)
        if label is None:
            model = getattr(getattr(self, "_names", None), "model_name", None)
            label = f"spacy:{model}" if model else "rules"  # spaCy runs only for NAME and ADDRESS
            self._engine_label = label
        return label

    # -- validation -----------------------------------------------------------------------
    def validate(self, text: str, context: Context) -> Outcome:
        if self._detector is None:
            self.setup()
        deadline = None if self._budget_s is None else time.monotonic() + self._budget_s
        found = self._detector.detect(text, deadline)
        details: dict[str, Any] = {"engine": self.engine}
        if not found:
            return Outcome.ok(details=details)
        actions = self.actions
        spans = [Span(s, e, t, score, actions.get(t), why) for s, e, t, score, why in found]
        counts: dict[str, int] = {}
        for c in found:
            counts[c[2]] = counts.get(c[2], 0) + 1
        what = ", ".join(f"{t} x{c}" if c > 1 else t for t, c in sorted(counts.items()))
        return Outcome.fail(f"detected {what}", spans=spans, details=details)

    # -- streaming and long texts -----------------------------------------------------------
    def lookahead(self) -> int | None:
        """The longest value a selected type can have, plus the right context a cue may sit in.

        None with the spaCy engine: a pipeline's verdict on a name can change with any later text.
        """
        from .detector import LOOKAHEAD_CUE, RIGHT_CONTEXT
        from .limits import max_len

        if self.engine_name == "spacy" and any(t in self.actions for t in _NAME_TYPES):
            return None
        return max(max_len(t) for t in self.actions if t in RULES) + RIGHT_CONTEXT + LOOKAHEAD_CUE

    def lookbehind(self) -> int | None:
        """Left context a decision needs: a cue word may end 48 characters before a value and be
        29 characters long, plus one character for a word boundary (78); for numbers, plus the
        stretch that decides where the number's segment starts (``numeric.REACH``). A value itself never
        reaches back into released text: it would have been complete, and judged, before release."""
        if self.lookahead() is None:
            return None
        from .context import LEFT_CONTEXT
        from .numeric import NUMERIC_TYPES, REACH

        # Where a number's segment starts can depend on the token before it (REACH characters).
        return LEFT_CONTEXT + (REACH if any(t in NUMERIC_TYPES for t in self.actions) else 0)

    def chunk_policy(self) -> ChunkPolicy | None:
        if self.engine_name == "spacy" and any(t in self.actions for t in _NAME_TYPES):
            # spaCy pipelines refuse texts over their max_length (1,000,000 characters by default).
            return ChunkPolicy(max_chars=100_000, chunk_chars=100_000, slack=5_000, boundary_window=200)
        return None


@hookimpl
def register_validators() -> list[type[Validator]]:
    return [Pii]
