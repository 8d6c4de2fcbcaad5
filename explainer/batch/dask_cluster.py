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

__all__ = ["DaskBackend", "check_reachable", "install_blobs"]


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
        import logging

        from distributed import Client, LocalCluster

        self._sweep_dir = sweep_dir
        self._args = (quality, fmt, render_fn)
        self._cluster = None
        self._own_client = client is None
        if client is not None:
            self.client = client
            where = "the given client"
        elif scheduler == "local":
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self._cluster)
            where = f"a LocalCluster of {workers} processes"
        else:
            try:
                check_reachable(str(scheduler))
                self.client = Client(scheduler, timeout="10s")
            except Exception as exc:
                raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {error_line(exc)}") from None
            where = str(scheduler)
        self.where = where
        try:
            self.client.wait_for_workers(1, timeout=60)
        except Exception:
            self.close(cancel=True)
            raise BatchError(
                f"no Dask worker joined {where} within 60 s (start one with `dask worker ADDRESS`)"
            ) from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        if render_fn is None:
            self._check_code_version()
        self._pending: dict[Any, Job] = {}

    def _check_code_version(self) -> None:
        from explainer.clip import code_version

        mine = code_version()
        try:
            theirs = self.client.run(worker_code_version)
        except Exception as exc:
            self.close(cancel=True)
            raise BatchError(
                f"Dask workers at {self.where} cannot import this project "
                f"(start `dask worker` with PYTHONPATH set to a checkout): {error_line(exc)}"
            ) from None
        wrong = sorted(addr for addr, v in theirs.items() if v != mine)
        if wrong:
            self.close(cancel=True)
            raise BatchError(
                f"Dask worker(s) {', '.join(wrong)} run different code (version "
                f"{theirs[wrong[0]]}, here {mine}): their clips would never match the cache"
            )

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
        if self._own_client:
            with contextlib.suppress(Exception):
                self.client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
