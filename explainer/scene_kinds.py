"""The scene kinds a config can ask for (``scene:``), one registry entry each.

An entry says everything the rest of the project needs to know about a scene:

- which Manim class draws it (imported only when a clip is rendered, so loading a
  config never imports Manim);
- what it can draw legibly (:class:`SceneLimits`), checked when a config is loaded,
  before any rendering, with the usual one-line error pointing at the field;
- its default title;
- whether it takes a ``compare`` section, and which fields that may vary;
- how its runs are built (:class:`RunLayout`; the builders are in :mod:`explainer.runs`).

Adding a scene is one more entry here (plus its class in ``scenes/``).
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "COMPARE_FIELDS",
    "GatedVariant",
    "SCENE_KINDS",
    "SCENE_NAMES",
    "WEIGHT_FIELDS",
    "RunLayout",
    "SceneKind",
    "SceneLimits",
    "get_scene_kind",
]

#: Fields a ``compare`` section may vary (scene ``compare``), and what each varies, in words.
COMPARE_FIELDS: dict[str, str] = {
    "rnn.activation": "activations",
    "rnn.cell": "cells",
    "rnn.w_x": "input weights W_x",
    "rnn.w_h": "recurrent weights W_h",
    "rnn.b": "biases",
    "rnn.h0": "initial states",
    "sequence.kind": "input sequences",
    "sequence.normalize": "normalisations",
}
#: Fields the ``weights`` scene may vary, and the weight each is, in words.
WEIGHT_FIELDS: dict[str, str] = {
    "rnn.w_x": "the input weight W_x",
    "rnn.w_h": "the recurrent weight W_h",
    "rnn.b": "the bias b",
    "rnn.h0": "the initial state h_0",
}


@dataclass(frozen=True)
class SceneLimits:
    """The largest config a scene draws legibly (the schema accepts more; ``trace`` computes it)."""

    max_steps: int
    max_hidden: int
    max_input: int
    why_steps: str
    min_steps: int = 1
    why_min_steps: str = ""


class RunLayout(enum.Enum):
    """How a scene's runs are made from its config (see :mod:`explainer.runs`)."""

    #: One run of the config as written.
    SINGLE = "single"
    #: One run per ``compare.values`` entry, substituted at ``compare.field``.
    PANELS = "panels"
    #: The config as written, then again with one input changed (``memory``).
    PERTURBED = "perturbed"


def _article(word: str) -> str:
    from explainer.words.forms import article  # the words' one rule for a / an

    return article(word)


def _remembers_title(cell: str) -> str:
    return f"How {_article(cell)} {cell} remembers"


@dataclass(frozen=True)
class GatedVariant:
    """How a scene draws the gated cells (``rnn.cell: lstm | gru``): its own class and words."""

    scene_class: str
    words: str
    #: The default title, given the cell's display name (``LSTM``).
    title: Callable[[str], str] = lambda cell: _remembers_title(cell)


@dataclass(frozen=True)
class SceneKind:
    """One scene kind (see the module docstring).

    Attributes
    ----------
    name
        The config's ``scene:`` value.
    scene_class
        ``"module:ClassName"`` of the Manim scene.
    limits
        What the scene draws legibly.
    runs
        How its runs are built.
    title
        Its default title, given the varied field (``None`` without a compare section).
    words
        ``"module:function"`` of its script builder (what is said over each section).
    compare_fields
        Fields its ``compare`` section may vary; empty when it takes none.
    needs_compare
        Whether a ``compare`` section is required.
    default_compare
        The ``compare`` section used when the config gives none (``None``: no default).
    gated
        The class and words for a gated cell (LSTM, GRU), or ``None`` when the scene draws
        the plain RNN only (a config asking it for a gated cell is refused at ``rnn.cell``).
    """

    name: str
    scene_class: str
    limits: SceneLimits
    runs: RunLayout
    title: Callable[[str | None], str]
    words: str
    compare_fields: tuple[str, ...] = ()
    needs_compare: bool = False
    default_compare: dict[str, Any] | None = None
    gated: GatedVariant | None = None

    def draws(self, cell: str) -> bool:
        """Whether this scene draws cell type ``cell`` (``rnn`` always)."""
        return cell == "rnn" or self.gated is not None

    def class_path(self, cell: str = "rnn") -> str:
        """``"module:ClassName"`` of the scene that draws ``cell``."""
        return self.gated.scene_class if cell != "rnn" and self.gated is not None else self.scene_class

    def words_for(self, cell: str = "rnn") -> str:
        """``"module:function"`` of the script builder for ``cell``."""
        return self.gated.words if cell != "rnn" and self.gated is not None else self.words

    def load_class(self, cell: str = "rnn") -> type[Any]:
        """Import and return the scene class that draws ``cell`` (this imports Manim)."""
        module_name, class_name = self.class_path(cell).split(":")
        cls: type[Any] = getattr(importlib.import_module(module_name), class_name)
        return cls


def _compare_title(field: str | None) -> str:
    if field in (None, "rnn.activation"):
        return "Same input, different activations"
    if field == "rnn.cell":
        return "RNN, LSTM, GRU: how far back each remembers"
    return f"Same RNN, different {COMPARE_FIELDS.get(str(field), 'settings')}"


def _weights_title(field: str | None) -> str:
    return f"How {WEIGHT_FIELDS.get(str(field), WEIGHT_FIELDS['rnn.w_h'])} shapes an RNN's memory"


_SIDE_BY_SIDE = "every step is drawn side by side in each panel"

SCENE_KINDS: dict[str, SceneKind] = {
    kind.name: kind
    for kind in (
        SceneKind(
            "unrolled",
            "scenes.unrolled:UnrolledScene",
            # The chain slides a window of cells; beyond this the clip gets long, not illegible.
            SceneLimits(128, 4, 4, "longer clips are better split into several"),
            RunLayout.SINGLE,
            lambda field: "How an RNN remembers",
            "explainer.words.unrolled:script",
            gated=GatedVariant("scenes.gated_unrolled:GatedUnrolledScene", "explainer.words.gated:script"),
        ),
        SceneKind(
            "compare",
            "scenes.compare:CompareScene",
            SceneLimits(32, 1, 1, _SIDE_BY_SIDE),
            RunLayout.PANELS,
            _compare_title,
            "explainer.words.compare:script",
            compare_fields=tuple(COMPARE_FIELDS),
            default_compare={"field": "rnn.activation", "values": ["tanh", "relu", "sigmoid"]},
            gated=GatedVariant("scenes.compare_cells:CellsCompareScene", "explainer.words.compare_cells:script"),
        ),
        SceneKind(
            "weights",
            "scenes.weights:WeightsScene",
            SceneLimits(32, 1, 1, _SIDE_BY_SIDE),
            RunLayout.PANELS,
            _weights_title,
            "explainer.words.compare:weights_script",
            compare_fields=tuple(WEIGHT_FIELDS),
            needs_compare=True,
        ),
        SceneKind(
            "memory",
            "scenes.memory:MemoryScene",
            SceneLimits(32, 1, 1, "the sensitivity matrix shows every pair of steps"),
            RunLayout.PERTURBED,
            lambda field: "How long does an RNN remember?",
            "explainer.words.memory:script",
        ),
        SceneKind(
            "gradients",
            "scenes.gradients:GradientsScene",
            SceneLimits(32, 1, 1, "every step gets a bar on the gradient chart", 2, "to go back through"),
            RunLayout.SINGLE,
            lambda field: "Vanishing and exploding gradients through time",
            "explainer.words.gradients:script",
            gated=GatedVariant(
                "scenes.gated_gradients:GatedGradientsScene",
                "explainer.words.gradients_gated:script",
                lambda cell: f"Gradients through time in {_article(cell)} {cell}",
            ),
        ),
    )
}
SCENE_NAMES: tuple[str, ...] = tuple(SCENE_KINDS)


def get_scene_kind(name: str) -> SceneKind:
    """The registry entry for ``name``; ``KeyError`` (naming the valid ones) otherwise."""
    try:
        return SCENE_KINDS[name]
    except KeyError:
        raise KeyError(f"unknown scene {name!r}; expected one of {', '.join(SCENE_NAMES)}") from None
