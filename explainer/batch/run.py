"""Rendering a sweep: cache check, backend, progress, manifest and gallery.

The flow of :func:`run_sweep`:

1. Each clip whose outputs already exist with the same content hash is taken from the
   cache, in this (parent) process, which never imports Manim; ``force`` skips that check.
2. The remaining jobs go to a backend: the local process pool
   (:class:`~explainer.batch.local.LocalBackend`) or a Dask cluster
   (:class:`~explainer.batch.dask_cluster.DaskBackend`).
3. As jobs finish the manifest is rewritten (at most once a second, so a killed
   batch still describes what it did); at the end the gallery (manifest, contact
   sheet, ``index.html``) is written.

Nothing is written before the batch can start: an unusable output folder (not a
folder, read-only, a symbolic link at ``out/<sweep>``) and an unreachable scheduler
are refused first (:class:`BatchError`, exit code 2). A manifest or gallery that cannot
be written (a full disk) is reported once and the clips still render; the batch then
exits with 1 (:attr:`BatchReport.problems`).

One failing job never stops the others. Ctrl-C (or SIGTERM) stops the workers, whose
renders clean up their staging folders; files at final paths are always complete,
and running the same command again renders only what is missing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from explainer.batch.dask_cluster import DaskBackend
from explainer.batch.jobs import DEFAULT_OUT, BatchError, BatchReport, Job, RenderFn, estimated_seconds, share_cores
from explainer.batch.local import LocalBackend
from explainer.batch.progress import Reporter, say
from explainer.batch.worker import error_line
from explainer.gallery import ClipRecord, write_gallery, write_manifest
from explainer.media import FORMATS, QUALITY_NAMES
from explainer.output import OutputError, check_output_dir, clean_stale_staging

__all__ = ["run_sweep"]

#: How often the parent looks at running jobs (progress refresh, Ctrl-C latency).
_POLL_SECONDS = 0.25
#: Least time between two rewrites of the manifest while a batch runs.
_MANIFEST_SECONDS = 1.0


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


def run_sweep(
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

    if quality is not None and quality not in QUALITY_NAMES:
        raise BatchError(f"quality must be one of {', '.join(QUALITY_NAMES)}, not {quality!r}")
    if fmt is not None and fmt not in FORMATS:
        raise BatchError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if jobs is not None and jobs < 1:
        raise BatchError(f"-j/--jobs must be at least 1, not {jobs}")
    console = console or Console(stderr=True)
    live = console.is_terminal if live is None else live
    started = time.perf_counter()
    sweep_dir = Path(out_dir) / sweep.name
    try:
        check_output_dir(Path(out_dir), sweep.name)
    except OutputError as exc:
        raise BatchError(f"-o {out_dir}: {exc}") from None
    fields = list(sweep.fields)
    extra = {"source": str(sweep.source) if sweep.source else None, "quality": quality, "format": fmt}

    records: dict[str, ClipRecord] = {}
    todo: list[Job] = []
    for i, job in enumerate(sweep.jobs):
        hit = None if force else _cached(job.config, sweep_dir, quality, fmt)
        if hit is not None:
            records[job.name] = _record(
                job, "cached", hash=hit.hash, duration=hit.duration, render_seconds=0.0, files=dict(hit.files)
            )
        else:
            records[job.name] = _record(job, "not_run")
            todo.append(Job(i, job.name, job.config))
    by_name = {job.name: job for job in sweep.jobs}

    def ordered() -> list[ClipRecord]:
        return [records[j.name] for j in sweep.jobs]

    problems: list[str] = []

    def note_problem(what: str, exc: OSError, going_on: bool = True) -> None:
        # Reported once each; the clips are what matter, so the batch goes on without it.
        text = f"could not write {what}: {error_line(exc)}"
        if text not in problems:
            problems.append(text)
            say(console, f"warning: {text}" + ("; the remaining clips still render" if going_on else ""))

    def save_manifest() -> None:
        try:
            write_manifest(sweep_dir, sweep.name, fields, ordered(), extra)
        except OSError as exc:
            note_problem(f"the manifest in {sweep_dir}", exc)

    cached = len(sweep.jobs) - len(todo)
    backend_kind = "dask" if (scheduler or client is not None) else "local"
    interrupted = False
    backend: LocalBackend | DaskBackend | None = None
    if todo:
        # The backend first: an unreachable scheduler is refused before anything is written.
        workers = min(jobs or os.cpu_count() or 1, len(todo))
        if backend_kind == "dask":
            backend = DaskBackend(scheduler, workers, sweep_dir, quality, fmt, render_fn, client)
            where = backend.where
        else:
            cores = jobs or os.cpu_count() or 1
            for job, parts in zip(todo, share_cores([estimated_seconds(j.config) for j in todo], cores), strict=True):
                job.parts = parts
            backend = LocalBackend(workers, sweep_dir, quality, fmt, force, render_fn)
            where = f"{workers} local worker process{'es' if workers > 1 else ''}"
            split = [j.parts for j in todo if j.parts > 1]
            if split:
                where += f"; the spare cores draw {len(split)} clip(s) in {'/'.join(map(str, split))} parts"
    try:
        sweep_dir.mkdir(parents=True, exist_ok=True)
        clean_stale_staging(sweep_dir)  # what an earlier, killed batch left half-written
        save_manifest()
    except BaseException:
        if backend is not None:
            backend.close(cancel=True)
        raise
    if backend is not None:
        say(
            console,
            f"batch {sweep.name}: {len(sweep.jobs)} clips, {cached} up to date, {len(todo)} to render on {where}",
        )
        reporter = Reporter(console, len(todo), live=live)
        last_manifest, dirty = time.monotonic(), False
        try:
            with _sigterm_as_interrupt():
                for job in todo:
                    backend.submit(job)
                while backend.pending:
                    for job, res in backend.poll(_POLL_SECONDS):
                        sj = by_name[job.name]
                        if res.ok:
                            rec = _record(
                                sj,
                                res.status,
                                hash=res.hash,
                                duration=res.duration,
                                render_seconds=res.render_seconds,
                                files=res.files,
                                worker=res.worker,
                            )
                        else:
                            rec = _record(
                                sj,
                                "failed",
                                error=res.error or "unknown error",
                                worker=res.worker,
                                traceback=res.traceback,
                            )
                        records[job.name] = rec
                        reporter.finished(rec)
                        dirty = True
                    # Rewritten as clips finish (so a killed batch still has a manifest), but
                    # not after every one: a big sweep's manifest is large and fsynced.
                    if dirty and time.monotonic() - last_manifest >= _MANIFEST_SECONDS:
                        save_manifest()
                        last_manifest, dirty = time.monotonic(), False
                    reporter.tick(backend.running())
        except KeyboardInterrupt:
            interrupted = True
        finally:
            reporter.close()
            backend.close(cancel=interrupted)
    else:
        say(console, f"batch {sweep.name}: all {len(sweep.jobs)} clips up to date")
    gallery: dict[str, Path] = {}
    try:
        gallery = write_gallery(sweep_dir, sweep.name, fields, ordered(), extra)
    except OSError as exc:
        note_problem(f"the gallery in {sweep_dir}", exc, going_on=False)
    return BatchReport(
        sweep.name,
        sweep_dir,
        tuple(ordered()),
        time.perf_counter() - started,
        interrupted,
        backend_kind,
        gallery,
        tuple(problems),
    )
