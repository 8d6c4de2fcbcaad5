"""Non-negative values per step as bars, lined up under a chart's time axis.

The ``memory`` scene uses it for the gap ``|h_t - h'_t|`` between the original and
the perturbed run: zero before the perturbed step, a jump there, then (usually)
fading. Bars sit at x positions the caller passes (the chart's step columns), so
step ``t`` of the bars is exactly under step ``t`` of the chart.

Value labels sit on top of the bars when the step pitch leaves room for them;
otherwise only the steps the caller names (``always_label``) get one. A
non-finite value draws a full-height bar in the warning colour reading
``overflow`` or ``NaN``.

API::

    bars = StepBars(values, theme, precision, xs=[chart.column_x(t) for t in range(T)],
                    box=(left, right, bottom, top), colour=theme.bias, key=lambda t: ("gap", t, 0))
    bars.make_grow_animation(t)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Hashable, Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, GrowFromEdge, Line, Rectangle, VGroup
from manim.animation.animation import Animation
from manim.animation.composition import AnimationGroup

from scenes.components.frame import panel_frame
from scenes.components.text import SIZE_SMALL, make_number, make_text
from scenes.theme import Theme

__all__ = ["StepBars"]

#: Pitch (scene units) below which not every bar gets its value label.
_LABEL_PITCH = 0.66


class StepBars(VGroup):
    """Bars for ``values[t] >= 0``, one per step.

    Parameters
    ----------
    values
        ``(T,)`` non-negative values (from the engine; inf/nan allowed).
    theme, precision
        Look and decimals.
    xs
        x of each step's bar.
    box
        ``(left, right, bottom, top)`` of the framed panel.
    colour
        Bar colour.
    key
        ``t -> number key`` of step ``t``'s value label.
    title
        Top left of the panel.
    always_label
        Steps whose value label is shown even when labels do not fit everywhere.
    """

    def __init__(
        self,
        values: Sequence[float],
        theme: Theme,
        precision: int,
        *,
        xs: Sequence[float],
        box: tuple[float, float, float, float],
        colour: str,
        key: Callable[[int], tuple[Hashable, ...]] | None = None,
        title: str = "",
        always_label: Collection[int] = (),
    ) -> None:
        super().__init__()
        self.values = np.asarray(values, dtype=float)
        self.theme, self.precision, self.colour, self.key = theme, precision, colour, key
        self.xs = list(xs)
        left, right, bottom, top = box
        self.panel = panel_frame(theme, right - left, top - bottom, ((left + right) / 2, (bottom + top) / 2))
        self.title = make_text(title, theme, size=SIZE_SMALL, colour=theme.muted)
        self.title.next_to(self.panel.get_corner(UP + LEFT), DOWN + RIGHT, buff=0.14)
        self.add(self.panel, self.title)
        self.base_y = bottom + 0.2
        # Room above the tallest bar for its label.
        self.top_y = self.title.get_bottom()[1] - 0.42
        finite = self.values[np.isfinite(self.values)]
        self.vmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        self.baseline = Line(
            (left + 0.25, self.base_y, 0), (right - 0.25, self.base_y, 0), stroke_width=1.5, color=theme.muted
        )
        self.add(self.baseline)
        pitch = abs(self.xs[1] - self.xs[0]) if len(self.xs) > 1 else right - left
        self.bar_width = float(np.clip(0.55 * pitch, 0.06, 0.4))
        self.label_all = pitch >= _LABEL_PITCH
        self.always_label = set(always_label)
        self.bars = VGroup()
        self.labels = VGroup()
        self.add(self.bars, self.labels)

    def bar_top(self, t: int) -> float:
        v = float(self.values[t])
        frac = 1.0 if not math.isfinite(v) else max(0.0, v) / self.vmax
        return self.base_y + frac * (self.top_y - self.base_y)

    def make_grow_animation(self, t: int, run_time: float = 0.5) -> Animation:
        """Bar ``t`` (0-based) grows from the baseline; its label (if any) fades in."""
        v = float(self.values[t])
        finite = math.isfinite(v)
        height = max(self.bar_top(t) - self.base_y, 0.0)
        anims: list[Animation] = []
        if height > 1e-3:
            bar = Rectangle(width=self.bar_width, height=height, stroke_width=0)
            bar.set_fill(self.colour if finite else self.theme.warning, opacity=0.85)
            bar.move_to((self.xs[t], self.base_y + height / 2, 0))
            self.bars.add(bar)
            anims.append(GrowFromEdge(bar, DOWN))
        if self.label_all or t in self.always_label:
            key = self.key(t) if self.key is not None else None
            lab = make_number(
                v,
                self.precision,
                self.theme,
                key=key,
                size=SIZE_SMALL,
                colour=self.colour if finite else self.theme.warning,
            )
            lab.next_to((self.xs[t], self.base_y + height, 0), UP, buff=0.08)
            # Wide labels at the first or last step stay inside the panel.
            inner_left, inner_right = self.panel.get_left()[0] + 0.08, self.panel.get_right()[0] - 0.08
            lab.shift(RIGHT * (max(0.0, inner_left - lab.get_left()[0]) - max(0.0, lab.get_right()[0] - inner_right)))
            clash = any(
                abs(lab.get_x() - o.get_x()) < (lab.width + o.width) / 2 + 0.04
                and abs(lab.get_y() - o.get_y()) < lab.height + 0.04
                for o in self.labels
            )
            if not clash:
                self.labels.add(lab)
                anims.append(FadeIn(lab))
        if not anims:
            return Animation(VGroup(), run_time=run_time)
        return AnimationGroup(*anims, run_time=run_time)
