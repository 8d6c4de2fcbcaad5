"""Reusable drawing pieces; each builds itself in ``__init__`` and returns animations
from ``make_*_animation`` methods without playing them (the scene orchestrates).

==========================  ===========================================================
module                      what it draws
==========================  ===========================================================
``text``                    labels, numbers, symbols, cached Typst formulas, size constants
``cell``                    :class:`Cell`: one RNN cell showing h_t (a column for H > 1)
``chain``                   :class:`UnrolledChain`: h0, cells, input boxes, arrows, sliding window
``equation``                :class:`EquationLine`: the update rule with numbers substituted
``activation_inset``        :class:`ActivationInset`: graph of f with the operating point(s)
``state_chart``             :class:`StateChart`: h_t over time (x_t faint), one line per unit
``legend``                  :class:`Legend`: colour swatches with names
``title_card``              :class:`TitleCard`: title, formula with labelled symbols, parameters
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
from scenes.components.cell import Cell
from scenes.components.chain import UnrolledChain
from scenes.components.equation import EquationLine
from scenes.components.legend import Legend
from scenes.components.state_chart import StateChart
from scenes.components.text import FormulaCache, LabelGroup, fit_width, make_number, make_symbol, make_text
from scenes.components.title_card import TitleCard

__all__ = [
    "ActivationInset",
    "Cell",
    "EquationLine",
    "FormulaCache",
    "LabelGroup",
    "Legend",
    "StateChart",
    "TitleCard",
    "UnrolledChain",
    "fit_width",
    "make_number",
    "make_symbol",
    "make_text",
]
