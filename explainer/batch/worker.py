"""What runs inside a worker process: signal handling and the body of one job.

A local worker (a spawned process of the batch's pool) renders into the sweep folder
and publishes the clip itself; a Dask worker renders into a private temporary folder
and sends the files back as bytes. Either way the result is a
:class:`~explainer.batch.jobs.JobResult`.

Stopping: SIGTERM comes from the parent (Ctrl-C, or SIGTERM to the batch) or from the
worker itself when it finds it has been orphaned. A worker's state for that is kept in
module globals, because a signal handler can read nothing else.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any, NoReturn

from explainer.batch.jobs import JobResult, RenderFn
from explainer.naming import printable
from explainer.output import pid_alive, remove_own_staging, remove_tree, staging_owner

__all__ = [
    "clean_dead_task_dirs",
    "dask_task",
    "error_line",
    "local_task",
    "on_sigterm",
    "worker_code_version",
    "worker_init",
]

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


#: How long :func:`_exit_now` keeps removing its staging folders (an encoder thread of a
#: render cut short may still be writing into one) and then waits for the finalizers.
_REMOVE_SECONDS = 2.0
_FINALIZE_SECONDS = 2.0


def _remove_own_staging_settled(sweep_dir: Path) -> None:
    """Remove this worker's staging folders until none is left.

    When the backstop stops a render that did not unwind, Manim's encoder threads may
    still write into the folder while it is removed; ``rmtree`` then leaves the folder
    behind (a file created after it listed the folder), and this worker is about to
    exit, so nobody else would remove it until the next run. So: remove, look, repeat.
    """
    deadline = time.monotonic() + _REMOVE_SECONDS
    while True:
        with contextlib.suppress(Exception):
            remove_own_staging(sweep_dir)
        left = [p for p in sweep_dir.glob(".staging-*") if staging_owner(p) == os.getpid()]
        if not left or time.monotonic() > deadline:
            return
        time.sleep(0.05)


def _exit_now() -> NoReturn:
    """Stop this worker: remove any staging folder it still owns, then exit without unwinding."""
    if _sweep_dir is not None:
        _remove_own_staging_settled(_sweep_dir)
    # Release the semaphores this process created (tqdm makes one), which a bare _exit
    # would leave for the resource tracker to complain about. A finalizer can block (a
    # queue's, on a lock the interrupted main thread held): the exit must not wait on it.
    hard_stop = threading.Timer(_FINALIZE_SECONDS, os._exit, args=(143,))
    hard_stop.daemon = True
    hard_stop.start()
    with contextlib.suppress(Exception):
        from multiprocessing import util

        util._run_finalizers(0)
    os._exit(143)


def on_sigterm(signum: int, frame: Any) -> None:
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


def worker_init(preload: bool, parent: int) -> None:
    """Runs once in each local worker process; ``parent`` is the batch process's id.

    (Passed in, not read with ``os.getppid()`` here: a parent killed while this worker
    starts would make that the id of the process that adopted it.)
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    signal.signal(signal.SIGTERM, on_sigterm)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()
    if preload:
        # Import Manim and every scene now, once per worker, while the parent is still
        # submitting; every clip this worker renders then starts warm. A scene that fails
        # to import fails its own jobs later, with the error, not the worker.
        with contextlib.suppress(Exception):
            import manim  # noqa: F401

            from explainer.scene_kinds import SCENE_KINDS

            for kind in SCENE_KINDS.values():
                with contextlib.suppress(Exception):
                    kind.load_class()
    _quiet_logging()


def _default_render() -> RenderFn:
    from explainer.clip import render_clip

    return render_clip


def error_line(exc: BaseException) -> str:
    """``Type: message`` on one line, escaped (a message may quote a title or a file name)."""
    text = printable(" ".join(str(exc).split()), 500)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def local_task(
    cfg: Any,
    sweep_dir: str,
    quality: str | None,
    fmt: str | None,
    force: bool,
    render_fn: RenderFn | None,
    parts: int = 1,
) -> JobResult:
    """One job in a local worker: render into the sweep folder (the clip publishes itself);
    ``parts`` above 1 draws it with that many processes of its own (spare cores)."""
    global _rendering, _sweep_dir
    _sweep_dir = Path(sweep_dir)
    try:
        render = render_fn or _default_render()
        _rendering = True
        try:
            more = {"workers": parts} if parts > 1 else {}
            res = render(cfg, Path(sweep_dir), quality=quality, fmt=fmt, force=force, quiet=True, **more)
        finally:
            _rendering = False
    except BaseException as exc:
        if _terminating:
            _exit_now()  # the render's cleanup has run; this also catches one cut short
        if not isinstance(exc, Exception):
            raise
        return JobResult.failure(error_line(exc), worker=str(os.getpid()), traceback=traceback.format_exc())
    if _terminating:  # stopped just after the render finished: the clip is published, stop
        _exit_now()
    return JobResult(
        ok=True,
        status=res.status,
        hash=res.hash,
        files=dict(res.files),
        duration=res.duration,
        render_seconds=res.render_seconds,
        worker=str(os.getpid()),
    )


#: A Dask task's private folder: ``<tmp>/rnn-explainer-batch-pid<PID>-<random>``.
_TASK_PREFIX = "rnn-explainer-batch-pid"
_TASK_DIR = re.compile(re.escape(_TASK_PREFIX) + r"(\d+)-[^-/]+")


def clean_dead_task_dirs(tmp_root: Path | None = None) -> list[Path]:
    """Remove the private folders of Dask tasks whose worker process no longer runs.

    A worker killed mid-job (out of memory, the nanny's SIGKILL) cannot remove its
    folder, which holds the render's staging files; Dask re-runs the job elsewhere.
    The next task on the same machine removes what the dead one left (a folder whose
    owner's pid is alive, even if reused by another process, is kept).
    """
    root = Path(tmp_root) if tmp_root is not None else Path(tempfile.gettempdir())
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            m = _TASK_DIR.fullmatch(entry.name)
            if m and entry.is_dir(follow_symlinks=False) and not pid_alive(int(m.group(1))):
                remove_tree(Path(entry.path))
                removed.append(Path(entry.path))
    return removed


def roomy_malloc() -> None:
    """Undo, in a Dask worker, the allocator setting its nanny gives it.

    A Dask nanny starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536``. Setting it
    turns off glibc's adaptive mmap threshold, so every frame-sized buffer (8 MB at
    1080p) is mapped and unmapped afresh and its pages faulted in again: measured here,
    a 720p part took 27 % more CPU in such a process, and a 1080p clip on a LocalCluster
    twice the CPU of the same clip in plain processes. Fixed thresholds as large as glibc
    allows (32 MB) keep those buffers in the heap. Harmless where glibc is not the allocator.
    """
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 * 1024 * 1024)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 256 * 1024 * 1024)  # M_TRIM_THRESHOLD


def dask_task(cfg: Any, quality: str | None, fmt: str | None, render_fn: RenderFn | None) -> JobResult:
    """One job on a Dask worker: render into a private folder and return the files' bytes."""
    import socket

    _quiet_logging()
    roomy_malloc()
    render = render_fn or _default_render()
    where = f"{socket.gethostname()}:{os.getpid()}"
    clean_dead_task_dirs()
    tmp = Path(tempfile.mkdtemp(prefix=f"{_TASK_PREFIX}{os.getpid()}-"))
    try:
        res = render(cfg, tmp, quality=quality, fmt=fmt, force=True, quiet=True)
        blobs = {role: (Path(p).name, Path(p).read_bytes()) for role, p in res.files.items()}
        return JobResult(
            ok=True,
            status="rendered",
            hash=res.hash,
            blobs=blobs,
            duration=res.duration,
            render_seconds=res.render_seconds,
            worker=where,
        )
    except Exception as exc:
        return JobResult.failure(error_line(exc), worker=where, traceback=traceback.format_exc())
    finally:
        remove_tree(tmp)


def worker_code_version() -> str:
    from explainer.clip import code_version

    return code_version()
