"""Bedrock's ``contentPolicyConfig`` from and to ``content_filter`` / ``prompt_attack`` entries.

Export merges the entries of both stages into one filter per category: a ``content_filter``
entry of the input stage sets ``inputStrength``, one of the output stage ``outputStrength``;
``prompt_attack`` (input only) sets PROMPT_ATTACK's ``inputStrength`` with ``outputStrength``
NONE, as Bedrock requires. ``on_fail`` block/raise/reask is BLOCK, ``log`` is NONE (detect only).
What Bedrock cannot express (engines other than local, ``roles``/``history``, two entries with
different strengths in one stage) is a note with the entry's location. Import is the reverse:
per stage, BLOCK filters become one entry and NONE (detect-only) filters a second one with
``on_fail: log``.
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["ContentExport", "import_content", "CATEGORIES"]

CATEGORIES = ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT")
_STRENGTH_RANK = {"NONE": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3}
_ACTIONS = {"block": "BLOCK", "raise": "BLOCK", "reask": "BLOCK", "log": "NONE"}
DEFAULT_STRENGTH = "MEDIUM"


class ContentExport:
    """Collects content_filter and prompt_attack entries; :meth:`config` is the contentPolicyConfig."""

    def __init__(self) -> None:
        # type -> stage -> (strength, action)
        self.filters: dict[str, dict[str, tuple[str, str]]] = {}

    def _set(self, ftype: str, stage: str, strength: str, action: str, where: str, notes: list[str]) -> None:
        stages = self.filters.setdefault(ftype, {})
        old = stages.get(stage)
        if old is not None and old != (strength, action):
            notes.append(f"{where}: {ftype} is set twice in the {stage} stage ({old[0]}/{old[1]} and "
                         f"{strength}/{action}); exported as the stronger")
            strength = max(old[0], strength, key=_STRENGTH_RANK.__getitem__)
            action = "BLOCK" if "BLOCK" in (old[1], action) else "NONE"
        stages[stage] = (strength, action)

    def _action(self, entry: Any, where: str, notes: list[str]) -> str | None:
        action = _ACTIONS.get(entry.on_fail)
        if action is None:
            notes.append(f"{where}: on_fail {entry.on_fail!r} has no Bedrock counterpart; entry not exported")
        elif entry.on_fail in ("reask", "raise"):
            notes.append(f"{where}: on_fail {entry.on_fail!r} exported as BLOCK")
        return action

    def _common_notes(self, params: Mapping[str, Any], where: str, notes: list[str]) -> None:
        engine = params.get("engine", "local")
        if engine != "local":
            notes.append(f"{where}.engine: {engine!r} not exported; Bedrock judges with its own classifiers")
        for key in ("roles", "history"):
            if key in params:
                notes.append(f"{where}.{key}: not exported; Bedrock judges what it is sent (tag the user's input "
                             "with guardContent blocks)")

    def add_content(self, params: Mapping[str, Any], entry: Any, stage: str, where: str, notes: list[str]) -> None:
        action = self._action(entry, where, notes)
        if action is None:
            return
        self._common_notes(params, where, notes)
        given = params.get("filters")
        filters = {c: given.get(c, "NONE") for c in CATEGORIES} if given else dict.fromkeys(CATEGORIES,
                                                                                            DEFAULT_STRENGTH)
        for cat, strength in filters.items():
            if strength != "NONE":
                self._set(cat, stage, strength, action, where, notes)

    def add_attack(self, params: Mapping[str, Any], entry: Any, stage: str, where: str, notes: list[str]) -> None:
        action = self._action(entry, where, notes)
        if action is None:
            return
        self._common_notes(params, where, notes)
        self._set("PROMPT_ATTACK", stage, params.get("strength", DEFAULT_STRENGTH), action, where, notes)

    def config(self) -> dict[str, Any] | None:
        if not self.filters:
            return None
        out = []
        for ftype in CATEGORIES + ("PROMPT_ATTACK",):
            stages = self.filters.get(ftype)
            if not stages:
                continue
            ins, outs = stages.get("input"), stages.get("output")
            out.append({"type": ftype,
                        "inputStrength": ins[0] if ins else "NONE", "outputStrength": outs[0] if outs else "NONE",
                        "inputAction": ins[1] if ins else "NONE", "outputAction": outs[1] if outs else "NONE",
                        "inputEnabled": ins is not None, "outputEnabled": outs is not None})
        return {"filtersConfig": out}


def import_content(config: Mapping[str, Any], stage: str, notes: list[str]) -> list[dict[str, Any]]:
    """The content_filter / prompt_attack entries of one stage for a contentPolicyConfig."""
    if stage == "input":
        if config.get("tierConfig"):
            notes.append("contentPolicyConfig.tierConfig: not imported: content_filter has its own engines")
        for i, f in enumerate(config.get("filtersConfig") or ()):
            for key in ("inputModalities", "outputModalities"):
                if set(f.get(key) or ()) - {"TEXT"}:
                    notes.append(f"contentPolicyConfig.filtersConfig[{i}].{key}: only text is judged by railguard")
    blocking: dict[str, str] = {}
    logging: dict[str, str] = {}
    attack: list[dict[str, Any]] = []
    for i, f in enumerate(config.get("filtersConfig") or ()):
        strength = f.get(f"{stage}Strength", "NONE")
        if strength == "NONE" or not f.get(f"{stage}Enabled", True):
            continue
        action = f.get(f"{stage}Action") or "BLOCK"
        if f["type"] == "PROMPT_ATTACK":
            if stage == "output":
                notes.append(f"contentPolicyConfig.filtersConfig[{i}]: PROMPT_ATTACK outputStrength {strength} "
                             "not imported: prompt_attack judges the input only")
                continue
            attack.append({"prompt_attack": {"strength": strength,
                                             "on_fail": "block" if action == "BLOCK" else "log"}})
        else:
            (blocking if action == "BLOCK" else logging)[f["type"]] = strength
    out: list[dict[str, Any]] = []
    if blocking:
        out.append({"content_filter": {"filters": blocking, "on_fail": "block"}})
    if logging:
        out.append({"content_filter": {"filters": logging, "on_fail": "log"}})
    return out + attack
