"""A small graph of the activation with the current operating point ``(z_t, h_t)``.

The z range covers every finite pre-activation of the run, roughly symmetric
around 0, and is clipped where the curve has nothing more to show (tanh beyond
±6, sigmoid beyond ±8). A point outside the drawn range (or an overflow) sits on
the edge with a small warning-coloured marker pointing the way it left. NaN
points are not drawn. For vector states there is one point per hidden unit in
the unit's series colour.

API::

    inset = ActivationInset(trajectory, theme, precision, cache, width=4.3, height=2.5)
    inset.make_point_animation(t)     # point(s) move to (z_t, h_t)
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
    Axes,
    DashedLine,
    Dot,
    FadeIn,
    Transform,
    Triangle,
    VGroup,
    VMobject,
)
from manim.animation.animation import Animation

from rnn_engine.activations import get_activation
from scenes.components.frame import panel_frame
from scenes.components.text import SIZE_SMALL, FormulaCache, Shared, make_number, make_text
from scenes.theme import Theme

__all__ = ["ActivationInset", "inset_z_range"]


def inset_z_range(activation: str, z: np.ndarray) -> tuple[float, float]:
    """The z interval to draw: contains the finite ``z`` values, symmetric-ish, clipped for squashing f."""
    finite = z[np.isfinite(z)]
    zmax = float(np.abs(finite).max()) if finite.size else 1.0
    clip = get_activation(activation).inset_clip
    if clip is not None:
        r = min(max(1.15 * zmax, 3.0), clip)
        return -r, r
    # ReLU: linear on both sides, so any magnitude can be drawn; keep the kink visible.
    top = float(finite.max()) if finite.size else 0.0
    bottom = float(finite.min()) if finite.size else 0.0
    hi = max(1.15 * top, 1.0)
    lo = min(-0.35 * hi, 1.15 * bottom)
    return lo, hi


class ActivationInset(VGroup):
    """The activation curve in a panel, with moving operating point(s).

    Parameters
    ----------
    trajectory
        The engine run (its ``activation``, ``z`` and ``h``).
    theme, precision
        Look and decimals of the axis labels.
    cache
        Typst cache for the panel title ``h = f(z)``.
    width, height
        Panel size in scene units.
    """

    def __init__(
        self,
        trajectory: Any,
        theme: Theme,
        precision: int,
        cache: FormulaCache,
        *,
        width: float = 4.3,
        height: float = 2.5,
    ) -> None:
        super().__init__()
        self._trajectory = Shared(trajectory)
        self.theme = theme
        self.precision = precision
        self.act = get_activation(trajectory.activation)
        lo, hi = inset_z_range(self.act.name, trajectory.z)
        self.z_lo, self.z_hi = lo, hi
        # The function's range, or up to f(z_hi) where it is unbounded (ReLU).
        y_lo, y_hi = self.act.output_range
        if not np.isfinite(y_hi):
            y_hi = float(self.act(np.array(hi)))
        pad = 0.12 * (y_hi - y_lo)
        self.y_lo, self.y_hi = y_lo - pad, y_hi + pad

        self.panel = panel_frame(theme, width, height)
        self.add(self.panel)

        title = cache.get(
            f"h = {self.act.typst}(z)",
            size=24,
            colour=theme.activation,
            shown_text=f"h = {self.act.display}(z)",
        )
        title.next_to(self.panel.get_corner(UP + LEFT), DOWN + RIGHT, buff=0.14)
        self.title = title

        # y labels first: the plot starts right of the widest one (huge ReLU ranges are wide).
        y_values = [y_hi] + ([y_lo] if y_lo < 0 else [])
        y_labels = [make_number(v, 1, theme, size=SIZE_SMALL, colour=theme.muted) for v in y_values]
        label_w = max(lab.width for lab in y_labels)
        plot_left = self.panel.get_left()[0] + 0.18 + label_w + 0.1
        plot_right = self.panel.get_right()[0] - 0.35  # room for the "z" label
        plot_w = plot_right - plot_left
        plot_top = title.get_bottom()[1] - 0.12
        plot_bottom = self.panel.get_bottom()[1] + 0.42
        plot_h = max(0.6, plot_top - plot_bottom)
        # The axes work in units divided by the largest magnitude, so ranges up to the
        # float limit (ReLU on exploding inputs) draw without overflowing.
        self.zs = max(abs(lo), abs(hi), 1e-300)
        self.ys = max(abs(self.y_lo), abs(self.y_hi), 1e-300)
        self.axes = Axes(
            x_range=[lo / self.zs, hi / self.zs, (hi - lo) / self.zs],
            y_range=[self.y_lo / self.ys, self.y_hi / self.ys, (self.y_hi - self.y_lo) / self.ys],
            x_length=plot_w,
            y_length=plot_h,
            tips=False,
            axis_config={"include_ticks": False, "stroke_color": theme.muted, "stroke_width": 1.5},
        )
        # Right of the y labels, between the title and the x labels.
        self.axes.move_to(((plot_left + plot_right) / 2, (plot_top + plot_bottom) / 2, 0))
        self.add(self.axes)
        self.curve = self.axes.plot(
            lambda u: float(self.act(np.array(u * self.zs))) / self.ys,
            x_range=[lo / self.zs, hi / self.zs, (hi - lo) / self.zs / 200],
            color=theme.activation,
            stroke_width=3.5,
            use_smoothing=False,
        )
        self.add(self.curve, title)

        z_label = make_text("z", theme, size=SIZE_SMALL, colour=theme.muted, italic=True)
        z_label.next_to(self.p(hi, 0), RIGHT, buff=0.08)
        z_label.set_y(self.axes.x_axis.get_y())
        h_label = make_text("h", theme, size=SIZE_SMALL, colour=theme.muted, italic=True)
        h_label.next_to(self.axes.y_axis.get_top(), LEFT, buff=0.08)
        lo_lab = make_number(lo, 1, theme, size=SIZE_SMALL, colour=theme.muted)
        hi_lab = make_number(hi, 1, theme, size=SIZE_SMALL, colour=theme.muted)
        lo_lab.next_to(self.p(lo, self.y_lo), DOWN, buff=0.06)
        hi_lab.next_to(self.p(hi, self.y_lo), DOWN, buff=0.06)
        for v, lab in zip(y_values, y_labels, strict=True):
            lab.next_to(self.p(lo, v), LEFT, buff=0.08)
        tick_labels = [lo_lab, hi_lab, *y_labels]
        self.labels = VGroup(z_label, h_label, *tick_labels)
        self.add(self.labels)
        if h_label.get_top()[1] > title.get_bottom()[1] - 0.04 and h_label.get_left()[0] < title.get_right()[0]:
            h_label.next_to(self.axes.y_axis.get_top(), RIGHT, buff=0.08)

        H = trajectory.hidden_size
        colours = [theme.memory] if H == 1 else [theme.series[i % len(theme.series)] for i in range(H)]
        self.dots = VGroup(*(Dot(radius=0.075, color=c).set_stroke(theme.background, width=2) for c in colours))
        self.guides = VGroup()
        self.markers = VGroup()
        self._shown = False

    @property
    def trajectory(self) -> Any:
        return self._trajectory.value

    # -- geometry -------------------------------------------------------------
    def p(self, z: float, h: float) -> np.ndarray:
        """Screen point of the graph coordinates ``(z, h)`` (no clamping)."""
        return self.axes.c2p(z / self.zs, h / self.ys)

    def point_for(self, z: float, h: float) -> tuple[np.ndarray, int]:
        """Screen point of ``(z, h)`` clamped to the drawn range, and -1/0/+1 for left/inside/right."""
        side = 0
        if not (z >= self.z_lo):
            side = -1
        elif not (z <= self.z_hi):
            side = 1
        zc = self.z_lo if side < 0 else (self.z_hi if side > 0 else z)
        hc = float(np.clip(h, self.y_lo, self.y_hi)) if math.isfinite(h) else (self.y_hi if h > 0 else self.y_lo)
        return self.p(zc, hc), side

    def _state(self, t: int) -> tuple[list[tuple[np.ndarray, int] | None], VGroup, VGroup]:
        z, h = self.trajectory.z[t], self.trajectory.h[t]
        points: list[tuple[np.ndarray, int] | None] = []
        guides = VGroup()
        markers = VGroup()
        for i in range(len(z)):
            if math.isnan(z[i]) or math.isnan(h[i]):
                points.append(None)
                continue
            pt, side = self.point_for(float(z[i]), float(h[i]))
            points.append((pt, side))
            if side:
                tri = Triangle(color=self.theme.warning, fill_opacity=1.0, stroke_width=0).scale(0.07)
                tri.rotate(-side * np.pi / 2)
                tri.move_to(pt + np.array([side * 0.17, 0, 0]))
                markers.add(tri)
            elif len(z) == 1:
                base = self.p(float(z[i]), 0.0 if self.y_lo <= 0 <= self.y_hi else self.y_lo)
                guides.add(DashedLine(pt, base, stroke_width=1.5, color=self.theme.muted, dash_length=0.05))
                axis_pt = self.p(self.z_lo, float(h[i]))
                guides.add(DashedLine(pt, axis_pt, stroke_width=1.5, color=self.theme.muted, dash_length=0.05))
        return points, guides, markers

    # -- animations -----------------------------------------------------------
    def make_point_animation(self, t: int, run_time: float = 0.6) -> Animation:
        """Move the operating point(s) to step ``t`` (0-based)."""
        points, guides, markers = self._state(t)
        anims: list[Animation] = []
        if not self._shown:
            self._shown = True
            for dot, p in zip(self.dots, points, strict=True):
                if p is not None:
                    dot.move_to(p[0])
            self.guides = guides
            self.markers = markers
            self.add(self.guides, self.markers, self.dots)
            anims += [FadeIn(m) for m in (self.guides, self.markers, self.dots)]
        else:
            for dot, p in zip(self.dots, points, strict=True):
                if p is None:
                    anims.append(dot.animate.set_opacity(0.0).build())
                else:
                    anims.append(dot.animate.move_to(p[0]).set_opacity(1.0).build())
            anims.append(Transform(self.guides, guides if len(guides) else VMobject()))
            anims.append(Transform(self.markers, markers if len(markers) else VMobject()))
        return AnimationGroup(*anims, run_time=run_time, group=self)
