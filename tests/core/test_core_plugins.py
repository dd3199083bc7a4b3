"""Plugins: built-ins through the entry-point group, a real third-party distribution, clashes, tracing."""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from railguard import Guard, Outcome, PluginError, Registry, Validator, hookimpl
from railguard.plugins import BUILTIN_PLUGINS

from coretest import ROOT, make_registry, run_cli


def test_builtins_are_exactly_the_declared_entry_points() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["railguard"]
    assert dict(BUILTIN_PLUGINS) == declared


def test_registry_is_built_on_demand_not_at_import() -> None:
    code = ("import sys, railguard; import railguard.guard; "
            "print(any(m.startswith('railguard_validators') for m in sys.modules))")
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_third_party_plugin_is_listed_and_usable(acme_site: Path, tmp_path: Path) -> None:
    res = run_cli("plugins", "--json", pythonpath=acme_site)
    assert res.code == 0, res.err
    plugins = {p["name"]: p for p in json.loads(res.out)}
    acme = plugins["acme"]
    assert acme == {"name": "acme", "module": "railguard_acme", "distribution": "railguard-acme", "version": "1.2.3",
                    "builtin": False, "validators": ["acme_shouting"], "actions": ["acme_hash"]}
    assert plugins["regex"]["builtin"] and plugins["regex"]["distribution"] == "railguard"
    table = run_cli("plugins", pythonpath=acme_site).out
    assert "railguard-acme" in table and "acme_shouting" in table

    spec = tmp_path / "acme.yaml"
    spec.write_text("railguard: 1\nname: acme\ninput:\n  - acme_shouting: {max_ratio: 0.3, on_fail: acme_hash}\n")
    res = run_cli("validate", str(spec), "--text", "please STOP NOW", "--json", pythonpath=acme_site)
    assert res.code == 2, res.err
    out = json.loads(res.out)["output"]
    assert out.startswith("please <SHOUT:") and "STOP" not in out

    disabled = run_cli("plugins", "--json", pythonpath=acme_site, env={"RAILGUARD_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert "acme" not in {p["name"] for p in json.loads(disabled.out)}
    res = run_cli("check", str(spec), pythonpath=acme_site, env={"RAILGUARD_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert res.code == 1 and "'acme_shouting' is not a known validator" in res.err


def _fake_dist(site: Path, dist: str, module: str, source: str, ep_name: str) -> None:
    """A minimal installed distribution: a module plus a .dist-info with an entry point."""
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[railguard]\n{ep_name} = {module}\n")


def test_duplicate_validator_name_names_both_distributions(tmp_path: Path) -> None:
    _fake_dist(tmp_path, "railguard-copycat", "copycat", """
        from railguard import Outcome, Validator, hookimpl

        class Regex(Validator):
            name = "regex"
            def validate(self, text, context):
                return Outcome.ok()

        @hookimpl
        def register_validators():
            return [Regex]
        """, "copycat")
    res = run_cli("plugins", pythonpath=tmp_path)
    assert res.code == 1 and "Traceback" not in res.err
    assert "validator name 'regex' is provided by two plugins" in res.err
    assert "'railguard'" in res.err and "'railguard-copycat'" in res.err


def test_entry_point_name_clash_with_a_builtin(tmp_path: Path) -> None:
    _fake_dist(tmp_path, "railguard-squatter", "squatter", "", "pii")
    res = run_cli("plugins", pythonpath=tmp_path)
    assert res.code == 1 and "plugin name 'pii' is declared by distribution 'railguard-squatter'" in res.err


def test_broken_plugins_are_plugin_errors(tmp_path: Path) -> None:
    _fake_dist(tmp_path, "railguard-broken", "broken_plugin", "raise ImportError('no numpy here')\n", "broken")
    res = run_cli("plugins", pythonpath=tmp_path)
    assert res.code == 1 and "plugin 'broken' from distribution 'railguard-broken' failed to load" in res.err


@pytest.mark.parametrize("attrs,fragment", [
    ({"name": "Bad-Name"}, "has name 'Bad-Name'"),
    ({"name": "ok_name", "params_schema": {"type": "object", "properties": {"x": {"type": "nonsense"}}}},
     "invalid params_schema"),
    ({"name": "ok_name", "default_on_fail": "explode"}, "default_on_fail 'explode'"),
    ({"name": "ok_name", "stages": ("middle",)}, "has stages"),
])
def test_malformed_validator_classes_are_rejected(attrs: dict, fragment: str) -> None:
    cls = type("Bad", (Validator,), {"validate": lambda self, t, c: Outcome.ok(), **attrs})
    with pytest.raises(PluginError, match=fragment):
        make_registry(cls)


def test_not_a_validator_class() -> None:
    with pytest.raises(PluginError, match="not a Validator subclass"):
        make_registry(dict)  # type: ignore[arg-type]


def test_unknown_hook_implementation_is_refused() -> None:
    class Typo:
        __name__ = "typo-plugin"

        @hookimpl
        def register_validator(self):  # missing 's'
            return []

    with pytest.raises(PluginError, match="typo-plugin"):
        Registry.load(autoload=False, extra=[Typo()])


def test_guard_call_wrapper_traces_sync_and_async_calls() -> None:
    seen = []

    class Tracer:
        __name__ = "tracer"

        @hookimpl(wrapper=True)
        def guard_call(self, call):
            seen.append(("enter", call.kind, call.source))
            result = yield
            seen.append(("exit", result.action))
            return result

    from fakes import Find

    registry = Registry.load(autoload=False, extra=[Tracer(), type("P", (), {
        "__name__": "p", "register_validators": hookimpl(lambda self: [Find])})()])
    g = Guard.from_text("railguard: 1\nname: t\ninput:\n  - find: {find: [x]}\n", registry=registry)
    assert g.graph.tracing
    g.validate("x")
    g.call(lambda p: "ok", "hello")
    asyncio.run(g.avalidate("nothing"))
    assert seen == [("enter", "validate", "input"), ("exit", "GUARDRAIL_INTERVENED"),
                    ("enter", "call", None), ("exit", "NONE"),
                    ("enter", "validate", "input"), ("exit", "NONE")]
