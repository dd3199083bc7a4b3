import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from serverkit import RunningServer, make_config, write_spec  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from railguard.server.app import create_app

    tmp = tmp_path_factory.mktemp("srv")
    cfg = make_config([write_spec(tmp)], admin_reload=True, max_body_bytes=64 * 1024)
    with RunningServer(create_app(cfg, library_metrics=False)) as running:
        yield running
