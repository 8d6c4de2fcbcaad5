"""Draw one clip's silent video with several workers, and join their partial movies.

Each worker is a fresh process (spawned, so nothing of the parent's Manim state leaks
in) that builds the whole scene from the same :class:`~scenes.inputs.SceneSpec` and
plays it with a :class:`~scenes.share.Share`: it draws and encodes only its own plays
(one partial movie per play, as Manim writes them) and skips the others. The parent
then concatenates every partial movie in play order into one video: a remux, as
Manim's own combining step is, so the frames are the ones the workers encoded, and a
split render's frames are the serial render's (each play is its own x264 stream either
way, started from the same state with the same settings).

The sidecars (captions, chapters, script, metadata) and the audio are made by the caller
(:func:`explainer.clip.render_clip`) from the timeline the workers return; every worker
plays the whole scene, so every worker has the whole timeline, and they must agree
(a worker whose timeline or play count differs fails the render: it would be a bug).

Failure: a worker that raises, or dies (killed, out of memory), fails the render with one
line naming it; the other workers are stopped, and nothing is published (the caller's
staging folder goes, the previous clip stays). A re-run renders the clip again from the
start: partial movies are not kept between runs (they are cheap next to a clip's set-up,
and a half-finished range cannot be told from a finished one without re-reading it).
Ctrl-C stops every worker the same way (they ignore SIGINT; the parent decides).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from scenes.share import Share

__all__ = ["Drawing", "PartJob", "PartResult", "SplitError", "draw_part", "draw_split", "join_movies"]

#: How long a stopped worker may take to exit before it is killed.
_STOP_SECONDS = 3.0


class SplitError(RuntimeError):
    """A worker of a split render failed or died: one line, naming the worker."""


@dataclass(frozen=True)
class Drawing:
    """The silent video of a clip and what the scene recorded while it played.

    ``timeline`` is the scene's :class:`~scenes.base.SectionRecord` list; ``plays`` the
    ``(frames, held)`` of every play; ``drawn_by`` which worker drew each play (all 0 for
    a serial render); ``short`` Manim's too-short-animation count and the seconds they add.
    """

    video: Path
    timeline: tuple[Any, ...]
    beat_times: dict[tuple[str, str], float]
    thumbnail_time: float
    plays: tuple[tuple[int, bool], ...]
    drawn_by: tuple[int, ...]
    short: tuple[int, float]
    #: Seconds per worker: ``start`` (spawn to first line of the scene), ``build`` (the
    #: scene built and played), as measured inside each worker; empty for a serial render.
    worker_seconds: tuple[dict[str, float], ...] = ()
    #: ``host:pid`` of the process that drew each part; empty for a serial render.
    worker_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartJob:
    """What one worker needs: the scene, its settings and its share of the plays."""

    spec: Any  # scenes.inputs.SceneSpec (pickled to the worker)
    scene: str
    cell: str | None
    name: str
    quality: str
    fmt: str
    quiet: bool
    share: Share
    media: str  # this worker's own Manim media folder
    encoder: dict[str, str] = field(default_factory=dict)  # the video encoder's options
    started: float = 0.0  # time.time() when the parent started it, for the set-up figure


@dataclass(frozen=True)
class PartResult:
    """What one worker drew: its partial movies by play number, and the scene's record."""

    worker: int
    partials: dict[int, str]
    timeline: tuple[Any, ...]
    beat_times: dict[tuple[str, str], float]
    thumbnail_time: float
    plays: tuple[tuple[int, bool], ...]
    short: tuple[int, float]
    seconds: dict[str, float] = field(default_factory=dict)
    #: For a worker with no shared folder (Dask): each partial movie's bytes.
    blobs: dict[int, bytes] | None = None
    #: ``host:pid`` of the process that drew this part.
    where: str = ""


def draw_part(job: PartJob, on_section: Callable[[str], None] | None = None) -> PartResult:
    """Build the scene and draw this worker's plays into partial movies (runs in the worker)."""
    t0 = time.time()
    from manim import tempconfig

    from explainer.clip import _counting_short_animations, _manim_settings
    from explainer.media import QUALITIES
    from explainer.scene_kinds import get_scene_kind

    scene_cls = get_scene_kind(job.scene).load_class(job.cell)
    settings = _manim_settings(Path(job.media), job.name, job.quality, job.fmt, job.quiet, job.encoder)
    # Manim prunes old partial movies after combining; here they are the result.
    settings["max_files_cached"] = -1
    with tempconfig(settings), _counting_short_animations(QUALITIES[job.quality][2]) as short:
        scene = scene_cls(job.spec)
        scene.share = job.share
        writer = scene.renderer.file_writer
        # The parent joins every worker's partial movies; a worker's own joined movie of
        # its plays alone would be a wasted remux.
        writer.combine_to_movie = lambda: None
        if on_section is not None:
            scene.section_listeners.append(lambda _scene, record: on_section(record.title))
        t1 = time.time()
        scene.render()
        t2 = time.time()
        partials = {i: str(p) for i, p in enumerate(writer.partial_movie_files) if p is not None}
    return PartResult(
        worker=job.share.worker,
        partials=partials,
        timeline=tuple(scene.timeline),
        beat_times=dict(scene.beat_times),
        thumbnail_time=float(scene.thumbnail_time),
        plays=tuple(scene.plays),
        short=(short.count, short.added),
        seconds={"start": t1 - job.started if job.started else 0.0, "build": t2 - t1, "total": t2 - t0},
        where=f"{socket.gethostname()}:{os.getpid()}",
    )


def _watch_parent(parent: int) -> None:
    # A parent killed with SIGKILL cannot stop its workers: they stop themselves.
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _worker_main(job: PartJob, conn: Connection, parent: int) -> None:
    """The body of one worker process: draw, send the result (or one error line), exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()
    import logging

    for name in ("manim", "libav", "PIL"):
        logging.getLogger(name).setLevel(logging.ERROR if job.quiet else logging.WARNING)
    try:
        result = draw_part(job, on_section=lambda title: conn.send(("section", title)))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent as one line
        from explainer.batch.worker import error_line

        with contextlib.suppress(Exception):
            conn.send(("error", error_line(exc), traceback.format_exc()))
        conn.close()
        os._exit(1)
    conn.send(("done", result))
    conn.close()


def _stop(procs: Sequence[Any]) -> None:
    """Stop every worker still running: SIGTERM, then SIGKILL after a grace period."""
    for p in procs:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + _STOP_SECONDS
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join()


def _died(k: int, workers: int, exitcode: int | None) -> SplitError:
    how = f"was killed by signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exited ({exitcode})"
    return SplitError(f"split render: worker {k + 1} of {workers} {how} before it finished; nothing was written")


def _check_agree(results: Sequence[PartResult]) -> None:
    first = results[0]
    for r in results[1:]:
        if r.plays != first.plays or r.timeline != first.timeline:
            raise SplitError(
                f"split render: worker {r.worker + 1} played a different scene than worker 1 "
                f"({len(r.plays)} plays against {len(first.plays)}); render with -j 1"
            )


def collect(results: Sequence[PartResult], workers: int) -> tuple[list[str], tuple[int, ...]]:
    """Every partial movie in play order, and which worker drew each play; checks they cover the clip."""
    results = sorted(results, key=lambda r: r.worker)
    _check_agree(results)
    owner: dict[int, int] = {}
    for r in results:
        for i in r.partials:
            if i in owner:
                raise SplitError(f"split render: play {i} was drawn by workers {owner[i] + 1} and {r.worker + 1}")
            owner[i] = r.worker
    n = len(results[0].plays)
    missing = [i for i in range(n) if i not in owner and results[0].plays[i][0] > 0]
    if missing:
        raise SplitError(f"split render: no worker drew play {missing[0]} (of {n}); render with -j 1")
    by_index = {i: p for r in results for i, p in r.partials.items()}
    return [by_index[i] for i in sorted(by_index)], tuple(owner.get(i, -1) for i in range(n))


def join_movies(parts: Sequence[str | Path], dst: Path) -> None:
    """Concatenate video files of one stream format into ``dst`` without re-encoding."""
    import av

    if not parts:
        raise SplitError("split render: the clip has no frames to join")
    manifest = dst.with_name(dst.name + ".ffconcat")
    lines = ["ffconcat version 1.0"]
    for p in parts:
        quoted = str(Path(p).resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
    dst.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        with (
            av.open(str(manifest), format="concat", options={"safe": "0"}) as src,
            av.open(str(dst), "w") as out,
        ):
            stream = src.streams.video[0]
            target = out.add_stream_from_template(stream)
            for packet in src.demux(stream):
                if packet.dts is None:  # the demuxer's flush packets
                    continue
                # Each part counts its own decode times from zero; the muxer derives
                # increasing ones from the presentation times.
                packet.dts = None
                packet.stream = target
                out.mux(packet)
    finally:
        manifest.unlink(missing_ok=True)


class _Progress:
    """Which sections every worker has finished; ``on_section(title)`` once all have."""

    def __init__(self, workers: int, on_section: Callable[[str], None] | None) -> None:
        self.passed = [0] * workers  # sections each worker has finished
        self.titles: list[str] = []
        self.reported = 0
        self.on_section = on_section

    def section(self, k: int, title: str, index: int | None = None) -> None:
        """Worker ``k`` has finished its section number ``index`` (default: its next one).

        A part run again (Dask's retry of a lost worker) repeats indices, which count once.
        """
        index = self.passed[k] if index is None else index
        self.passed[k] = max(self.passed[k], index + 1)
        if k == 0 and index == len(self.titles):
            self.titles.append(title)
        # A section is finished when every worker has played past it.
        while self.on_section is not None and self.reported < min(min(self.passed), len(self.titles)):
            self.on_section(self.titles[self.reported])
            self.reported += 1


def _drain(k: int, conn: Connection, workers: int, progress: _Progress, results: dict[int, PartResult]) -> str:
    """Read every message worker ``k`` has sent: ``"done"`` once its result has come,
    ``"gone"`` if its pipe has closed without it, else ``"more"`` (it is still working).

    A pipe whose writer has gone reads as end-of-file, and ``poll()`` keeps saying
    "ready" for it, so end-of-file must end the worker, never lead to polling again.
    """
    while True:
        try:
            if not conn.poll():
                return "more"
            message = conn.recv()
        except (EOFError, OSError):
            return "gone"
        kind = message[0]
        if kind == "section":
            progress.section(k, message[1])
        elif kind == "done":
            results[k] = message[1]
            return "done"
        else:
            raise SplitError(f"split render: worker {k + 1} of {workers} failed: {message[1]}")


def _run_processes(jobs: Sequence[PartJob], progress: _Progress) -> dict[int, PartResult]:
    """Every job in its own spawned process on this machine; their results by worker."""
    ctx = multiprocessing.get_context("spawn")
    workers = len(jobs)
    procs: list[Any] = []
    conns: list[Connection] = []
    parent = os.getpid()
    for k, job in enumerate(jobs):
        receive, send = ctx.Pipe(duplex=False)
        job = replace(job, started=time.time())
        proc = ctx.Process(target=_worker_main, args=(job, send, parent), name=f"split-{k + 1}", daemon=True)
        try:
            proc.start()
        except BaseException:
            _stop(procs)
            raise
        send.close()
        procs.append(proc)
        conns.append(receive)
    results: dict[int, PartResult] = {}
    try:
        open_conns = dict(enumerate(conns))
        while len(results) < workers:
            waiting = list(open_conns.values()) + [procs[k].sentinel for k in open_conns]
            ready = set(wait(waiting))
            for k, conn in list(open_conns.items()):
                if conn not in ready and procs[k].sentinel not in ready:
                    continue
                state = _drain(k, conn, workers, progress, results)
                if state == "done":
                    del open_conns[k]
                elif state == "gone" or procs[k].sentinel in ready:
                    # Ended without its result: killed, or died before it could send one.
                    procs[k].join(_STOP_SECONDS)
                    raise _died(k, workers, procs[k].exitcode)
    finally:
        _stop(procs)
        for conn in conns:
            conn.close()
    return results


def draw_split(
    spec: Any,
    scene: str,
    cell: str | None,
    media: Path,
    name: str,
    quality: str,
    fmt: str,
    workers: int,
    quiet: bool = False,
    on_section: Callable[[str], None] | None = None,
    encoder: dict[str, str] | None = None,
    cluster: Any = None,
) -> Drawing:
    """Draw the clip in ``workers`` parts under ``media`` and join it into ``media/<name>.<fmt>``.

    The parts run in processes on this machine, or with ``cluster`` (an
    :class:`explainer.batch.dask_cluster.DaskConnection`) as tasks on its workers
    (:mod:`explainer.split.remote`). ``on_section(title)`` is called as each section is
    finished by every worker.
    """
    jobs = [
        PartJob(
            spec=spec,
            scene=scene,
            cell=cell,
            name=name,
            quality=quality,
            fmt=fmt,
            quiet=quiet,
            share=Share(k, workers),
            media=str(media / f"worker-{k + 1}"),
            encoder=dict(encoder or {}),
        )
        for k in range(workers)
    ]
    progress = _Progress(workers, on_section)
    if cluster is None:
        results = _run_processes(jobs, progress)
    else:
        from explainer.split.remote import run_on_dask

        results = run_on_dask(jobs, cluster, progress)
    parts, drawn_by = collect(list(results.values()), workers)
    video = media / "videos" / f"{name}.{fmt}"
    join_movies(parts, video)
    first = results[0]
    return Drawing(
        video=video,
        timeline=first.timeline,
        beat_times=first.beat_times,
        thumbnail_time=first.thumbnail_time,
        plays=first.plays,
        drawn_by=drawn_by,
        short=first.short,
        worker_seconds=tuple(results[k].seconds for k in range(workers)),
        worker_hosts=tuple(results[k].where for k in range(workers)),
    )
