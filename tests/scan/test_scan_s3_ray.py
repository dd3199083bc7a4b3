"""railguard scan against S3 (a local S3-compatible server: moto's server mode) and on Ray Data (local mode)."""

from __future__ import annotations

import json
import socket

import pytest

from railguard.scan import REPORT_NAME, scan

pa = pytest.importorskip("pyarrow", reason="the scan tests need the scan extra (pyarrow)")
import pyarrow.parquet as pq  # noqa: E402

from scankit import leaked, records, write_inputs  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_endpoint(monkeypatch):
    moto_server = pytest.importorskip("moto.server", reason="the S3 test needs moto's server mode")
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                       "AWS_ENDPOINT_URL_S3": endpoint}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    try:
        yield endpoint
    finally:
        server.stop()


def test_s3_round_trip_matches_the_local_scan(tmp_path, spec, s3_endpoint):
    import boto3

    paths = write_inputs(tmp_path / "in", records(40))
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="corpus")
    for p in paths.values():
        s3.upload_file(str(p), "corpus", f"raw/{p.name}")

    local = scan(spec, [str(p) for p in paths.values()], str(tmp_path / "local"), shard_records=9)
    remote = scan(spec, ["s3://corpus/raw/"], "s3://corpus/clean", shard_records=9)

    # (pyarrow marks folders with empty "name/" objects, as the S3 console does: not outputs.)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="corpus", Prefix="clean/")["Contents"]
                  if not o["Key"].endswith("/"))
    assert keys == sorted([f"clean/{p.name}" for p in paths.values()] + [f"clean/{REPORT_NAME}"])
    for p in paths.values():
        body = s3.get_object(Bucket="corpus", Key=f"clean/{p.name}")["Body"].read()
        assert body == (tmp_path / "local" / p.name).read_bytes(), p.name
    assert remote.total.to_dict()["blocked"] == local.total.to_dict()["blocked"] > 0
    report = json.loads(s3.get_object(Bucket="corpus", Key=f"clean/{REPORT_NAME}")["Body"].read())
    assert report["total"]["records"] == local.total.records


def test_ray_local_mode_gives_the_same_output_as_the_local_scan(tmp_path, spec):
    pytest.importorskip("ray", reason="the Ray test needs the ray extra")
    recs = records(90)
    paths = write_inputs(tmp_path / "in", recs)
    inputs = [str(paths["jsonl"]), str(paths["csv"]), str(paths["parquet"])]
    local = scan(spec, inputs, str(tmp_path / "local"), shard_records=16, id_field="id")
    on_ray = scan(spec, inputs, str(tmp_path / "ray"), shard_records=16, id_field="id", ray=True, workers=2)
    assert on_ray.engine == "ray"
    for name in ("chats.jsonl", "tickets.csv"):
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    assert pq.read_table(tmp_path / "ray" / "kb.parquet").equals(pq.read_table(tmp_path / "local" / "kb.parquet"))
    assert on_ray.total.to_dict() | {"worker_seconds": 0} == local.total.to_dict() | {"worker_seconds": 0}
    assert not any(leaked(t) for t in pq.read_table(tmp_path / "ray" / "kb.parquet").column("text").to_pylist())
