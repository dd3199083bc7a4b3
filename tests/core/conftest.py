from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from coretest import ACME_SRC

@pytest.fixture(scope="session")
def acme_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fake third-party plugin, built and installed by pip as a real distribution into a private dir."""
    target = tmp_path_factory.mktemp("acme-site")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(target), str(ACME_SRC)],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert any(p.name.startswith("railguard_acme-1.2.3") and p.suffix == ".dist-info" for p in target.iterdir())
    return target
