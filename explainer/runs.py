"""From a validated config to what a scene shows: the engine runs, and the :class:`~scenes.inputs.SceneSpec`.

This module only wires: inputs come from :func:`rnn_engine.generate` and
:func:`rnn_engine.normalize`, every number from :func:`rnn_engine.run`.

Runs per scene, by the scene's :class:`~explainer.scene_kinds.RunLayout`:

- ``SINGLE`` (``unrolled``, ``gradients``): one run, labelled with the activation (``"tanh"``).
- ``PANELS`` (``compare``, ``weights``): one run per ``compare.values`` entry, that value
  substituted at ``compare.field`` (labels such as ``"ReLU"``, ``"W_h = 1.5"``, ``"Sine"``).
  The panels are the configs the loader already validated (``cfg.panels``).
- ``PERTURBED`` (``memory``): ``"original"``, then the perturbed run: ``memory.delta`` added
  to every component of ``x`` at ``memory.perturb_step`` (``"x_3 + 1"``), or ``x`` set to 0
  there when ``memory.drop`` (``"x_3 = 0"``). The perturbation is applied to the
  inputs the RNN sees, i.e. after normalisation, so no other step changes.

:func:`trace_json` gives the numbers as JSON-able data (``render.py trace --json``).
Non-finite numbers (an exploding ReLU) are written as ``null``, so the output is
strict JSON (``json.dumps(..., allow_nan=False)`` works).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from explainer.burn import BAND
from explainer.config import Config, SequenceConfig
from explainer.naming import format_value
from explainer.scene_kinds import SCENE_KINDS, RunLayout
from rnn_engine import (
    GatedTrajectory,
    RNNParams,
    Trajectory,
    describe_sequence,
    generate,
    get_activation,
    get_cell,
    normalize,
    run,
    run_gated,
)
from scenes.inputs import Pacing, Perturbation, Run, SceneSpec

__all__ = ["build_runs", "build_spec", "sequence_inputs", "trace_json"]

_WEIGHT_SYMBOLS = {"rnn.w_x": "W_x", "rnn.w_h": "W_h", "rnn.b": "b", "rnn.h0": "h_0"}


def sequence_inputs(seq: SequenceConfig) -> npt.NDArray[np.float64]:
    """The ``(T, D)`` inputs a sequence config describes, normalised as it asks."""
    x = generate(seq.kind, seq.length, seq.values, **seq.params)
    return normalize(x, seq.normalize)


def _panel_label(field_path: str, value: Any) -> str:
    if field_path == "rnn.activation":
        return get_activation(value).display
    if field_path == "rnn.cell":
        return get_cell(value).display
    if field_path in _WEIGHT_SYMBOLS:
        return f"{_WEIGHT_SYMBOLS[field_path]} = {format_value(value)}"
    if field_path == "sequence.kind":
        return describe_sequence(value)
    return f"normalize: {value}"


def _make_run(cfg: Config, label: str, x: npt.NDArray[np.float64], overrides: dict[str, Any]) -> Run:
    rnn, seq = cfg.rnn, cfg.sequence
    trajectory: Trajectory | GatedTrajectory
    if rnn.is_gated:
        trajectory = run_gated(x, rnn.gated_params())
    else:
        trajectory = run(x, RNNParams.from_values(rnn.w_x, rnn.w_h, rnn.b, rnn.h0, rnn.activation))
    return Run(
        label=label,
        sequence_label=describe_sequence(seq.kind, seq.normalize, **seq.params),
        trajectory=trajectory,
        overrides=overrides,
        written=rnn.written(),
    )


def _run_label(cfg: Config) -> str:
    """A single run's label: its activation (``tanh``), or its cell (``LSTM``)."""
    return cfg.rnn.cell_type.display if cfg.rnn.is_gated else get_activation(cfg.rnn.activation).display


def _single(cfg: Config) -> tuple[Run, ...]:
    return (_make_run(cfg, _run_label(cfg), sequence_inputs(cfg.sequence), {}),)


def _panels(cfg: Config) -> tuple[Run, ...]:
    assert cfg.compare is not None  # the schema requires it for panel scenes
    field = cfg.compare.field
    return tuple(
        _make_run(panel, _panel_label(field, value), sequence_inputs(panel.sequence), {field: value})
        for value, panel in zip(cfg.compare.values, cfg.panels, strict=True)
    )


def _perturbed(cfg: Config) -> tuple[Run, ...]:
    x = sequence_inputs(cfg.sequence)
    mem, k = cfg.memory, cfg.memory.perturb_step
    perturbed = x.copy()
    overrides: dict[str, Any]
    if mem.drop:
        perturbed[k - 1] = 0.0
        label, overrides = f"x_{k} = 0", {"memory.perturb_step": k, "memory.drop": True}
    else:
        with np.errstate(over="ignore"):  # x + delta may overflow to inf; the engine runs it and flags it
            perturbed[k - 1] += mem.delta
        sign = "+" if mem.delta > 0 else "-"
        label = f"x_{k} {sign} {abs(mem.delta):g}"
        overrides = {"memory.perturb_step": k, "memory.delta": mem.delta}
    return (_make_run(cfg, "original", x, {}), _make_run(cfg, label, perturbed, overrides))


_BUILDERS: dict[RunLayout, Callable[[Config], tuple[Run, ...]]] = {
    RunLayout.SINGLE: _single,
    RunLayout.PANELS: _panels,
    RunLayout.PERTURBED: _perturbed,
}


def build_runs(cfg: Config) -> tuple[Run, ...]:
    """The runs ``cfg``'s scene shows, in panel order (see the module docstring)."""
    return _BUILDERS[SCENE_KINDS[cfg.scene].runs](cfg)


def build_spec(cfg: Config, runs: Sequence[Run] | None = None) -> SceneSpec:
    """The one object a scene is built from; pass ``runs`` to reuse already built ones."""
    style, mem = cfg.style, cfg.memory
    perturbation = None
    if SCENE_KINDS[cfg.scene].runs is RunLayout.PERTURBED:
        perturbation = Perturbation(mem.perturb_step, 0.0 if mem.drop else mem.delta, mem.drop)
    from explainer.words import build_script

    runs = tuple(build_runs(cfg) if runs is None else runs)
    return SceneSpec(
        scene=cfg.scene,
        cell=cfg.scene_cell,
        title=cfg.title,
        theme=style.theme,
        precision=style.precision,
        pacing=Pacing(style.step_seconds, style.fast_after, style.fast_step_seconds),
        runs=runs,
        varied=cfg.compare.field if cfg.compare is not None else None,
        perturbation=perturbation,
        script=build_script(cfg, runs),
        caption_band=BAND if style.captions == "burn" else 0.0,
    )


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _json_array(a: npt.NDArray[np.float64], flat: bool) -> list[Any]:
    """``(T, K)`` -> list of floats when ``flat`` (K = 1), else list of lists; non-finite -> ``None``."""
    if flat:
        return [_json_number(float(v)) for v in a[:, 0]]
    return [[_json_number(float(v)) for v in row] for row in a]


def _json_param(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_param(v) for k, v in value.items()}
    return [_json_param(v) for v in value] if isinstance(value, tuple) else value


def trace_json(runs: Sequence[Run]) -> dict[str, Any]:
    """``{"runs": [{"label", "cell", <parameters>, "x", ..., "h"}, ...]}``.

    A plain RNN run: ``"cell": "rnn"``, ``"activation"``, ``"w_x"``, ``"w_h"``, ``"b"``,
    ``"h0"`` and ``"x"``, ``"z"`` (the pre-activation), ``"h"``. A gated run: ``"cell"``
    (``lstm``/``gru``), ``"gate_weights"`` (gate -> ``{"w_x", "w_h", "b"}`` as written,
    defaults filled in), ``"h0"`` (and ``"c0"``), then ``"x"``, ``"h"``, for the LSTM
    ``"c"``, and ``"gates"``: gate -> its values per step, shaped as ``h``.
    Per-step arrays are lists of floats when the run is scalar (H = D = 1), else
    lists of lists (``x``: T x D, the rest T x H). ``inf`` and ``nan`` become ``null``.
    """
    out = []
    for r in runs:
        tr, flat = r.trajectory, r.trajectory.is_scalar
        written = dict(r.written)
        entry: dict[str, Any] = {"label": r.label, "cell": written.pop("cell", "rnn")}
        if isinstance(tr, GatedTrajectory):
            entry["gate_weights"] = _json_param(written.pop("gates"))
            entry.update({key: _json_param(value) for key, value in written.items()})
            entry["x"] = _json_array(tr.x, flat)
            entry["h"] = _json_array(tr.h, flat)
            if tr.c is not None:
                entry["c"] = _json_array(tr.c, flat)
            entry["gates"] = {name: _json_array(values, flat) for name, values in tr.gates.items()}
        else:
            entry.update({key: _json_param(value) for key, value in written.items()})
            entry["x"] = _json_array(tr.x, flat)
            entry["z"] = _json_array(tr.z, flat)
            entry["h"] = _json_array(tr.h, flat)
        out.append(entry)
    return {"runs": out}
