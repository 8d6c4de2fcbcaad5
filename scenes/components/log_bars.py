"""Bars on a log scale around 1: how a product of factors shrinks or grows step by step.

Made for backpropagation through time: bar ``t`` is ``|dh_T/dh_t|``, which is 1 at
the last step and is multiplied by one factor ``W_h f'(z)`` per step back. On a log
axis a constant factor is a constant step, so vanishing gradients are bars
hanging ever lower below the line at 1 and exploding ones bars climbing above it.

- The axis spans whole decades covering every finite non-zero magnitude and 1.
- A zero (a dead ReLU stops the gradient) has no logarithm: its bar is a short
  stub at the bottom edge, labelled ``0``.
- ``inf``/``nan`` reach the top edge in the warning colour, labelled ``overflow``/``NaN``.
- The factor between two neighbouring bars can be written between them (``×0.50``)
  when the columns are wide enough.

API::

    bars = LogBars(values, theme, precision, box=(l, r, b, t), colour=theme.memory,
                   key=lambda t: ("grad_to_last", t, 0, 0),
                   factors=f, factor_key=lambda t: ("backward_factor", t, 0, 0))
    bars.make_bar_animation(t)       # bar t (0-based) grows from the line at 1
    bars.make_factor_animation(t)    # the factor between bars t-1 and t is shown
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, AnimationGroup, FadeIn, GrowFromEdge, Line, Rectangle, VGroup
from manim.animation.animation import Animation

from scenes.components.frame import panel_frame
from scenes.components.text import SIZE_SMALL, LabelGroup, make_number, make_text
from scenes.theme import Theme

__all__ = ["LogBars", "decade_range", "superscript"]

#: Column pitch (scene units) from which every bar carries its value label.
_LABEL_PITCH = 0.72
#: Column pitch from which the factors between bars are written out.
_FACTOR_PITCH = 0.72
_MAX_TICKS = 8

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def superscript(n: int) -> str:
    """``-3`` -> ``"⁻³"``."""
    return str(n).translate(_SUP)


def _overlap(a: Any, b: Any) -> bool:
    """Whether the bounding boxes of ``a`` and ``b`` intersect."""
    return bool(
        abs(a.get_x() - b.get_x()) < (a.width + b.width) / 2 and abs(a.get_y() - b.get_y()) < (a.height + b.height) / 2
    )


def decade_range(values: Sequence[float]) -> tuple[int, int]:
    """Whole decades ``(lo, hi)`` containing every finite non-zero ``|value|`` and 1 (at least -1..1)."""
    a = np.abs(np.asarray(values, dtype=float))
    a = a[np.isfinite(a) & (a > 0)]
    if a.size == 0:
        return -1, 1
    with np.errstate(divide="ignore"):
        lo = math.floor(float(np.log10(a.min())))
        hi = math.ceil(float(np.log10(a.max())))
    return min(lo, -1), max(hi, 1)


class LogBars(VGroup):
    """One bar per step on a log10 scale, hanging from (or standing on) the line at 1.

    Parameters
    ----------
    values
        ``(T,)`` engine values; the bars show ``|value|``, the labels the signed value.
    theme, precision
        Look and decimals.
    box
        ``(left, right, bottom, top)`` of the framed panel.
    colour
        Bar colour.
    key
        ``t -> number key`` of bar ``t``'s value label.
    title
        Top left of the panel.
    factors, factor_key
        Optional ``(T,)`` factors: ``factors[t]`` links bar ``t - 1`` to bar ``t``
        (``values[t - 1] = values[t] * factors[t]``), written between the two.
    always_label
        Steps whose value label is shown even when labels do not fit everywhere.
    decades
        The axis's ``(lo, hi)`` decades (default: :func:`decade_range` of ``values``); pass
        the range of several charts' values to draw them on one scale.
    """

    def __init__(
        self,
        values: Sequence[float],
        theme: Theme,
        precision: int,
        *,
        box: tuple[float, float, float, float],
        colour: str,
        key: Callable[[int], tuple[Hashable, ...]] | None = None,
        title: str = "",
        factors: Sequence[float] | None = None,
        factor_key: Callable[[int], tuple[Hashable, ...]] | None = None,
        always_label: Sequence[int] = (),
        decades: tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        self.values = np.asarray(values, dtype=float)
        self.steps = len(self.values)
        self.theme, self.precision, self.colour = theme, precision, colour
        self.key, self.factor_key = key, factor_key
        self.factors = None if factors is None else np.asarray(factors, dtype=float)
        left, right, bottom, top = box
        self.panel = panel_frame(theme, right - left, top - bottom, ((left + right) / 2, (bottom + top) / 2))
        self.title = make_text(title, theme, size=SIZE_SMALL, colour=theme.muted)
        self.title.next_to(self.panel.get_corner(UP + LEFT), DOWN + RIGHT, buff=0.14)
        self.add(self.panel, self.title)

        # Several charts side by side share one scale when given the same decades.
        self.d_lo, self.d_hi = decade_range(self.values) if decades is None else decades
        self.plot_left = left + 0.85
        self.plot_right = right - 0.25
        # Room below for step numbers (and factors), above for the top bar's label.
        pitch = (self.plot_right - self.plot_left) / max(1, self.steps)
        self.pitch = pitch
        self.show_factors = self.factors is not None and pitch >= _FACTOR_PITCH
        self.plot_bottom = bottom + (0.75 if self.show_factors else 0.45)
        self.plot_top = self.title.get_bottom()[1] - 0.4
        self.label_all = pitch >= _LABEL_PITCH
        self.always_label = set(always_label)
        self.bar_width = float(np.clip(0.5 * pitch, 0.06, 0.45))

        self.one_line = Line(
            (self.plot_left, self.y_of(0.0), 0),
            (self.plot_right, self.y_of(0.0), 0),
            stroke_width=2.0,
            color=theme.muted,
        )
        self.add(self.one_line)
        self.axis_labels = self._axis_labels()
        self.add(self.axis_labels)
        self.bars = VGroup()
        self.labels = VGroup()
        self.factor_labels = VGroup()
        self.add(self.bars, self.labels, self.factor_labels)

    # -- geometry ---------------------------------------------------------------------
    def y_of(self, decade: float) -> float:
        """y of ``10**decade`` (clamped to the axis)."""
        d = min(max(decade, self.d_lo), self.d_hi)
        return self.plot_bottom + (self.plot_top - self.plot_bottom) * (d - self.d_lo) / (self.d_hi - self.d_lo)

    def x_of(self, t: int) -> float:
        return self.plot_left + (t + 0.5) * self.pitch

    def bar_end(self, t: int) -> float:
        """y where bar ``t`` ends (the bottom edge for 0, the top edge for overflow)."""
        v = float(self.values[t])
        if not math.isfinite(v):
            return self.plot_top
        if v == 0.0:
            return self.plot_bottom
        return self.y_of(math.log10(abs(v)))

    def _axis_labels(self) -> VGroup:
        th = self.theme
        span = self.d_hi - self.d_lo
        every = 1
        while span / every > _MAX_TICKS:
            every += 1
        decades = LabelGroup()
        for d in range(self.d_lo, self.d_hi + 1):
            if d % every:
                continue
            text = "1" if d == 0 else ("10" if d == 1 else f"10{superscript(d)}")
            lab = make_text(text, th, size=SIZE_SMALL, colour=th.text if d == 0 else th.muted)
            lab.next_to((self.plot_left, self.y_of(d), 0), LEFT, buff=0.1)
            decades.add(lab)
        grid = VGroup(
            *(
                Line(
                    (self.plot_left, self.y_of(d), 0),
                    (self.plot_right, self.y_of(d), 0),
                    stroke_width=1.0,
                    color=th.faint,
                ).set_stroke(opacity=0.5)
                for d in range(self.d_lo, self.d_hi + 1)
                if d % every == 0 and d != 0
            )
        )
        steps = LabelGroup()
        shown = [t for t in range(self.steps) if self.pitch >= 0.3 or t in (0, self.steps - 1) or (t + 1) % 5 == 0]
        for t in shown:
            lab = make_text(str(t + 1), th, size=SIZE_SMALL, colour=th.muted)
            lab.move_to((self.x_of(t), self.plot_bottom - 0.22, 0))
            if all(abs(lab.get_x() - o.get_x()) > (lab.width + o.width) / 2 + 0.06 for o in steps):
                steps.add(lab)
        t_name = make_text("t", th, size=SIZE_SMALL, colour=th.muted, italic=True)
        t_name.next_to((self.plot_left, self.plot_bottom - 0.22, 0), LEFT, buff=0.1)
        return VGroup(grid, decades, steps, t_name)

    # -- animations -------------------------------------------------------------------
    def make_bar_animation(self, t: int, run_time: float = 0.5) -> Animation:
        """Bar ``t`` grows from the line at 1 to its value; its label fades in."""
        th = self.theme
        v = float(self.values[t])
        y0, y1 = self.y_of(0.0), self.bar_end(t)
        finite = math.isfinite(v)
        anims: list[Animation] = []
        if v == 0.0:
            stub = Rectangle(width=self.bar_width, height=0.06, stroke_width=0).set_fill(th.muted, 1.0)
            stub.move_to((self.x_of(t), self.plot_bottom + 0.03, 0))
            self.bars.add(stub)
            anims.append(FadeIn(stub))
        elif abs(y1 - y0) > 1e-3:
            bar = Rectangle(width=self.bar_width, height=abs(y1 - y0), stroke_width=0)
            bar.set_fill(self.colour if finite else th.warning, opacity=0.85)
            bar.move_to((self.x_of(t), (y0 + y1) / 2, 0))
            self.bars.add(bar)
            anims.append(GrowFromEdge(bar, DOWN if y1 > y0 else UP))
        if self.label_all or t in self.always_label:
            # Labels on every bar must fit their column; a lone label (first or last step) may be wider.
            lab = make_number(
                v,
                self.precision,
                th,
                key=None if self.key is None else self.key(t),
                size=SIZE_SMALL,
                colour=self.colour if finite else th.warning,
                max_width=max(self.pitch - 0.04, 0.5) if self.label_all else None,
            )
            above = y1 >= y0 and v != 0.0
            lab.next_to((self.x_of(t), y1, 0), UP if above else DOWN, buff=0.06)
            if lab.get_bottom()[1] < self.plot_bottom - 0.02:
                lab.next_to((self.x_of(t), y1, 0), UP, buff=0.06)
            if lab.get_top()[1] > self.panel.get_top()[1] - 0.06:
                lab.next_to((self.x_of(t), y1, 0), DOWN, buff=0.06)
            if not self.label_all and any(
                _overlap(lab, tick) for tick in self.axis_labels.family_members_with_points()
            ):
                # A lone label by the first bar of narrow columns: keep it right of the axis labels.
                lab.shift(RIGHT * (self.plot_left + 0.04 - lab.get_left()[0]))
            inner_left, inner_right = self.panel.get_left()[0] + 0.08, self.panel.get_right()[0] - 0.08
            lab.shift(RIGHT * (max(0.0, inner_left - lab.get_left()[0]) - max(0.0, lab.get_right()[0] - inner_right)))
            if all(
                abs(lab.get_x() - o.get_x()) > (lab.width + o.width) / 2 + 0.04
                or abs(lab.get_y() - o.get_y()) > lab.height + 0.04
                for o in self.labels
            ):
                self.labels.add(lab)
                anims.append(FadeIn(lab))
        if not anims:
            return Animation(VGroup(), run_time=run_time)
        return AnimationGroup(*anims, run_time=run_time)

    def make_factor_animation(self, t: int, run_time: float = 0.4) -> Animation:
        """Write ``×factor[t]`` between bars ``t - 1`` and ``t`` (if factors are shown)."""
        if not self.show_factors or self.factors is None or t < 1:
            return Animation(VGroup(), run_time=run_time)
        th = self.theme
        f = float(self.factors[t])
        num = make_number(
            f,
            self.precision,
            th,
            key=None if self.factor_key is None else self.factor_key(t),
            size=SIZE_SMALL,
            colour=th.memory,
            max_width=self.pitch - 0.14,
        )
        times = make_text("×", th, size=SIZE_SMALL, colour=th.muted)
        group = LabelGroup(times, num).arrange(RIGHT, buff=0.04)
        if group.width > self.pitch - 0.06:
            group = LabelGroup(num)
        group.move_to(((self.x_of(t - 1) + self.x_of(t)) / 2, self.plot_bottom - 0.55, 0))
        self.factor_labels.add(group)
        return FadeIn(group, shift=0.1 * LEFT, run_time=run_time)
