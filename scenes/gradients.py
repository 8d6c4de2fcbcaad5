"""``scene: gradients`` -- backpropagation through time, one factor at a time.

The gradient of the last state with respect to an earlier one is a product of one
factor per step: ``dh_T/dh_t = prod_(s = t+1..T) W_h f'(z_s)``. Going back from the
last step, each section multiplies by one more factor (the engine's
``backward_factors``) and a new bar shows the running product (``grad_to_last``)
on a log scale: shrinking with sigmoid (``f' <= 0.25``), exploding with ReLU and
``W_h > 1``, steadier with tanh near 0.

Storyboard:

1. ``intro``: the product rule with this run's ``W_h`` and ``f``; the empty bar chart
   with the bar at ``t = T`` (always 1).
2. ``back_T-1`` ... ``back_01`` (titled ``t = k``): the equation line with this step's
   numbers, the factor written between the bars, the new bar.
3. ``closing``: the measured ratio ``dh_T/dh_1`` in the engine's words.

Number keys: ``("grad_to_last", t, 0, 0)`` = ``dh_T/dh_t``; ``("backward_factor", t, 0, 0)``
= ``W_h f'(z_t)``; ``("dh", t, 0)`` = ``f'(z_t)``; ``("w_h", 0, 0)``.
"""

from __future__ import annotations

from typing import Any

from manim import UP, FadeIn, FadeOut
from manim.animation.animation import Animation

from rnn_engine.activations import get_activation
from rnn_engine.formatting import format_number
from scenes.base import ExplainerScene
from scenes.components.callouts import pretty, sentence, wrapped_text
from scenes.components.equation import typst_value
from scenes.components.log_bars import LogBars
from scenes.components.text import SIZE_BODY, FormulaCache, fit_width, subscript, typst_coloured
from scenes.inputs import SceneSpec
from scenes.layout import AREA_BOTTOM, FRAME_HALF_W, MARGIN_X, RULE_Y, HeaderRow

__all__ = ["GradientsScene"]

BARS_TOP = 2.62
BARS_BOTTOM = -2.1
EQUATION_Y = -2.75
CONTENT_WIDTH = 2 * (FRAME_HALF_W - MARGIN_X)
_col = typst_coloured


class GradientsScene(ExplainerScene):
    """``scene: gradients``: the BPTT product for one run, from the last step back to the first."""

    scene_kind = "gradients"

    def __init__(self, spec: SceneSpec, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        # The loader guarantees one scalar run of at least 2 steps (the scene registry's limits).
        self.run = self.runs[0]
        self.trajectory = self.run.trajectory
        self.steps = self.trajectory.steps
        self.grad = self.trajectory.grad_to_last[:, 0, 0]
        self.factors = self.trajectory.backward_factors[:, 0, 0]
        self.slopes = self.trajectory.dh[:, 0]
        self.w_h = float(self.trajectory.params.w_h[0, 0])

    # -- layout --------------------------------------------------------------------
    def _build(self) -> None:
        th, pr, T = self.theme, self.precision, self.steps
        self.cache = FormulaCache(th)
        self.header = HeaderRow(th)
        self.title_mob = self.header.title(self.spec.title)
        self.context = self.header.context(f"{self.run.sequence_label}  ·  {T} steps")
        act = get_activation(self.trajectory.activation)
        rule = (
            f"{_col('partial h_T slash partial h_t', th.memory)} = scripts(product)_(s = t+1)^T "
            f"{_col('W_h', th.memory)} {_col(f'{act.typst}' + chr(39) + '(z_s)', th.activation)}"
            f" #h(2em) {_col(f'W_h = {typst_value(self.w_h, pr)}', th.memory)}"
        )
        self.rule = self.cache.get(
            rule,
            size=28,
            numbers=[(("w_h", 0, 0), format_number(self.w_h, pr))],
            shown_text="dh_T/dh_t = prod W_h f'(z_s)",
        )
        fit_width(self.rule, CONTENT_WIDTH)
        self.rule.move_to((0, RULE_Y, 0))
        left, right = -FRAME_HALF_W + MARGIN_X, FRAME_HALF_W - MARGIN_X
        self.bars = LogBars(
            self.grad,
            th,
            pr,
            box=(left, right, BARS_BOTTOM, BARS_TOP),
            colour=th.memory,
            key=lambda t: ("grad_to_last", t, 0, 0),
            title=f"|∂h{subscript(T)}/∂hₜ|, log scale",
            factors=self.factors,
            factor_key=lambda t: ("backward_factor", t, 0, 0),
            always_label=(0, T - 1),
        )

    def _equation(self, t: int) -> Any:
        """``dh_T/dh_k = dh_T/dh_(k+1) · W_h f'(z_(k+1)) = G · w · f' = G'`` for 0-based step ``t``."""
        th, pr, T = self.theme, self.precision, self.steps
        k = t + 1
        f = get_activation(self.trajectory.activation).typst
        v = lambda x: typst_value(x, pr, parens_if_negative=True)
        if t == T - 1:
            src = f"{_col(f'partial h_({T}) slash partial h_({T})', th.memory)} = 1"
            return self.cache.get(src, size=30, shown_text=f"dh_{T}/dh_{T} = 1")
        src = (
            f"{_col(f'partial h_({T}) slash partial h_({k})', th.memory)} = "
            f"partial h_({T}) slash partial h_({k + 1}) dot "
            f"{_col('W_h', th.memory)} {_col(f'{f}' + chr(39) + f'(z_({k + 1}))', th.activation)} = "
            f"{v(self.grad[t + 1])} dot {_col(v(self.w_h), th.memory)} dot {_col(v(self.slopes[t + 1]), th.activation)}"
            f" = {_col(typst_value(self.grad[t], pr), th.memory)}"
        )
        numbers = [
            (("grad_to_last", t + 1, 0, 0), format_number(self.grad[t + 1], pr)),
            (("w_h", 0, 0), format_number(self.w_h, pr)),
            (("dh", t + 1, 0), format_number(self.slopes[t + 1], pr)),
            (("grad_to_last", t, 0, 0), format_number(self.grad[t], pr)),
        ]
        mob = self.cache.get(src, size=30, numbers=numbers, shown_text=f"dh_{T}/dh_{k} = ...")
        return fit_width(mob, CONTENT_WIDTH)

    # -- storyboard ----------------------------------------------------------------------
    def construct(self) -> None:
        self._build()
        self._intro()
        for t in range(self.steps - 2, -1, -1):
            self._step(t)
        self._closing()

    def _intro(self) -> None:
        T = self.steps
        self.start_section("intro")
        self.play(FadeIn(self.title_mob), FadeIn(self.context), run_time=0.6)
        self.play(FadeIn(self.rule, shift=0.1 * UP), run_time=0.8)
        self.play(FadeIn(self.bars), run_time=0.8)
        self.equation = self._equation(T - 1).move_to((0, EQUATION_Y, 0))
        self.play(self.bars.make_bar_animation(T - 1), FadeIn(self.equation), run_time=0.8)
        self.wait(1.0)

    def _step(self, t: int) -> None:
        k = t + 1
        # Steps are counted from the end: the first step back is paced like step 1.
        budget = self.seconds_for_step(self.steps - 1 - t)
        self.start_section(f"back_{k:02d}", f"t = {k}")
        # The first step label takes the place of the context line.
        anims: list[Animation] = self.header.swap_right(f"back to t = {k}")
        eq = self._equation(t).move_to((0, EQUATION_Y, 0))
        anims += [FadeOut(self.equation), FadeIn(eq)]
        self.equation = eq
        self.play(*anims, self.bars.make_factor_animation(t + 1), run_time=0.45 * budget)
        self.play(self.bars.make_bar_animation(t), run_time=0.35 * budget)
        if t == 0:
            self.thumbnail_time = float(self.renderer.time)
        self.wait(0.2 * budget)

    def _closing(self) -> None:
        lines = self.spec.script.screen.get("closing", ())
        if self.spec.script.passage_of("closing") is None:
            self.wait(1.0)
            return
        self.start_section("closing")
        text = " ".join(sentence(t) for t in lines)
        block = wrapped_text(pretty(text), self.theme, width=CONTENT_WIDTH, size=SIZE_BODY)
        block.move_to((0, (BARS_BOTTOM + AREA_BOTTOM) / 2, 0))
        self.play(
            FadeOut(self.equation), *self.header.swap_right("in short"), FadeIn(block, shift=0.1 * UP), run_time=0.8
        )
        self.wait(1.0)
