"""The Dask backend: jobs on a ``distributed`` cluster, files coming back as bytes in the results.

``scheduler="local"`` starts a ``LocalCluster`` (one process per job slot, one thread
each); ``scheduler="tcp://HOST:PORT"`` uses a running cluster. No shared file system
is assumed: a worker renders into a private folder and returns the files' bytes,
which this process writes atomically into the sweep folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import uuid
from pathlib import Path
from typing import Any

from explainer.batch.jobs import BatchError, Job, JobResult, RenderFn
from explainer.batch.worker import dask_task, error_line, worker_code_version
from explainer.output import publish, remove_tree, staging_dir

__all__ = ["DaskBackend", "DaskConnection", "check_reachable", "connect", "install_blobs"]


def check_reachable(address: str) -> None:
    """Fail fast on a refused TCP connection (the Dask client would retry for its whole timeout)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        with socket.create_connection((parts.hostname, parts.port), timeout=10):
            pass


def install_blobs(sweep_dir: Path, name: str, blobs: dict[str, tuple[str, bytes]]) -> dict[str, Path]:
    """Write files received from a remote worker into ``sweep_dir/name/``, atomically."""
    stage = staging_dir(sweep_dir, name)
    try:
        files: dict[str, Path] = {}
        for role, (fname, data) in blobs.items():
            if Path(fname).name != fname or fname.startswith("."):
                raise ValueError(f"worker sent a file name that is not a plain name: {fname!r}")
            p = stage / fname
            p.write_bytes(data)
            files[role] = p
        return publish(files, sweep_dir / name)
    finally:
        remove_tree(stage)


class DaskConnection:
    """A client of a Dask cluster and where it is (``where`` names it in messages).

    ``cluster`` is the ``LocalCluster`` this connection started, closed with it; a client
    given by the caller (``own=False``) is left open.
    """

    def __init__(self, client: Any, where: str, cluster: Any, own: bool = True) -> None:
        self.client = client
        self.where = where
        self._cluster = cluster
        self._own = own

    def threads(self) -> int:
        """Task slots across the cluster's workers (at least 1)."""
        return max(1, sum(self.client.nthreads().values()))

    def wait_for_workers(self) -> None:
        try:
            self.client.wait_for_workers(1, timeout=60)
        except Exception:
            self.close()
            raise BatchError(
                f"no Dask worker joined {self.where} within 60 s (start one with `dask worker ADDRESS`)"
            ) from None

    def check_code_version(self) -> None:
        """Refuse a scheduler or workers that cannot import this project, or workers that run other
        code than this process (the scheduler unpacks every task, so it needs the project too)."""
        from explainer.clip import code_version

        mine = code_version()
        try:
            self.client.run_on_scheduler(worker_code_version)
        except Exception as exc:
            self.close()
            raise BatchError(
                f"the Dask scheduler at {self.where} cannot import this project "
                f"(start `dask scheduler` with PYTHONPATH set to a checkout, as the workers): {error_line(exc)}"
            ) from None
        try:
            theirs = self.client.run(worker_code_version)
        except Exception as exc:
            self.close()
            raise BatchError(
                f"Dask workers at {self.where} cannot import this project "
                f"(start `dask worker` with PYTHONPATH set to a checkout): {error_line(exc)}"
            ) from None
        wrong = sorted(addr for addr, v in theirs.items() if v != mine)
        if wrong:
            self.close()
            raise BatchError(
                f"Dask worker(s) {', '.join(wrong)} run different code (version "
                f"{theirs[wrong[0]]}, here {mine}): their clips would never match the cache"
            )

    def close(self) -> None:
        if self._own:
            with contextlib.suppress(Exception):
                self.client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(scheduler: str, workers: int | None = None, check_code: bool = True) -> DaskConnection:
    """Connect to ``scheduler``: ``"local"`` starts a ``LocalCluster`` of ``workers`` single-threaded
    processes (default: the number of cores); otherwise ``tcp://HOST:PORT`` of a running one.

    Waits for a worker and (``check_code``) checks that every worker runs this code.
    Raises :class:`BatchError` (one line) when that cannot be done.
    """
    import logging
    import os

    from distributed import Client, LocalCluster

    if scheduler == "local":
        n = workers or os.cpu_count() or 1
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        conn = DaskConnection(Client(cluster), f"a LocalCluster of {n} processes", cluster)
    else:
        try:
            check_reachable(scheduler)
            client = Client(scheduler, timeout="10s")
        except Exception as exc:
            raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {error_line(exc)}") from None
        conn = DaskConnection(client, scheduler, None)
    conn.wait_for_workers()
    if check_code:
        conn.check_code_version()
    return conn


class DaskBackend:
    """Jobs on a Dask ``distributed`` cluster; files come back as bytes in the results."""

    kind = "dask"

    def __init__(
        self,
        scheduler: str | None,
        workers: int,
        sweep_dir: Path,
        quality: str | None,
        fmt: str | None,
        render_fn: RenderFn | None,
        client: Any = None,
    ) -> None:
        self._sweep_dir = sweep_dir
        self._args = (quality, fmt, render_fn)
        if client is not None:
            self._conn = DaskConnection(client, "the given client", None, own=False)
            self._conn.wait_for_workers()
            if render_fn is None:
                self._conn.check_code_version()
        else:
            self._conn = connect(str(scheduler), workers, check_code=render_fn is None)
        self.client = self._conn.client
        self.where = self._conn.where
        self.workers = self._conn.threads()
        self._pending: dict[Any, Job] = {}

    def submit(self, job: Job) -> None:
        job.attempts += 1
        key = f"render-{job.name}-{uuid.uuid4().hex[:8]}"
        fut = self.client.submit(dask_task, job.config, *self._args, key=key, pure=False)
        self._pending[fut] = job

    @property
    def pending(self) -> int:
        return len(self._pending)

    def running(self) -> int:
        return min(self.workers, len(self._pending))

    def poll(self, timeout: float) -> list[tuple[Job, JobResult]]:
        done = sorted((f for f in self._pending if f.done()), key=lambda f: self._pending[f].index)
        if not done:
            time.sleep(timeout)
            return []
        out = []
        for fut in done:
            job = self._pending.pop(fut)
            try:
                res = fut.result()
            except Exception as exc:  # KilledWorker, CancelledError, a lost connection
                out.append((job, JobResult.failure(error_line(exc))))
                continue
            if res.ok:
                try:
                    files = install_blobs(self._sweep_dir, job.name, res.blobs)
                    res = dataclasses.replace(res, files=files, blobs={})
                except Exception as exc:
                    res = JobResult.failure(f"could not write the returned files: {error_line(exc)}")
            out.append((job, res))
        return out

    def close(self, cancel: bool) -> None:
        with contextlib.suppress(Exception):
            if cancel and self._pending:
                self.client.cancel(list(self._pending))
        self._conn.close()
