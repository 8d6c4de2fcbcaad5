"""Render every clip of a sweep: cached, parallel, resumable, locally or on a Dask cluster.

``render.py batch SWEEP.yaml`` lands here (:func:`run_batch_command`). The flow:

1. :func:`explainer.sweep.load_sweep` expands the sweep into fully validated configs.
2. In this (parent) process, each clip whose outputs already exist with the same
   content hash is taken from the cache, which never imports Manim; ``force`` skips
   that check.
3. The remaining jobs go to a backend:

   - *local* (default): a pool of ``N`` worker processes (spawned, not forked) that
     live for the whole batch, so each imports Manim once. Each render runs in its
     own staging folder and is published atomically by :func:`explainer.clip.render_clip`.
   - *dask*: ``scheduler="local"`` starts a ``LocalCluster`` (one process per job slot,
     one thread each); ``scheduler="tcp://HOST:PORT"`` uses a running cluster. Workers
     render into a private temporary folder and send the finished files back as bytes,
     which this process writes atomically: no shared file system is assumed.

4. As jobs finish the manifest is rewritten (at most once a second, so a killed
   batch still describes what it did); at the end the gallery (manifest, contact
   sheet, ``index.html``) is written and a summary table printed.

One failing job never stops the others. Ctrl-C (or SIGTERM) stops the workers, whose
renders clean up their staging folders; files at final paths are always complete,
and running the same command again renders only what is missing.

Exit codes: 0 all clips available, 1 some job failed, 2 invalid sweep or usage,
130 interrupted.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from explainer.gallery import ClipRecord, write_gallery, write_manifest
from explainer.output import clean_stale_staging, publish, remove_own_staging, remove_tree, staging_dir

__all__ = [
    "DEFAULT_OUT",
    "BatchError",
    "BatchReport",
    "print_summary",
    "run_batch",
    "run_batch_command",
]

DEFAULT_OUT = Path("out")
_QUALITIES = ("l", "m", "h", "p", "k")
_FORMATS = ("mp4", "webm", "gif", "mov", "png")
#: How often the parent looks at running jobs (progress refresh, Ctrl-C latency).
_POLL_SECONDS = 0.25
#: Least time between two rewrites of the manifest while a batch runs.
_MANIFEST_SECONDS = 1.0

RenderFn = Callable[..., Any]


class BatchError(Exception):
    """A batch that cannot start (bad option, unreachable scheduler): exit code 2."""


@dataclass(frozen=True)
class BatchReport:
    """What a batch did: one :class:`~explainer.gallery.ClipRecord` per clip, in sweep order."""

    sweep_name: str
    sweep_dir: Path
    records: tuple[ClipRecord, ...]
    wall_seconds: float
    interrupted: bool = False
    backend: str = "local"
    gallery: dict[str, Path] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.records)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if any(not r.ok for r in self.records) else 0


# --------------------------------------------------------------------------- workers


# A worker's state, read by its SIGTERM handler. SIGTERM comes from the parent (Ctrl-C,
# or SIGTERM to the batch) or from the worker itself when it finds it has been orphaned.
_terminating = False
#: True only while the render runs: a SystemExit there unwinds through the render's own
#: ``finally``, which removes its staging folder. Anywhere else the worker exits at once.
_rendering = False
#: The sweep folder of the current job, where this worker's staging folders live.
_sweep_dir: Path | None = None
#: How long a render may take to unwind after SIGTERM before the worker exits regardless
#: (Manim catches ``BaseException`` in places and may swallow the SystemExit). Shorter than
#: the parent's wait before it SIGKILLs a worker, so the worker still removes its staging folder.
_STOP_GRACE_SECONDS = 5.0


def _exit_now() -> NoReturn:
    """Stop this worker: remove any staging folder it still owns, then exit without unwinding."""
    if _sweep_dir is not None:
        with contextlib.suppress(Exception):
            remove_own_staging(_sweep_dir)
    # Release the semaphores this process created (tqdm makes one), which a bare _exit
    # would leave for the resource tracker to complain about.
    with contextlib.suppress(Exception):
        from multiprocessing import util

        util._run_finalizers(0)
    os._exit(143)


def _on_sigterm(signum: int, frame: Any) -> None:
    global _terminating
    first = not _terminating
    _terminating = True
    if not _rendering:
        # Idle, between jobs, or reporting a result: nothing to unwind. Raising here
        # instead would be caught by the pool's own ``except BaseException`` around
        # each job, and the worker would carry on with the next one.
        _exit_now()
    elif first:
        backstop = threading.Timer(_STOP_GRACE_SECONDS, _exit_now)
        backstop.daemon = True
        backstop.start()
        raise SystemExit(128 + signum)
    # A second SIGTERM while the first unwinds the render: let it finish unwinding.


def _watch_parent(parent: int) -> None:
    # A parent killed with SIGKILL cannot stop its workers; they notice being orphaned
    # and stop themselves the same clean way as on SIGTERM.
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def _quiet_logging() -> None:
    import logging

    for name in ("manim", "libav", "PIL"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _worker_init(preload: bool, parent: int) -> None:
    """Runs once in each local worker process; ``parent`` is the batch process's id.

    (Passed in, not read with ``os.getppid()`` here: a parent killed while this worker
    starts would make that the id of the process that adopted it.)
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    signal.signal(signal.SIGTERM, _on_sigterm)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()
    if preload:
        # Import Manim and every scene now, once per worker, while the parent is still
        # submitting; every clip this worker renders then starts warm. A scene that fails
        # to import fails its own jobs later, with the error, not the worker.
        with contextlib.suppress(Exception):
            import manim  # noqa: F401

            from scenes import SCENES, get_scene_class

            for kind in SCENES:
                with contextlib.suppress(Exception):
                    get_scene_class(kind)
    _quiet_logging()


def _default_render() -> RenderFn:
    from explainer.clip import render_clip

    return render_clip


def _error_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _local_task(
    cfg: Any, sweep_dir: str, quality: str | None, fmt: str | None, force: bool, render_fn: RenderFn | None
) -> dict[str, Any]:
    """One job in a local worker: render into the sweep folder, report as a plain dict."""
    global _rendering, _sweep_dir
    _sweep_dir = Path(sweep_dir)
    try:
        render = render_fn or _default_render()
        _rendering = True
        try:
            res = render(cfg, Path(sweep_dir), quality=quality, fmt=fmt, force=force, quiet=True)
        finally:
            _rendering = False
    except BaseException as exc:
        if _terminating:
            _exit_now()  # the render's cleanup has run; this also catches one cut short
        if not isinstance(exc, Exception):
            raise
        return {"ok": False, "error": _error_line(exc), "traceback": traceback.format_exc(), "worker": os.getpid()}
    if _terminating:  # stopped just after the render finished: the clip is published, stop
        _exit_now()
    return {
        "ok": True,
        "status": res.status,
        "hash": res.hash,
        "files": dict(res.files),
        "duration": res.duration,
        "render_seconds": res.render_seconds,
        "worker": os.getpid(),
    }


def _dask_task(cfg: Any, quality: str | None, fmt: str | None, render_fn: RenderFn | None) -> dict[str, Any]:
    """One job on a Dask worker: render into a private folder and return the files' bytes."""
    import socket

    _quiet_logging()
    render = render_fn or _default_render()
    where = f"{socket.gethostname()}:{os.getpid()}"
    tmp = Path(tempfile.mkdtemp(prefix="rnn-explainer-batch-"))
    try:
        res = render(cfg, tmp, quality=quality, fmt=fmt, force=True, quiet=True)
        blobs = {role: (Path(p).name, Path(p).read_bytes()) for role, p in res.files.items()}
        return {
            "ok": True,
            "status": "rendered",
            "hash": res.hash,
            "blobs": blobs,
            "duration": res.duration,
            "render_seconds": res.render_seconds,
            "worker": where,
        }
    except Exception as exc:
        return {"ok": False, "error": _error_line(exc), "traceback": traceback.format_exc(), "worker": where}
    finally:
        remove_tree(tmp)


def _worker_code_version() -> str:
    from explainer.clip import code_version

    return code_version()


def _check_reachable(address: str) -> None:
    """Fail fast on a refused TCP connection (the Dask client would retry for its whole timeout)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        with socket.create_connection((parts.hostname, parts.port), timeout=10):
            pass


def _install_blobs(sweep_dir: Path, name: str, blobs: dict[str, tuple[str, bytes]]) -> dict[str, Path]:
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


# --------------------------------------------------------------------------- backends


@dataclass
class _Job:
    index: int
    name: str
    config: Any
    attempts: int = 0
    breaks: int = 0  # times a broken local pool took this job down


class _LocalBackend:
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
        self._pending: dict[Future[dict[str, Any]], _Job] = {}
        self._seen_running: set[Future[dict[str, Any]]] = set()
        self._requeue: list[_Job] = []
        self._broken = False
        self._suspects: list[_Job] = []
        self._solo: ProcessPoolExecutor | None = None
        self._solo_job: tuple[Future[dict[str, Any]], _Job] | None = None
        self._pool = self._new_pool(workers)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        # spawn: a fresh interpreter per worker, never a fork of a parent that may hold
        # threads (rich's refresh thread) or locks.
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(self._preload, os.getpid()),
        )

    def submit(self, job: _Job) -> None:
        job.attempts += 1
        self._pending[self._pool.submit(_local_task, job.config, *self._args)] = job

    @property
    def pending(self) -> int:
        return len(self._pending) + len(self._requeue) + len(self._suspects) + (self._solo_job is not None)

    def running(self) -> int:
        main = 0 if self._broken else min(self.workers, sum(f.running() for f in self._pending))
        return main + (self._solo_job is not None)

    def poll(self, timeout: float) -> list[tuple[_Job, dict[str, Any]]]:
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
                            {
                                "ok": False,
                                "error": "worker process died while rendering this clip, "
                                "twice (killed, out of memory, or a crash in native code)",
                            },
                        )
                    )
                    self._close_solo()
                else:
                    out.append((job, fut.result() if exc is None else {"ok": False, "error": _error_line(exc)}))
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
                out.append((job, {"ok": False, "error": _error_line(exc)}))
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
        self._solo_job = (self._solo.submit(_local_task, job.config, *self._args), job)

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


class _DaskBackend:
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
                _check_reachable(str(scheduler))
                self.client = Client(scheduler, timeout="10s")
            except Exception as exc:
                raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {_error_line(exc)}") from None
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
        self._pending: dict[Any, _Job] = {}

    def _check_code_version(self) -> None:
        from explainer.clip import code_version

        mine = code_version()
        try:
            theirs = self.client.run(_worker_code_version)
        except Exception as exc:
            self.close(cancel=True)
            raise BatchError(
                f"Dask workers at {self.where} cannot import this project "
                f"(start `dask worker` with PYTHONPATH set to a checkout): {_error_line(exc)}"
            ) from None
        wrong = sorted(addr for addr, v in theirs.items() if v != mine)
        if wrong:
            self.close(cancel=True)
            raise BatchError(
                f"Dask worker(s) {', '.join(wrong)} run different code (version "
                f"{theirs[wrong[0]]}, here {mine}): their clips would never match the cache"
            )

    def submit(self, job: _Job) -> None:
        job.attempts += 1
        key = f"render-{job.name}-{uuid.uuid4().hex[:8]}"
        fut = self.client.submit(_dask_task, job.config, *self._args, key=key, pure=False)
        self._pending[fut] = job

    @property
    def pending(self) -> int:
        return len(self._pending)

    def running(self) -> int:
        return min(self.workers, len(self._pending))

    def poll(self, timeout: float) -> list[tuple[_Job, dict[str, Any]]]:
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
                out.append((job, {"ok": False, "error": _error_line(exc)}))
                continue
            if res.get("ok"):
                try:
                    res["files"] = _install_blobs(self._sweep_dir, job.name, res.pop("blobs"))
                except Exception as exc:
                    res = {"ok": False, "error": f"could not write the returned files: {_error_line(exc)}"}
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


# --------------------------------------------------------------------------- progress


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class _Reporter:
    """Progress on stderr: a rich live bar on a terminal, plain log lines otherwise."""

    def __init__(self, console: Any, total: int, live: bool) -> None:
        self.console = console
        self.total = total
        self.done = 0
        self.failed = 0
        self.started = time.perf_counter()
        self._progress = None
        self._task = None
        if live and total:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]rendering"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("running {task.fields[running]}"),
                TextColumn("[red]failed {task.fields[failed]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            )
            self._task = self._progress.add_task("render", total=total, running=0, failed=0)
            self._progress.start()

    def line(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text, highlight=False, markup=False)
        else:
            print(text, file=self.console.file, flush=True)

    def tick(self, running: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, running=running)

    def finished(self, rec: ClipRecord) -> None:
        self.done += 1
        self.failed += not rec.ok
        if rec.ok:
            what = f"{rec.status} {rec.name} ({rec.render_seconds or 0:.1f} s)"
        else:
            what = f"FAILED {rec.name}: {rec.error}"
        eta = ""
        if self._progress is None and self.done < self.total:
            elapsed = time.perf_counter() - self.started
            eta = f"  [eta {_clock(elapsed / self.done * (self.total - self.done))}]"
        self.line(f"[{self.done}/{self.total}] {what}{eta}")
        if self._progress is not None:
            self._progress.update(self._task, advance=1, failed=self.failed)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


# --------------------------------------------------------------------------- the batch


def _say(console: Any, text: str) -> None:
    if console.is_terminal:
        console.print(text, highlight=False, markup=False)
    else:  # a log file or pipe: one unwrapped line, as written
        print(text, file=console.file, flush=True)


def _record(job: Any, status: str, **kw: Any) -> ClipRecord:
    return ClipRecord(
        name=job.name,
        params=dict(job.params),
        status=status,
        title=str(getattr(job.config, "title", "") or ""),
        variant=job.variant,
        **kw,
    )


def _cached(cfg: Any, sweep_dir: Path, quality: str | None, fmt: str | None) -> Any:
    from explainer.clip import cached_result

    try:
        return cached_result(cfg, sweep_dir, quality, fmt)
    except OSError:  # an unreadable clip folder is simply not a cache hit
        return None


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """In the parent, SIGTERM stops the batch the same orderly way as Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def run_batch(
    sweep: Any,
    out_dir: Path = DEFAULT_OUT,
    *,
    jobs: int | None = None,
    quality: str | None = None,
    fmt: str | None = None,
    force: bool = False,
    scheduler: str | None = None,
    client: Any = None,
    render_fn: RenderFn | None = None,
    console: Any = None,
    live: bool | None = None,
) -> BatchReport:
    """Render every job of ``sweep`` into ``out_dir/<sweep.name>/``.

    Parameters
    ----------
    sweep
        An expanded :class:`explainer.sweep.Sweep`.
    jobs
        Local worker processes, or LocalCluster processes (default: ``os.cpu_count()``,
        never more than there are clips to render). Ignored for a remote scheduler.
    quality, fmt
        Override every config's ``output.quality`` / ``output.format``.
    force
        Render even clips that are up to date.
    scheduler
        ``None`` for the local process pool, ``"local"`` for a Dask ``LocalCluster``,
        or the address of a running Dask scheduler (``tcp://HOST:PORT``).
    client
        An existing ``distributed.Client`` to use instead of ``scheduler``.
    render_fn
        Stand-in for :func:`explainer.clip.render_clip` (tests); must be importable
        by worker processes.
    console
        A ``rich.console.Console`` for progress (default: stderr).
    live
        Show the live progress bar (default: when the console is a terminal).

    Raises
    ------
    BatchError
        Bad options or an unusable scheduler, before anything is rendered.
    """
    from rich.console import Console

    if quality is not None and quality not in _QUALITIES:
        raise BatchError(f"quality must be one of {', '.join(_QUALITIES)}, not {quality!r}")
    if fmt is not None and fmt not in _FORMATS:
        raise BatchError(f"format must be one of {', '.join(_FORMATS)}, not {fmt!r}")
    if jobs is not None and jobs < 1:
        raise BatchError(f"-j/--jobs must be at least 1, not {jobs}")
    console = console or Console(stderr=True)
    live = console.is_terminal if live is None else live
    started = time.perf_counter()
    sweep_dir = Path(out_dir) / sweep.name
    sweep_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(sweep_dir)  # what an earlier, killed batch left half-written
    fields = list(sweep.fields)
    extra = {"source": str(sweep.source) if sweep.source else None, "quality": quality, "format": fmt}

    records: dict[str, ClipRecord] = {}
    todo: list[_Job] = []
    for i, job in enumerate(sweep.jobs):
        hit = None if force else _cached(job.config, sweep_dir, quality, fmt)
        if hit is not None:
            records[job.name] = _record(
                job, "cached", hash=hit.hash, duration=hit.duration, render_seconds=0.0, files=dict(hit.files)
            )
        else:
            records[job.name] = _record(job, "not_run")
            todo.append(_Job(i, job.name, job.config))
    by_name = {job.name: job for job in sweep.jobs}

    def ordered() -> list[ClipRecord]:
        return [records[j.name] for j in sweep.jobs]

    write_manifest(sweep_dir, sweep.name, fields, ordered(), extra)
    cached = len(sweep.jobs) - len(todo)
    backend_kind = "dask" if (scheduler or client is not None) else "local"
    interrupted = False
    if todo:
        workers = min(jobs or os.cpu_count() or 1, len(todo))
        backend: _LocalBackend | _DaskBackend
        if backend_kind == "dask":
            backend = _DaskBackend(scheduler, workers, sweep_dir, quality, fmt, render_fn, client)
            where = backend.where
        else:
            backend = _LocalBackend(workers, sweep_dir, quality, fmt, force, render_fn)
            where = f"{workers} local worker process{'es' if workers > 1 else ''}"
        _say(
            console,
            f"batch {sweep.name}: {len(sweep.jobs)} clips, {cached} up to date, {len(todo)} to render on {where}",
        )
        reporter = _Reporter(console, len(todo), live=live)
        last_manifest, dirty = time.monotonic(), False
        try:
            with _sigterm_as_interrupt():
                for job in todo:
                    backend.submit(job)
                while backend.pending:
                    for job, res in backend.poll(_POLL_SECONDS):
                        sj = by_name[job.name]
                        if res.get("ok"):
                            rec = _record(
                                sj,
                                res["status"],
                                hash=res["hash"],
                                duration=res["duration"],
                                render_seconds=res["render_seconds"],
                                files=res["files"],
                                worker=str(res.get("worker")),
                            )
                        else:
                            rec = _record(
                                sj,
                                "failed",
                                error=res.get("error") or "unknown error",
                                worker=str(res["worker"]) if res.get("worker") else None,
                                traceback=res.get("traceback"),
                            )
                        records[job.name] = rec
                        reporter.finished(rec)
                        dirty = True
                    # Rewritten as clips finish (so a killed batch still has a manifest), but
                    # not after every one: a big sweep's manifest is large and fsynced.
                    if dirty and time.monotonic() - last_manifest >= _MANIFEST_SECONDS:
                        write_manifest(sweep_dir, sweep.name, fields, ordered(), extra)
                        last_manifest, dirty = time.monotonic(), False
                    reporter.tick(backend.running())
        except KeyboardInterrupt:
            interrupted = True
        finally:
            reporter.close()
            backend.close(cancel=interrupted)
    else:
        _say(console, f"batch {sweep.name}: all {len(sweep.jobs)} clips up to date")
    gallery = write_gallery(sweep_dir, sweep.name, fields, ordered(), extra)
    return BatchReport(
        sweep.name, sweep_dir, tuple(ordered()), time.perf_counter() - started, interrupted, backend_kind, gallery
    )


def print_summary(report: BatchReport, console: Any = None, max_rows: int = 40) -> None:
    """The end-of-batch table on stdout: every clip (for big sweeps, only those not available).

    On a terminal it is a rich table; in a log or pipe, plain aligned lines that are never
    wrapped (clip names stay searchable).
    """
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    rows = list(report.records)
    if len(rows) > max_rows:
        rows = [r for r in rows if not r.ok]
    cells = [
        (
            r.name,
            r.status,
            f"{r.render_seconds:.1f}" if r.render_seconds else "",
            f"{r.duration:.1f}" if r.duration else "",
            r.error or "",
        )
        for r in rows
    ]
    title = f"batch {report.sweep_name}: {report.wall_seconds:.1f} s"
    if console.is_terminal:
        table = Table(title=title, title_justify="left")
        table.add_column("clip", overflow="fold")
        table.add_column("status")
        table.add_column("render s", justify="right")
        table.add_column("video s", justify="right")
        table.add_column("error", overflow="fold")
        style = {"rendered": "green", "cached": "cyan", "failed": "bold red", "not_run": "yellow"}
        for name, status, render_s, video_s, error in cells:
            table.add_row(name, f"[{style.get(status, '')}]{status}[/]", render_s, video_s, error)
        if rows:
            console.print(table)
        lines = []
    else:
        head = ("clip", "status", "render s", "video s", "error")
        widths = [max(len(str(c[i])) for c in [head, *cells]) for i in range(4)]
        lines = [title] if rows else []
        for c in [head, *cells] if rows else []:
            lines.append(
                f"{c[0]:<{widths[0]}}  {c[1]:<{widths[1]}}  {c[2]:>{widths[2]}}  {c[3]:>{widths[3]}}  {c[4]}".rstrip()
            )
    counts = ", ".join(
        f"{report.count(s)} {s.replace('_', ' ')}"
        for s in ("rendered", "cached", "failed", "not_run")
        if report.count(s)
    )
    lines.append(f"{len(report.records)} clips: {counts}")
    if report.gallery.get("index_html"):
        lines.append(f"gallery: {report.gallery['index_html']}")
    if report.interrupted:
        lines.append("interrupted: run the same command again to render what is missing")
    for line in lines:
        _say(console, line)


_ADDRESS = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$|^[\w.-]+:\d+$", re.IGNORECASE)


def run_batch_command(
    sweep_path: Path | str,
    jobs: int | None = None,
    quality: str | None = None,
    fmt: str | None = None,
    out_dir: Path | str | None = None,
    force: bool = False,
    scheduler: str | None = None,
) -> int:
    """``render.py batch``: load, render, summarise; return the exit code.

    Errors in the sweep or the options are one line on stderr and exit code 2.
    """
    from explainer.config import ConfigError
    from explainer.sweep import load_sweep

    try:
        if scheduler is not None and scheduler != "local" and not _ADDRESS.match(scheduler):
            raise BatchError(f"--scheduler must be 'local' or an address like tcp://HOST:8786, not {scheduler!r}")
        if scheduler is not None and _ADDRESS.match(scheduler) and "://" not in scheduler:
            scheduler = f"tcp://{scheduler}"
        sweep = load_sweep(Path(sweep_path))
        report = run_batch(
            sweep,
            Path(out_dir) if out_dir is not None else DEFAULT_OUT,
            jobs=jobs,
            quality=quality,
            fmt=fmt,
            force=force,
            scheduler=scheduler,
        )
    except (ConfigError, BatchError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print_summary(report)
    return report.exit_code
