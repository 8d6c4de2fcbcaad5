"""Use the explainer's components in your own Manim scene.

The project's drawing pieces are ordinary Manim ``VGroup`` s: build a trajectory
with the engine, hand it to the components, and play the animations they return.
Render this file with Manim's own command line::

    manim -ql examples/own_scene.py TinyRNN

(from a checkout, with the project's virtualenv active, or after ``pip install .``).

Two rules keep a component whole on screen: add it to the scene once, before its
first animation, and animate its pieces through its ``make_*_animation`` methods
(never ``FadeOut`` a piece of a component). See ``scenes/components/__init__.py``.
"""

from __future__ import annotations

from manim import UP, FadeIn, FadeOut, MovingCameraScene

from rnn_engine import RNNParams, generate, run
from scenes.components import ActivationInset, EquationLine, FormulaCache, StateChart, UnrolledChain
from scenes.theme import get_theme


class TinyRNN(MovingCameraScene):
    """Four steps of a tanh RNN on a sine wave: chain, equation, activation curve, chart."""

    def construct(self) -> None:
        theme = get_theme("dark")
        self.camera.background_color = theme.background
        # Every number on screen comes from the engine: h_t = tanh(0.5 x_t + 0.8 h_(t-1) + 0.1).
        trajectory = run(generate("sine", 4), RNNParams.from_values(0.5, 0.8, 0.1, 0.0, "tanh"))
        precision = 2
        cache = FormulaCache(theme)  # Typst formulas are compiled once and copied

        chain = UnrolledChain(trajectory, theme, precision, top=3.6, width=12.0)
        equation = EquationLine(trajectory, theme, precision, cache, max_width=12.4)
        inset = ActivationInset(trajectory, theme, precision, cache, width=4.3, height=2.6)
        chart = StateChart(trajectory, theme, precision, width=7.8, height=2.6)
        inset.move_to((-4.25, -2.45, 0))
        chart.move_to((2.2, -2.45, 0))

        self.add(chain)
        self.play(chain.make_inputs_animation())
        self.play(chain.make_build_animation(), FadeIn(inset), FadeIn(chart))
        shown = None
        for t in range(trajectory.steps):
            lines = equation.for_step(t).move_to((0, -0.35, 0))
            self.play(
                chain.make_flow_animation(t),
                *([FadeOut(shown)] if shown is not None else []),
                FadeIn(lines, shift=0.1 * UP),
            )
            self.play(chain.make_fill_animation(t), inset.make_point_animation(t), chart.make_grow_animation(t))
            shown = lines
        self.wait(1.0)
