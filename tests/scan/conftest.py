"""The scan tests' spec: masks e-mails, cards and SSNs, blocks one secret project name."""

from pathlib import Path

import pytest
from scankit import SPEC


@pytest.fixture
def spec(tmp_path: Path) -> str:
    path = tmp_path / "corpus.yaml"
    path.write_text(SPEC)
    return str(path)
