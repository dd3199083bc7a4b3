"""Record formats a scan reads and writes: JSON lines, CSV, Parquet and plain text.

Each format splits a file into *shards* (runs of consecutive records, read in order) and
turns a shard plus one verdict per record back into output bytes in the same format:

- JSON lines: one object per line. Records the guard left alone are written back byte for
  byte; changed ones are re-serialised with their keys in the same order and only the text
  field replaced. Every other field, and its JSON type, is untouched.
- CSV: a header row names the columns; values stay strings, the text column is replaced.
- Parquet: record batches; the schema (column types, nullability, metadata) is preserved.
- Plain text: each line is a record.

``on_block``: ``drop`` leaves a blocked record out (the default: nothing blocked reaches the
output), ``keep`` keeps it with its text replaced by the spec's blocked message, ``flag``
keeps it unchanged and adds a boolean column (``railguard_blocked``) to every record so a
reviewer can find it. Plain text has no column to add, so ``flag`` is refused for it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from ..errors import RailguardError

__all__ = ["Options", "Verdict", "Shard", "FORMATS", "format_for", "FLAG_FIELD", "UNREADABLE"]

FLAG_FIELD = "railguard_blocked"
ON_BLOCK = ("drop", "keep", "flag")


class _Unreadable:
    """Marks a record whose text could not be read (bad JSON, a text field that is not a string)."""

    def __repr__(self) -> str:
        return "UNREADABLE"


UNREADABLE = _Unreadable()


@dataclass(frozen=True)
class Options:
    source: str = "input"
    text_field: str = "text"
    id_field: str | None = None
    on_block: str = "drop"

    def __post_init__(self) -> None:
        if self.source not in ("input", "output"):
            raise RailguardError(f"source {self.source!r} is not one of ['input', 'output']")
        if self.on_block not in ON_BLOCK:
            raise RailguardError(f"on_block {self.on_block!r} is not one of {list(ON_BLOCK)}")


@dataclass(frozen=True)
class Verdict:
    """What to write for one record: ``text`` (None: leave the record as it was), ``keep`` (False: drop
    it) and ``blocked`` (for the flag column)."""

    text: str | None
    keep: bool = True
    blocked: bool = False


@dataclass
class Shard:
    """Consecutive records of one input file. ``payload`` is format-specific and picklable."""

    index: int
    first: int          # 1-based number of the shard's first record in its file
    payload: Any
    records: int
    bytes: int


def _line_split(data: str) -> list[str]:
    """Lines with their terminators (\\n, \\r\\n); the last one may have none."""
    return data.splitlines(keepends=True) if data else []


def _terminator(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    return "\n" if line.endswith("\n") else ""


class _Lines:
    """Shared reading for line formats: decode UTF-8 strictly and cut into shards by records and bytes."""

    name = ""

    def shards(self, stream: Any, where: str, max_records: int, max_bytes: int, opts: Options) -> Iterator[Shard]:
        buf: list[str] = []
        size = 0
        index = 0
        number = 1
        pending = b""
        line_no = 0
        while True:
            block = stream.read(1 << 20)
            data = pending + block if block else pending
            if not data:
                break
            if block:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    pending = data
                    continue
                data, pending = data[:cut], data[cut:]
            else:
                pending = b""
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad_line = line_no + data[:exc.start].count(b"\n") + 1
                raise RailguardError(f"{where}:{bad_line}: not valid UTF-8 ({exc.reason})") from None
            if index == 0 and not buf and number == 1 and text.startswith("\ufeff"):
                text = text[1:]  # a UTF-8 byte-order mark is not part of the first record
            for line in _line_split(text):
                line_no += 1
                buf.append(line)
                size += len(line)
                if len(buf) >= max_records or size >= max_bytes:
                    yield Shard(index, number, buf, len(buf), size)
                    index, number, buf, size = index + 1, number + len(buf), [], 0
            if not block:
                break
        if buf:
            yield Shard(index, number, buf, len(buf), size)


class JsonLines(_Lines):
    name = "jsonl"
    suffixes = (".jsonl", ".ndjson", ".json")

    def header(self, first_part: bytes | None) -> bytes:
        return b""

    def extract(self, shard: Shard, opts: Options, where: str) -> list[tuple[Any, str]]:
        out: list[tuple[Any, str]] = []
        parsed: list[Any] = []
        for n, line in enumerate(shard.payload):
            rid = f"{where}:{shard.first + n}"
            body = line.strip()
            if not body:
                parsed.append(None)
                out.append((None, rid))
                continue
            try:
                obj = json.loads(body)
            except (ValueError, RecursionError):
                parsed.append(UNREADABLE)
                out.append((UNREADABLE, rid))
                continue
            parsed.append(obj)
            if not isinstance(obj, dict):
                out.append((UNREADABLE, rid))
                continue
            if opts.id_field and opts.id_field in obj:
                rid = str(obj[opts.id_field])[:200]
            value = obj.get(opts.text_field)
            out.append((None if value is None else value if isinstance(value, str) else UNREADABLE, rid))
        shard.payload = list(zip(shard.payload, parsed))
        return out

    def render(self, shard: Shard, verdicts: Sequence[Verdict], opts: Options, blocked_message: str) -> bytes:
        parts: list[str] = []
        for (line, obj), v in zip(shard.payload, verdicts):
            if not v.keep:
                continue
            end = _terminator(line) or "\n"
            if opts.on_block == "flag" and isinstance(obj, dict):
                obj = dict(obj)
                if v.text is not None:
                    obj[opts.text_field] = v.text
                obj[FLAG_FIELD] = v.blocked
                parts.append(json.dumps(obj, ensure_ascii=False) + end)
            elif v.text is None:
                parts.append(line if line.endswith("\n") else line + end)
            elif isinstance(obj, dict):
                obj = dict(obj)
                obj[opts.text_field] = v.text
                parts.append(json.dumps(obj, ensure_ascii=False) + end)
            else:  # an unreadable line that is kept: only the blocked message may stand for it
                parts.append(json.dumps({opts.text_field: blocked_message}, ensure_ascii=False) + end)
        return "".join(parts).encode("utf-8")


class PlainText(_Lines):
    name = "text"
    suffixes = (".txt", ".text", ".log")

    def header(self, first_part: bytes | None) -> bytes:
        return b""

    def extract(self, shard: Shard, opts: Options, where: str) -> list[tuple[Any, str]]:
        return [(line[:len(line) - len(_terminator(line))], f"{where}:{shard.first + n}")
                for n, line in enumerate(shard.payload)]

    def render(self, shard: Shard, verdicts: Sequence[Verdict], opts: Options, blocked_message: str) -> bytes:
        parts: list[str] = []
        for line, v in zip(shard.payload, verdicts):
            if not v.keep:
                continue
            if v.text is None:
                parts.append(line)
            else:
                text = v.text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
                parts.append(text + (_terminator(line) or ""))
        return "".join(parts).encode("utf-8")


class Csv:
    name = "csv"
    suffixes = (".csv",)

    def shards(self, stream: Any, where: str, max_records: int, max_bytes: int, opts: Options) -> Iterator[Shard]:
        wrapper = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = csv.reader(wrapper)
        try:
            header = next(reader, None)
            if header is None:
                return
            if opts.text_field not in header:
                raise RailguardError(f"{where}: no column {opts.text_field!r}; the columns are "
                                     f"{[h[:40] for h in header[:20]]}")
            if opts.on_block == "flag" and FLAG_FIELD in header:
                raise RailguardError(f"{where}: already has a {FLAG_FIELD!r} column")
            rows: list[list[str]] = []
            size = 0
            index, number = 0, 1
            for row in reader:
                if not row:
                    continue  # csv gives [] for a blank line; it is no record
                rows.append(row)
                size += sum(len(c) for c in row) + len(row)
                if len(rows) >= max_records or size >= max_bytes:
                    yield Shard(index, number, (header, rows), len(rows), size)
                    index, number, rows, size = index + 1, number + len(rows), [], 0
            if rows or index == 0:  # a header-only file still gets its header written
                yield Shard(index, number, (header, rows), len(rows), size)
        except UnicodeDecodeError as exc:
            raise RailguardError(f"{where}: not valid UTF-8 ({exc.reason})") from None
        except csv.Error as exc:
            raise RailguardError(f"{where}:{reader.line_num}: unreadable CSV ({exc})") from None
        finally:
            wrapper.detach()

    def _writer(self, buf: io.StringIO) -> Any:
        return csv.writer(buf, lineterminator="\n")

    def header(self, first_part: bytes | None, columns: Sequence[str] | None = None) -> bytes:
        return b""  # written by render() into the first part (see render)

    def extract(self, shard: Shard, opts: Options, where: str) -> list[tuple[Any, str]]:
        header, rows = shard.payload
        col = header.index(opts.text_field)
        idc = header.index(opts.id_field) if opts.id_field and opts.id_field in header else None
        out = []
        for n, row in enumerate(rows):
            rid = row[idc][:200] if idc is not None and idc < len(row) else f"{where}:{shard.first + n}"
            out.append((row[col] if col < len(row) else None, rid))
        return out

    def render(self, shard: Shard, verdicts: Sequence[Verdict], opts: Options, blocked_message: str) -> bytes:
        header, rows = shard.payload
        col = header.index(opts.text_field)
        buf = io.StringIO()
        writer = self._writer(buf)
        if shard.index == 0:
            writer.writerow(list(header) + ([FLAG_FIELD] if opts.on_block == "flag" else []))
        for row, v in zip(rows, verdicts):
            if not v.keep:
                continue
            row = list(row)
            if v.text is not None and col < len(row):
                row[col] = v.text
            if opts.on_block == "flag":
                row.append("true" if v.blocked else "false")
            writer.writerow(row)
        return buf.getvalue().encode("utf-8")


class Parquet:
    name = "parquet"
    suffixes = (".parquet", ".pq")

    def shards(self, stream: Any, where: str, max_records: int, max_bytes: int, opts: Options) -> Iterator[Shard]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(stream)
        except (pa.ArrowInvalid, OSError) as exc:
            raise RailguardError(f"{where}: not a readable Parquet file ({str(exc)[:120]})") from None
        schema = pf.schema_arrow
        if opts.text_field not in schema.names:
            raise RailguardError(f"{where}: no column {opts.text_field!r}; the columns are {schema.names[:20]}")
        if not (pa.types.is_string(schema.field(opts.text_field).type)
                or pa.types.is_large_string(schema.field(opts.text_field).type)):
            raise RailguardError(f"{where}: column {opts.text_field!r} is {schema.field(opts.text_field).type}, "
                                 f"not a string column")
        if opts.on_block == "flag" and FLAG_FIELD in schema.names:
            raise RailguardError(f"{where}: already has a {FLAG_FIELD!r} column")
        index, number = 0, 1
        empty = True
        for batch in pf.iter_batches(batch_size=max_records):
            empty = False
            yield Shard(index, number, (schema, batch), batch.num_rows, batch.nbytes)
            index, number = index + 1, number + batch.num_rows
        if empty:
            yield Shard(0, 1, (schema, pa.RecordBatch.from_pylist([], schema=schema)), 0, 0)

    def header(self, first_part: bytes | None) -> bytes:
        return b""

    def extract(self, shard: Shard, opts: Options, where: str) -> list[tuple[Any, str]]:
        schema, batch = shard.payload
        texts = batch.column(schema.get_field_index(opts.text_field)).to_pylist()
        if opts.id_field and opts.id_field in schema.names:
            ids = [str(v)[:200] for v in batch.column(schema.get_field_index(opts.id_field)).to_pylist()]
        else:
            ids = [f"{where}:{shard.first + n}" for n in range(len(texts))]
        return list(zip(texts, ids))

    def render(self, shard: Shard, verdicts: Sequence[Verdict], opts: Options, blocked_message: str) -> bytes:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema, batch = shard.payload
        i = schema.get_field_index(opts.text_field)
        old = batch.column(i).to_pylist()
        new = [v.text if v.text is not None else o for o, v in zip(old, verdicts)]
        columns = list(batch.columns)
        columns[i] = pa.array(new, type=schema.field(i).type)
        out_schema = schema
        if opts.on_block == "flag":
            columns.append(pa.array([v.blocked for v in verdicts], type=pa.bool_()))
            out_schema = schema.append(pa.field(FLAG_FIELD, pa.bool_(), nullable=False))
        table = pa.Table.from_arrays(columns, schema=out_schema)
        keep = [v.keep for v in verdicts]
        if not all(keep):
            table = table.filter(pa.array(keep, type=pa.bool_()))
        sink = io.BytesIO()
        pq.write_table(table, sink)
        return sink.getvalue()

    def assemble(self, parts: Sequence[bytes], out: Any) -> None:
        import pyarrow.parquet as pq

        writer = None
        try:
            for data in parts:
                table = pq.read_table(io.BytesIO(data))
                if writer is None:
                    writer = pq.ParquetWriter(out, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()


FORMATS = {f.name: f for f in (JsonLines(), Csv(), Parquet(), PlainText())}


def format_for(name: str, explicit: str | None = None) -> Any:
    if explicit:
        if explicit not in FORMATS:
            raise RailguardError(f"format {explicit!r} is not one of {sorted(FORMATS)}")
        return FORMATS[explicit]
    lower = name.lower()
    for fmt in FORMATS.values():
        if lower.endswith(fmt.suffixes):
            return fmt
    raise RailguardError(f"{name[:120]!r}: cannot tell the format from the name; use one of "
                         + ", ".join(s for f in FORMATS.values() for s in f.suffixes)
                         + " or pass format=")
