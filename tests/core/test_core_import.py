"""`import railguard` stays cheap: nothing heavy, no plugin, no global state."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("boto3", "botocore", "jsonschema", "lxml", "yaml", "pluggy", "re2", "ahocorasick", "phonenumbers",
         "spacy", "torch", "sentence_transformers", "sagemaker", "railguard_validators", "railguard.plugins")


def _probe(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_import_loads_nothing_heavy_and_changes_no_global_state() -> None:
    got = _probe(
        "import sys, os, logging, json, warnings\n"
        "env = dict(os.environ); handlers = list(logging.getLogger().handlers); filters = list(warnings.filters)\n"
        "import railguard\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(json.dumps({'heavy': heavy, 'env': env == dict(os.environ),\n"
        "  'handlers': handlers == list(logging.getLogger().handlers),\n"
        "  'rg_handlers': logging.getLogger('railguard').handlers == [],\n"
        "  'warnings': filters == list(warnings.filters)}))\n")
    assert got == {"heavy": [], "env": True, "handlers": True, "rg_handlers": True, "warnings": True}


def test_public_names_resolve_and_read_as_railguard() -> None:
    import railguard

    for name in railguard.__all__:
        assert getattr(railguard, name) is not None
    assert repr(railguard.Guard) == "<class 'railguard.Guard'>"
    assert "Guard" in dir(railguard)


def test_using_a_guard_does_not_load_boto3() -> None:
    got = _probe(
        "import sys, json, railguard\n"
        "g = railguard.Guard.from_file('specs/bank-support.yaml')\n"
        "g.validate('hello')\n"
        "print(json.dumps({'boto3': 'boto3' in sys.modules}))\n")
    assert got == {"boto3": False}
