"""``scene: gradients`` with a gated cell: the gradient along the memory line, one keep gate at a time.

In the plain RNN each step back multiplies the gradient by ``W_h f'(z)``, and a slope
below 1 makes the product vanish. A gated cell has a path on which each step back
multiplies by the *keep gate* alone (LSTM: ``dc_t/dc_(t-1) = f_t`` along the cell state;
GRU: ``u_t`` along h's direct path): the engine's ``carousel``. A keep gate near 1 keeps
the product alive. The storyboard is the plain scene's (:class:`scenes.gradients.GradientsScene`):

1. ``intro``: the product rule along the memory line; the bar at ``t = T`` (1).
2. ``back_(T-1)`` ... ``back_01``: the equation with this step's keep gate, the factor
   between the bars, the new bar.
3. ``closing``: what reaches step 1 along that path, and through every path.

Number keys: ``("carousel", t, 0)`` = the product of the keep gate over steps t+2..T
(0-based t); ``("gate", keep, t, 0)`` = the keep gate at step t.
"""

from __future__ import annotations

from typing import Any

from rnn_engine import GatedTrajectory
from rnn_engine.formatting import format_number
from scenes.components.equation import typst_value
from scenes.components.gated_cell import gate_colour
from scenes.components.log_bars import LogBars
from scenes.components.text import FormulaCache, fit_width, subscript, typst_coloured
from scenes.gradients import BARS_BOTTOM, BARS_TOP, CONTENT_WIDTH, GradientsScene
from scenes.inputs import SceneSpec
from scenes.layout import FRAME_HALF_W, MARGIN_X, RULE_Y, HeaderRow

__all__ = ["GatedGradientsScene"]

_col = typst_coloured


class GatedGradientsScene(GradientsScene):
    """The product of the keep gate from the last step back to the first (see the module docstring)."""

    def __init__(self, spec: SceneSpec, **kwargs: Any) -> None:
        super(GradientsScene, self).__init__(spec, **kwargs)
        self.run = self.runs[0]
        traj = self.run.trajectory
        assert isinstance(traj, GatedTrajectory)
        self.trajectory = traj
        self.steps = traj.steps
        ct = traj.params.cell_type
        self.keep = ct.keep_gate or ""
        self.keep_symbol = ct.gate(self.keep).symbol
        self.state = "c" if ct.has_cell_state else "h"
        self.grad = traj.carousel[:, 0]
        self.factors = traj.gates[self.keep][:, 0]

    def _build(self) -> None:
        th, pr, T = self.theme, self.precision, self.steps
        self.cache = FormulaCache(th)
        self.header = HeaderRow(th)
        self.title_mob = self.header.title(self.spec.title)
        self.context = self.header.context(f"{self.run.sequence_label}  ·  {T} steps")
        s, g = self.state, self.keep_symbol
        path = "along the cell state" if s == "c" else "along the direct path"
        rule = (
            f"{_col(f'partial {s}_T slash partial {s}_t', th.memory)} = scripts(product)_(s = t+1)^T "
            f'{_col(f"{g}_s", gate_colour(th, self.keep))} #h(1.5em) "{path}"'
        )
        self.rule = self.cache.get(rule, size=28, shown_text=f"d{s}_T/d{s}_t = prod {g}_s ({path})")
        fit_width(self.rule, CONTENT_WIDTH)
        self.rule.move_to((0, RULE_Y, 0))
        left, right = -FRAME_HALF_W + MARGIN_X, FRAME_HALF_W - MARGIN_X
        self.bars = LogBars(
            self.grad,
            th,
            pr,
            box=(left, right, BARS_BOTTOM, BARS_TOP),
            colour=th.memory,
            key=lambda t: ("carousel", t, 0),
            title=f"|∂{s}{subscript(T)}/∂{s}ₜ| along the {'cell state' if s == 'c' else 'direct path'}, log scale",
            factors=self.factors,
            factor_key=lambda t: ("gate", self.keep, t, 0),
            always_label=(0, T - 1),
        )

    def _equation(self, t: int) -> Any:
        """``dc_T/dc_k = dc_T/dc_(k+1) · f_(k+1) = G · f = G'`` for 0-based step ``t``."""
        th, pr, T = self.theme, self.precision, self.steps
        s, g = self.state, self.keep_symbol
        k = t + 1
        v = lambda x: typst_value(x, pr, parens_if_negative=True)
        if t == T - 1:
            src = f"{_col(f'partial {s}_({T}) slash partial {s}_({T})', th.memory)} = 1"
            return self.cache.get(src, size=30, shown_text=f"d{s}_{T}/d{s}_{T} = 1")
        colour = gate_colour(th, self.keep)
        src = (
            f"{_col(f'partial {s}_({T}) slash partial {s}_({k})', th.memory)} = "
            f"partial {s}_({T}) slash partial {s}_({k + 1}) dot {_col(f'{g}_({k + 1})', colour)} = "
            f"{v(self.grad[t + 1])} dot {_col(v(self.factors[t + 1]), colour)} = "
            f"{_col(typst_value(self.grad[t], pr), th.memory)}"
        )
        numbers = [
            (("carousel", t + 1, 0), format_number(self.grad[t + 1], pr)),
            (("gate", self.keep, t + 1, 0), format_number(self.factors[t + 1], pr)),
            (("carousel", t, 0), format_number(self.grad[t], pr)),
        ]
        mob = self.cache.get(src, size=30, numbers=numbers, shown_text=f"d{s}_{T}/d{s}_{k} = ...")
        return fit_width(mob, CONTENT_WIDTH)
