"""Several runs' hidden states on one chart, one colour per run.

Used where runs are compared directly: the closing chart of the ``compare`` and
``weights`` scenes (one line per panel) and the two runs of the ``memory`` scene.

The value axis is linear and covers every finite value and 0, unless one run
dwarfs the others (an exploding ReLU next to a bounded tanh): a shared linear
axis would then flatten the others into a line. In that case the axis is
*symmetric-log*: linear up to ``±u`` (``u`` the smallest run's largest magnitude,
so the small runs keep their shape), logarithmic beyond (one decade per unit),
and labelled as such. Values beyond :data:`MAX_DECADES` decades above ``u`` and
non-finite ones leave the chart: the line stops at the edge, marked with a small
arrow and the value it reached (``overflow`` for inf).

API::

    chart = OverlayChart([ChartSeries("tanh", traj.h[:, 0], colour, key=lambda t: ("h", t, 0))],
                         theme, precision, width=8.4, height=4.6, title="h_t of each run", centre=(x, y))
    chart.make_draw_animation(i)       # series i appears whole, left to right
    chart.make_grow_animation(t)       # step t (0-based) of every series
    chart.anchor(i, t)                 # screen point of series i at step t (clamped)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

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
    Line,
    Triangle,
    VGroup,
)
from manim.animation.animation import Animation

from rnn_engine.formatting import format_significant
from scenes.components.frame import panel_frame
from scenes.components.legend import Legend
from scenes.components.text import SIZE_SMALL, LabelGroup, make_number, make_text
from scenes.theme import Theme

__all__ = ["CAP_RATIO", "MAX_DECADES", "ChartSeries", "OverlayChart", "ValueScale", "value_scale"]

#: A run whose largest |value| exceeds this multiple of the next largest run's switches the
#: axis to symmetric-log.
CAP_RATIO = 20.0
#: A symmetric-log axis shows at most this many decades beyond its linear part.
MAX_DECADES = 8.0


@dataclass(frozen=True)
class ChartSeries:
    """One line of the chart.

    Attributes
    ----------
    name
        Legend entry (``"tanh"``, ``"W_h = 1.5"``, ``"original"``).
    values
        ``(T,)`` values, one per step (from the engine; may hold inf/nan).
    colour
        Line colour.
    key
        ``t -> number key`` for the value labels this series shows (exit markers);
        ``None`` records no keys.
    dashed
        Draw the line dashed (a second run that mostly coincides with the first).
    """

    name: str
    values: Sequence[float]
    colour: str
    key: Callable[[int], tuple[Hashable, ...]] | None = None
    dashed: bool = False


@dataclass(frozen=True)
class ValueScale:
    """Maps values to axis coordinates ``s``: ``v / unit`` (linear) or symmetric-log.

    Attributes
    ----------
    mode
        ``"linear"`` or ``"symlog"``.
    unit
        Linear: the largest magnitude (so ``s`` is in [-1, 1]); symlog: the end of the
        linear part.
    lo, hi
        The ``s`` interval shown (contains 0).
    """

    mode: str
    unit: float
    lo: float
    hi: float

    def s(self, v: float) -> float:
        """Axis coordinate of finite ``v`` (not clamped)."""
        r = v / self.unit
        if self.mode == "linear" or abs(r) <= 1.0:
            return r
        return math.copysign(1.0 + math.log10(abs(r)), r)

    def value(self, s: float) -> float:
        """Inverse of :meth:`s`."""
        if self.mode == "linear" or abs(s) <= 1.0:
            return s * self.unit
        return math.copysign(self.unit * 10.0 ** (abs(s) - 1.0), s)

    def inside(self, v: float) -> bool:
        if not math.isfinite(v):
            return False
        s = self.s(v)
        eps = 1e-9 * (self.hi - self.lo)
        return self.lo - eps <= s <= self.hi + eps


def value_scale(series: Sequence[Sequence[float]]) -> ValueScale:
    """The axis for ``series``: linear, or symmetric-log when one run dwarfs the rest (see the module doc)."""
    arrays = [np.asarray(s, dtype=float) for s in series]
    finite = [a[np.isfinite(a)] for a in arrays]
    mags = [float(np.abs(f).max()) if f.size else 0.0 for f in finite]
    ordered = sorted(mags, reverse=True)
    positive = [m for m in mags if m > 0]
    if len(ordered) >= 2 and ordered[1] > 0 and ordered[0] > CAP_RATIO * ordered[1]:
        scale = ValueScale("symlog", min(positive), 0.0, 0.0)
        limit = 1.0 + MAX_DECADES
    else:
        scale = ValueScale("linear", max(ordered[0] if ordered else 0.0, 1e-300), 0.0, 0.0)
        limit = math.inf
    svals = [scale.s(float(v)) for f in finite for v in f]
    lo = max(min([0.0, *svals]), -limit)
    hi = min(max([0.0, *svals]), limit)
    if hi - lo <= 0:
        hi = lo + 1.0
    return ValueScale(scale.mode, scale.unit, lo, hi)


class OverlayChart(VGroup):
    """Hidden states of several runs against time.

    Parameters
    ----------
    series
        The lines, in legend order.
    theme, precision
        Look and decimals of the labels.
    width, height
        Panel size (scene units).
    centre
        ``(x, y)`` of the panel; the chart is built in place and must not be moved
        afterwards (steps added later are placed at absolute positions).
    title
        Shown at the top left of the panel.
    legend
        Show the legend (top right).
    """

    def __init__(
        self,
        series: Sequence[ChartSeries],
        theme: Theme,
        precision: int,
        *,
        width: float = 8.4,
        height: float = 4.6,
        title: str = "hidden state h_t",
        legend: bool = True,
        centre: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        super().__init__()
        if not series:
            raise ValueError("an overlay chart needs at least one series")
        self.series = list(series)
        self.theme = theme
        self.precision = precision
        self.steps = len(series[0].values)
        self.value_axis = value_scale([s.values for s in series])
        span = self.value_axis.hi - self.value_axis.lo
        self.s_lo, self.s_hi = self.value_axis.lo - 0.06 * span, self.value_axis.hi + 0.06 * span
        if self.value_axis.mode == "symlog":
            title = f"{title} (log scale beyond ±{format_significant(self.value_axis.unit)})"

        # Built in place: steps are drawn later at absolute positions, so the chart is never moved.
        self.panel = panel_frame(theme, width, height, (centre[0], centre[1]))
        self.add(self.panel)
        self.title = make_text(title, theme, size=SIZE_SMALL, colour=theme.muted)
        self.title.next_to(self.panel.get_corner(UP + LEFT), DOWN + RIGHT, buff=0.14)
        self.add(self.title)
        top = self.title.get_bottom()[1] - 0.12
        self.legend: Legend | None = None
        if legend:
            entries = [(s.name, s.colour) for s in series]
            self.legend = Legend(entries, theme)
            self.legend.next_to(self.panel.get_corner(UP + RIGHT), DOWN + LEFT, buff=0.14)
            if self.legend.get_left()[0] < self.title.get_right()[0] + 0.3:
                # Not enough room beside the title: legend gets its own row.
                self.legend.next_to(self.title, DOWN, buff=0.12, aligned_edge=LEFT)
                top = self.legend.get_bottom()[1] - 0.12
            self.add(self.legend)

        left = self.panel.get_left()[0] + 1.0
        right = self.panel.get_right()[0] - 0.3
        bottom = self.panel.get_bottom()[1] + 0.45
        self.plot_box = (left, right, bottom, top)
        self.axis = Line((left, self._y(0.0), 0), (right, self._y(0.0), 0), stroke_width=1.5, color=theme.muted)
        self.frame_line = Line((left, bottom, 0), (left, top, 0), stroke_width=1.5, color=theme.faint)
        self.add(self.frame_line, self.axis)
        self.axis_labels = self._axis_labels()
        self.add(self.axis_labels)

        self.dot_radius = 0.06 if self.steps <= 16 else 0.04
        self.lines = VGroup()
        self.dots = VGroup()
        self.exits = VGroup()
        self.add(self.lines, self.dots, self.exits)
        self._exit_slots: list[tuple[float, float]] = []

    # -- mapping ------------------------------------------------------------------
    def _x(self, t: float) -> float:
        left, right, _, _ = self.plot_box
        if self.steps == 1:
            return (left + right) / 2
        inner = 0.2
        return left + inner + (right - left - 2 * inner) * t / (self.steps - 1)

    def _ys(self, s: float) -> float:
        _, _, bottom, top = self.plot_box
        return bottom + (top - bottom) * (s - self.s_lo) / (self.s_hi - self.s_lo)

    def _y(self, v: float) -> float:
        return self._ys(self._s_clamped(v))

    def _s_clamped(self, v: float) -> float:
        """Axis coordinate of ``v`` clamped to the window (NaN sits on the zero line)."""
        if math.isnan(v):
            return 0.0
        if math.isinf(v):
            return self.value_axis.hi if v > 0 else self.value_axis.lo
        return min(max(self.value_axis.s(v), self.value_axis.lo), self.value_axis.hi)

    def inside(self, v: float) -> bool:
        """Whether value ``v`` is drawn (finite and within the axis window)."""
        return self.value_axis.inside(v)

    def point(self, t: float, v: float) -> np.ndarray:
        """Screen point of value ``v`` at (possibly fractional) step ``t``, clamped to the window."""
        return np.array([self._x(t), self._y(v), 0.0])

    def anchor(self, i: int, t: int) -> np.ndarray:
        """Where series ``i`` is drawn at step ``t`` (on the edge if it left the chart)."""
        return self.point(t, float(self.series[i].values[t]))

    def drawn_pieces(self, i: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """What series ``i`` draws, as 2-D ``(start, end)`` pairs: each piece of its line
        inside the window, and each point in it (``start == end``)."""
        pieces = []
        for t, v in enumerate(self.series[i].values):
            line = self._segment(i, t)
            if line is not None:
                pieces.append((line.get_start()[:2], line.get_end()[:2]))
            if self.inside(float(v)):
                point = self.anchor(i, t)[:2]
                pieces.append((point, point))
        return pieces

    def column_x(self, t: int) -> float:
        """x of step ``t``'s column."""
        return self._x(t)

    # -- labels --------------------------------------------------------------------
    def _axis_labels(self) -> VGroup:
        th = self.theme
        left, right, bottom, _ = self.plot_box
        sc = self.value_axis
        values = LabelGroup()
        if sc.mode == "linear":
            ticks: list[tuple[float, str | None]] = [(sc.value(sc.lo), None), (0.0, None), (sc.value(sc.hi), None)]
        else:
            # In order of priority: 0, the ends of the linear part (or the extreme values when
            # they stay inside it), then whole decades beyond it.
            fmt = format_significant
            ticks = [(0.0, "0")]
            for end in (sc.hi, sc.lo):
                sign = 1.0 if end > 0 else -1.0
                if abs(end) >= 1.0:
                    ticks.append((sign * sc.unit, fmt(sign * sc.unit)))
                elif abs(end) > 0.15:
                    ticks.append((sc.value(end), fmt(sc.value(end))))
            for end in (sc.hi, sc.lo):
                sign = 1.0 if end > 0 else -1.0
                first = math.floor(math.log10(sc.unit)) + 1
                for k in range(first, first + int(MAX_DECADES) + 2):
                    v = sign * 10.0**k
                    if 1.0 < abs(sc.s(v)) <= abs(end) + 1e-9:
                        ticks.append((v, fmt(v)))
        for v, text in ticks:
            if text is None:
                lab = make_number(v, self.precision, th, size=SIZE_SMALL, colour=th.muted, max_width=0.85)
            else:
                lab = make_text(text, th, size=SIZE_SMALL, colour=th.muted, max_width=0.85)
            lab.next_to((left, self._y(v), 0), LEFT, buff=0.08)
            if all(abs(lab.get_y() - k.get_y()) > 0.3 for k in values):
                values.add(lab)
        steps = LabelGroup()
        T = self.steps
        ticks = sorted({1, T, *([(T + 1) // 2] if T >= 5 else [])})
        for tk in ticks:
            lab = make_text(str(tk), th, size=SIZE_SMALL, colour=th.muted)
            lab.next_to((self._x(tk - 1), bottom, 0), DOWN, buff=0.08)
            steps.add(lab)
        t_name = make_text("t", th, size=SIZE_SMALL, colour=th.muted, italic=True)
        t_name.next_to((right, bottom, 0), DOWN, buff=0.08)
        if t_name.get_left()[0] < steps[-1].get_right()[0] + 0.08:
            t_name.next_to(steps[-1], RIGHT, buff=0.12)
        return VGroup(values, steps, t_name)

    # -- drawing pieces --------------------------------------------------------------
    def _edge_crossing(self, t0: int, v0: float, t1: int, v1: float) -> np.ndarray:
        """Point where the segment from inside ``(t0, v0)`` to outside ``(t1, v1)`` meets the edge."""
        sc = self.value_axis
        s0 = sc.s(v0)
        up = v1 > 0 if math.isinf(v1) else sc.s(v1) > sc.hi
        edge = sc.hi if up else sc.lo
        if math.isfinite(v1):
            s1 = sc.s(v1)
            frac = (edge - s0) / (s1 - s0) if s1 != s0 else 0.0
        else:
            frac = 0.5  # a jump to infinity: leave halfway between the steps
        frac = min(max(frac, 0.0), 1.0)
        return np.array([self._x(t0 + frac * (t1 - t0)), self._ys(edge), 0.0])

    def _segment(self, i: int, t: int) -> Line | None:
        """The piece of series ``i`` between steps ``t - 1`` and ``t`` that lies in the window."""
        if t == 0:
            return None
        s = self.series[i]
        v0, v1 = float(s.values[t - 1]), float(s.values[t])
        if math.isnan(v0) or math.isnan(v1):
            return None
        in0, in1 = self.inside(v0), self.inside(v1)
        if in0 and in1:
            a, b = self.point(t - 1, v0), self.point(t, v1)
        elif in0:
            a, b = self.point(t - 1, v0), self._edge_crossing(t - 1, v0, t, v1)
        elif in1:
            a, b = self._edge_crossing(t, v1, t - 1, v0), self.point(t, v1)
        else:
            return None
        if np.allclose(a, b):
            return None
        if s.dashed:
            return DashedLine(a, b, stroke_width=3.0, color=s.colour, dash_length=0.08)
        return Line(a, b, stroke_width=3.0, color=s.colour)

    def _exit_marker(self, i: int, t: int) -> VGroup | None:
        """Arrow and value where series ``i`` first leaves the window at step ``t``."""
        s = self.series[i]
        v = float(s.values[t])
        if self.inside(v) or math.isnan(v):
            return None
        if t > 0 and not self.inside(float(s.values[t - 1])):
            return None  # already outside: one marker per excursion
        up = v > 0
        th = self.theme
        edge = np.array([self._x(t), self._ys(self.value_axis.hi if up else self.value_axis.lo), 0.0])
        tri = Triangle(color=s.colour, fill_opacity=1.0, stroke_width=0).scale(0.09)
        if not up:
            tri.rotate(np.pi)
        tri.move_to(edge + (UP if up else DOWN) * 0.1)
        key = s.key(t) if s.key is not None else None
        lab = make_number(v, self.precision, th, key=key, size=SIZE_SMALL, colour=s.colour)
        lab.next_to(tri, RIGHT, buff=0.06)
        _, right, _, _ = self.plot_box
        if lab.get_right()[0] > right + 0.25:
            lab.next_to(tri, LEFT, buff=0.06)
        # Two runs leaving at the same place: stack the second label below the first.
        for x, y in self._exit_slots:
            if abs(lab.get_x() - x) < lab.width and abs(lab.get_y() - y) < 0.3:
                lab.shift((DOWN if up else UP) * 0.32)
        self._exit_slots.append((lab.get_x(), lab.get_y()))
        return VGroup(tri, lab)

    def _step_parts(self, i: int, t: int) -> tuple[Line | None, Dot | None, VGroup | None]:
        s = self.series[i]
        v = float(s.values[t])
        dot = Dot(self.point(t, v), radius=self.dot_radius, color=s.colour) if self.inside(v) else None
        return self._segment(i, t), dot, self._exit_marker(i, t)

    # -- animations --------------------------------------------------------------------
    def make_grow_animation(self, t: int, run_time: float = 0.5, series: Sequence[int] | None = None) -> Animation:
        """Add step ``t`` (0-based) of every series (or of ``series``)."""
        anims: list[Animation] = []
        for i in range(len(self.series)) if series is None else series:
            seg, dot, mark = self._step_parts(i, t)
            if seg is not None:
                self.lines.add(seg)
                anims.append(Create(seg))
            if dot is not None:
                self.dots.add(dot)
                anims.append(FadeIn(dot, scale=0.5))
            if mark is not None:
                self.exits.add(mark)
                anims.append(FadeIn(mark))
        if not anims:
            return Animation(VGroup(), run_time=run_time)
        return AnimationGroup(*anims, run_time=run_time)

    def make_draw_animation(self, i: int, run_time: float = 1.5) -> Animation:
        """Series ``i`` appears whole, drawn left to right."""
        steps = [self.make_grow_animation(t, series=[i]) for t in range(self.steps)]
        return AnimationGroup(*steps, lag_ratio=1.0, run_time=run_time)
