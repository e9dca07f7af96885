"""``roadwise feedback batch``: a large feedback export classified and linked, part by part.

The export is read as a stream and cut into parts; each part goes through
:func:`~roadwise.engines.feedback.batch.classify_part`, in this process or on the workers of a
Dask cluster (``dask.distributed``: a local one on this machine's cores, or an existing
scheduler's address). The model is sent to every worker once; at most two parts per worker are
in flight, so memory stays bounded whatever the file's size. Results are written in the file's
order to a temporary file beside the output, near-duplicates are grouped across all parts at
the end, and the output appears only when everything succeeded.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from roadwise.domain import Customer, FeedbackSource
from roadwise.engines.feedback.batch import BatchModel, BatchPart, BatchTally, classify_part
from roadwise.engines.feedback.demand import Demand, demand_from_asks
from roadwise.engines.feedback.duplicates import near_duplicate_groups
from roadwise.errors import RoadwiseError
from roadwise.sources.feedback_file import FeedbackRow, RowError, read_feedback
from roadwise.views._dask import DaskCluster

COLUMNS = (
    "row",
    "key",
    "date",
    "customer",
    "source",
    "rating",
    "kind",
    "confidence",
    "sentiment",
    "item",
    "score",
    "duplicate_of",
    "text",
)
"""The output's columns: ``row`` is the row's number in the export (as errors name it),
``duplicate_of`` the row of the first text of its near-duplicate group (empty when none)."""

PART_SIZE = 20_000


@dataclass(frozen=True)
class Part:
    """One part of the export: the rows it holds, and what the model needs of them."""

    rows: tuple[FeedbackRow, ...]

    @property
    def texts(self) -> list[str]:
        return [r.feedback.text for r in self.rows]

    @property
    def ratings(self) -> list[int | None]:
        return [r.feedback.rating for r in self.rows]


class InProcess:
    """Parts one after another in this process."""

    workers = 1
    where = "this process"

    def run(self, model: BatchModel, parts: Iterator[Part]) -> Iterator[tuple[Part, BatchPart]]:
        for part in parts:
            yield part, classify_part(model, part.texts, part.ratings)

    def close(self) -> None:
        pass


class OnDask:
    """Parts on the workers of a Dask cluster, results back in the file's order."""

    def __init__(self, cluster: DaskCluster) -> None:
        self.cluster = cluster
        self.where = cluster.where
        self.workers = cluster.workers

    def run(self, model: BatchModel, parts: Iterator[Part]) -> Iterator[tuple[Part, BatchPart]]:
        shared = self.cluster.share(model)
        sent: deque[Part] = deque()

        def calls() -> Iterator[tuple[Any, ...]]:
            for part in parts:
                sent.append(part)
                yield shared, part.texts, part.ratings

        for result in self.cluster.in_order(classify_part, calls()):
            yield sent.popleft(), result

    def close(self) -> None:
        self.cluster.close()


@dataclass
class BatchRun:
    """What a batch did: rows in and out, totals, where it ran, how long it took."""

    out: Path
    tally: BatchTally
    bad_rows: list[RowError] = field(default_factory=list)
    duplicates: int = 0
    """Texts that are a near-duplicate of an earlier text."""
    parts: int = 0
    seconds: float = 0.0
    where: str = "this process"
    workers: int = 1
    demand: dict[str, Demand] = field(default_factory=dict)
    """Per item with linked feature requests: distinct customers and revenue-weighted demand,
    with bootstrap intervals, as `feedback demand` computes them (:func:`demand_from_asks`)."""


def run_batch(
    path: Path,
    out: Path,
    model: BatchModel,
    *,
    customers: Sequence[Customer],
    mapping: dict[str, str] | None = None,
    default_source: FeedbackSource = FeedbackSource.OTHER,
    default_date: dt.date | None = None,
    skip_bad_rows: bool = False,
    part_size: int = PART_SIZE,
    runner: InProcess | OnDask | None = None,
    progress: Callable[[int], None] | None = None,
    stream: Any = None,
) -> BatchRun:
    """Classify and link every row of ``path`` into the CSV ``out`` (see :data:`COLUMNS`)."""
    if part_size < 1:
        raise RoadwiseError(f"a part holds at least one row, not {part_size}", field="--part-size")
    runner = runner or InProcess()
    started = time.perf_counter()
    run = BatchRun(out=out, tally=BatchTally(), where=runner.where, workers=runner.workers)
    # Demand needs only sets of the workspace's customers (bounded by its customer list): who
    # wrote at all, and per linked item who asked for it.
    voices: set[str] = set()
    asks: dict[str, set[str]] = {}
    rows = read_feedback(
        path,
        customers=customers,
        mapping=mapping,
        default_source=default_source,
        default_date=default_date,
        stream=stream,
    )

    def parts() -> Iterator[Part]:
        batch: list[FeedbackRow] = []
        for row in rows:
            if isinstance(row, RowError):
                if not skip_bad_rows:
                    raise RoadwiseError(
                        f"{row}; nothing was written (--skip-bad-rows classifies the good rows "
                        "and lists the bad ones)",
                        file=str(path),
                    )
                run.bad_rows.append(row)
                continue
            batch.append(row)
            if len(batch) == part_size:
                yield Part(tuple(batch))
                batch = []
        if batch:
            yield Part(tuple(batch))

    out.parent.mkdir(parents=True, exist_ok=True)
    handle, draft_name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    draft = Path(draft_name)
    final = draft.with_suffix(".final")
    # The signatures wait on disk, not in a list: read back at the end as one array, they
    # cost their 256 bytes per text once instead of twice.
    kept = draft.with_suffix(".signatures")
    try:
        numbers: list[np.ndarray] = []
        with (
            os.fdopen(handle, "w", newline="", encoding="utf-8") as file,
            kept.open("wb") as signatures,
        ):
            writer = csv.writer(file)
            for part, result in runner.run(model, parts()):
                run.tally.add(result)
                run.parts += 1
                width = result.signatures.shape[1]
                np.ascontiguousarray(result.signatures, dtype=np.uint32).tofile(signatures)
                numbers.append(np.array([r.row for r in part.rows], dtype=np.int64))
                for row, kind, confidence, feeling, item, score in zip(
                    part.rows,
                    result.kinds,
                    result.confidence,
                    result.sentiments,
                    result.items,
                    result.scores,
                    strict=True,
                ):
                    f = row.feedback
                    if f.customer:
                        voices.add(f.customer)
                        if kind == "feature" and item is not None:
                            asks.setdefault(item, set()).add(f.customer)
                    writer.writerow(
                        [
                            row.row,
                            f.key,
                            f.date.isoformat(),
                            f.customer or row.unmatched_customer or "",
                            f.source.value,
                            "" if f.rating is None else f.rating,
                            kind,
                            f"{confidence:.3f}",
                            feeling,
                            item or "",
                            f"{score:.3f}",
                            f.text,
                        ]
                    )
                if progress is not None:
                    progress(run.tally.texts)
        # Near-duplicates across all parts: each text's group is its earliest text's row.
        row_numbers = np.concatenate(numbers) if numbers else np.zeros(0, dtype=np.int64)
        del numbers
        if run.parts:
            every = np.fromfile(kept, dtype=np.uint32).reshape(-1, width)
            kept.unlink()
            group, run.duplicates = near_duplicate_groups(every)
            del every
        else:
            group = np.zeros(0, dtype=np.int64)
        with (
            open(draft, newline="", encoding="utf-8") as source,
            open(final, "w", newline="", encoding="utf-8") as target,
        ):
            writer = csv.writer(target)
            writer.writerow(COLUMNS)
            at = COLUMNS.index("duplicate_of")  # the draft has every other column, in order
            for i, cells in enumerate(csv.reader(source)):
                first = int(group[i])
                duplicate_of = str(row_numbers[first]) if first != i else ""
                writer.writerow([*cells[:at], duplicate_of, *cells[at:]])
        os.replace(final, out)
    finally:
        draft.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        kept.unlink(missing_ok=True)
        runner.close()
    asked = {item: asks.get(item, set()) for item in run.tally.requests}
    run.demand = demand_from_asks(voices, asked, run.tally.requests, customers)
    run.seconds = time.perf_counter() - started
    return run
