"""A lower-triangular heat matrix of sensitivities ``dh_t/dx_k`` with a colour scale.

Row ``t`` (top to bottom) is the state, column ``k`` (left to right) the input; only
``k <= t`` has a cell (a state cannot depend on a later input). Colour says the
sign (theme ``positive`` / ``negative``) and strength says the size:

- *linear* scale, ``|v| / max|v|``, when the values span at most :data:`LOG_RANGE`;
- *log* scale of ``|v|`` over the top :data:`LOG_DECADES` decades otherwise (memory
  that fades geometrically would leave all but the diagonal invisible on a linear
  scale). Smaller magnitudes (and exact zeros) get the faintest tint.

The colour bar beside the matrix is labelled with numbers (scale ticks, not keyed);
cells carry their value as text, keyed, when they are large enough to hold it at a
readable size.

API::

    hm = SensitivityHeatmap(traj.sensitivity[:, :, 0, 0], theme, precision, side=3.8, centre=(x, y))
    hm.make_reveal_animation()         # rows appear top to bottom
    hm.make_column_highlight(k)        # outline column k (0-based), returns the outline's FadeIn
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    LaggedStart,
    Rectangle,
    Square,
    VGroup,
    interpolate_color,
)
from manim.animation.animation import Animation
from manim.utils.color import ManimColor

from rnn_engine.formatting import format_number, format_significant
from scenes.components.text import SIZE_SMALL, LabelGroup, make_number, make_text
from scenes.theme import Theme

__all__ = ["LOG_DECADES", "LOG_RANGE", "SensitivityHeatmap", "colour_scale"]

#: Switch to a log colour scale when max|v| / min nonzero |v| exceeds this.
LOG_RANGE = 100.0
#: Decades a log colour scale spans below the largest magnitude.
LOG_DECADES = 4
#: Smallest cell (scene units) that shows its number inside.
_MIN_NUMBER_CELL = 0.66
_MIN_TICK_PITCH = 0.3


def colour_scale(values: np.ndarray) -> tuple[str, float]:
    """``("linear" | "log", vmax)`` for the finite values of ``values``."""
    a = np.abs(values[np.isfinite(values)])
    vmax = float(a.max()) if a.size else 0.0
    nonzero = a[a > 0]
    if vmax > 0 and nonzero.size and vmax / float(nonzero.min()) > LOG_RANGE:
        return "log", vmax
    return "linear", vmax


class SensitivityHeatmap(VGroup):
    """The matrix ``S[t, k] = dh_t/dx_k`` for ``k <= t``.

    Parameters
    ----------
    matrix
        ``(T, T)`` values from the engine (only the lower triangle is drawn).
    theme, precision
        Look and decimals.
    side
        Width and height of the cell grid (scene units).
    centre
        ``(x, y)`` of the cell grid's centre.
    key
        ``(t, k) -> number key`` of a cell's value (cells and the colour bar's end).
    title
        Above the grid.

    Attributes
    ----------
    cells
        ``{(t, k): Square}``; ``numbers`` ``{(t, k): label}`` when cells show numbers.
    mode, vmax
        The colour scale.
    """

    def __init__(
        self,
        matrix: np.ndarray,
        theme: Theme,
        precision: int,
        *,
        side: float = 3.8,
        centre: tuple[float, float] = (0.0, 0.0),
        key: Callable[[int, int], tuple[Hashable, ...]] = lambda t, k: ("sensitivity", t, k, 0, 0),
        title: str = "sensitivity ∂hₜ/∂xₖ",
    ) -> None:
        super().__init__()
        m = np.asarray(matrix, dtype=float)
        T = m.shape[0]
        self.matrix, self.steps, self.theme, self.precision = m, T, theme, precision
        self.key = key
        lower = m[np.tril_indices(T)]
        self.mode, self.vmax = colour_scale(lower)
        self.has_negative = bool(np.any(lower[np.isfinite(lower)] < 0))
        pitch = side / T
        self.pitch = pitch
        cx, cy = centre
        self.grid_left, self.grid_top = cx - side / 2, cy + side / 2

        self.cells: dict[tuple[int, int], Square] = {}
        self.numbers: dict[tuple[int, int], Any] = {}
        self.rows = VGroup()
        show_numbers = pitch >= _MIN_NUMBER_CELL
        for t in range(T):
            row = VGroup()
            for k in range(t + 1):
                v = float(m[t, k])
                sq = Square(side_length=pitch * 0.94, stroke_width=0.8, stroke_color=theme.faint)
                sq.set_fill(self.colour_of(v), opacity=1.0)
                sq.move_to(self.cell_centre(t, k))
                self.cells[(t, k)] = sq
                row.add(sq)
                if show_numbers:
                    strength = self.strength(v)
                    ink = theme.background if strength > 0.55 else theme.text
                    num = make_number(
                        v, precision, theme, key=key(t, k), size=SIZE_SMALL, colour=ink, max_width=pitch * 0.86
                    )
                    num.move_to(sq)
                    self.numbers[(t, k)] = num
                    row.add(num)
            self.rows.add(row)
        self.add(self.rows)
        self.axes = self._axis_labels(title)
        self.add(self.axes)
        self.colour_bar = self._colour_bar(side)
        self.add(self.colour_bar)

    # -- colour ---------------------------------------------------------------------
    def strength(self, v: float) -> float:
        """0 (faint) .. 1 (full colour) for value ``v`` on this heatmap's scale."""
        if not math.isfinite(v):
            return 1.0
        a = abs(v)
        if self.vmax <= 0 or a == 0:
            return 0.0
        if self.mode == "linear":
            return min(1.0, a / self.vmax)
        lo = math.log10(self.vmax) - LOG_DECADES
        return float(np.clip((math.log10(a) - lo) / LOG_DECADES, 0.0, 1.0))

    def colour_of(self, v: float) -> Any:
        th = self.theme
        if not math.isfinite(v):
            return ManimColor(th.warning)
        hue = th.positive if v >= 0 else th.negative
        return _ramp(th, hue, self.strength(v))

    # -- geometry -------------------------------------------------------------------------
    def cell_centre(self, t: int, k: int) -> np.ndarray:
        """Where cell ``(t, k)`` is placed when the heatmap is built (see :attr:`cells` afterwards)."""
        return np.array([self.grid_left + (k + 0.5) * self.pitch, self.grid_top - (t + 0.5) * self.pitch, 0.0])

    def _tick_steps(self) -> list[int]:
        every = max(1, math.ceil(_MIN_TICK_PITCH / self.pitch))
        if every > 1:
            every = next(n for n in (2, 5, 10, 20, 50) if n >= every)
        ticks = [s for s in range(1, self.steps + 1) if s == 1 or s % every == 0]
        return ticks

    def _axis_labels(self, title: str) -> VGroup:
        th = self.theme
        cols, rows = LabelGroup(), LabelGroup()
        for s in self._tick_steps():
            c = make_text(str(s), th, size=SIZE_SMALL, colour=th.muted)
            c.move_to(self.cell_centre(0, s - 1)).set_y(self.grid_top + 0.18)
            cols.add(c)
            r = make_text(str(s), th, size=SIZE_SMALL, colour=th.muted)
            r.next_to(self.cell_centre(s - 1, 0), LEFT, buff=0.5 * self.pitch + 0.1)
            rows.add(r)
        k_name = make_text("input step k", th, size=SIZE_SMALL, colour=th.input)
        k_name.next_to(cols, UP, buff=0.1).set_x(self.grid_left + self.steps * self.pitch / 2)
        t_name = make_text("state step t", th, size=SIZE_SMALL, colour=th.memory)
        t_name.rotate(math.pi / 2).next_to(rows, LEFT, buff=0.12)
        t_name.set_y(self.grid_top - self.steps * self.pitch / 2)
        head = make_text(title, th, size=SIZE_SMALL + 2)
        head.next_to(k_name, UP, buff=0.14).set_x(self.grid_left + self.steps * self.pitch / 2)
        self.title = head
        return VGroup(head, k_name, cols, rows, t_name)

    def _colour_bar(self, side: float) -> VGroup:
        """A vertical bar from the strongest colour (top) to the faintest (bottom), with numbers."""
        th = self.theme
        n = 24
        height = side * 0.8
        width = 0.22
        x = self.grid_left + side + 0.35
        top = self.grid_top - 0.1 * side
        bar = VGroup()
        for i in range(n):
            s = 1.0 - (i + 0.5) / n
            seg = Rectangle(width=width, height=height / n, stroke_width=0)
            seg.set_fill(_ramp(th, th.positive, s), 1.0)
            seg.move_to((x, top - (i + 0.5) * height / n, 0))
            bar.add(seg)
        labels = LabelGroup()
        if self.vmax > 0:
            if self.mode == "linear":
                stops = [(1.0, self.vmax), (0.5, self.vmax / 2), (0.0, 0.0)]
                texts = [format_number(v, self.precision) for _, v in stops]
            else:
                stops = [(1.0 - d / LOG_DECADES, self.vmax / 10.0**d) for d in range(0, LOG_DECADES + 1, 2)]
                texts = [format_significant(v, 2) for _, v in stops]  # a scale, not a reading
            for (s, _), text in zip(stops, texts, strict=True):
                lab = make_text(text, th, size=SIZE_SMALL, colour=th.muted)
                lab.next_to((x + width / 2, top - (1.0 - s) * height, 0), RIGHT, buff=0.08)
                labels.add(lab)
        cap = make_text("size" if self.mode == "linear" else "log scale", th, size=SIZE_SMALL, colour=th.muted)
        # Below the lowest number too, which hangs half its height under the bar.
        cap.next_to(VGroup(bar, labels), DOWN, buff=0.12).align_to(bar, LEFT)
        sign = VGroup()
        if self.has_negative:
            # Sign legend: the bar shows positive values; negative ones use the other hue.
            neg = Square(side_length=0.18, stroke_width=0).set_fill(th.negative, 1.0)
            neg_lab = make_text("< 0", th, size=SIZE_SMALL, colour=th.muted)
            sign = VGroup(neg, neg_lab).arrange(RIGHT, buff=0.08)
            sign.next_to(cap, DOWN, buff=0.1, aligned_edge=LEFT)
        return VGroup(bar, labels, cap, sign)

    # -- animations -----------------------------------------------------------------------
    def make_reveal_animation(self, run_time: float = 1.5) -> Animation:
        """Axes and colour bar fade in; rows appear top to bottom."""
        rows = [FadeIn(row) for row in self.rows]
        return LaggedStart(
            FadeIn(self.axes),
            FadeIn(self.colour_bar),
            *rows,
            lag_ratio=min(0.3, 3.0 / max(1, len(rows))),
            run_time=run_time,
        )

    def column_outline(self, k: int, colour: str) -> Rectangle:
        """An outline around column ``k`` (0-based) of the triangle, from row ``k`` down."""
        # From the cells as they are now, so the heatmap may have been moved since it was built.
        first, last = self.cells[(k, k)].get_center(), self.cells[(self.steps - 1, k)].get_center()
        top, bottom = first[1] + self.pitch / 2, last[1] - self.pitch / 2
        rect = Rectangle(width=self.pitch, height=top - bottom, stroke_width=3.0, color=colour)
        rect.move_to((first[0], (top + bottom) / 2, 0))
        return rect

    def make_column_highlight(self, k: int, colour: str, run_time: float = 0.8) -> tuple[Rectangle, Animation]:
        """The outline of column ``k`` and the animation drawing it (the caller adds it to the scene)."""
        rect = self.column_outline(k, colour)
        return rect, Create(rect, run_time=run_time)


def _ramp(theme: Theme, hue: str, strength: float) -> Any:
    """From the panel colour (strength 0, with a trace of ``hue`` so empty cells still show) to ``hue``."""
    return interpolate_color(ManimColor(theme.panel), ManimColor(hue), 0.1 + 0.9 * strength)
