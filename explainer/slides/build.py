"""Lecture mode: render a clip once and turn its sections into a slide deck in three forms.

What ``render.py slides CONFIG.yaml`` writes under ``out/<name>/`` (besides the clip itself)::

    slides/<name>.json                      manim-slides presentation (``manim-slides present <name>``)
    slides/files/<name>/slide_NN.mp4        one video per slide, ending on its last frame
    slides/files/<name>/slide_NN_reversed.mp4   the same backwards (manim-slides' reverse key)
    slides/files/<name>/build.json          what the deck was built from (the cache check reads it)
    slides/reveal/                          the reveal.js files the HTML deck uses (MIT licence inside)
    <name>.slides.html                      offline reveal.js deck (arrow keys, clicker, S: speaker notes)
    <name>.pptx                             PowerPoint, one slide per video, speaker notes

The clip is rendered as MP4 (whatever the config's format: browsers, PowerPoint and the
Qt presenter all play H.264) through :func:`explainer.clip.render_clip`, so an up-to-date
clip is not rendered again; the slides are cut from its video (:mod:`explainer.slides.cut`).
A deck whose clip, options, notes and code are unchanged is not rebuilt either.

Everything is built in a staging folder and moved into place at the end, the presentation
file last: an interrupted build leaves the previous deck or no presentation file, never a
presentation that points at missing videos.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from explainer.output import atomic_write_text, json_text, remove_tree, staging_dir
from explainer.slides.deck import DeckSlide, deck_html
from explainer.slides.plan import SlidePlan, plan_slides, sections_from_metadata
from explainer.slides.presentation import PresentationSlide, load_presentation, presentation_json, write_pptx
from explainer.slides.vendor import REVEAL_VERSION, copy_reveal, reveal_dir

__all__ = ["SlideFiles", "SlidesResult", "build_slides", "script_notes", "slides_layout"]

_SLIDES_CODE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SlideFiles:
    """One built slide: its plan and its two videos."""

    plan: SlidePlan
    file: Path
    rev_file: Path
    method: str  # "copy" (the clip's own packets) or "encode"; "cached" when not rebuilt


@dataclass(frozen=True)
class SlidesResult:
    """What :func:`build_slides` produced.

    ``status`` is ``built`` or ``cached``; ``clip`` is the :class:`explainer.clip.ClipResult` it was cut from;
    ``files`` maps ``presentation``, ``html``, ``pptx``, ``reveal`` (a folder) and ``build`` to paths.
    """

    name: str
    status: str
    clip: Any
    slides: tuple[SlideFiles, ...]
    files: dict[str, Path] = field(default_factory=dict)
    build_seconds: float = 0.0


def slides_layout(name: str) -> dict[str, str]:
    """Paths of a deck's files relative to ``out/<name>/`` (the presentation's own paths are relative to it too)."""
    return {
        "presentation": f"slides/{name}.json",
        "videos": f"slides/files/{name}",
        "build": f"slides/files/{name}/build.json",
        "reveal": "slides/reveal",
        "html": f"{name}.slides.html",
        "pptx": f"{name}.pptx",
    }


def _video_names(number: int) -> tuple[str, str]:
    return f"slide_{number:02d}.mp4", f"slide_{number:02d}_reversed.mp4"


@cache
def _code_version() -> str:
    h = hashlib.sha256(REVEAL_VERSION.encode())
    for p in sorted(_SLIDES_CODE.glob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def build_slides(
    cfg: Any,
    out_dir: Path,
    quality: str | None = None,
    force: bool = False,
    notes: Sequence[str] | None = None,
    group_fast_steps: bool = False,
    reversed_copies: bool = True,
    quiet: bool = False,
    on_section: Callable[[str, float], None] | None = None,
    workers: int = 1,
    cluster: Any = None,
) -> SlidesResult:
    """Render ``cfg`` (or reuse its up-to-date clip) and write its lecture deck under ``out_dir/<name>/``.

    Parameters
    ----------
    cfg
        A validated config (as for :func:`explainer.clip.render_clip`).
    out_dir
        The output folder (``-o``); the deck goes to ``out_dir/<cfg.name>/``.
    quality
        ``l m h p k`` (default: the config's).
    force
        Render the clip and build the deck even if both are up to date.
    notes
        Speaker notes, one per section of the clip in order (default: the narration script's
        words over each section, :func:`script_notes`).
    group_fast_steps
        Put each run of fast steps on one slide (sections nearer ``style.fast_step_seconds`` than
        ``style.step_seconds`` long; see :func:`_fast_step_limit`).
    reversed_copies
        Also write each slide backwards (what manim-slides' presenter plays on its reverse key; the HTML
        deck and the PPTX do not use them). They are most of the build time: without them, a deck of a
        clip whose sections all start on clean keyframes is made without decoding a frame, and the
        presentation file names each slide's own video as its reversed one.
    quiet, on_section, workers, cluster
        Passed to :func:`explainer.clip.render_clip` (``workers``: parts the clip is drawn in, by
        processes here or, with ``cluster``, by the workers of a Dask cluster).

    Raises
    ------
    explainer.slides.vendor.MissingAssetsError
        reveal.js is not vendored (checked before anything is rendered; one line says what to run).
    """
    from explainer.clip import QUALITIES, render_clip

    reveal_dir()  # fail before a render, not after it
    started = time.perf_counter()
    if notes is None:
        notes = script_notes(cfg)
    out_dir = Path(out_dir)
    if cfg.narration.voice != "none" or cfg.style.pacing != "animation":
        # Slides carry no sound (the lecturer is the voice): they are cut from the silent
        # timeline, paced by the animation alone (each slide ends on its last frame and holds
        # while the lecturer talks). It is rendered beside the deck, so the clip itself stays.
        from explainer.config import with_overrides

        silent = with_overrides(
            cfg, {"narration.voice": "none", "narration.takes": None, "style.pacing": "animation"}, origin="slides"
        )
        source, render_dir = silent, out_dir / cfg.name / "slides" / "timeline"
    else:
        source, render_dir = cfg, out_dir
    clip = render_clip(
        source,
        render_dir,
        quality=quality,
        fmt="mp4",
        force=force,
        quiet=quiet,
        on_section=on_section,
        workers=workers,
        cluster=cluster,
    )
    meta = json.loads(Path(clip.files["metadata"]).read_text(encoding="utf-8"))
    video = Path(clip.files["video"])
    width, height, fps = QUALITIES[meta["quality"]]
    sections = sections_from_metadata(meta)

    from explainer.slides.cut import cut_video, index_video

    index = index_video(video)
    group_under = _fast_step_limit(cfg) if group_fast_steps else None
    plans = plan_slides(sections, fps, index.frames, notes, group_under)

    name = cfg.name
    final = out_dir / name
    layout = slides_layout(name)
    stamp = {
        "clip_hash": clip.hash,
        "slides_code": _code_version(),
        "reveal": REVEAL_VERSION,
        "reversed_copies": reversed_copies,
        "slides": [
            {"title": p.title, "sections": list(p.sections), "frames": [p.start, p.end], "notes": p.notes}
            for p in plans
        ],
    }
    if not force:
        hit = _cached(final, layout, stamp, plans, reversed_copies)
        if hit is not None:
            return SlidesResult(name, "cached", clip, hit, _final_files(final, layout), 0.0)

    theme = _theme(cfg)
    stage = staging_dir(out_dir, f"{name}-slides")
    try:
        videos = stage / layout["videos"]
        videos.mkdir(parents=True)
        files = [videos / _video_names(p.number)[0] for p in plans]
        revs = [videos / _video_names(p.number)[1] for p in plans] if reversed_copies else files
        cuts = cut_video(video, [(p.start, p.end) for p in plans], files, revs if reversed_copies else None, fps, index)

        rel = [f"{layout['videos']}/{f.name}" for f in files]
        rel_rev = [f"{layout['videos']}/{r.name}" for r in revs]
        presentation_path = stage / layout["presentation"]
        atomic_write_text(
            presentation_path,
            presentation_json(
                [PresentationSlide(f, r, p.notes) for f, r, p in zip(rel, rel_rev, plans, strict=True)],
                (width, height),
                theme.background,
            ),
        )
        presentation = load_presentation(presentation_path)  # manim-slides' own model must accept it

        copy_reveal(stage / layout["reveal"])
        deck = deck_html(
            str(getattr(cfg, "title", "") or name),
            [DeckSlide(f, p.title, p.notes) for f, p in zip(rel, plans, strict=True)],
            layout["reveal"],
            (width, height),
            background=theme.background,
            foreground=theme.text,
            accent=theme.input,
        )
        atomic_write_text(stage / layout["html"], deck)
        write_pptx(presentation, stage / layout["pptx"])
        stamp["built_seconds"] = round(time.perf_counter() - started, 3)
        atomic_write_text(stage / layout["build"], json_text(stamp))

        _publish(stage, final, layout)
        slides = tuple(
            SlideFiles(p, final / layout["videos"] / f.name, final / layout["videos"] / r.name, c.method)
            for p, f, r, c in zip(plans, files, revs, cuts, strict=True)
        )
        return SlidesResult(name, "built", clip, slides, _final_files(final, layout), time.perf_counter() - started)
    finally:
        remove_tree(stage)


def script_notes(cfg: Any) -> list[str]:
    """Speaker notes from the narration script: what is said over each section, in order
    (a group of fast steps shares one passage, so each of its slides gets the group's words)."""
    from explainer.runs import build_spec

    script = build_spec(cfg).script
    return [p.text if p is not None else "" for p in map(script.passage_of, script.sections())]


def _final_files(final: Path, layout: dict[str, str]) -> dict[str, Path]:
    return {role: final / layout[role] for role in ("presentation", "html", "pptx", "reveal", "build")}


def _cached(
    final: Path, layout: dict[str, str], stamp: dict[str, Any], plans: Sequence[SlidePlan], reversed_copies: bool
) -> tuple[SlideFiles, ...] | None:
    try:
        built = json.loads((final / layout["build"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if {k: built.get(k) for k in stamp} != stamp:
        return None
    slides = []
    for p in plans:
        f, r = (final / layout["videos"] / n for n in _video_names(p.number))
        slides.append(SlideFiles(p, f, r if reversed_copies else f, "cached"))
    needed = [final / layout[k] for k in ("presentation", "html", "pptx")]
    needed += [s.file for s in slides] + [s.rev_file for s in slides]
    if not all(p.is_file() for p in needed):
        return None
    try:
        reveal_dir(final / layout["reveal"])
    except RuntimeError:
        return None
    return tuple(slides)


def _publish(stage: Path, final: Path, layout: dict[str, str]) -> None:
    """Move the staged deck into ``final``: presentation file out first, folders swapped, presentation file last."""
    final.mkdir(parents=True, exist_ok=True)
    presentation = final / layout["presentation"]
    presentation.unlink(missing_ok=True)
    for key in ("videos", "reveal"):
        _swap_dir(stage / layout[key], final / layout[key])
    for key in ("html", "pptx"):
        os.replace(stage / layout[key], final / layout[key])
    os.replace(stage / layout["presentation"], presentation)


def _swap_dir(src: Path, dst: Path) -> None:
    """Put folder ``src`` where ``dst`` is (same file system), removing the old one afterwards."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    for stale in dst.parent.glob(f".{dst.name}.old-pid*"):  # left by a build killed mid-swap
        shutil.rmtree(stale, ignore_errors=True)
    old = dst.with_name(f".{dst.name}.old-pid{os.getpid()}")
    if dst.exists():
        os.replace(dst, old)
    os.replace(src, dst)
    shutil.rmtree(old, ignore_errors=True)


def _style(cfg: Any, key: str, default: Any) -> Any:
    value = getattr(getattr(cfg, "style", None), key, None)
    return default if value is None else value


def _fast_step_limit(cfg: Any) -> float:
    """The longest section that counts as a fast step.

    A step's section lasts its time budget rounded up to whole frames (and longer if its
    words need it), so the limit is halfway between the fast and the slow pace; when every
    step is fast, half as long again as a fast step.
    """
    fast = float(_style(cfg, "fast_step_seconds", 0.6))
    slow = float(_style(cfg, "step_seconds", 2.0))
    return (fast + slow) / 2 if slow > fast else 1.5 * fast


def _theme(cfg: Any) -> Any:
    from scenes.theme import get_theme

    return get_theme(_style(cfg, "theme", "dark"))
