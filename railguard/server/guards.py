"""The compiled guards a server answers with, swapped atomically on reload.

Every spec is loaded, compiled and warmed (each validator's ``setup()`` run) before the new set
replaces the old one in a single assignment: requests in flight keep the guard they started
with, and a reload in which any spec fails leaves the previous set serving and reports why.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import RailguardError

__all__ = ["GuardSet", "Loaded"]

log = logging.getLogger("railguard.server")


@dataclass(frozen=True)
class Loaded:
    guards: Mapping[str, Any]  # name -> Guard
    versions: Mapping[str, tuple[str, ...]]  # name -> versions ApplyGuardrail accepts: DRAFT and the spec's
    generation: int


def _build(paths: list[str]) -> dict[str, Any]:
    from ..guard import Guard
    from ..plugins import Registry

    registry = Registry.load()
    guards: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for path in paths:
        guard = Guard.from_file(path, registry=registry)
        if guard.name in guards:
            raise RailguardError(f"{path}: spec name {guard.name!r} is also the name of {origin[guard.name]}")
        guard.warmup()
        guards[guard.name] = guard
        origin[guard.name] = path
    return guards


class GuardSet:
    def __init__(self, paths: list[str]):
        self.paths = list(paths)
        self._lock = threading.Lock()
        self.current = Loaded({}, {}, 0)
        self.ready = False
        self.last_error: str | None = None

    def load(self) -> Loaded:
        """Build every guard; on success swap them in. Raises (and keeps the old set) on any failure."""
        with self._lock:
            try:
                guards = _build(self.paths)
            except RailguardError as exc:
                self.last_error = str(exc)
                raise
            except Exception as exc:  # a validator whose setup() failed
                self.last_error = f"{type(exc).__name__}: {exc}"
                raise RailguardError(f"a spec could not be compiled or warmed: {self.last_error}") from exc
            versions = {name: ("DRAFT", str(g.spec.version)) for name, g in guards.items()}
            self.current = Loaded(guards, versions, self.current.generation + 1)
            self.ready = True
            self.last_error = None
            return self.current

    def reload(self) -> tuple[bool, str]:
        """(True, summary) after a swap; (False, the error) when the previous set keeps serving."""
        try:
            loaded = self.load()
        except RailguardError as exc:
            log.error(_json_line({"event": "reload_failed", "error": str(exc)[:2000]}))
            return False, str(exc)
        log.info(_json_line({"event": "reloaded", "generation": loaded.generation, "guards": sorted(loaded.guards)}))
        return True, f"generation {loaded.generation}: {', '.join(sorted(loaded.guards))}"

    def get(self, name: str) -> Any | None:
        return self.current.guards.get(name)


def _json_line(record: Mapping[str, Any]) -> str:
    import json

    return json.dumps(record, ensure_ascii=False, sort_keys=True)
