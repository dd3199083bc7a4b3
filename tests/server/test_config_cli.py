"""server.yaml checking (file:line:path errors) and the command line's refusals."""

import pytest

from railguard.cli import main
from railguard.errors import SpecError
from railguard.server.config import is_loopback, load_config
from serverkit import SPEC


def test_config_errors_carry_file_line_and_path(tmp_path):
    (tmp_path / "svc.yaml").write_text(SPEC, encoding="utf-8")
    path = tmp_path / "server.yaml"
    path.write_text("railguard_server: 1\nspecs: [svc.yaml]\nport: 99999\nauth:\n  api_keys:\n"
                    "    - {name: a, sha256: nothex}\nroutes:\n  - {model: m, guard: svc, upstream: {ftp: {}}}\n",
                    encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_config(str(path))
    text = str(info.value)
    assert f"{path}:3:" in text and "$.port" in text and "99999" in text
    assert "$.auth.api_keys[0].sha256" in text and f"{path}:6:" in text
    assert "$.routes[0].upstream" in text and "ftp" in text


def test_config_loads_routes_limits_and_relative_specs(tmp_path):
    (tmp_path / "svc.yaml").write_text(SPEC, encoding="utf-8")
    path = tmp_path / "server.yaml"
    path.write_text("railguard_server: 1\nspecs: ['*.yaml']\nhost: 0.0.0.0\nauth: {sigv4: [{access_key_id: AKIA1234, "
                    "secret_env: S}]}\nlimits: {max_body_bytes: 1000, timeout_s: 2.5}\n"
                    "sagemaker: [{endpoint: llm, inference_component: main, guard: svc}]\n", encoding="utf-8")
    cfg = load_config(str(path))
    assert cfg.specs == [str(tmp_path / "svc.yaml")] and cfg.max_body_bytes == 1000 and cfg.timeout_s == 2.5
    assert cfg.sagemaker[0].inference_component == "main" and cfg.sigv4[0].access_key_id == "AKIA1234"
    cfg.check()  # auth on with SigV4 keys, on a public address: allowed


def test_no_auth_only_on_loopback_and_auth_needs_keys(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("RAILGUARD_API_KEY", raising=False)
    spec = tmp_path / "svc.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    assert main(["serve", str(spec), "--host", "0.0.0.0", "--no-auth", "--check"]) == 1
    assert "not a loopback address" in capsys.readouterr().err
    assert main(["serve", str(spec), "--check"]) == 1
    assert "no API keys" in capsys.readouterr().err
    assert main(["serve", str(spec), "--no-auth", "--check"]) == 0
    assert "1 guard(s): svc" in capsys.readouterr().out
    monkeypatch.setenv("RAILGUARD_API_KEY", "k")
    assert main(["serve", str(spec), "--host", "0.0.0.0", "--check"]) == 0
    assert main(["serve", str(tmp_path / "missing*.yaml"), "--no-auth", "--check"]) == 1
    assert is_loopback("::1") and is_loopback("127.0.0.5") and not is_loopback("10.0.0.1")


def test_kubernetes_example_config_loads_and_compiles(tmp_path, monkeypatch):
    import yaml
    from pathlib import Path

    docs = list(yaml.safe_load_all((Path(__file__).parents[2] / "deploy" / "kubernetes.yaml").read_text()))
    assert [d["kind"] for d in docs] == ["ConfigMap", "Deployment", "Service"]
    for name, text in docs[0]["data"].items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv("RAILGUARD_API_KEY", "k")
    assert main(["serve", "--config", str(tmp_path / "server.yaml"), "--check"]) == 0


def test_readme_config_reference_loads(tmp_path):
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Server configuration"):]
    start = section.index("```yaml") + len("```yaml")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "svc.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "server.yaml").write_text(section[start:section.index("```", start)], encoding="utf-8")
    cfg = load_config(str(tmp_path / "server.yaml"))
    assert [r.model for r in cfg.routes] == ["support-llm", "nova", "jumpstart"]
    assert [k.name for k in cfg.api_keys] == ["web", "batch"] and cfg.workers == 2
