"""The base class of every explainer scene: theme, sections, timeline, thumbnail time.

A scene is built from one :class:`~scenes.inputs.SceneSpec` (the title, theme, pacing,
precision and the precomputed runs); it never reads files and never does RNN math
(every number comes from ``run.trajectory``).

Contract used by the renderer (``explainer/clip.py``)::

    scene = SceneClass(spec)              # inside tempconfig({...})
    scene.render()
    scene.timeline        # list[SectionRecord], times in seconds of video
    scene.thumbnail_time  # a representative moment (never the title card)

Subclasses implement ``construct()`` and call :meth:`ExplainerScene.start_section`
at the start of every section (one per timestep in the unrolled scene), naming it as
the scene's script does (``spec.script``). Each section becomes a Manim section
(``next_section``) and a chapter in the timeline, and lasts at least as long as its
words need: when its animations are done early, the screen holds.

Tests and tools can observe the scene at every section boundary by appending a
callable to :attr:`ExplainerScene.section_listeners`; it is called with the scene
and the record that just closed, after that section's last animation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from manim import Mobject, MovingCameraScene, config
from manim.utils.iterables import list_update

from scenes.inputs import Run, SceneSpec
from scenes.redraw import RedrawPlan, changed_mobjects, draw_order, updating_mobjects
from scenes.segment_encoder import use_segment_encoder
from scenes.share import Share
from scenes.theme import Theme, get_theme

__all__ = ["ExplainerScene", "SectionRecord", "SectionListener", "slugify"]


@dataclass(frozen=True)
class SectionRecord:
    """One chapter of the video.

    Attributes
    ----------
    name
        Machine name (also the Manim section name), e.g. ``step_03``.
    title
        Human title, e.g. ``t = 3``.
    start, end
        Seconds from the start of the video.
    caption
        What is said over the section: its passage's text for the passage's first
        section, ``""`` for the others of a passage (fast steps share one).
    """

    name: str
    title: str
    start: float
    end: float
    caption: str

    @property
    def duration(self) -> float:
        return self.end - self.start


def _drawn_clock(start: float, duration: float, frozen: bool) -> float:
    """``renderer.time`` after a drawn play of ``duration`` from ``start``, float for float.

    Mirrors ``CairoRenderer.add_frame``: a held frame adds ``int(duration / dt)`` frames in
    one step; an animation adds ``dt`` once per frame of ``np.arange(0, duration, dt)``.
    """
    dt = 1 / config.frame_rate
    if frozen:
        return start + int(duration / dt) * dt
    for _ in np.arange(0, duration, dt):
        start += 1 * dt
    return start


_NOTHING = Mobject()  # see ExplainerScene.get_moving_and_static_mobjects


def _draw_nothing(*args: Any, **kwargs: Any) -> None:
    """Stands in for the renderer's ``update_frame`` during a play another worker draws.

    Nothing drawn then is ever seen: the frames of a skipped play are not written, and the
    next drawn play draws its still parts (``save_static_frame_data``) and every frame anew.
    """


SectionListener = Callable[["ExplainerScene", SectionRecord], None]


def slugify(text: str) -> str:
    """``"t = 3"`` -> ``"t_3"``: a section name safe for file names."""
    slug = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return slug or "section"


class ExplainerScene(MovingCameraScene):
    """Base of every explainer scene.

    Parameters
    ----------
    spec
        Everything the scene shows (:class:`~scenes.inputs.SceneSpec`).
    **kwargs
        Forwarded to :class:`manim.MovingCameraScene`.

    Attributes
    ----------
    spec, runs
        As given (``runs`` is ``spec.runs``).
    theme
        Resolved from ``spec.theme`` here, never from a global.
    precision
        Decimals for every number on screen.
    timeline
        Closed sections so far (the open one is added when it closes).
    thumbnail_time
        Seconds into the video of a representative frame; subclasses set it.
    section_listeners
        Callables ``(scene, record)`` run whenever a section closes.
    share
        In a worker of a split render, which plays it draws (the others are skipped);
        ``None`` draws every play.
    plays
        ``(frames, held)`` of every play so far.
    """

    def __init__(self, spec: SceneSpec, **kwargs: Any) -> None:
        self.spec = spec
        self.runs: tuple[Run, ...] = spec.runs
        self.theme: Theme = get_theme(spec.theme)
        self.precision: int = spec.precision
        self.timeline: list[SectionRecord] = []
        self.thumbnail_time: float = 0.0
        self.section_listeners: list[SectionListener] = []
        #: When each beat began: ``(section name, beat) -> seconds`` (a narration is placed by these).
        self.beat_times: dict[tuple[str, str], float] = {}
        self._open: tuple[str, str, float, str] | None = None
        self._section_names: set[str] = set()
        self._redraw: RedrawPlan | None = None
        #: Set before ``render()`` in a worker of a split render: which plays it draws.
        self.share: Share | None = None
        #: Every play so far, in order: its frames and whether it held one frame.
        self.plays: list[tuple[int, bool]] = []
        self._cost_so_far = 0.0
        super().__init__(**kwargs)
        file_writer = getattr(self.renderer, "file_writer", None)
        if file_writer is not None:
            use_segment_encoder(file_writer)  # a held frame converted for the codec once

    # -- pacing -------------------------------------------------------------
    def seconds_for_step(self, step: int) -> float:
        """Total time budget of 1-based timestep ``step`` (fast after ``style.fast_after``)."""
        return self.spec.pacing.seconds_for_step(step)

    # -- lifecycle ------------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        # Resolved per scene from the config, so one clip's theme never leaks into another.
        self.camera.background_color = self.theme.background
        band = self.spec.caption_band
        if band > 0:
            # Zoom out, keeping the top edge: the scene's 8 units fill the top of the frame
            # and a band below them stays empty for captions drawn into the frames.
            frame = self.camera.frame
            height = frame.height / (1.0 - band)
            top = frame.get_top()[1]
            frame.scale(height / frame.height)
            frame.move_to((frame.get_center()[0], top - height / 2, 0))

    def tear_down(self) -> None:
        self.close_section()
        super().tear_down()

    # -- time ---------------------------------------------------------------------
    def play(self, *args: Any, **kwargs: Any) -> None:
        """Play as Manim does; a skipped play advances the clock exactly as a drawn one would.

        Manim advances ``renderer.time`` by a skipped play's duration, but a drawn play by
        its frames (``ceil(run_time * fps)`` of them, a held frame ``int(duration * fps)``),
        one ``1 / fps`` at a time. Sections hold until their words are done *by that
        clock*, so a scene that skips ahead (a split render's worker, Manim's ``-n``) would
        otherwise hold for different lengths than the serial render: ``default.yaml`` at
        ``-q l`` ended 0.23 s early when every play was skipped. Replaying the drawn
        clock's additions in the same order gives the same floats, so the same holds.
        """
        renderer: Any = self.renderer
        before = float(renderer.time)
        share = self.share
        dealt_away = share is not None and not share.draws(self._cost_so_far)
        if share is not None:
            # Manim resets ``skip_animations`` to this at the start of every play.
            renderer._original_skipping_status = dealt_away
        if dealt_away:
            # Manim's renderer draws a skipped play's still parts (and a held play's frame)
            # all the same, for frames it then throws away; a split worker skips most plays.
            renderer.update_frame = _draw_nothing
        try:
            super().play(*args, **kwargs)
        finally:
            if dealt_away:
                del renderer.update_frame  # the class's method again
        held = bool(self.is_current_animation_frozen_frame())
        if renderer.skip_animations:
            renderer.time = _drawn_clock(before, float(self.duration), held)
            if not held:
                # A drawn play ends by running every updater once more (``update_mobjects(0)``);
                # a skipped one does not, and a mobject with an updater would start the
                # next play in a different state (a split render's frames would differ).
                self.update_mobjects(0)
        frames = round((float(renderer.time) - before) * config.frame_rate)
        self.plays.append((frames, held))
        if share is not None:
            self._cost_so_far += share.cost(frames, held)

    # -- drawing ------------------------------------------------------------------
    def get_moving_and_static_mobjects(self, animations: Any) -> tuple[list[Any], list[Any]]:
        """Redraw only what changes each frame (same pixels; see :mod:`scenes.redraw`)."""
        animations = list(animations)
        camera: Any = self.renderer.camera  # MovingCamera (cairo renderer)
        changed = changed_mobjects(animations)
        changed_ids = {id(m) for m in changed}
        if any(id(m) in changed_ids for m in camera.get_mobjects_indicating_movement()):
            self._redraw = None  # the camera moves: every pixel changes
            return super().get_moving_and_static_mobjects(animations)
        everything = list_update(self.mobjects, self.foreground_mobjects)
        changed += updating_mobjects(everything)
        for m in self.foreground_mobjects:
            changed += m.get_family()
        self._redraw = RedrawPlan(draw_order(everything, camera.use_z_index), changed)
        moving, static = self._redraw.split()
        # The renderer reads an empty list as "draw everything" (over the static image, so
        # every edge twice); a point-less stand-in draws nothing, as Manim's own split does.
        return moving or [_NOTHING], static

    def update_to_time(self, t: float) -> None:
        super().update_to_time(t)
        plan = self._redraw
        # A moving piece that reaches a static piece drawn above it makes that piece move too.
        if plan is not None and plan.recheck():
            moving, static = plan.split()
            planned = {id(m) for m in plan.order}
            self.moving_mobjects = moving + [m for m in self.moving_mobjects if id(m) not in planned]
            self.renderer.save_static_frame_data(self, static)

    # -- sections -------------------------------------------------------------
    def start_section(self, name: str, title: str | None = None) -> None:
        """Close the open section (if any) and open section ``name`` here.

        Parameters
        ----------
        name
            The Manim section name, as the script names it (``step_03``); made unique if
            used twice.
        title
            Shown in chapter lists, e.g. ``t = 3`` (default: the script passage's title).
        """
        self.close_section()
        passage = self.spec.script.passage_of(name)
        if title is None:
            title = passage.title if passage is not None else name
        unique, n = name, 2
        while unique in self._section_names:
            unique, n = f"{name}_{n}", n + 1
        self._section_names.add(unique)
        self.next_section(unique)
        caption = passage.text if passage is not None and passage.sections[0] == name else ""
        self._open = (unique, title, float(self.renderer.time), caption)

    def play_beat(self, beat: str, *animations: Any, run_time: float) -> None:
        """Play ``animations`` as the open section's words reach ``beat``, then hold while they are said.

        The animations run at their own pace (``run_time``); the screen then holds until
        the clauses of the passage that go with ``beat`` have had their time (reading or
        speech), so what is shown follows what is said.
        """
        name = self._open[0] if self._open is not None else ""
        self.beat_times.setdefault((name, beat), float(self.renderer.time))
        if animations:
            self.play(*animations, run_time=run_time)
        passage = self.spec.script.passage_of(name)
        need = passage.beat_seconds(beat) if passage is not None else 0.0
        if need - run_time > 1e-3:
            self.wait(self._whole_frames(need - run_time))

    def _whole_frames(self, seconds: float) -> float:
        """A wait's run time that draws ``ceil(seconds * fps)`` frames exactly: a hold is never cut short by rounding.

        ``n / fps`` alone is not enough: Manim draws a held frame ``int(run_time * fps)``
        times and an animated wait (an updater runs) once per ``np.arange(0, run_time, 1 /
        fps)`` step, and for some ``n`` (123 at 60 fps) ``(n / fps) * fps`` is just below
        ``n`` in floating point, so a held screen lost its last frame and its section
        ended before its words. The run time returned is nudged by ulps until the way
        this wait will be drawn gives ``n`` frames.
        """
        fps = float(config.frame_rate)
        dt = 1 / fps
        n = max(1, math.ceil(seconds * fps - 1e-6))
        run_time = n / fps
        if self._next_wait_is_frozen():
            while int(run_time / dt) < n:  # held: int(run_time / dt) frames
                run_time = math.nextafter(run_time, math.inf)
        else:
            while math.ceil(run_time / dt) > n:  # animated: len(np.arange(0, run_time, dt)) frames
                run_time = math.nextafter(run_time, 0.0)
        return run_time

    def _next_wait_is_frozen(self) -> bool:
        """Whether a plain ``wait()`` now would hold one frame (Manim's ``should_update_mobjects``, negated)."""
        return not (
            self.always_update_mobjects
            or self.updaters
            or any(m.has_time_based_updater() for m in self.get_mobject_family_members())
        )

    def words_seconds(self, name: str) -> float:
        """The least time section ``name`` must last for its words (its share of its passage)."""
        return self.spec.script.min_seconds(name)

    def close_section(self) -> None:
        """Hold the screen until the section's words are done, then close it (idempotent)."""
        if self._open is None:
            return
        name, title, start, caption = self._open
        hold = self.words_seconds(name) - (float(self.renderer.time) - start)
        if hold > 1e-3:
            self._open = None  # the wait below must not close the section again
            self.wait(self._whole_frames(hold))
        self._open = None
        record = SectionRecord(name=name, title=title, start=start, end=float(self.renderer.time), caption=caption)
        self.timeline.append(record)
        for listener in self.section_listeners:
            listener(self, record)
