"""The hidden state over time: one line per hidden unit, the input drawn faintly.

The chart spans t = 1..T and a value range containing every finite ``h_t``
(and ``x_t`` when it shares the scale), always including 0. Values are mapped
after dividing by the largest magnitude, so ranges up to the float limit draw
without overflow. Non-finite states are left out; the first one is marked with
an ``overflow`` label at the top of its column. When ``x`` is much larger or
smaller than ``h`` it is drawn on its own scale, and the legend says so.

API::

    chart = StateChart(trajectory, theme, precision, width=8.0, height=2.5)
    chart.make_grow_animation(t)        # point t (0-based) appears, joined to t - 1
    chart.make_reveal_animation()       # every point not yet shown
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    LaggedStart,
    Line,
    VGroup,
)
from manim.animation.animation import Animation

from scenes.components.frame import panel_frame
from scenes.components.legend import Legend
from scenes.components.text import SIZE_SMALL, Shared, make_number, make_text, subscript
from scenes.theme import Theme

__all__ = ["StateChart"]


class StateChart(VGroup):
    """Hidden state(s) against time, growing one step at a time.

    Parameters
    ----------
    trajectory
        The engine run (``h``, ``x``).
    theme, precision
        Look and decimals of the axis labels.
    width, height
        Panel size in scene units.
    show_input
        Draw ``x_t`` as faint bars.
    """

    def __init__(
        self,
        trajectory: Any,
        theme: Theme,
        precision: int,
        *,
        width: float = 8.0,
        height: float = 2.5,
        show_input: bool = True,
    ) -> None:
        super().__init__()
        self._trajectory = Shared(trajectory)
        self.theme = theme
        self.precision = precision
        T, H = trajectory.steps, trajectory.hidden_size
        self.steps = T
        h = np.asarray(trajectory.h, dtype=float)
        x = np.asarray(trajectory.x, dtype=float)
        finite_h = h[np.isfinite(h)]
        finite_x = x[np.isfinite(x)]
        h_mag = float(np.abs(finite_h).max()) if finite_h.size else 0.0
        x_mag = float(np.abs(finite_x).max()) if finite_x.size else 0.0
        # x shares the axis unless it would flatten h (or be flattened by it) by more than 4x.
        self.x_own_scale = show_input and h_mag > 0 and x_mag > 0 and not (0.25 <= x_mag / h_mag <= 4.0)
        self.x_factor = (h_mag / x_mag) if self.x_own_scale else 1.0
        values = [finite_h, np.zeros(1)]
        if show_input and finite_x.size:
            values.append(finite_x * self.x_factor)
        allv = np.concatenate(values)
        lo, hi = float(allv.min()), float(allv.max())
        mag = max(abs(lo), abs(hi), 1e-12)
        self.mag = mag
        lo_n, hi_n = lo / mag, hi / mag
        if hi_n - lo_n < 1e-9:
            hi_n = lo_n + 1.0
        pad = 0.08 * (hi_n - lo_n)
        self.lo_n, self.hi_n = lo_n - pad, hi_n + pad
        self.value_lo, self.value_hi = lo, hi

        self.panel = panel_frame(theme, width, height)
        self.add(self.panel)
        self._anchor = self.panel.get_center().copy()
        title = make_text("hidden state over time", theme, size=SIZE_SMALL, colour=theme.muted)
        title.next_to(self.panel.get_corner(UP + LEFT), DOWN + RIGHT, buff=0.14)
        self.title = title
        entries: list[tuple[str, str] | tuple[str, str, float]] = []
        self.unit_colours = [theme.memory] if H == 1 else [theme.series[i % len(theme.series)] for i in range(H)]
        if H == 1:
            entries.append(("h", theme.memory))
        else:
            entries.extend((f"h{subscript(i + 1)}", self.unit_colours[i]) for i in range(H))
        # With several units the first series colour is the input colour, so x turns neutral.
        self.x_colour = theme.input if H == 1 else theme.muted
        if show_input:
            entries.append(("x (own scale)" if self.x_own_scale else "x", self.x_colour, 0.45))
        self.legend = Legend(entries, theme)
        self.legend.next_to(self.panel.get_corner(UP + RIGHT), DOWN + LEFT, buff=0.14)
        self.add(title, self.legend)

        # Value labels first: the plot's left margin is as wide as the widest one.
        labels = VGroup(
            *(make_number(v, self.precision, theme, size=SIZE_SMALL, colour=theme.muted) for v in sorted({lo, hi, 0.0}))
        )
        label_w = max(lab.width for lab in labels)
        left = self.panel.get_left()[0] + 0.2 + label_w + 0.1
        right = self.panel.get_right()[0] - 0.35
        top = min(title.get_bottom()[1], self.legend.get_bottom()[1]) - 0.15
        bottom = self.panel.get_bottom()[1] + 0.42
        self.plot_box = (left, right, bottom, top)
        zero_y = self._y(0.0)
        self.axis = Line((left, zero_y, 0), (right, zero_y, 0), stroke_width=1.5, color=theme.muted)
        self.frame_lines = VGroup(
            Line((left, bottom, 0), (left, top, 0), stroke_width=1.5, color=theme.faint),
        )
        self.add(self.frame_lines, self.axis)
        values = sorted({lo, hi, 0.0})
        for v, lab in zip(values, labels, strict=True):
            lab.next_to((left, self._y(v), 0), LEFT, buff=0.1)
        # Drop a value label that would collide with its neighbour (tiny ranges); 0 is kept first.
        kept = VGroup()
        order = sorted(range(len(values)), key=lambda i: values[i] != 0.0)
        for i in order:
            lab = labels[i]
            if all(abs(lab.get_y() - k.get_y()) > 0.26 for k in kept):
                kept.add(lab)
        t_labels = VGroup()
        ticks = sorted({1, T, *([(T + 1) // 2] if T >= 5 else [])})
        for tk in ticks:
            lab = make_text(str(tk), theme, size=SIZE_SMALL, colour=theme.muted)
            lab.next_to((self._x(tk - 1), bottom, 0), DOWN, buff=0.08)
            t_labels.add(lab)
        t_name = make_text("t", theme, size=SIZE_SMALL, colour=theme.muted, italic=True)
        t_name.next_to((right, bottom, 0), DOWN, buff=0.08).shift(RIGHT * 0.12)
        if t_labels and t_name.get_left()[0] < t_labels[-1].get_right()[0] + 0.08:
            t_name.next_to(t_labels[-1], RIGHT, buff=0.12)
        self.axis_labels = VGroup(kept, t_labels, t_name)
        self.add(self.axis_labels)

        self.dot_radius = 0.065 if T <= 16 else (0.045 if T <= 40 else 0.035)
        self.input_bars = VGroup()
        self.lines = VGroup()
        self.dots = VGroup()
        self.overflow_mark = VGroup()
        self.add(self.input_bars, self.lines, self.dots, self.overflow_mark)
        self.show_input = show_input
        self.shown_upto = -1

    @property
    def trajectory(self) -> Any:
        return self._trajectory.value

    # -- mapping ------------------------------------------------------------
    def _offset(self) -> np.ndarray:
        # plot_box was measured where the chart was built; follow the panel wherever it moved since.
        return self.panel.get_center() - self._anchor

    def _x(self, t: int) -> float:
        left, right, _, _ = self.plot_box
        if self.steps == 1:
            return (left + right) / 2 + self._offset()[0]
        inner = 0.2
        return left + inner + (right - left - 2 * inner) * t / (self.steps - 1) + self._offset()[0]

    def _y(self, v: float) -> float:
        _, _, bottom, top = self.plot_box
        vn = v / self.mag
        return bottom + (top - bottom) * (vn - self.lo_n) / (self.hi_n - self.lo_n) + self._offset()[1]

    def point(self, t: int, value: float) -> np.ndarray:
        """Screen point of value ``value`` at 0-based step ``t``."""
        return np.array([self._x(t), self._y(value), 0.0])

    # -- animations -----------------------------------------------------------
    def _step_mobjects(self, t: int) -> tuple[VGroup, VGroup, VGroup, VGroup]:
        th = self.theme
        traj = self.trajectory
        bars, lines, dots, marks = VGroup(), VGroup(), VGroup(), VGroup()
        if self.show_input:
            for d in range(traj.input_size):
                xv = float(traj.x[t, d]) * self.x_factor
                if math.isfinite(xv):
                    w = max(0.02, min(0.12, 0.5 * (self._x(1) - self._x(0)) if self.steps > 1 else 0.12))
                    off = (d - (traj.input_size - 1) / 2) * w
                    bar = Line(
                        self.point(t, 0.0) + RIGHT * off,
                        self.point(t, xv) + RIGHT * off,
                        stroke_width=max(2.0, 60 * w),
                        color=self.x_colour,
                    ).set_stroke(opacity=0.35)
                    bars.add(bar)
        for i in range(traj.hidden_size):
            v = float(traj.h[t, i])
            colour = self.unit_colours[i]
            if not math.isfinite(v):
                continue
            dots.add(Dot(self.point(t, v), radius=self.dot_radius, color=colour))
            if t > 0 and math.isfinite(float(traj.h[t - 1, i])):
                lines.add(
                    Line(self.point(t - 1, float(traj.h[t - 1, i])), self.point(t, v), stroke_width=2.5, color=colour)
                )
        first_bad = self._first_nonfinite()
        if first_bad == t:
            off = self._offset()
            _, _, bottom, top = self.plot_box
            bottom, top = bottom + off[1], top + off[1]
            guide = DashedLine(
                (self._x(t), bottom, 0), (self._x(t), top, 0), color=th.warning, stroke_width=1.5, dash_length=0.06
            )
            lab = make_text("overflow", th, size=SIZE_SMALL, colour=th.warning)
            # Right of the guide: later states are non-finite too, so that side is empty.
            lab.next_to((self._x(t), top, 0), RIGHT, buff=0.08).shift(DOWN * 0.14)
            if lab.get_right()[0] > self.plot_box[1] + off[0] + 0.3:
                lab.next_to((self._x(t), top, 0), LEFT, buff=0.08).shift(DOWN * 0.14)
            marks.add(guide, lab)
        return bars, lines, dots, marks

    def _first_nonfinite(self) -> int | None:
        bad = ~np.isfinite(np.asarray(self.trajectory.h, dtype=float)).all(axis=1)
        idx = np.flatnonzero(bad)
        return int(idx[0]) if idx.size else None

    def make_grow_animation(self, t: int, run_time: float = 0.5) -> Animation:
        """Add step ``t`` (0-based): input bar, dot(s), segment(s) from ``t - 1``."""
        bars, lines, dots, marks = self._step_mobjects(t)
        self.input_bars.add(*bars)
        self.lines.add(*lines)
        self.dots.add(*dots)
        self.overflow_mark.add(*marks)
        self.shown_upto = max(self.shown_upto, t)
        anims: list[Animation] = [FadeIn(b) for b in bars]
        anims += [Create(line) for line in lines]
        anims += [FadeIn(d, scale=0.5) for d in dots]
        anims += [FadeIn(m) for m in marks]
        if not anims:
            return Animation(self, run_time=run_time)
        return AnimationGroup(*anims, run_time=run_time, group=self)

    def make_reveal_animation(self, run_time: float = 1.5) -> Animation:
        """Every step not yet shown appears, left to right."""
        anims = [self.make_grow_animation(t) for t in range(self.shown_upto + 1, self.steps)]
        if not anims:
            return Animation(self, run_time=run_time)
        return LaggedStart(*anims, lag_ratio=0.3, run_time=run_time, group=self)
