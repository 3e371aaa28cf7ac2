"""Where a sweep's runs execute: in this process, on a local process pool, or on Dask.

One interface, `Executor.imap_unordered(fn, tasks, lost)`: results come back
as runs finish, whatever their order; `lost(task, error)` turns a task the
executor could not finish (it killed its worker three times, a cluster that
failed it)
into a result, so a sweep records it and goes on. A bounded number of tasks
is in flight at any time, so memory stays flat however many runs a sweep
has. The results themselves never depend on the executor: a run is a pure
function of its task.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, Protocol, TypeVar

from sim.runner import interrupts_ignored

T = TypeVar("T")
R = TypeVar("R")

MAX_ATTEMPTS = 3
"""A task whose worker process dies is run again, up to this many times in all."""


class ExecutorError(RuntimeError):
    """An executor that cannot start (e.g. no scheduler at the address): one line."""


class Executor(Protocol):
    """Runs tasks and yields their results as they finish."""

    description: str
    workers: int

    def imap_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T], lost: Callable[[T, BaseException], R]
    ) -> Iterator[R]:
        """Yield `fn(task)` for every task, in the order they finish."""
        ...

    def close(self) -> None:
        """Release the workers."""
        ...


class SerialExecutor:
    """Runs every task in this process, one after the other."""

    description = "serial"
    workers = 1

    def imap_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T], lost: Callable[[T, BaseException], R]
    ) -> Iterator[R]:
        """Yield `fn(task)` for each task in turn."""
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class ProcessExecutor:
    """A local pool of worker processes (spawned, so each starts clean).

    Workers never receive Ctrl-C (the parent stops them; see
    `interrupts_ignored`). A worker that dies (killed, out of memory) breaks
    the pool: a new pool is started and the tasks that were in flight run
    again, one at a time, so that a task that kills its worker is found and
    given up after `MAX_ATTEMPTS`, and the others complete.

    Args:
        workers: processes (0 = one per core).
    """

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.description = f"process pool, {self.workers} workers"
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        self._stop()
        self._pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"))
        return self._pool

    def imap_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T], lost: Callable[[T, BaseException], R]
    ) -> Iterator[R]:
        """Yield `fn(task)` for every task as the workers finish them.

        When a worker dies, every task in flight fails with the pool. Those
        tasks are run again one at a time in a new pool, so that only a task
        that kills its worker alone is charged an attempt; after
        `MAX_ATTEMPTS` it comes back through `lost`.
        """
        source = iter(tasks)
        suspects: deque[tuple[T, int]] = deque()
        pending: dict[Future[R], tuple[T, int]] = {}
        pool = self._pool or self._new_pool()
        window = 4 * self.workers
        exhausted = False
        while True:
            if suspects and not pending:
                task, attempts = suspects.popleft()
                with interrupts_ignored():  # workers started now inherit the block
                    pending[pool.submit(fn, task)] = (task, attempts)
            while not suspects and not exhausted and len(pending) < window:
                try:
                    task = next(source)
                except StopIteration:
                    exhausted = True
                    break
                with interrupts_ignored():
                    pending[pool.submit(fn, task)] = (task, 0)
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            alone = len(pending) == 1
            failed: list[tuple[T, int]] = []
            for future in done:
                yield from self._outcome(future, pending.pop(future), failed, lost)
            if not failed:
                continue
            for future in list(pending):  # the pool is broken: the others fail with it
                yield from self._outcome(future, pending.pop(future), failed, lost)
            for task, attempts in failed:
                if not alone:
                    suspects.append((task, attempts))
                elif attempts + 1 < MAX_ATTEMPTS:
                    suspects.appendleft((task, attempts + 1))
                else:
                    yield lost(task, BrokenProcessPool(f"its worker died {MAX_ATTEMPTS} times"))
            pool = self._new_pool()

    @staticmethod
    def _outcome(
        future: Future[R],
        entry: tuple[T, int],
        failed: list[tuple[T, int]],
        lost: Callable[[T, BaseException], R],
    ) -> Iterator[R]:
        """A finished future's result; a task of a broken pool goes to `failed`."""
        try:
            yield future.result()
        except BrokenProcessPool:
            failed.append(entry)
        except Exception as err:  # e.g. a task that cannot be pickled
            yield lost(entry[0], err)

    def _stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())  # no API before 3.14
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)

    def close(self) -> None:
        """Stop the workers (at once: nothing they still run is wanted)."""
        self._stop()

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class DaskExecutor:
    """A Dask distributed cluster: one at an address, or a local one on 127.0.0.1.

    Dask reschedules the tasks of a worker that dies; a task that kills
    several workers comes back as lost.

    Args:
        address: scheduler address, e.g. ``tcp://10.0.0.5:8786``.
        local_workers: start a `LocalCluster` of this many single-threaded
            worker processes on 127.0.0.1 instead (its dashboard on loopback too).

    Raises:
        ExecutorError: no scheduler answers at the address.
    """

    def __init__(self, address: str | None = None, local_workers: int = 0) -> None:
        from distributed import Client, LocalCluster

        self._cluster: Any = None
        try:
            if address:
                self._client = Client(address, timeout="10s")
            else:
                self._cluster = LocalCluster(
                    n_workers=local_workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",
                    silence_logs=logging.ERROR,
                )
                self._client = Client(self._cluster)
        except (OSError, ValueError, TypeError) as err:  # no answer; a malformed address
            self.close()
            raise ExecutorError(
                f"--scheduler = {address!r}: no Dask scheduler answers ({err})"
            ) from None
        self.address = str(self._client.scheduler.address)
        self.dashboard = str(self._client.dashboard_link or "")
        self.workers = max(len(self._client.scheduler_info().get("workers", {})), 1)
        where = "local cluster" if self._cluster is not None else "cluster"
        self.description = f"Dask {where} at {self.address}, {self.workers} workers"

    def imap_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T], lost: Callable[[T, BaseException], R]
    ) -> Iterator[R]:
        """Yield `fn(task)` for every task as the cluster finishes them."""
        from distributed import as_completed

        source = iter(tasks)
        pending: dict[Any, T] = {}
        window = 4 * self.workers
        finished = as_completed()

        def submit() -> bool:
            try:
                task = next(source)
            except StopIteration:
                return False
            future = self._client.submit(fn, task, pure=False)
            pending[future] = task
            finished.add(future)
            return True

        while len(pending) < window and submit():
            pass
        for future in finished:
            task = pending.pop(future)
            try:
                yield future.result()
            except Exception as err:  # KilledWorker, or a task that cannot be shipped
                yield lost(task, err)
            future.release()
            submit()

    def close(self) -> None:
        """Close the client (and the local cluster, if this started one)."""
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def make_executor(workers: int = 0, scheduler: str | None = None, dask_local: int = 0) -> Executor:
    """The executor the command line's options ask for.

    Args:
        workers: local processes (1 = serial in this process, 0 = one per core).
        scheduler: a Dask scheduler's address (overrides `workers`).
        dask_local: start a local Dask cluster of this many workers.
    """
    if scheduler or dask_local:
        return DaskExecutor(scheduler, dask_local)
    if workers == 1 or (workers == 0 and (os.cpu_count() or 1) == 1):
        return SerialExecutor()
    return ProcessExecutor(workers)
