"""Reusable drawing pieces; each builds itself in ``__init__`` and returns animations
from ``make_*_animation`` methods without playing them (the scene orchestrates).

==========================  ===========================================================
module                      what it draws
==========================  ===========================================================
``text``                    labels, numbers, symbols, cached Typst formulas, size constants
``frame``                   :func:`panel_frame`: the rounded panel behind insets and charts
``cell``                    :class:`Cell`: one RNN cell showing h_t (a column for H > 1)
``chain``                   :class:`UnrolledChain`: h0, cells, input boxes, arrows, sliding window
``equation``                :class:`EquationLine`: the update rule with numbers substituted
``activation_inset``        :class:`ActivationInset`: graph of f with the operating point(s)
``state_chart``             :class:`StateChart`: h_t over time (x_t faint), one line per unit
``legend``                  :class:`Legend`: colour swatches with names
``title_card``              :class:`TitleCard`: title, formula with labelled symbols, parameters
``panel``                   :class:`RunPanel`: one run of a comparison (heading, strip, inset, readout)
``overlay_chart``           :class:`OverlayChart`: several runs' h_t on one chart, with badges' anchors
``callouts``                :class:`Badge`, :class:`CalloutList`, wrapped sentences
``step_bars``               :class:`StepBars`: one bar per step (e.g. the gap between two runs)
``log_bars``                :class:`LogBars`: bars on a log scale (the BPTT product), with factors
``heatmap``                 :class:`SensitivityHeatmap`: the matrix dh_t/dx_k with a colour scale
==========================  ===========================================================

All take the :class:`scenes.theme.Theme` and the display precision explicitly; none
reads a global theme or does RNN math (numbers come from a ``Trajectory``).

Rules that keep a component whole on screen (Manim 0.22 behaviour):

- Add the component to the scene once; new pieces are added to the component first
  and then animated with an introducer (``FadeIn``, ``Create``, ``Write``).
- Never wrap pieces that are already inside a component in a new ``VGroup`` for an
  animation, and give every ``AnimationGroup``/``LaggedStart`` of pieces
  ``group=<the component>``: Manim adds an animation's (group) mobject to the scene,
  which pulls the pieces out of the component and breaks its draw order.
- Temporary glows or dots must be introducers/removers at top level (see
  ``chain._Flash``); never ``FadeOut`` a piece of a component (it splits the component).
- Components keep their trajectory in :class:`~scenes.components.text.Shared` so that
  animation copies stay cheap; labels come from :mod:`~scenes.components.text`
  (cached Text, ``shown_text``/``shown_numbers`` for :mod:`scenes.testing`).
"""

from scenes.components.activation_inset import ActivationInset
from scenes.components.callouts import Badge, CalloutList, pretty, sentence, wrapped_text
from scenes.components.cell import Cell
from scenes.components.chain import UnrolledChain
from scenes.components.equation import EquationLine
from scenes.components.frame import panel_frame
from scenes.components.heatmap import SensitivityHeatmap
from scenes.components.legend import Legend
from scenes.components.log_bars import LogBars
from scenes.components.overlay_chart import ChartSeries, OverlayChart
from scenes.components.panel import RunPanel
from scenes.components.state_chart import StateChart
from scenes.components.step_bars import StepBars
from scenes.components.text import FormulaCache, LabelGroup, fit_width, make_number, make_symbol, make_text
from scenes.components.title_card import TitleCard

__all__ = [
    "ActivationInset",
    "Badge",
    "CalloutList",
    "Cell",
    "ChartSeries",
    "EquationLine",
    "FormulaCache",
    "LabelGroup",
    "Legend",
    "LogBars",
    "OverlayChart",
    "RunPanel",
    "SensitivityHeatmap",
    "StateChart",
    "StepBars",
    "TitleCard",
    "UnrolledChain",
    "fit_width",
    "make_number",
    "make_symbol",
    "make_text",
    "panel_frame",
    "pretty",
    "sentence",
    "wrapped_text",
]
