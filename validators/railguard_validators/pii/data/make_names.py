"""Rebuilds first_names.txt.gz and surnames.txt.gz from the 1990 US Census name files.

Usage (see SOURCES.md for where the inputs come from):

    python make_names.py DIST_DIR WORDS_FILE

DIST_DIR holds dist.female.first, dist.male.first and dist.all.last; WORDS_FILE is a plain
English word list (one word a line; Debian's wamerican /usr/share/dict/american-english).
Each output line is a name in title case, followed by a tab and 1 when the name is also a
common English word ("Will", "Rose", "Young"), which the rules engine treats with care.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

TOP_SURNAMES = 15000


def _read(path: Path, limit: int | None = None) -> list[str]:
    names = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts:
            names.append(parts[0].title())
        if limit is not None and len(names) >= limit:
            break
    return names


def _write(path: Path, names: list[str], words: set[str]) -> None:
    seen: set[str] = set()
    lines = []
    for name in names:
        if name in seen or len(name) < 2:
            continue
        seen.add(name)
        lines.append(f"{name}\t1" if name.lower() in words else name)
    with gzip.GzipFile(path, "wb", mtime=0) as out:
        out.write(("\n".join(lines) + "\n").encode())


def main() -> None:
    dist, words_file = Path(sys.argv[1]), Path(sys.argv[2])
    words = {w.strip() for w in words_file.read_text(errors="replace").splitlines()
             if w.strip().isalpha() and w.strip().islower()}
    here = Path(__file__).resolve().parent
    first = _read(dist / "dist.female.first") + _read(dist / "dist.male.first")
    _write(here / "first_names.txt.gz", first, words)
    _write(here / "surnames.txt.gz", _read(dist / "dist.all.last", TOP_SURNAMES), words)


if __name__ == "__main__":
    main()
