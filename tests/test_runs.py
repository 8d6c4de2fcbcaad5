"""Config -> runs wiring: how many runs per scene, labels, substitution, perturbation, trace JSON.

Expected numbers are computed by hand here (math.tanh, the sequence definitions),
independently of rnn_engine, so that a wiring mistake (b and h0 swapped, the wrong
parameter passed, normalisation skipped) shows up.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from explainer.config import load_config, load_config_text
from explainer.runs import build_runs, build_spec, sequence_inputs, trace_json
from scenes.inputs import Run

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


def runs_of(text: str) -> tuple[Run, ...]:
    return build_runs(load_config_text(text))


@pytest.mark.parametrize(
    ("scene", "extra", "count"),
    [
        ("unrolled", "", 1),
        ("gradients", "", 1),
        ("compare", "", 3),  # default: tanh, relu, sigmoid
        ("compare", "compare: {field: rnn.b, values: [0, 0.5]}\n", 2),
        ("weights", "compare: {field: rnn.w_h, values: [0.5, 1.0, 1.5, 2.0]}\n", 4),
        ("memory", "", 2),
    ],
)
def test_number_of_runs_per_scene(scene: str, extra: str, count: int) -> None:
    assert len(runs_of(f"scene: {scene}\nsequence: {{kind: sine}}\n{extra}")) == count


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_example_builds_runs_of_the_right_length(path: Path) -> None:
    cfg = load_config(path)
    for r in build_runs(cfg):
        assert r.trajectory.steps == cfg.steps
        assert r.trajectory.hidden_size == cfg.hidden_size
        assert r.trajectory.input_size == cfg.input_size
        assert r.label


def test_single_run_by_hand() -> None:
    (r,) = runs_of("sequence: {kind: custom, values: [1, 2]}\nrnn: {w_x: 0.5, w_h: 0.8, b: 0.1, h0: 0.3}\n")
    h1 = math.tanh(0.5 * 1 + 0.8 * 0.3 + 0.1)
    h2 = math.tanh(0.5 * 2 + 0.8 * h1 + 0.1)
    np.testing.assert_allclose(r.trajectory.h[:, 0], [h1, h2], rtol=1e-12)
    np.testing.assert_allclose(r.trajectory.z[:, 0], [0.5 + 0.24 + 0.1, 1.0 + 0.8 * h1 + 0.1], rtol=1e-12)
    w = r.written
    assert (r.label, r.activation, w["w_x"], w["w_h"], w["b"], w["h0"]) == ("tanh", "tanh", 0.5, 0.8, 0.1, 0.3)
    assert r.sequence_label == "Custom"
    assert r.overrides == {}


def test_inputs_are_generated_and_normalised() -> None:
    fib = load_config_text("sequence: {kind: fibonacci, length: 8, normalize: maxabs}\n")
    np.testing.assert_allclose(sequence_inputs(fib.sequence)[:, 0], np.array([1, 1, 2, 3, 5, 8, 13, 21]) / 21)
    sine = load_config_text("sequence: {kind: sine, length: 5, period: 4, amplitude: 2}\n")
    np.testing.assert_allclose(sequence_inputs(sine.sequence)[:, 0], [0, 2, 0, -2, 0], atol=1e-12)
    lin = load_config_text("sequence: {kind: linear, length: 4, start: 3, step: -1}\n")
    np.testing.assert_allclose(sequence_inputs(lin.sequence)[:, 0], [3, 2, 1, 0])
    assert build_runs(fib)[0].sequence_label.startswith("Fibonacci")


def test_compare_activation_values_are_substituted() -> None:
    runs = runs_of("scene: compare\nsequence: {kind: custom, values: [1, -2]}\nrnn: {w_x: 1.0, w_h: 0.5}\n")
    assert [r.label for r in runs] == ["tanh", "ReLU", "sigmoid"]
    assert [r.activation for r in runs] == ["tanh", "relu", "sigmoid"]
    assert [r.overrides for r in runs] == [{"rnn.activation": a} for a in ("tanh", "relu", "sigmoid")]
    relu = runs[1].trajectory.h[:, 0]
    np.testing.assert_allclose(relu, [1.0, max(0.0, -2 + 0.5 * 1.0)])
    sig = runs[2].trajectory.h[0, 0]
    assert sig == pytest.approx(1 / (1 + math.exp(-1.0)))


def test_weights_values_are_substituted() -> None:
    runs = build_runs(load_config(ROOT / "configs" / "weights_wh.yaml"))
    assert [r.label for r in runs] == ["W_h = 0.5", "W_h = 1", "W_h = 1.5"]
    for r, wh in zip(runs, (0.5, 1.0, 1.5), strict=True):
        assert r.written["w_h"] == wh and r.overrides == {"rnn.w_h": wh}
        assert r.trajectory.params.w_h[0, 0] == wh
        # impulse input: after step 1 the state only feeds itself
        h = r.trajectory.h[:, 0]
        assert h[1] == pytest.approx(math.tanh(wh * h[0]))


def test_matrix_compare_values_and_labels() -> None:
    runs = runs_of(
        "scene: weights\nsequence: {kind: sine}\nrnn: {w_h: [[0.5, 0], [0, 0.5]]}\n"
        "compare:\n  field: rnn.w_h\n  values: [[[0.5, 0], [0, 0.5]], [[0.9, -0.3], [0.3, 0.9]]]\n"
    )
    assert runs[1].label == "W_h = [[0.9, -0.3], [0.3, 0.9]]"
    np.testing.assert_array_equal(runs[1].trajectory.params.w_h, [[0.9, -0.3], [0.3, 0.9]])


def test_compare_sequence_kinds_change_the_inputs() -> None:
    runs = runs_of(
        "scene: compare\nsequence: {kind: sine, period: 4, length: 4}\n"
        "compare: {field: sequence.kind, values: [sine, fibonacci]}\n"
    )
    assert [r.label for r in runs] == ["Sine", "Fibonacci"]
    np.testing.assert_allclose(runs[0].trajectory.x[:, 0], [0, 1, 0, -1], atol=1e-12)
    np.testing.assert_allclose(runs[1].trajectory.x[:, 0], [1, 1, 2, 3])


@pytest.mark.parametrize(
    ("memory", "label", "changed"),
    [
        ("{perturb_step: 3, delta: 1.0}", "x_3 + 1", lambda v: v + 1.0),
        ("{perturb_step: 2, delta: -0.5}", "x_2 - 0.5", lambda v: v - 0.5),
        ("{perturb_step: 4, drop: true}", "x_4 = 0", lambda v: 0.0),
    ],
)
def test_memory_perturbs_exactly_one_input(memory: str, label: str, changed) -> None:
    original, perturbed = runs_of(f"scene: memory\nsequence: {{kind: linear, length: 6}}\nmemory: {memory}\n")
    k = int(label[2])
    assert (original.label, perturbed.label) == ("original", label)
    x0, x1 = original.trajectory.x[:, 0], perturbed.trajectory.x[:, 0]
    np.testing.assert_array_equal(x0, [1, 2, 3, 4, 5, 6])
    expected = x0.copy()
    expected[k - 1] = changed(x0[k - 1])
    np.testing.assert_array_equal(x1, expected)
    # the past is untouched, the perturbed step and (with W_h != 0) every later one differ
    h0, h1 = original.trajectory.h[:, 0], perturbed.trajectory.h[:, 0]
    np.testing.assert_array_equal(h0[: k - 1], h1[: k - 1])
    assert np.all(h0[k - 1 :] != h1[k - 1 :])
    assert perturbed.overrides["memory.perturb_step"] == k


def test_memory_with_vector_inputs_changes_every_component_of_that_step() -> None:
    _, perturbed = runs_of(
        "scene: memory\nsequence: {kind: custom, values: [[1, 0], [0, 1], [1, 1]]}\n"
        "rnn: {w_x: [[0.5, 0.5]]}\nmemory: {perturb_step: 2, delta: 2}\n"
    )
    np.testing.assert_array_equal(perturbed.trajectory.x, [[1, 0], [2, 3], [1, 1]])


def test_trace_json_shape_for_scalar_runs() -> None:
    cfg = load_config_text("scene: compare\nsequence: {kind: custom, values: [1, 2]}\nrnn: {w_x: 0.5, w_h: 0.8}\n")
    data = json.loads(json.dumps(trace_json(build_runs(cfg)), allow_nan=False))
    assert list(data) == ["runs"] and len(data["runs"]) == 3
    first = data["runs"][0]
    assert list(first) == ["label", "cell", "activation", "w_x", "w_h", "b", "h0", "x", "z", "h"]
    assert first["cell"] == "rnn"
    assert first["x"] == [1.0, 2.0]
    assert first["h"][0] == pytest.approx(math.tanh(0.5))
    assert all(isinstance(v, float) for v in first["z"])


def test_trace_json_shape_for_vector_runs() -> None:
    cfg = load_config(ROOT / "configs" / "vector_inputs.yaml")
    (run,) = trace_json(build_runs(cfg))["runs"]
    assert run["w_x"] == [[0.8, 0.0], [0.0, 0.8], [0.4, -0.4]]
    assert len(run["x"]) == 6 and all(len(row) == 2 for row in run["x"])
    assert len(run["h"]) == 6 and all(len(row) == 3 for row in run["h"])
    assert len(run["z"]) == 6 and all(len(row) == 3 for row in run["z"])


def test_trace_json_is_strict_json_even_when_relu_overflows() -> None:
    cfg = load_config_text(
        "sequence: {kind: exponential, length: 12}\nrnn: {activation: relu, w_x: 1e300, w_h: 1e10}\n"
    )
    (run,) = build_runs(cfg)
    assert not np.all(np.isfinite(run.trajectory.h))  # the engine really overflowed
    text = json.dumps(trace_json(build_runs(cfg)), allow_nan=False)
    h = json.loads(text)["runs"][0]["h"]
    assert h[0] == 1e300 and h[-1] is None
    assert [v is None for v in h] == [not math.isfinite(v) for v in run.trajectory.h[:, 0]]


def test_spec_carries_what_the_scene_needs() -> None:
    cfg = load_config_text(
        "title: Memory test\nscene: memory\nsequence: {kind: sine, length: 6}\n"
        "memory: {perturb_step: 3, delta: -0.5}\n"
        "style: {theme: light, precision: 3, step_seconds: 1.5, fast_after: 2, fast_step_seconds: 0.4}\n"
    )
    spec = build_spec(cfg)
    assert (spec.scene, spec.title, spec.theme, spec.precision) == ("memory", "Memory test", "light", 3)
    assert (spec.pacing.step_seconds, spec.pacing.fast_after, spec.pacing.fast_step_seconds) == (1.5, 2, 0.4)
    assert [spec.pacing.seconds_for_step(k) for k in (1, 2, 3)] == [1.5, 1.5, 0.4]
    assert spec.perturbation is not None and (spec.perturbation.step, spec.perturbation.delta) == (3, -0.5)
    assert spec.varied is None and [r.label for r in spec.runs] == ["original", "x_3 - 0.5"]
    compare = build_spec(load_config_text("scene: compare\nsequence: {kind: sine}\n"))
    assert compare.varied == "rnn.activation" and compare.perturbation is None and len(compare.runs) == 3
    runs = build_runs(cfg)
    assert build_spec(cfg, runs).runs == runs  # given runs are reused, not rebuilt
