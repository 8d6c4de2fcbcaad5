"""The local backend: a pool of long-lived worker processes on this machine."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from explainer.batch.jobs import Job, JobResult, RenderFn
from explainer.batch.worker import error_line, local_task, worker_init

__all__ = ["LocalBackend"]


class LocalBackend:
    """A pool of long-lived worker processes on this machine.

    A worker that dies (killed, out of memory, a crash in native code) breaks the
    whole ``ProcessPoolExecutor`` and fails every job in it, although only one job
    was to blame. So: jobs that were not yet running are simply submitted again to a
    fresh pool; jobs that were running are *suspects* and are re-run one at a time
    in a separate one-worker pool, where a second crash can only be their own.
    """

    kind = "local"

    def __init__(
        self,
        workers: int,
        sweep_dir: Path,
        quality: str | None,
        fmt: str | None,
        force: bool,
        render_fn: RenderFn | None,
    ) -> None:
        self.workers = workers
        self._args = (str(sweep_dir), quality, fmt, force, render_fn)
        self._preload = render_fn is None
        self._pending: dict[Future[JobResult], Job] = {}
        self._seen_running: set[Future[JobResult]] = set()
        self._requeue: list[Job] = []
        self._broken = False
        self._suspects: list[Job] = []
        self._solo: ProcessPoolExecutor | None = None
        self._solo_job: tuple[Future[JobResult], Job] | None = None
        self._pool = self._new_pool(workers)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        # spawn: a fresh interpreter per worker, never a fork of a parent that may hold
        # threads (rich's refresh thread) or locks.
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=worker_init,
            initargs=(self._preload, os.getpid()),
        )

    def submit(self, job: Job) -> None:
        job.attempts += 1
        self._pending[self._pool.submit(local_task, job.config, *self._args, job.parts)] = job

    @property
    def pending(self) -> int:
        return len(self._pending) + len(self._requeue) + len(self._suspects) + (self._solo_job is not None)

    def running(self) -> int:
        main = 0 if self._broken else min(self.workers, sum(f.running() for f in self._pending))
        return main + (self._solo_job is not None)

    def poll(self, timeout: float) -> list[tuple[Job, JobResult]]:
        if self._broken and not self._pending:
            self._restart()
        self._start_suspect()
        # A future is "running" from when it is handed to a worker's queue until it is done.
        self._seen_running |= {f for f in self._pending if f.running()}
        waiting = list(self._pending) + ([self._solo_job[0]] if self._solo_job else [])
        if not waiting:
            return []
        done, _ = futures_wait(waiting, timeout=timeout, return_when=FIRST_COMPLETED)
        out = []
        solo = self._solo_job[0] if self._solo_job else None
        # Report in sweep order when several finished at once (``done`` is a set).
        for fut in sorted(done, key=lambda f: self._solo_job[1].index if f is solo else self._pending[f].index):
            if self._solo_job is not None and fut is self._solo_job[0]:
                job = self._solo_job[1]
                self._solo_job = None
                exc = fut.exception()
                if isinstance(exc, BrokenProcessPool):
                    out.append(
                        (
                            job,
                            JobResult.failure(
                                "worker process died while rendering this clip, "
                                "twice (killed, out of memory, or a crash in native code)"
                            ),
                        )
                    )
                    self._close_solo()
                else:
                    out.append((job, fut.result() if exc is None else JobResult.failure(error_line(exc))))
                continue
            job = self._pending.pop(fut)
            was_running = fut in self._seen_running
            self._seen_running.discard(fut)
            exc = fut.exception()
            if exc is None:
                out.append((job, fut.result()))
            elif isinstance(exc, BrokenProcessPool):
                self._broken = True
                job.breaks += 1
                # A job caught in several breaks is treated as a suspect even if never seen running.
                (self._suspects if was_running or job.breaks >= 3 else self._requeue).append(job)
            else:
                out.append((job, JobResult.failure(error_line(exc))))
        return out

    def _restart(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._new_pool(self.workers)
        self._broken = False
        requeue, self._requeue = self._requeue, []
        for job in sorted(requeue, key=lambda j: j.index):
            self.submit(job)

    def _start_suspect(self) -> None:
        if self._solo_job is not None or not self._suspects:
            return
        if self._solo is None:
            self._solo = self._new_pool(1)
        self._suspects.sort(key=lambda j: j.index)
        job = self._suspects.pop(0)
        job.attempts += 1
        self._solo_job = (self._solo.submit(local_task, job.config, *self._args, job.parts), job)

    def _close_solo(self) -> None:
        if self._solo is not None:
            self._solo.shutdown(wait=True, cancel_futures=True)
            self._solo = None

    def close(self, cancel: bool) -> None:
        pools = [p for p in (self._pool, self._solo) if p is not None]
        if cancel:
            # SIGTERM lets each worker's render remove its staging folder before exiting.
            procs = [proc for pool in pools for proc in list(getattr(pool, "_processes", {}).values())]
            for proc in procs:
                with contextlib.suppress(Exception):
                    proc.terminate()
            for proc in procs:
                proc.join(timeout=10)
                if proc.is_alive():
                    proc.kill()
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
