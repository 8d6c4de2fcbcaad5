"""The opening card: title, the update rule with its parts named, the chosen parameters.

::

        How an RNN remembers
                 activation
                     |
     h_t  =  f( W_x x_t + W_h h_(t-1) + b )
                   |          |         |
                 input      memory     bias

     W_x = 0.50   W_h = 0.80   b = 0.00   h_0 = 0.00   f = tanh

API::

    card = TitleCard(title, trajectory, theme, precision, cache)
    scene.play(card.make_title_animation())
    scene.play(card.make_formula_animation())
    scene.play(card.make_labels_animation())
    scene.play(card.make_parameters_animation())

``card.formula`` is a :class:`manim.MathTypst` whose groups ``act``, ``inp``,
``mem`` and ``bias`` are coloured with the concept colours.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import DOWN, UP, FadeIn, LaggedStart, Line, VGroup, Write
from manim.animation.animation import Animation

from rnn_engine.activations import get_activation
from rnn_engine.formatting import format_number
from scenes.components.equation import typst_matrix, typst_value, typst_vector
from scenes.components.text import SIZE_BODY, SIZE_TITLE, FormulaCache, fit_width, make_text, typst_coloured
from scenes.theme import Theme

__all__ = ["TitleCard", "parameters_source"]

_FORMULA = "h_t = {{ f : act }} ( {{ W_x x_t : inp }} + {{ W_h h_(t-1) : mem }} + {{ b : bias }} )"


def _matrix(a: np.ndarray, precision: int) -> str:
    """A parameter as Typst math: a single number plain, else a vector or a matrix."""
    if a.size == 1:
        return typst_value(a.reshape(-1)[0], precision)
    return typst_vector(a, precision) if a.ndim == 1 else typst_matrix(a, precision)


def parameters_source(trajectory: Any, theme: Theme, precision: int) -> tuple[str, list[tuple[tuple[Any, ...], str]]]:
    """Typst source listing ``W_x``, ``W_h``, ``b``, ``h_0`` and ``f``, and the numbers it shows."""
    p = trajectory.params

    def part(sym: str, body: str, colour: str) -> str:
        return typst_coloured(f"{sym} = {body}", colour)

    src = "#h(1.2em)".join(
        [
            part("W_x", _matrix(p.w_x, precision), theme.input),
            part("W_h", _matrix(p.w_h, precision), theme.memory),
            part("b", _matrix(p.b, precision), theme.bias),
            part("h_0", _matrix(p.h0, precision), theme.memory),
            part("f", get_activation(trajectory.activation).typst, theme.activation),
        ]
    )
    nums: list[tuple[tuple[Any, ...], str]] = []
    for (i, d), v in np.ndenumerate(p.w_x):
        nums.append((("w_x", i, d), format_number(v, precision)))
    for (i, j), v in np.ndenumerate(p.w_h):
        nums.append((("w_h", i, j), format_number(v, precision)))
    nums += [(("b", i), format_number(v, precision)) for i, v in enumerate(p.b)]
    nums += [(("h0", i), format_number(v, precision)) for i, v in enumerate(p.h0)]
    return src, nums


class TitleCard(VGroup):
    """Title, labelled formula and parameter line, centred on the screen.

    Parameters
    ----------
    title
        The config's title.
    trajectory
        The run whose parameters are listed.
    theme, precision
        Look and decimals.
    cache
        Typst cache.
    subtitle
        Optional line under the title (e.g. the sequence description).
    """

    def __init__(
        self,
        title: str,
        trajectory: Any,
        theme: Theme,
        precision: int,
        cache: FormulaCache,
        *,
        subtitle: str | None = None,
    ) -> None:
        super().__init__()
        self.theme = theme
        self.title = make_text(title, theme, size=SIZE_TITLE, bold=True, max_width=12.4)
        self.title.move_to(UP * 2.75)
        self.subtitle = None
        if subtitle:
            self.subtitle = make_text(subtitle, theme, size=SIZE_BODY, colour=theme.muted, max_width=12.0)
            self.subtitle.next_to(self.title, DOWN, buff=0.25)
        self.formula = cache.get(_FORMULA, size=54, shown_text="h_t = f(W_x x_t + W_h h_(t-1) + b)")
        self.formula.move_to(UP * 0.45)
        colours = {"act": theme.activation, "inp": theme.input, "mem": theme.memory, "bias": theme.bias}
        for group, colour in colours.items():
            self.formula.select(group).set_color(colour)

        names = {
            "act": ("activation", UP),
            "inp": ("input", DOWN),
            "mem": ("memory", DOWN),
            "bias": ("bias", DOWN),
        }
        self.labels = VGroup()
        for group, (word, side) in names.items():
            target = self.formula.select(group)
            label = make_text(word, theme, size=SIZE_BODY, colour=colours[group])
            label.next_to(target, side, buff=0.55)
            label.set_x(target.get_x())
            edge = target.get_bottom() if side is DOWN else target.get_top()
            near = label.get_top() if side is DOWN else label.get_bottom()
            tick = Line(edge + side * 0.08, near - side * 0.08, stroke_width=2, color=colours[group])
            self.labels.add(VGroup(tick, label))
        src, nums = parameters_source(trajectory, theme, precision)
        self.parameters = cache.get(src, size=34, numbers=nums, shown_text="parameters")
        fit_width(self.parameters, 12.4, 2.1)
        self.parameters.move_to(DOWN * 2.45)
        self.add(self.title, self.formula, self.labels, self.parameters)
        if self.subtitle is not None:
            self.add(self.subtitle)

    def parts(self) -> list[Any]:
        """The card's pieces, each added to the scene by its own animation."""
        return [m for m in (self.title, self.subtitle, self.formula, self.labels, self.parameters) if m is not None]

    def make_title_animation(self, run_time: float = 1.2) -> Animation:
        parts = [Write(self.title, run_time=run_time)]
        if self.subtitle is not None:
            parts.append(FadeIn(self.subtitle, shift=0.1 * DOWN))
        return LaggedStart(*parts, lag_ratio=0.5, run_time=run_time, group=self.title)

    def make_formula_animation(self, run_time: float = 1.2) -> Animation:
        return Write(self.formula, run_time=run_time)

    def make_labels_animation(self, run_time: float = 1.6) -> Animation:
        return LaggedStart(
            *(FadeIn(lab, shift=0.1 * UP) for lab in self.labels), lag_ratio=0.3, run_time=run_time, group=self.labels
        )

    def make_parameters_animation(self, run_time: float = 1.0) -> Animation:
        return FadeIn(self.parameters, shift=0.15 * UP, run_time=run_time)
