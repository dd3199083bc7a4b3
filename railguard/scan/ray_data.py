"""The same scan on a Ray cluster through Ray Data, and the per-batch callables Ray and Spark jobs use.

Ray Data reads the input (``read_text`` for JSON lines and plain text, ``read_csv`` with every
column read as a string, ``read_parquet``), ``map_batches`` runs :class:`GuardBatches` on a pool
of actors that each compile the spec once, and the guarded batches are written back in input
order (``preserve_order``) by the same writers as the local scan. Nothing here schedules work
itself: Ray Data does (``ray.init(address)`` joins an existing cluster, ``ray.init()`` starts a
local one).

:class:`GuardFrames` is the Spark recipe's callable: ``df.mapInPandas(GuardFrames(spec,
text_field="text"), schema)`` (add a boolean ``railguard_blocked`` field to the schema with
``on_block="flag"``).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterator

from ..errors import MissingDependency
from .formats import FLAG_FIELD, FORMATS, Options, Shard
from .shard import guard_shard, verdicts_for
from .stats import ScanStats
from .store import Location

__all__ = ["run_ray", "GuardBatches", "GuardFrames"]


class GuardBatches:
    """One Ray actor's work: guard a batch of one input's records and return its output bytes and counts.

    A batch in becomes one row out: ``blob`` (the batch's records in the input's format) and
    ``stats`` (JSON counts), so the driver can write the blobs in order and add up the counts."""

    def __init__(self, spec_path: str, fmt_name: str, opts: dict[str, Any], where: str):
        from ..guard import Guard

        self.guard = Guard.from_file(spec_path)
        self.guard.warmup()
        self.fmt = FORMATS[fmt_name]
        self.opts = Options(**opts)
        self.where = where

    def __call__(self, batch: Any) -> dict[str, list[Any]]:
        n = batch.num_rows
        if self.fmt.name in ("jsonl", "text"):
            lines = [line + "\n" for line in batch.column("text").to_pylist()]
            shard = Shard(1, 1, lines, n, sum(len(x) for x in lines))
        elif self.fmt.name == "csv":
            header = batch.column_names
            rows = [list(r) for r in zip(*(batch.column(c).to_pylist() for c in header))]
            shard = Shard(1, 1, (header, rows), n, sum(len(c or "") for r in rows for c in r))
        else:
            table = batch.combine_chunks()
            record_batch = table.to_batches()[0] if n else _empty_batch(table.schema)
            shard = Shard(1, 1, (table.schema, record_batch), n, record_batch.nbytes)
        # Record numbers are relative to the batch here; the driver, which sees the batches in
        # order, makes them absolute (a batch does not know its place in the file).
        data, stats = guard_shard(self.guard, self.fmt, shard, self.opts, RELATIVE)
        return {"rows": [n], "blob": [data], "stats": [json.dumps(stats.to_dict())]}


def _empty_batch(schema: Any) -> Any:
    import pyarrow as pa

    return pa.RecordBatch.from_pylist([], schema=schema)


RELATIVE = "\x00batch"


def _absolute(stats: ScanStats, name: str, offset: int) -> None:
    prefix = RELATIVE + ":"
    stats.blocked_ids = [f"{name}:{offset + int(i[len(prefix):])}" if i.startswith(prefix) else i
                         for i in stats.blocked_ids]


class GuardFrames:
    """For Spark's ``mapInPandas`` (or any iterator of pandas DataFrames): guard ``text_field`` of every
    row. Blocked rows are dropped, kept with the blocked message or flagged as ``on_block`` says."""

    def __init__(self, spec_path: str, *, text_field: str = "text", source: str = "input",
                 on_block: str = "drop"):
        self.spec_path = spec_path
        self.opts = Options(source, text_field, None, on_block)
        self._guard: Any = None

    def __call__(self, frames: Iterator[Any]) -> Iterator[Any]:
        if self._guard is None:  # built on the executor, once per task
            from ..guard import Guard

            self._guard = Guard.from_file(self.spec_path)
        for frame in frames:
            values = frame[self.opts.text_field].tolist()
            items = [(v if isinstance(v, str) else None, str(i)) for i, v in enumerate(values)]
            verdicts = verdicts_for(self._guard, items, self.opts, ScanStats())
            out = frame.copy()
            out[self.opts.text_field] = [v.text if v.text is not None else old for old, v in zip(values, verdicts)]
            if self.opts.on_block == "flag":
                out[FLAG_FIELD] = [v.blocked for v in verdicts]
            yield out[[v.keep for v in verdicts]].reset_index(drop=True)


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingDependency("--ray needs Ray Data: pip install 'railguard[ray]'") from None
    return ray


def _dataset(ray: Any, loc: Location, fmt: Any) -> Any:
    kw: dict[str, Any] = {}
    path = loc.path
    if loc.s3 is not None:
        kw["filesystem"] = loc.s3
    if fmt.name in ("jsonl", "text"):
        return ray.data.read_text(path, encoding="utf-8", **kw)
    if fmt.name == "csv":
        import pyarrow as pa
        import pyarrow.csv as pacsv

        with loc.open_read() as f:
            header = next(csv.reader(io.TextIOWrapper(f, encoding="utf-8-sig", newline="")), [])
        convert = pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, strings_can_be_null=False)
        return ray.data.read_csv(path, convert_options=convert, **kw), header
    return ray.data.read_parquet(path, **kw)


def run_ray(spec_path: str, inputs: list[tuple[Location, Any]], out: Location, opts: Options, *,
            address: str | None, workers: int, shard_records: int) -> list[ScanStats]:
    ray = _ray()
    import pyarrow as pa
    import pyarrow.parquet as pq

    started_here = False
    if not ray.is_initialized():
        # A local Ray gets one CPU more than the actors take, so Ray Data's read tasks can run
        # beside them (with exactly ``workers`` CPUs the actors hold them all and the reads wait).
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 ignore_reinit_error=True, num_cpus=None if address else workers + 1)
        started_here = True
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        per_input: list[ScanStats] = []
        for loc, fmt in inputs:
            made = _dataset(ray, loc, fmt)
            ds, header = (made if isinstance(made, tuple) else (made, None))
            stats = ScanStats()
            target = out.child(loc.name)
            batches = ds.map_batches(
                GuardBatches, fn_constructor_args=(spec_path, fmt.name, _opts_dict(opts), loc.name),
                batch_size=shard_records, batch_format="pyarrow",
                compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1,
            ).iter_batches(batch_format="pyarrow", batch_size=None)
            offset = 0
            writer = None
            with target.open_write() as sink:
                if header is not None:
                    buf = io.StringIO()
                    csv.writer(buf, lineterminator="\n").writerow(
                        list(header) + ([FLAG_FIELD] if opts.on_block == "flag" else []))
                    sink.write(buf.getvalue().encode("utf-8"))
                for row in (r for b in batches for r in b.to_pylist()):
                    part = ScanStats.from_dict(json.loads(row["stats"]))
                    _absolute(part, loc.name, offset)
                    offset += row["rows"]
                    stats.merge(part)
                    if fmt.name == "parquet":
                        table = pq.read_table(io.BytesIO(row["blob"]))
                        if writer is None:
                            writer = pq.ParquetWriter(sink, table.schema)
                        writer.write_table(table)
                    else:
                        sink.write(row["blob"])
                if fmt.name == "parquet":
                    if writer is None:  # an empty input still gets its schema
                        with loc.open_read() as f:
                            schema = pq.read_schema(f)
                        if opts.on_block == "flag":
                            schema = schema.append(pa.field(FLAG_FIELD, pa.bool_(), nullable=False))
                        writer = pq.ParquetWriter(sink, schema)
                    writer.close()
            per_input.append(stats)
        return per_input
    finally:
        if started_here:
            ray.shutdown()


def _opts_dict(opts: Options) -> dict[str, Any]:
    return {"source": opts.source, "text_field": opts.text_field, "id_field": opts.id_field,
            "on_block": opts.on_block}
