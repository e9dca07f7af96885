"""Batch work on Dask (``dask.distributed``): a local cluster on this machine's cores or an
existing scheduler's address, and tasks handed out in order with a bounded number in flight.

Dask is the optional extra ``roadwise[distributed]``; nothing here imports it until a cluster
is asked for.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from roadwise.errors import RoadwiseError

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler to answer, and for it to have a worker."""
DASK_HINT = "install the distributed extra: pip install 'roadwise[distributed]'"


def cluster_for(workers: int, address: str | None) -> DaskCluster | None:
    """The cluster the ``--workers`` and ``--cluster`` options ask for; None: this process."""
    if address and workers > 1:
        raise RoadwiseError(
            "--workers starts a local cluster; with --cluster the running cluster's workers "
            "do the work: give one or the other",
            field="--workers",
        )
    if address:
        return DaskCluster(address)
    return DaskCluster(workers=workers) if workers > 1 else None


class DaskCluster:
    """A client of a running scheduler (``address``), or of a local cluster of ``workers``
    single-threaded worker processes: the work is CPU-bound Python."""

    def __init__(self, address: str | None = None, workers: int = 2) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise RoadwiseError(f"running on a Dask cluster needs Dask: {DASK_HINT}") from None
        self._cluster: Any = None
        try:
            if address:
                self.client = Client(address, timeout=f"{CONNECT_TIMEOUT}s")
                self.where = f"the Dask cluster at {address}"
            else:
                self._cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
                self.client = Client(self._cluster)
                self.where = f"a local Dask cluster of {workers} worker processes"
        except (OSError, ValueError) as exc:  # ValueError: an address Dask cannot parse
            raise RoadwiseError(
                f"cannot reach the Dask scheduler at {address} ({exc}); start one with "
                "`dask scheduler` and `dask worker ADDRESS`, or leave out --cluster",
                field="--cluster",
            ) from None
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError:
            self.close()
            raise RoadwiseError(
                f"{self.where} has no workers; start one with `dask worker {address}`",
                field="--cluster",
            ) from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def share(self, value: Any) -> Any:
        """``value`` sent to every worker once; pass the result to :meth:`in_order`."""
        return self.client.scatter(value, broadcast=True)

    def in_order(
        self, function: Callable[..., Any], calls: Iterable[tuple[Any, ...]]
    ) -> Iterator[Any]:
        """``function(*args)`` for every ``args`` of ``calls``, results in the calls' order,
        with at most two calls per worker in flight, so memory stays bounded however many."""
        limit = 2 * self.workers
        # Calls go out in order, so the oldest in flight is always the next one to yield:
        # waiting for it keeps the order while the others run.
        pending: deque[Any] = deque()
        calls = iter(calls)
        exhausted = False
        while True:
            while not exhausted and len(pending) < limit:
                args = next(calls, None)
                if args is None:
                    exhausted = True
                    break
                pending.append(self.client.submit(function, *args, pure=False))
            if not pending:
                return
            yield pending.popleft().result()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
