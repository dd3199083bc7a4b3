"""Spec loading never escapes the error model, and its work is bounded (issue 9, sections 1, 4, 5, 7).

Every reproduction of the issue is here: YAML that made PyYAML raise its own exceptions, NaN and
infinities, names with a trailing newline, RAIL duplicate attributes and stray text, huge and
hostile specs (bounded by the loader while parsing), UTF-16 files, and the checks of `railguard
check` over several files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from railguard import SpecError, load_spec
from railguard.spec.source import MAX_MESSAGE_CHARS
from railguard.spec.yaml_source import MAX_DEPTH, MAX_NODES, MAX_SCALAR_CHARS

BASE = "railguard: 1\nname: t\ninput:\n  - length: {max: 10}\n"


def spec_error(text: str, tmp_path: Path, name: str = "spec.yaml") -> SpecError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        load_spec(path)
    for issue in exc.value.issues:
        assert issue.file == str(path)
        assert len(issue.message) <= MAX_MESSAGE_CHARS
    return exc.value


# -- section 5: PyYAML's own exceptions become SpecErrors with file:line --------------------------
MUTANTS = {
    "nul": (BASE + "description: a\x00b\n", 5, "character U+0000 (NUL) is not allowed"),
    "bell": (BASE + "description: a\x07b\n", 5, "U+0007 (a control character)"),
    "int-abc": (BASE.replace("max: 10", "max: !!int abc"), 4, "'abc' cannot be read as !!int"),
    "bool-maybe": (BASE + "description: !!bool maybe\n", 5, "'maybe' cannot be read as !!bool"),
    "timestamp-abc": (BASE + "description: !!timestamp abc\n", 5, "'abc' cannot be read as !!timestamp"),
    "timestamp-date": (BASE + "description: !!timestamp 2024-01-02\n", 5, "quote it to make it a string"),
    "scalar-merge": (BASE + "settings: {<<: 1}\n", 5, "a merge key ('<<') takes a mapping"),
    "nested-flow": (BASE + "description: " + "[" * 493 + "]" * 493 + "\n", 5,
                    f"nested more than {MAX_DEPTH} levels"),
    "recursive-alias": (BASE + "description: &a [*a]\n", 5, "a recursive alias?"),
    "recursive-merge": (BASE + "settings: &a {<<: *a}\n", 5, "a recursive alias?"),
    "undefined-alias": (BASE + "description: *nowhere\n", 5, "found undefined alias 'nowhere'"),
    "two-documents": (BASE + "---\n" + BASE, 5, "found a second one"),
    "binary": (BASE + "description: !!binary aGVsbG8=\n", 5, "which specs do not take"),
    "huge-int": (BASE.replace("max: 10", "max: " + "9" * 5000), 4, "too many digits"),
    "python-tag": (BASE + "description: !!python/object/apply:os.system ['true']\n", 5, "is not allowed in specs"),
    "python-scalar": (BASE + "description: !!python/name:os.system ''\n", 5, "specs never execute code"),
    "set-tag": (BASE + "description: !!set {a, b}\n", 5, "tag '!!set' is not allowed"),
}


@pytest.mark.parametrize("kind", sorted(MUTANTS))
def test_yaml_mutants_are_spec_errors_with_a_line(kind, tmp_path):
    text, line, fragment = MUTANTS[kind]
    err = spec_error(text, tmp_path)
    hits = [i for i in err.issues if fragment in i.message]
    assert hits, [str(i) for i in err.issues]
    assert hits[0].line == line


def test_merge_keys_still_work(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("railguard: 1\nname: t\ninput:\n"
                    "  - length: {<<: [{max: 10, unit: words}, {max: 5, on_fail: log}], max: 20}\n")
    (entry,) = load_spec(path).input
    assert dict(entry.params) == {"max": 20, "unit": "words"} and entry.on_fail == "log"


# -- section 1: NaN and infinities; names with a trailing newline ---------------------------------
@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "+.INF", "1.0e+400"])
@pytest.mark.parametrize("where", ["settings: {timeout_s: %s}\n", "input:\n  - length: {max: 10, timeout_s: %s}\n",
                                   "input:\n  - regex: {patterns: [{name: A, pattern: a}], timeout_s: %s}\n"])
def test_yaml_nan_and_infinity_are_spec_errors(value, where, tmp_path):
    text = "railguard: 1\nname: t\n" + where % value + ("" if "input" in where else "input:\n  - length: {max: 1}\n")
    err = spec_error(text, tmp_path)
    (hit,) = [i for i in err.issues if "NaN and infinities are not allowed" in i.message]
    assert hit.line == (3 if "settings" in where else 4) and hit.path.endswith("timeout_s")


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e999"])
def test_rail_nan_and_infinity_are_spec_errors(value, tmp_path):
    text = (f'<rail version="1" name="t">\n  <settings timeout-s="{value}"/>\n  <input>\n'
            f'    <length max="10" timeout-s="{value}"/>\n  </input>\n</rail>\n')
    err = spec_error(text, tmp_path, "spec.rail")
    paths = {i.path for i in err.issues}
    assert paths == {"$.settings.timeout_s", "$.input[0].length.timeout_s"}, [str(i) for i in err.issues]
    assert all(i.line in (2, 4) for i in err.issues)


def test_nan_in_rail_json_text_is_a_spec_error(tmp_path):
    text = ('<rail version="1" name="t"><output>\n'
            '  <json-schema schema=\'{"type": "object", "properties": {"x": {"maximum": NaN}}}\'/>\n'
            '</output></rail>\n')
    err = spec_error(text, tmp_path, "spec.rail")
    assert any("NaN and infinities are not allowed" in i.message and i.line == 2 for i in err.issues), \
        [str(i) for i in err.issues]


@pytest.mark.parametrize("field,text", [
    ("name", 'railguard: 1\nname: "x\\n"\ninput:\n  - length: {max: 10}\n'),
    ("id", 'railguard: 1\nname: x\ninput:\n  - length: {max: 10, id: "a\\n"}\n'),
    ("pattern name", 'railguard: 1\nname: x\ninput:\n  - regex: {patterns: [{name: "SSN\\n", pattern: a}]}\n'),
    ("guardrail id", 'railguard: 1\nname: x\ninput:\n  - bedrock_guardrail: {id: "ab12cd\\n", version: "1"}\n'),
    ("guardrail version", 'railguard: 1\nname: x\ninput:\n  - bedrock_guardrail: {id: ab12cd, version: "1\\n"}\n'),
])
def test_names_with_a_trailing_newline_are_refused(field, text, tmp_path):
    err = spec_error(text, tmp_path)
    assert err.issues, field
    assert any("\\n'" in i.message for i in err.issues), [str(i) for i in err.issues]


def test_names_without_newline_still_load(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text('railguard: 1\nname: "x"\ninput:\n  - regex: {patterns: [{name: "SSN", pattern: a}], id: "a"}\n')
    assert load_spec(path).input[0].id == "a"


# -- RAIL: duplicate attributes, stray text, one error per typo, RAIL spelling ---------------------
def rail(body: str) -> str:
    return f'<rail version="1" name="t">\n{body}\n</rail>\n'


@pytest.mark.parametrize("attrs,fragment", [
    ('on-fail="mask" on_fail="log"', "RAIL spells it 'on-fail'"),
    ('xmlns:x="urn:x" on-fail="mask" x:on-fail="log"', "attributes 'on-fail' and 'x:on-fail' of <pii> both give"),
])
def test_rail_duplicate_attributes_are_errors(attrs, fragment, tmp_path):
    err = spec_error(rail(f'  <input>\n    <pii entities="EMAIL" {attrs}/>\n  </input>'), tmp_path, "s.rail")
    (hit,) = [i for i in err.issues if fragment in i.message]
    assert hit.line == 3 and hit.path == "$.input[0].pii.on_fail"


@pytest.mark.parametrize("body,line", [
    ("  stray words\n  <input><length max=\"5\"/></input>", 1),
    ("  <input><length max=\"5\"/>stray</input>", 2),
    ("  <input><length max=\"5\"/></input> after input", 2),
])
def test_rail_stray_text_is_an_error(body, line, tmp_path):
    err = spec_error(rail(body), tmp_path, "s.rail")
    (hit,) = [i for i in err.issues if "unexpected text" in i.message]
    assert hit.line == line


def test_rail_typo_in_an_element_name_gives_one_error_spelled_for_rail(tmp_path):
    body = ('  <input>\n    <denied-topic on-fail="block">\n      <topic name="dosage">\n'
            '        <definition>Advice on doses.</definition>\n        <example>How many mg?</example>\n'
            '      </topic>\n    </denied-topic>\n  </input>')
    err = spec_error(rail(body), tmp_path, "s.rail")
    (issue,) = err.issues
    assert issue.line == 3 and "'denied-topic' is not a known validator (did you mean 'denied-topics'?)" in \
        issue.message


def test_rail_unknown_attribute_suggests_the_rail_spelling(tmp_path):
    err = spec_error(rail('  <input><pii entities="EMAIL" on-fial="mask"/></input>'), tmp_path, "s.rail")
    (issue,) = err.issues
    assert "'on-fial' is not a known key (did you mean 'on-fail'?)" in issue.message
    assert "'on-error'" in issue.message and "on_error" not in issue.message


def test_rail_underscore_element_names_are_refused(tmp_path):
    err = spec_error(rail('  <input><denied_topics><topic name="a"><definition>d</definition></topic>'
                          '</denied_topics></input>'), tmp_path, "s.rail")
    assert any("RAIL spells it <denied-topics>" in i.message for i in err.issues)


def test_rail_deeply_nested_json_text_is_a_clean_error(tmp_path):
    deep = "[" * 5000 + "]" * 5000
    err = spec_error(rail(f"  <output><json-schema schema='{deep}'/></output>"), tmp_path, "s.rail")
    assert err.issues


# -- section 4: bounded work, short messages -------------------------------------------------------
def test_a_10mb_spec_is_refused_at_the_node_bound(tmp_path):
    line = "  - length: {max: 10}\n"
    text = BASE + "output:\n" + line * ((10 * 1024 * 1024 - 200) // len(line))
    err = spec_error(text, tmp_path)
    (issue,) = err.issues
    assert f"more than {MAX_NODES} values" in issue.message and issue.line < 100_000


def test_a_1mb_flow_list_is_refused_at_the_node_bound(tmp_path):
    err = spec_error(BASE + "description: [" + "1," * 500_000 + "1]\n", tmp_path)
    assert f"more than {MAX_NODES} values" in err.issues[0].message


def test_a_huge_string_is_refused(tmp_path):
    err = spec_error(BASE + "description: " + "x" * (MAX_SCALAR_CHARS + 1) + "\n", tmp_path)
    assert f"the limit is {MAX_SCALAR_CHARS}" in err.issues[0].message


def test_an_alias_bomb_gives_a_short_error(tmp_path):
    lines = ["  a0: &a0 [" + ", ".join(['"' + "x" * 100 + '"'] * 10) + "]"]
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    text = BASE + "description:\n" + "\n".join(lines) + "\n"
    assert len(text) < 100_000
    err = spec_error(text, tmp_path)
    assert len(str(err)) < 1000 and "through aliases?" in str(err)


def test_a_big_wrong_value_is_quoted_short(tmp_path):
    text = BASE + "description:\n" + ("  - " + "s" * 90_000 + "\n") * 20
    err = spec_error(text, tmp_path)
    assert len(str(err)) < 2 * MAX_MESSAGE_CHARS


def test_thousands_of_issues_are_capped(tmp_path):
    text = BASE + "settings:\n" + "".join(f"  k{i}: 1\n" for i in range(5000))
    err = spec_error(text, tmp_path)
    assert len(err.issues) <= 101 and "more issues not shown" in err.issues[-1].message


# -- encodings and indentation ----------------------------------------------------------------------
@pytest.mark.parametrize("encoding,name", [("utf-16", "UTF-16 (little-endian)"), ("utf-16-be", None),
                                           ("utf-32", "UTF-32 (little-endian)")])
def test_utf16_and_utf32_files_name_their_encoding(encoding, name, tmp_path):
    path = tmp_path / "spec.yaml"
    data = BASE.encode(encoding)
    if name is None:
        data, name = b"\xfe\xff" + data, "UTF-16 (big-endian)"
    path.write_bytes(data)
    with pytest.raises(SpecError) as exc:
        load_spec(path)
    (issue,) = exc.value.issues
    assert f"not UTF-8 text: the file is {name} (it starts with a {name} byte-order mark)" in issue.message
    assert issue.message.endswith("save it as UTF-8")


def test_utf16_without_a_bom_is_named_too(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_bytes(BASE.encode("utf-16-le"))
    with pytest.raises(SpecError) as exc:
        load_spec(path)
    (issue,) = exc.value.issues
    assert "the file is UTF-16 or UTF-32 (no byte-order mark" in issue.message


@pytest.mark.parametrize("text,fragment", [
    ("railguard: 1\nname: t\ninput:\n  - length:\n    max: 10\n   on_fail: block\n", "the indentation is "
     "inconsistent near line 5 or 6"),
    ("railguard: 1\nname: t\ninput:\n  - length: {max: 10}\n output:\n  - length: {max: 5}\n",
     "the indentation is inconsistent near line 4 or 5"),
    ("railguard: 1\nname: t\ndescription: a: b\ninput:\n  - length: {max: 10}\n", "Hint: a 'key: value'"),
])
def test_indentation_errors_get_a_hint(text, fragment, tmp_path):
    (issue,) = spec_error(text, tmp_path).issues
    assert fragment in issue.message and issue.message.startswith("not valid YAML: ")


# -- railguard check: every file is checked and reported ---------------------------------------------
def test_check_reports_every_file_whatever_the_error(tmp_path, monkeypatch, capsys):
    import railguard.graph
    from railguard.cli.core import cmd_check

    bad = tmp_path / "a_bad.yaml"
    bad.write_text(BASE + "description: !!int abc\n")
    crash = tmp_path / "b_crash.yaml"
    crash.write_text(BASE.replace("name: t", "name: crash"))
    good = tmp_path / "c.yaml"
    good.write_text(BASE)
    utf16 = tmp_path / "d.yaml"
    utf16.write_bytes(BASE.encode("utf-16"))
    real = railguard.graph.compile_spec

    def compile_spec(spec, *args, **kwargs):
        if spec.name == "crash":
            raise RuntimeError("a plugin bug")
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(railguard.graph, "compile_spec", compile_spec)
    code = cmd_check(argparse.Namespace(specs=[str(bad), str(crash), str(good), str(utf16)], no_resources=False))
    out, err = capsys.readouterr()
    assert code == 1
    assert f"ok: {good}" in out
    assert f"{bad}:5:" in err and "cannot be read as !!int" in err
    assert f"{crash}: internal error while checking: RuntimeError: a plugin bug" in err
    assert "UTF-16 (little-endian)" in err and "3 of 4 spec(s) invalid" in err



def test_more_than_1000_entries_in_a_stage_are_refused_once(tmp_path):
    err = spec_error(BASE + "output:\n" + "  - length: {max: 10}\n" * 1001, tmp_path)
    (issue,) = err.issues
    assert issue.path == "$.output" and "1001 validator entries in the output stage; the limit is 1000" in \
        issue.message


def test_a_rail_spec_past_the_element_bound_is_refused(tmp_path):
    body = '  <input>\n' + '    <length max="10"/>\n' * 100_001 + '  </input>'
    err = spec_error(rail(body), tmp_path, "s.rail")
    (issue,) = err.issues
    assert "more than 200000 elements and attributes" in issue.message and issue.line is not None


def test_rail_text_with_a_lone_surrogate_is_a_spec_error():
    with pytest.raises(SpecError, match=r"U\+D800 \(a lone surrogate\)"):
        load_spec('<rail version="1" name="t">\n<input><length max="5"/></input>\ud800</rail>')


def test_more_than_1000_rail_entries_are_refused_once_without_follow_ons(tmp_path):
    err = spec_error(rail("  <input>\n" + '    <length max="1"/>\n' * 1001 + "  </input>"), tmp_path, "s.rail")
    (issue,) = err.issues
    assert issue.path == "$.input" and issue.line == 2 and "1001 validator entries in the input stage" in \
        issue.message
