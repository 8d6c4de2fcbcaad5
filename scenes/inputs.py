"""What a scene is given: one frozen, typed :class:`SceneSpec` (no Manim here).

A scene never reads a config or does RNN math; it receives everything it shows in
one object, built once from the validated config by :func:`explainer.runs.build_spec`
(tests use the same builder). The engine runs inside it carry every number.

::

    spec = build_spec(load_config("configs/default.yaml"))
    scene = get_scene_kind(spec.scene).load_class(spec.cell)(spec)   # inside manim.tempconfig({...})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rnn_engine import GatedTrajectory, Trajectory
from scenes.script import Script

__all__ = ["Pacing", "Perturbation", "Run", "SceneSpec"]


@dataclass(frozen=True)
class Pacing:
    """How long steps take on screen (``style.step_seconds``, ``fast_after``, ``fast_step_seconds``)."""

    step_seconds: float = 2.0
    fast_after: int = 4
    fast_step_seconds: float = 0.6

    def seconds_for_step(self, step: int) -> float:
        """Total time budget of 1-based timestep ``step`` (fast after ``fast_after``)."""
        return self.step_seconds if step <= self.fast_after else self.fast_step_seconds


@dataclass(frozen=True)
class Perturbation:
    """The input change of the ``memory`` scene: at 1-based ``step``, add ``delta`` or set x to 0 (``drop``)."""

    step: int
    delta: float = 1.0
    drop: bool = False


@dataclass(frozen=True, eq=False)
class Run:
    """One forward pass as a scene shows it.

    Attributes
    ----------
    label
        Short panel label: ``"tanh"``, ``"W_h = 1.5"``, ``"original"``, ``"x_3 + 1"``.
    sequence_label
        The engine's description of the input, e.g. ``"Fibonacci, normalised by max |x|"``.
    trajectory
        Every number: ``x``, ``z``, ``h``, derivatives, sensitivities, flags; for a gated
        cell (``rnn.cell: lstm | gru``) a :class:`~rnn_engine.GatedTrajectory` (``h``, ``c``,
        every gate's values).
    overrides
        What differs from the config for this run, as dotted field paths -> values
        (``{}`` for the base run; ``{"memory.perturb_step": 3, "memory.delta": 1.0}``).
    written
        The cell's parameters as the config wrote them (``{"w_x": 0.5, "w_h": [[...]], ...}``),
        for ``trace --json``; scenes read the numbers from ``trajectory.params``.
    """

    label: str
    sequence_label: str
    trajectory: Trajectory | GatedTrajectory
    overrides: Mapping[str, Any] = field(default_factory=dict)
    written: Mapping[str, Any] = field(default_factory=dict)

    @property
    def activation(self) -> str:
        """The plain cell's activation (``tanh``); a gated cell's name (``lstm``)."""
        tr = self.trajectory
        return tr.cell if isinstance(tr, GatedTrajectory) else tr.activation


@dataclass(frozen=True, eq=False)
class SceneSpec:
    """Everything one scene shows.

    Attributes
    ----------
    scene
        The scene kind (``unrolled``, ``compare``, ...).
    cell
        The cell type (``rnn``, ``lstm``, ``gru``): with ``scene``, which class draws it.
    title
        The clip's title.
    theme
        ``dark`` or ``light``.
    precision
        Decimals of every number on screen.
    pacing
        How long steps take.
    runs
        The engine runs, in panel order (one for ``unrolled`` and ``gradients``, two
        for ``memory``: original then perturbed, 2 to 4 for ``compare``/``weights``).
    varied
        The field the panels differ in (``compare.field``), else ``None``.
    perturbation
        The ``memory`` scene's input change, else ``None``.
    script
        What is said over each section and how long it needs (sections hold until it is
        said), and the short texts on screen.
    caption_band
        Fraction of the frame's height kept empty at the bottom for captions drawn into
        the frames (``style.captions: burn``); 0 otherwise.
    """

    scene: str
    title: str
    theme: str
    precision: int
    pacing: Pacing
    runs: tuple[Run, ...]
    cell: str = "rnn"
    varied: str | None = None
    perturbation: Perturbation | None = None
    script: Script = field(default_factory=lambda: Script(()))
    caption_band: float = 0.0
