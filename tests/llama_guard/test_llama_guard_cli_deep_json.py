"""Issue 9: `llama-guard prompt` on deeply nested JSON gives a clean error, not a RecursionError."""

from __future__ import annotations

import pytest

from coretest import run_cli


@pytest.mark.parametrize("depth", [65, 900, 100_000])
@pytest.mark.parametrize("option", ["--conversation", "--custom-categories"])
def test_deeply_nested_json_is_a_clean_error(tmp_path, depth, option):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * depth + "]" * depth, encoding="utf-8")
    ok = tmp_path / "c.json"
    ok.write_text('[{"role": "user", "content": "hi"}]', encoding="utf-8")
    args = ["--conversation", str(deep)] if option == "--conversation" else \
        ["--conversation", str(ok), "--custom-categories", str(deep)]
    out = run_cli("llama-guard", "prompt", *args)
    assert out.code == 1 and out.out == "" and "Traceback" not in out.err and "RecursionError" not in out.err
    assert out.err.startswith(f"error: {deep}: the ") and "nests JSON more than 64 levels deep" in out.err


def test_64_levels_are_still_read(tmp_path):
    conversation = tmp_path / "c.json"
    content = "[" * 62 + "]" * 62  # content must be a string: the depth check passes, the shape check speaks
    conversation.write_text('[{"role": "user", "content": ' + content + "}]", encoding="utf-8")
    out = run_cli("llama-guard", "prompt", "--conversation", str(conversation))
    assert out.code == 1 and "nests JSON" not in out.err and "Traceback" not in out.err
