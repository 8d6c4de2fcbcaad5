"""The update rule with the step's numbers substituted (what is said about it is ``explainer.words``).

Scalar runs (``H = D = 1``) get two lines::

    z_3 = 0.50 · 2.00 + 0.80 · 0.46 + 0.10 = 1.47
    h_3 = tanh(1.47) = 0.90

Vector runs switch to matrix form, the two lines side by side::

    z_3 = (W_x) x_3 + (W_h) (h_2 as a column) + (b as a column) = (z_3 as a column)    h_3 = tanh(z_3) = (h_3)

with ``W_x`` and ``W_h`` written out as numbers when both lines then fit at 85 % size
or more (in practice H <= 4 with one or two inputs), and as the symbols ``W_x``,
``W_h`` otherwise (they are constant, and shown on the title card).

Colours follow the concepts: input terms ``theme.input``, memory ``theme.memory``,
bias ``theme.bias``, pre-activation and ``f`` ``theme.activation``. Every number
comes from the trajectory and is written with ``format_number`` (scientific
numbers as ``1.34 × 10^154``); the returned mobjects carry ``shown_numbers``.

API::

    eq = EquationLine(trajectory, theme, precision, cache)
    eq.symbolic()          # the general rule, coloured (built once)
    eq.for_step(t)         # VGroup(z_line, h_line) for 0-based step t, centred at the origin
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
from manim import DOWN, LEFT, RIGHT, VGroup

from rnn_engine.activations import get_activation
from rnn_engine.formatting import format_number
from scenes.components.text import SIZE_FORMULA, FormulaCache, fit_width, typst_coloured
from scenes.theme import Theme

__all__ = ["EquationLine", "typst_matrix", "typst_value", "typst_vector"]

_NONFINITE = ("overflow", "-overflow", "NaN")
#: Vector lines write W_x and W_h out as numbers only if both lines then fit side by side
#: at this scale or larger (4 x 4 input and hidden matrices with signs do not: symbols).
_MIN_NUMERIC_SCALE = 0.85
#: Space between the z line and the h line when they sit side by side.
_PAIR_GAP = 0.8


def typst_value(value: float, precision: int, *, parens_if_negative: bool = False) -> str:
    """A number as Typst math: ``0.46``, ``(-0.46)``, ``1.34 times 10^(154)``, ``"overflow"``."""
    text = format_number(value, precision)
    if text in _NONFINITE:
        body = f'"{text}"'
    elif "e" in text:
        mantissa, exponent = text.split("e")
        body = f"{mantissa} times 10^({exponent})"
    else:
        body = text
    if parens_if_negative and text.startswith("-"):
        body = f"({body})"
    return body


def typst_vector(values: Sequence[float], precision: int) -> str:
    """A column vector of numbers in Typst math (``vec(0.46, -0.12)``), even for one entry."""
    return "vec(" + ", ".join(typst_value(v, precision) for v in values) + ")"


def typst_matrix(values: Any, precision: int) -> str:
    """A matrix of numbers in Typst math (``mat(0.5, 0.1; 0.2, 0.4)``), even for one row."""
    rows = np.atleast_2d(np.asarray(values, dtype=float))
    return "mat(" + "; ".join(", ".join(typst_value(v, precision) for v in row) for row in rows) + ")"


class EquationLine:
    """Builds the per-step equation lines of one trajectory.

    Parameters
    ----------
    trajectory
        The engine run.
    theme, precision
        Look and decimals.
    cache
        Shared Typst cache (the symbolic rule is built once).
    size
        Typst font size.
    max_width
        Lines are shrunk (never below 80 %) to fit this width.
    """

    def __init__(
        self,
        trajectory: Any,
        theme: Theme,
        precision: int,
        cache: FormulaCache,
        *,
        size: float = SIZE_FORMULA,
        max_width: float = 12.4,
    ) -> None:
        self.trajectory = trajectory
        self.theme = theme
        self.precision = precision
        self.cache = cache
        self.size = size
        self.max_width = max_width
        self.vector = not trajectory.is_scalar
        self.f = get_activation(trajectory.activation).typst

    # -- sources --------------------------------------------------------------
    def symbolic_source(self) -> str:
        th = self.theme
        return (
            f"{typst_coloured('z_t', th.activation)} = {typst_coloured('W_x x_t', th.input)} + "
            f"{typst_coloured('W_h h_(t-1)', th.memory)} + {typst_coloured('b', th.bias)}"
            f"#h(2em) h_t = {typst_coloured(self.f, th.activation)}({typst_coloured('z_t', th.activation)})"
        )

    def symbolic(self) -> Any:
        """The general rule ``z_t = W_x x_t + W_h h_(t-1) + b``, ``h_t = f(z_t)``, coloured."""
        return self.cache.get(self.symbolic_source(), size=self.size, shown_text="z_t = W_x x_t + W_h h_(t-1) + b")

    def sources(
        self, t: int, *, numeric_weights: bool = True
    ) -> tuple[str, list[tuple[tuple[Any, ...], str]], str, list[tuple[tuple[Any, ...], str]]]:
        """Typst sources of the two lines of step ``t`` and the numbers each shows.

        Vector runs write ``W_x`` and ``W_h`` out as numbers when ``numeric_weights``,
        else as symbols.
        """
        th, pr, traj = self.theme, self.precision, self.trajectory
        p = traj.params
        k = t + 1
        H, D = traj.hidden_size, traj.input_size
        fmt = lambda v: format_number(v, pr)
        x, hp, z, h = traj.x[t], traj.h_prev(t), traj.z[t], traj.h[t]
        prev_key = ("h", t - 1) if t > 0 else ("h0",)
        z_nums: list[tuple[tuple[Any, ...], str]] = []
        if not self.vector:
            wx, wh, b = p.w_x[0, 0], p.w_h[0, 0], p.b[0]
            tv = lambda v, par=True: typst_value(v, pr, parens_if_negative=par)
            z_src = (
                f"{typst_coloured(f'z_({k})', th.activation)} = "
                f"{typst_coloured(f'{tv(wx, False)} dot {tv(x[0])}', th.input)} + "
                f"{typst_coloured(f'{tv(wh)} dot {tv(hp[0])}', th.memory)} + "
                f"{typst_coloured(tv(b), th.bias)} = {typst_coloured(tv(z[0], False), th.activation)}"
            )
            z_nums = [
                (("w_x", 0, 0), fmt(wx)),
                (("x", t, 0), fmt(x[0])),
                (("w_h", 0, 0), fmt(wh)),
                ((*prev_key, 0), fmt(hp[0])),
                (("b", 0), fmt(b)),
                (("z", t, 0), fmt(z[0])),
            ]
            h_src = (
                f"{typst_coloured(f'h_({k})', th.memory)} = {typst_coloured(self.f, th.activation)}"
                f"({typst_coloured(tv(z[0], False), th.activation)}) = {typst_coloured(tv(h[0], False), th.memory)}"
            )
            h_nums = [(("z", t, 0), fmt(z[0])), (("h", t, 0), fmt(h[0]))]
            return z_src, z_nums, h_src, h_nums
        x_part = typst_vector(x, pr) if D > 1 else "dot " + typst_value(x[0], pr, parens_if_negative=True)
        w_x, w_h = (typst_matrix(p.w_x, pr), typst_matrix(p.w_h, pr)) if numeric_weights else ("W_x", "W_h")
        z_src = (
            f"{typst_coloured(f'z_({k})', th.activation)} = "
            f"{typst_coloured(f'{w_x} {x_part}', th.input)} + "
            f"{typst_coloured(f'{w_h} {typst_vector(hp, pr)}', th.memory)} + "
            f"{typst_coloured(typst_vector(p.b, pr), th.bias)} = {typst_coloured(typst_vector(z, pr), th.activation)}"
        )
        z_nums = []
        if numeric_weights:
            z_nums += [(("w_x", i, d), fmt(p.w_x[i, d])) for i in range(H) for d in range(D)]
        z_nums += [(("x", t, d), fmt(x[d])) for d in range(D)]
        if numeric_weights:
            z_nums += [(("w_h", i, j), fmt(p.w_h[i, j])) for i in range(H) for j in range(H)]
        z_nums += [((*prev_key, i), fmt(hp[i])) for i in range(H)]
        z_nums += [(("b", i), fmt(p.b[i])) for i in range(H)]
        z_nums += [(("z", t, i), fmt(z[i])) for i in range(H)]
        h_src = (
            f"{typst_coloured(f'h_({k})', th.memory)} = {typst_coloured(self.f, th.activation)}"
            f"({typst_coloured(f'z_({k})', th.activation)}) = {typst_coloured(typst_vector(h, pr), th.memory)}"
        )
        h_nums = [(("h", t, i), fmt(h[i])) for i in range(H)]
        return z_src, z_nums, h_src, h_nums

    # -- mobjects -------------------------------------------------------------
    def _lines(self, t: int, *, numeric_weights: bool) -> tuple[Any, Any]:
        z_src, z_nums, h_src, h_nums = self.sources(t, numeric_weights=numeric_weights)
        z_line = self.cache.get(z_src, size=self.size, numbers=z_nums, shown_text=f"z_{t + 1} = ...")
        h_line = self.cache.get(h_src, size=self.size, numbers=h_nums, shown_text=f"h_{t + 1} = ...")
        return z_line, h_line

    @cached_property
    def _layout(self) -> tuple[bool, bool]:
        """``(numeric_weights, side_by_side)``, one choice for every step of the clip.

        Vector lines write ``W_x`` and ``W_h`` out as numbers if, at every step, both lines
        then fit side by side at 85 % size or more; else as symbols, side by side if that
        fits at every step, stacked otherwise. Every step's lines are built here; the
        render needs them all anyway, and the cache keeps them.
        """
        if not self.vector:
            return True, False

        def fits(numeric: bool, limit: float) -> bool:
            # Longest sources first: a step that does not fit usually shows up at once.
            order = sorted(range(self.trajectory.steps), key=lambda t: -sum(map(len, self.sources(t)[::2])))
            return all(self._pair_width(t, numeric) <= limit for t in order)

        if fits(True, self.max_width / _MIN_NUMERIC_SCALE):
            return True, True
        return False, fits(False, self.max_width)

    @property
    def numeric_weights(self) -> bool:
        """Whether vector lines write ``W_x`` and ``W_h`` out as numbers (see :attr:`_layout`)."""
        return self._layout[0]

    def _pair_width(self, t: int, numeric: bool) -> float:
        z_line, h_line = self._lines(t, numeric_weights=numeric)
        return float(z_line.width + h_line.width + _PAIR_GAP)

    def band_height(self) -> float:
        """Height every step's lines fit in (before any shrinking to the width)."""
        return max(float(self.for_step(t, fit=False).height) for t in range(self.trajectory.steps))

    def for_step(self, t: int, *, fit: bool = True) -> VGroup:
        """``VGroup(z_line, h_line)`` for step ``t``, centred at the origin.

        Scalar lines are stacked; vector lines as :attr:`_layout` decided for the clip.
        With ``fit`` (the default) the group is shrunk to ``max_width`` if wider.
        """
        numeric, side_by_side = self._layout
        z_line, h_line = self._lines(t, numeric_weights=numeric)
        group = VGroup(z_line, h_line)
        if side_by_side:
            group.arrange(RIGHT, buff=_PAIR_GAP)
        else:
            group.arrange(DOWN, aligned_edge=LEFT, buff=0.28)
        group.move_to(np.zeros(3))
        if fit:
            fit_width(group, self.max_width)
        return group
