"""Mutation fuzzing of the example specs: whatever the mutation, loading raises SpecError or loads.

A seeded mutator (reproducible: the seed and the mutant's index name every failure) applies the
edits that broke the loader before: control characters and NUL, YAML tags (``!!int``, ``!!bool``,
``!!timestamp``, ``!!python/...``), merge keys and aliases, deep flow nesting, ``.nan``, deleted,
duplicated and re-indented lines, cut files, XML attribute twins and stray text.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from railguard import SpecError, load_spec
from railguard.plugins import Registry

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted(p for p in (ROOT / "specs").iterdir() if p.suffix in (".yaml", ".rail") and ".tests." not in p.name)
MUTANTS_PER_SPEC = 90
SEED = 20261204

INSERTS = ["\x00", "\x07", "\x1b", "\ufeff", "\ud800", "\t", "\n", "\r", " ", ":", ": ", "- ", "-", "[", "]", "{", "}",
           ",", "&a ", "*a ", "*b", "<<: ", "<<: 1\n", "!!int ", "!!bool ", "!!timestamp ", "!!float ", "!!binary ",
           "!!python/object/apply:os.system ", "!foo ", "? ", "|", ">", "'", '"', "#", "%YAML 1.1\n", "---\n",
           ".nan", ".inf", "1.0e+400", "9" * 5000, "[" * 200, "{a: " * 100, "<", ">", "/>", "</x>", "&amp;", "&x;",
           'on_fail="log" ', 'x:on-fail="log" ', "stray", "<!DOCTYPE x>", "<![CDATA[x]]>", "NaN", "Infinity"]


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(7)
        lines = text.split("\n")
        if kind == 0 and text:  # insert something at a random place
            i = rng.randrange(len(text) + 1)
            text = text[:i] + rng.choice(INSERTS) + text[i:]
        elif kind == 1 and text:  # delete a run of characters
            i = rng.randrange(len(text))
            text = text[:i] + text[i + rng.randint(1, 8):]
        elif kind == 2:  # duplicate a line
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
            text = "\n".join(lines)
        elif kind == 3:  # re-indent a line
            i = rng.randrange(len(lines))
            lines[i] = " " * rng.randint(0, 7) + lines[i].lstrip()
            text = "\n".join(lines)
        elif kind == 4:  # cut the file
            text = text[:rng.randrange(len(text) + 1)]
        elif kind == 5:  # swap two lines
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        else:  # replace a number with something that is not one
            digits = [n for n, c in enumerate(text) if c.isdigit()]
            if digits:
                i = rng.choice(digits)
                text = text[:i] + rng.choice([".nan", "-.inf", "!!int x", "1.0e+999", "nan", "inf", "0x"]) + text[i + 1:]
    return text


@pytest.fixture(scope="module")
def registry():
    return Registry.load()


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_only_spec_errors_escape_spec_loading(spec, registry, tmp_path):
    rng = random.Random(f"{SEED}:{spec.name}")
    original = spec.read_text(encoding="utf-8")
    kinds = {"loaded": 0, "refused": 0}
    for n in range(MUTANTS_PER_SPEC):
        text = mutate(original, rng)
        path = tmp_path / f"m{n}{spec.suffix}"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            load_spec(path, registry=registry)
            kinds["loaded"] += 1
        except SpecError as exc:
            kinds["refused"] += 1
            assert exc.issues, f"seed {SEED}, {spec.name} mutant {n}: a SpecError without issues"
            assert all(i.file == str(path) for i in exc.issues), f"{spec.name} mutant {n}: an issue without file"
            assert all(len(i.message) <= 600 for i in exc.issues)
        except Exception as exc:  # pragma: no cover - the failure this test exists to catch
            pytest.fail(f"seed {SEED}, {spec.name} mutant {n}: {type(exc).__name__} escaped: {str(exc)[:200]}")
    assert kinds["refused"] > MUTANTS_PER_SPEC // 3  # the mutations do break most specs
