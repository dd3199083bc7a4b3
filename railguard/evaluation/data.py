"""Labelled rows for ``railguard eval``: JSONL, CSV or Parquet, read as (id, text, label) triples.

JSONL and CSV are streamed line by line; Parquet is read a record batch at a time through
pyarrow (imported only when a Parquet file is given). A row without a text, or with one that
is not a string, is an error naming the file, the line (or row) and the field, never a silent
skip. Texts are never part of an error message.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..errors import MissingDependency, RailguardError

__all__ = ["Row", "read_rows", "DataError", "FORMATS"]

FORMATS = ("jsonl", "csv", "parquet")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet",
             ".pq": "parquet"}


class DataError(RailguardError):
    """A data file that cannot be read as labelled rows."""


@dataclass(frozen=True)
class Row:
    id: str  # the row's own id field when it has one, else its 1-based line or row number
    text: str
    label: Any  # a string, number, boolean, list of those, or None when the row has no label


def guess_format(path: Path) -> str:
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise DataError(f"{path}: cannot tell the format from the suffix {path.suffix!r}; "
                        f"use .jsonl, .csv or .parquet, or pass --format {'|'.join(FORMATS)}")
    return fmt


def read_rows(path: str | Path, *, text_field: str = "text", label_field: str = "label", id_field: str = "id",
              format: str | None = None, limit: int | None = None) -> Iterator[Row]:
    """The rows of a data file, in order; at most ``limit`` of them."""
    path = Path(path)
    fmt = format or guess_format(path)
    if fmt not in FORMATS:
        raise DataError(f"{fmt!r} is not a data format; use one of {list(FORMATS)}")
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    reader = {"jsonl": _jsonl, "csv": _csv, "parquet": _parquet}[fmt]
    n = 0
    for where, record in reader(path):
        if limit is not None and n >= limit:
            return
        yield _row(path, where, record, text_field, label_field, id_field)
        n += 1


def _row(path: Path, where: str, record: Any, text_field: str, label_field: str, id_field: str) -> Row:
    if not isinstance(record, dict):
        raise DataError(f"{path}:{where}: a row must be an object with a {text_field!r} field, "
                        f"got {type(record).__name__}")
    if text_field not in record:
        keys = sorted(map(str, record))[:20]
        raise DataError(f"{path}:{where}: no {text_field!r} field (fields: {keys}); name the text field "
                        f"with --text-field")
    text = record[text_field]
    if not isinstance(text, str):
        raise DataError(f"{path}:{where}: {text_field!r} is {type(text).__name__}, not a string")
    label = record.get(label_field)
    rid = record.get(id_field)
    return Row(str(rid) if isinstance(rid, (str, int)) and not isinstance(rid, bool) else where.split(" ")[-1],
               text, label)


def _jsonl(path: Path) -> Iterator[tuple[str, Any]]:
    with open(path, encoding="utf-8-sig") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield str(n), json.loads(line)
            except ValueError as exc:
                raise DataError(f"{path}:{n}: not valid JSON: {getattr(exc, 'msg', exc)} "
                                f"(column {getattr(exc, 'colno', '?')})") from None


def _csv(path: Path) -> Iterator[tuple[str, Any]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        try:
            for record in reader:
                if None in record:  # more cells than header fields
                    raise DataError(f"{path}:{reader.line_num}: more cells than the header has fields")
                yield str(reader.line_num), record
        except csv.Error as exc:
            raise DataError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from None


def _parquet(path: Path) -> Iterator[tuple[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependency("reading Parquet", "scan", ["pyarrow"]) from None
    try:
        handle = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a bad file
        raise DataError(f"{path}: not a readable Parquet file: {exc}") from None
    n = 0
    for batch in handle.iter_batches(batch_size=4096):
        for record in batch.to_pylist():
            n += 1
            yield f"row {n}", record
