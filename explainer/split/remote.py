"""A split render's parts as tasks on a Dask cluster: the partial movies come back as bytes.

Each part is one task (:func:`dask_part`): the worker builds and plays the whole scene in
a private temporary folder, draws its own plays, and returns its partial movies' bytes
in the :class:`~explainer.split.render.PartResult`; no file system is shared. This
process writes them under the render's media folder, and the caller joins them as it
joins a local split's.

Progress: a worker publishes each section it finishes as an event on a topic of this
render's own; a section is reported once every part has passed it, as for local
workers. A cluster that does not pass events on only loses the progress lines.

Failure: a task that raises fails the render with one line naming the part. A worker
lost mid-part (killed, out of memory) is Dask's to handle: the scheduler runs the part
again on another worker, up to its ``allowed-failures`` (then ``KilledWorker`` fails the
render). Parts that finished are kept by the scheduler meanwhile, so only the lost part
is drawn again. Ctrl-C, or any failure, cancels every part still pending.
"""

from __future__ import annotations

import contextlib
import os
import queue
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from explainer.split.render import PartJob, PartResult, SplitError, _Progress, draw_part

__all__ = ["dask_part", "run_on_dask"]

#: How often the parent looks at its parts' futures and section events (seconds).
_POLL_SECONDS = 0.2


def _post_section(topic: str, worker: int, index: int, title: str) -> None:
    with contextlib.suppress(Exception):  # progress is a courtesy, never a failure
        from distributed import get_worker

        get_worker().log_event(topic, {"part": worker, "index": index, "title": title})


def dask_part(job: PartJob, topic: str) -> PartResult:
    """One part on a Dask worker: draw into a private folder and return the partial movies' bytes."""
    from explainer.batch.worker import _TASK_PREFIX, _quiet_logging, clean_dead_task_dirs, roomy_malloc
    from explainer.output import remove_tree

    _quiet_logging()
    roomy_malloc()
    clean_dead_task_dirs()
    tmp = Path(tempfile.mkdtemp(prefix=f"{_TASK_PREFIX}{os.getpid()}-"))
    finished = iter(range(1 << 30))  # this part's sections, counted from 0
    try:
        result = draw_part(
            replace(job, media=str(tmp / "media")),
            on_section=lambda title: _post_section(topic, job.share.worker, next(finished), title),
        )
        blobs = {i: Path(p).read_bytes() for i, p in result.partials.items()}
        return replace(result, partials={i: Path(p).name for i, p in result.partials.items()}, blobs=blobs)
    finally:
        remove_tree(tmp)


def _install(result: PartResult, folder: Path) -> PartResult:
    """Write a part's returned movies into ``folder``; the result then names them there."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[int, str] = {}
    for i, data in (result.blobs or {}).items():
        name = result.partials.get(i, "")
        suffix = Path(name).suffix
        if Path(name).name != name or not suffix[1:].isalnum():
            raise SplitError(f"split render: part {result.worker + 1} sent a file name that is not plain: {name!r}")
        path = folder / f"play-{i:05d}{suffix}"
        path.write_bytes(data)
        paths[i] = str(path)
    return replace(result, partials=paths, blobs=None)


def run_on_dask(jobs: Sequence[PartJob], cluster: Any, progress: _Progress) -> dict[int, PartResult]:
    """Every job as a task on ``cluster`` (a :class:`~explainer.batch.dask_cluster.DaskConnection`)."""
    from explainer.batch.worker import error_line

    client = cluster.client
    workers = len(jobs)
    topic = f"rnn-explainer-split-{uuid.uuid4().hex[:12]}"
    events: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
    with contextlib.suppress(Exception):
        client.subscribe_topic(topic, lambda event: events.put(event[1]))
    futures = {
        client.submit(
            dask_part,
            replace(job, started=time.time()),
            topic,
            key=f"split-{job.name}-{k + 1}of{workers}-{uuid.uuid4().hex[:8]}",
            pure=False,
        ): k
        for k, job in enumerate(jobs)
    }
    results: dict[int, PartResult] = {}
    try:
        while len(results) < workers:
            for fut in [f for f in futures if f.done()]:
                k = futures.pop(fut)
                try:
                    result = fut.result()
                except Exception as exc:  # the task raised, KilledWorker, a lost connection
                    raise SplitError(
                        f"split render on {cluster.where}: part {k + 1} of {workers} failed: {error_line(exc)}"
                    ) from None
                results[k] = _install(result, Path(jobs[k].media))
            _report(events, progress)
            if len(results) < workers:
                time.sleep(_POLL_SECONDS)
        time.sleep(_POLL_SECONDS)  # the last events may trail the last result
        _report(events, progress)
    finally:
        if futures:
            with contextlib.suppress(Exception):
                client.cancel(list(futures))
        with contextlib.suppress(Exception):
            client.unsubscribe_topic(topic)
    return results


def _report(events: queue.SimpleQueue[dict[str, Any]], progress: _Progress) -> None:
    while True:
        try:
            event = events.get_nowait()
        except queue.Empty:
            return
        with contextlib.suppress(KeyError, TypeError, IndexError, ValueError):
            progress.section(int(event["part"]), str(event["title"]), int(event["index"]))
