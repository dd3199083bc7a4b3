"""The plugin registry: a fresh pluggy plugin manager on demand, never at import.

Built-ins (the actions in :mod:`railguard.actions` and the validator modules of
:mod:`railguard_validators`) are registered first, under the same entry-point names
the ``railguard`` distribution declares; then every other distribution's entry
points in the group ``railguard`` are loaded. A built-in entry point is therefore
never loaded twice, and a third party reusing a taken plugin or validator name is
an error naming both distributions.

Environment switches:

- ``RAILGUARD_DISABLE_PLUGIN_AUTOLOAD=1``: load built-ins only.
- ``RAILGUARD_TRACE_HOOKS=1``: print every hook call to stderr.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import pluggy

from . import hookspecs
from .actions import Action, Kind
from .errors import PluginError
from .validator import ParamIssue, Validator

__all__ = ["Registry", "PluginInfo", "ENTRY_POINT_GROUP", "BUILTIN_PLUGINS", "AUTOLOAD_ENV"]

ENTRY_POINT_GROUP = "railguard"
AUTOLOAD_ENV = "RAILGUARD_DISABLE_PLUGIN_AUTOLOAD"
TRACE_ENV = "RAILGUARD_TRACE_HOOKS"
DISTRIBUTION = "railguard"

# (entry-point name, module). Must match [project.entry-points.railguard] in pyproject.toml;
# a test checks that they agree.
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("regex", "railguard_validators.regex"),
    ("length", "railguard_validators.length"),
    ("pii", "railguard_validators.pii"),
    ("words", "railguard_validators.words"),
    ("denied_topics", "railguard_validators.denied_topics"),
    ("json_schema", "railguard_validators.json_schema"),
    ("bedrock_guardrail", "railguard_validators.bedrock_guardrail"),
    ("llama_guard", "railguard_validators.llama_guard"),
    ("prompt_attack", "railguard_validators.prompt_attack"),
    ("content_filter", "railguard_validators.content_filter"),
)
_ACTIONS_PLUGIN = ("railguard.actions", "railguard.actions")

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


@dataclass(frozen=True)
class PluginInfo:
    name: str
    module: str
    distribution: str
    version: str
    builtin: bool
    validators: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "module": self.module, "distribution": self.distribution,
                "version": self.version, "builtin": self.builtin, "validators": list(self.validators),
                "actions": list(self.actions)}


@dataclass(frozen=True)
class ValidatorEntry:
    cls: type[Validator]
    plugin: PluginInfo


@dataclass(frozen=True)
class ActionEntry:
    action: Action
    plugin: PluginInfo


def _own_version() -> str:
    try:
        from importlib.metadata import version

        return version(DISTRIBUTION)
    except Exception:
        return "0+unknown"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class Registry:
    """Validators and actions by name, with the plugins that provide them. Implements the spec Catalog."""

    def __init__(self, manager: pluggy.PluginManager, plugins: Sequence[PluginInfo],
                 validators: Mapping[str, ValidatorEntry], actions: Mapping[str, ActionEntry]):
        self.manager = manager
        self.plugins = tuple(plugins)
        self._validators = dict(validators)
        self._actions = dict(actions)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def load(cls, *, autoload: bool | None = None, extra: Iterable[Any] = ()) -> "Registry":
        """Build a fresh registry: built-ins, then entry points (unless disabled), then ``extra`` plugin objects."""
        if autoload is None:
            autoload = not _env_flag(AUTOLOAD_ENV)
        pm = pluggy.PluginManager("railguard")
        pm.add_hookspecs(hookspecs)
        if _env_flag(TRACE_ENV):
            pm.trace.root.setwriter(sys.stderr.write)
            pm.enable_tracing()
        infos: dict[str, PluginInfo] = {}
        own = _own_version()
        for name, modname in (_ACTIONS_PLUGIN,) + BUILTIN_PLUGINS:
            module = importlib.import_module(modname)
            _register(pm, module, name)
            infos[name] = PluginInfo(name, modname, DISTRIBUTION, own, True)
        if autoload:
            _load_entry_points(pm, infos)
        for n, plugin in enumerate(extra):
            name = getattr(plugin, "__name__", None) or f"extra-{n}"
            _register(pm, plugin, name)
            infos[name] = PluginInfo(name, getattr(plugin, "__name__", repr(plugin)), "<local>", "", False)
        try:
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin) or repr(exc.plugin)
            info = infos.get(name)
            where = f"plugin {name!r}" + (f" ({info.distribution})" if info else "")
            raise PluginError(f"{where}: {str(exc).split(' in plugin ')[0]}; the hooks are "
                              f"register_validators, register_actions and guard_call") from None
        return cls._collect(pm, infos)

    @classmethod
    def _collect(cls, pm: pluggy.PluginManager, infos: dict[str, PluginInfo]) -> "Registry":
        validators: dict[str, ValidatorEntry] = {}
        actions: dict[str, ActionEntry] = {}
        provided: dict[str, tuple[list[str], list[str]]] = {n: ([], []) for n in infos}
        order = list(infos)
        # Hook implementations are collected per plugin, in registration order, so that
        # every class is attributed to its distribution.
        hooktrace = pm.trace.root.get("hook")  # writes only with RAILGUARD_TRACE_HOOKS=1
        for impl in sorted(pm.hook.register_actions.get_hookimpls(), key=lambda i: order.index(i.plugin_name)):
            info = infos[impl.plugin_name]
            for action_cls in _call(impl, info, "register_actions", hooktrace):
                action = _check_action(action_cls, info)
                if action.name in actions:
                    raise PluginError(_clash("action", action.name, actions[action.name].plugin, info))
                actions[action.name] = ActionEntry(action, info)
                provided[impl.plugin_name][1].append(action.name)
        for impl in sorted(pm.hook.register_validators.get_hookimpls(), key=lambda i: order.index(i.plugin_name)):
            info = infos[impl.plugin_name]
            for vcls in _call(impl, info, "register_validators", hooktrace):
                _check_validator(vcls, info, actions)
                if vcls.name in validators:
                    raise PluginError(_clash("validator", vcls.name, validators[vcls.name].plugin, info))
                validators[vcls.name] = ValidatorEntry(vcls, info)
                provided[impl.plugin_name][0].append(vcls.name)
        final_infos = []
        for name, info in infos.items():
            v, a = provided[name]
            final = PluginInfo(info.name, info.module, info.distribution, info.version, info.builtin, tuple(v), tuple(a))
            final_infos.append(final)
            for vname in v:
                validators[vname] = ValidatorEntry(validators[vname].cls, final)
            for aname in a:
                actions[aname] = ActionEntry(actions[aname].action, final)
        return cls(pm, final_infos, validators, actions)

    # -- lookups --------------------------------------------------------------------------
    def validator_class(self, name: str) -> type[Validator]:
        return self._validators[name].cls

    def validator_entry(self, name: str) -> ValidatorEntry:
        return self._validators[name]

    def action(self, name: str) -> Action:
        return self._actions[name].action

    def has_tracing(self) -> bool:
        return bool(self.manager.hook.guard_call.get_hookimpls())

    # -- Catalog ----------------------------------------------------------------------------
    def validator_names(self) -> list[str]:
        return sorted(self._validators)

    def params_schema(self, name: str) -> Mapping[str, Any]:
        return self._validators[name].cls.params_schema

    def default_on_fail(self, name: str) -> str:
        return self._validators[name].cls.default_on_fail

    def can(self, name: str, kind: str) -> bool:
        cls = self._validators[name].cls
        return bool(cls.can_mask if kind == "mask" else cls.can_fix if kind == "fix" else True)

    def stages(self, name: str) -> tuple[str, ...]:
        return tuple(self._validators[name].cls.stages)

    def check_params(self, name: str, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        entry = self._validators[name]
        try:
            return list(entry.cls.check_params(params) or ())
        except Exception as exc:  # a plugin bug must not become a traceback in `railguard check`
            return [ParamIssue((), f"validator {name!r} (from {entry.plugin.distribution}) failed to check its "
                                   f"parameters: {type(exc).__name__}: {exc}")]

    def action_names(self) -> list[str]:
        return sorted(self._actions)

    def action_kind(self, name: str) -> str:
        return self._actions[name].action.kind.name.lower()

    def action_stages(self, name: str) -> tuple[str, ...]:
        a = self._actions[name].action
        return tuple(s for s, ok in (("input", a.input_stage), ("output", a.output_stage)) if ok)


def _register(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {name!r}: {exc}") from None
    except ValueError as exc:
        raise PluginError(f"plugin {name!r} could not be registered: {exc}") from None


def _load_entry_points(pm: pluggy.PluginManager, infos: dict[str, PluginInfo]) -> None:
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = ep.dist.metadata["name"] if ep.dist is not None else "<unknown>"
        version = ep.dist.version if ep.dist is not None else ""
        if ep.name in infos:
            existing = infos[ep.name]
            if existing.builtin and dist.lower() == DISTRIBUTION and ep.value == existing.module:
                continue  # the built-in's own entry point, already registered
            if dist.lower() == existing.distribution.lower() and ep.value == existing.module:
                continue  # the same distribution seen twice on sys.path
            raise PluginError(f"plugin name {ep.name!r} is declared by distribution {dist!r} ({ep.value}) "
                              f"and by {existing.distribution!r} ({existing.module}); rename one entry point")
        try:
            module = ep.load()
        except Exception as exc:
            raise PluginError(f"plugin {ep.name!r} from distribution {dist!r} failed to load ({ep.value}): "
                              f"{type(exc).__name__}: {exc}") from None
        _register(pm, module, ep.name)
        infos[ep.name] = PluginInfo(ep.name, ep.value, dist, version, False)


def _call(impl: Any, info: PluginInfo, hook: str, hooktrace: Any) -> list[Any]:
    hooktrace(f"{hook}() plugin={info.name}")
    try:
        got = impl.function()
        hooktrace("finish", hook, "-->", [getattr(c, "name", getattr(c, "__name__", "?")) for c in got or ()])
    except Exception as exc:
        raise PluginError(f"plugin {info.name!r} ({info.distribution}): {hook}() raised "
                          f"{type(exc).__name__}: {exc}") from None
    if got is None:
        return []
    if not isinstance(got, (list, tuple)):
        raise PluginError(f"plugin {info.name!r} ({info.distribution}): {hook}() must return a list of classes, "
                          f"got {type(got).__name__}")
    return list(got)


def _clash(what: str, name: str, first: PluginInfo, second: PluginInfo) -> str:
    return (f"{what} name {name!r} is provided by two plugins: {first.name!r} from distribution "
            f"{first.distribution!r} and {second.name!r} from distribution {second.distribution!r}; "
            f"uninstall one or rename its {what}")


def _check_validator(vcls: Any, info: PluginInfo, actions: Mapping[str, ActionEntry]) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    where = f"plugin {info.name!r} ({info.distribution})"
    if not (isinstance(vcls, type) and issubclass(vcls, Validator)):
        raise PluginError(f"{where}: register_validators() returned {vcls!r}, which is not a Validator subclass")
    if not isinstance(vcls.name, str) or not _NAME.fullmatch(vcls.name):
        raise PluginError(f"{where}: validator class {vcls.__qualname__} has name {vcls.name!r}; "
                          f"names match [a-z][a-z0-9_]{{0,49}}")
    try:
        Draft202012Validator.check_schema(vcls.params_schema)
    except SchemaError as exc:
        path = "".join(f"[{p!r}]" for p in exc.absolute_path)
        raise PluginError(f"{where}: validator {vcls.name!r} has an invalid params_schema{path}: {exc.message}") from None
    if vcls.default_on_fail not in actions:
        raise PluginError(f"{where}: validator {vcls.name!r} has default_on_fail {vcls.default_on_fail!r}, "
                          f"which is not an action ({sorted(actions)})")
    bad = [s for s in vcls.stages if s not in ("input", "output")]
    if bad or not vcls.stages:
        raise PluginError(f"{where}: validator {vcls.name!r} has stages {vcls.stages!r}; use 'input' and/or 'output'")


def _check_action(acls: Any, info: PluginInfo) -> Action:
    where = f"plugin {info.name!r} ({info.distribution})"
    if not (isinstance(acls, type) and issubclass(acls, Action)):
        raise PluginError(f"{where}: register_actions() returned {acls!r}, which is not an Action subclass")
    if not isinstance(acls.name, str) or not _NAME.fullmatch(acls.name):
        raise PluginError(f"{where}: action class {acls.__qualname__} has name {acls.name!r}")
    if not isinstance(acls.kind, Kind):
        raise PluginError(f"{where}: action {acls.name!r} has kind {acls.kind!r}; use railguard.actions.Kind")
    return acls()
