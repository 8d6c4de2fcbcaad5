"""From a validated config to the engine runs a scene shows (one per panel or variant).

This module only wires: inputs come from :func:`rnn_engine.generate` and
:func:`rnn_engine.normalize`, every number from :func:`rnn_engine.run`.

Runs per scene:

- ``unrolled``, ``gradients``: one run, labelled with the activation (``"tanh"``).
- ``compare``, ``weights``: one run per ``compare.values`` entry, that value substituted
  at ``compare.field`` (labels such as ``"ReLU"``, ``"W_h = 1.5"``, ``"Sine"``).
- ``memory``: ``"original"``, then the perturbed run: ``memory.delta`` added to every
  component of ``x`` at ``memory.perturb_step`` (``"x_3 + 1"``), or ``x`` set to 0
  there when ``memory.drop`` (``"x_3 = 0"``). The perturbation is applied to the
  inputs the RNN sees, i.e. after normalisation, so no other step changes.

:func:`trace_json` gives the numbers as JSON-able data (``render.py trace --json``).
Non-finite numbers (an exploding ReLU) are written as ``null``, so the output is
strict JSON (``json.dumps(..., allow_nan=False)`` works).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from explainer.config import Config, SequenceConfig
from rnn_engine import RNNParams, Trajectory, describe_sequence, generate, get_activation, normalize, run

__all__ = ["Run", "build_runs", "sequence_inputs", "trace_json"]

_WEIGHT_SYMBOLS = {"rnn.w_x": "W_x", "rnn.w_h": "W_h", "rnn.b": "b", "rnn.h0": "h_0"}


@dataclass(frozen=True, eq=False)
class Run:
    """One forward pass as a scene shows it.

    Attributes
    ----------
    label
        Short panel label: ``"tanh"``, ``"W_h = 1.5"``, ``"original"``, ``"x_3 + 1"``.
    activation
        ``tanh``, ``relu`` or ``sigmoid``.
    w_x, w_h, b, h0
        The parameters as written in the config: a number, or tuples (rows) for vectors.
    sequence_label
        The engine's description of the input, e.g. ``"Fibonacci, normalised by max |x|"``.
    trajectory
        Every number: ``x``, ``z``, ``h``, derivatives, sensitivities, flags.
    overrides
        What differs from the config for this run, as dotted field paths -> values
        (``{}`` for the base run; ``{"memory.perturb_step": 3, "memory.delta": 1.0}``).
    """

    label: str
    activation: str
    w_x: Any
    w_h: Any
    b: Any
    h0: Any
    sequence_label: str
    trajectory: Trajectory
    overrides: dict[str, Any] = field(default_factory=dict)


def sequence_inputs(seq: SequenceConfig) -> npt.NDArray[np.float64]:
    """The ``(T, D)`` inputs a sequence config describes, normalised as it asks."""
    x = generate(seq.kind, seq.length, seq.values, **seq.params)
    return normalize(x, seq.normalize)


def _fmt(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _panel_label(field_path: str, value: Any) -> str:
    if field_path == "rnn.activation":
        return get_activation(value).display
    if field_path in _WEIGHT_SYMBOLS:
        return f"{_WEIGHT_SYMBOLS[field_path]} = {_fmt(value)}"
    if field_path == "sequence.kind":
        return describe_sequence(value)
    return f"normalize: {value}"


def _make_run(cfg: Config, label: str, x: npt.NDArray[np.float64], overrides: dict[str, Any]) -> Run:
    rnn, seq = cfg.rnn, cfg.sequence
    params = RNNParams.from_values(rnn.w_x, rnn.w_h, rnn.b, rnn.h0, rnn.activation)
    return Run(
        label=label,
        activation=rnn.activation,
        w_x=rnn.w_x,
        w_h=rnn.w_h,
        b=rnn.b,
        h0=rnn.h0,
        sequence_label=describe_sequence(seq.kind, seq.normalize, **seq.params),
        trajectory=run(x, params),
        overrides=overrides,
    )


def build_runs(cfg: Config) -> list[Run]:
    """The runs ``cfg``'s scene shows, in panel order (see the module docstring)."""
    if cfg.scene in ("compare", "weights") and cfg.compare is not None:
        runs = []
        for value in cfg.compare.values:
            # The loader validated each substitution already; with_overrides applies the
            # same rule (e.g. a new sequence kind drops the old kind's parameters).
            panel = cfg.with_overrides({cfg.compare.field: value}, origin=f"compare value {_fmt(value)}")
            runs.append(
                _make_run(
                    panel,
                    _panel_label(cfg.compare.field, value),
                    sequence_inputs(panel.sequence),
                    {cfg.compare.field: value},
                )
            )
        return runs
    x = sequence_inputs(cfg.sequence)
    if cfg.scene == "memory":
        mem, k = cfg.memory, cfg.memory.perturb_step
        perturbed = x.copy()
        overrides: dict[str, Any]
        if mem.drop:
            perturbed[k - 1] = 0.0
            label, overrides = f"x_{k} = 0", {"memory.perturb_step": k, "memory.drop": True}
        else:
            perturbed[k - 1] += mem.delta
            sign = "+" if mem.delta > 0 else "-"
            label = f"x_{k} {sign} {abs(mem.delta):g}"
            overrides = {"memory.perturb_step": k, "memory.delta": mem.delta}
        return [_make_run(cfg, "original", x, {}), _make_run(cfg, label, perturbed, overrides)]
    return [_make_run(cfg, get_activation(cfg.rnn.activation).display, x, {})]


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _json_array(a: npt.NDArray[np.float64], flat: bool) -> list[Any]:
    """``(T, K)`` -> list of floats when ``flat`` (K = 1), else list of lists; non-finite -> ``None``."""
    if flat:
        return [_json_number(float(v)) for v in a[:, 0]]
    return [[_json_number(float(v)) for v in row] for row in a]


def _json_param(value: Any) -> Any:
    return [_json_param(v) for v in value] if isinstance(value, tuple) else value


def trace_json(cfg: Config, runs: list[Run] | None = None) -> dict[str, Any]:
    """``{"runs": [{"label", "activation", "w_x", "w_h", "b", "h0", "x", "z", "h"}, ...]}``.

    ``x``, ``z`` and ``h`` are lists of floats per step when the run is scalar
    (H = D = 1), else lists of lists (``x``: T x D, ``z`` and ``h``: T x H).
    ``inf`` and ``nan`` become ``null``. Pass ``runs`` to reuse already built runs.
    """
    out = []
    for r in build_runs(cfg) if runs is None else runs:
        tr, flat = r.trajectory, r.trajectory.is_scalar
        out.append(
            {
                "label": r.label,
                "activation": r.activation,
                "w_x": _json_param(r.w_x),
                "w_h": _json_param(r.w_h),
                "b": _json_param(r.b),
                "h0": _json_param(r.h0),
                "x": _json_array(tr.x, flat),
                "z": _json_array(tr.z, flat),
                "h": _json_array(tr.h, flat),
            }
        )
    return {"runs": out}
