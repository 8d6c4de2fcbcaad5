"""The concept scenes (compare, weights, memory, gradients) built without drawing.

Every case plays the whole scene with :func:`scene_checks.dry_run_scene` and, at
the end of every section, checks that

- the layout is clean (:func:`scene_checks.check_layout` finds nothing), and
- every number on screen is the engine's value at the displayed precision
  (keys resolved against the run the number belongs to).

Inputs are made the way a render makes them: a config through the loader and the
runs builder (:func:`scene_checks.make_spec`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scene_checks import check_layout, collect_numbers, config_dict, dry_run_scene

from explainer.config import Config, ConfigError, check_renderable, from_dict
from explainer.runs import build_spec
from explainer.scene_kinds import SCENE_KINDS
from rnn_engine.formatting import format_number

pytest.importorskip("manim")

#: Builds Manim scenes or mobjects (a dry run, no video): the "scene" tier.
pytestmark = pytest.mark.scene

from scenes.compare import CompareScene  # noqa: E402
from scenes.gradients import GradientsScene  # noqa: E402
from scenes.inputs import SceneSpec  # noqa: E402
from scenes.memory import MemoryScene  # noqa: E402
from scenes.weights import WeightsScene  # noqa: E402

MAX_CONCEPT_STEPS = SCENE_KINDS["compare"].limits.max_steps


# ----------------------------------------------------------------------------- inputs


def concept_config(
    scene: str,
    *,
    field: str = "rnn.activation",
    values: tuple[Any, ...] = ("tanh", "relu", "sigmoid"),
    theme: str = "dark",
    length: int = 5,
    perturb_step: int = 2,
    delta: float = 1.0,
    drop: bool = False,
    sequence_values: list[float] | None = None,
    **base: Any,
) -> Config:
    """A config for any of the four concept scenes, through the real loader."""
    common: dict[str, Any] = {"kind": "sine", "w_x": 1.0, "w_h": 0.8, "b": 0.1, "activation": "tanh", **base}
    if sequence_values is not None:
        common["kind"], common["values"] = "custom", sequence_values
    else:
        common["length"] = length
    extra: dict[str, Any] = {}
    if scene in ("compare", "weights"):
        extra["compare"] = {"field": field, "values": list(values)}
        if field == "sequence.kind":
            common["normalize"] = "maxabs"
    if scene == "memory":
        extra["memory"] = (
            {"perturb_step": perturb_step, "drop": True}
            if drop
            else {
                "perturb_step": perturb_step,
                "delta": delta,
            }
        )
    return from_dict(config_dict(scene=scene, theme=theme, title=f"{scene} test", **common, **extra))


def concept_inputs(scene: str, **kwargs: Any) -> tuple[SceneSpec, list[Any]]:
    """``(spec, runs)`` for any of the four concept scenes, made by the real loader and runs builder."""
    cfg = concept_config(scene, **kwargs)
    check_renderable(cfg)
    spec = build_spec(cfg)
    return spec, list(spec.runs)


# ----------------------------------------------------------------------------- number keys


def engine_value(key: tuple[Any, ...], traj: Any, runs: list[Any]) -> float:
    """The engine number a key names (see scenes.components.text and the scene docstrings)."""
    if key[0] == "run":
        return engine_value(tuple(key[2:]), runs[key[1]].trajectory, runs)
    name, idx = key[0], tuple(key[1:])
    p = traj.params
    if name == "gap":
        # Independent of the scene: the two runs' states, subtracted here.
        a, b = runs[0].trajectory.h, runs[1].trajectory.h
        return abs(float(a[idx]) - float(b[idx]))
    table = {
        "x": traj.x,
        "h": traj.h,
        "z": traj.z,
        "dh": traj.dh,
        "h0": p.h0,
        "w_x": p.w_x,
        "w_h": p.w_h,
        "b": p.b,
        "sensitivity": traj.sensitivity,
        "grad_to_last": traj.grad_to_last,
        "backward_factor": traj.backward_factors,
    }
    return float(table[name][idx])


def check_numbers(scene: Any, runs: list[Any], precision: int) -> list[str]:
    """Mismatches between shown numbers and engine values; numbers inside panel ``i`` belong to run ``i``."""
    owner: dict[int, int] = {}
    for i, panel in enumerate(getattr(scene, "panels", [])):
        for m in panel.get_family():
            owner[id(m)] = i
    problems = []
    for shown in collect_numbers(scene):
        if shown.key is None or shown.key == (None,):
            continue
        i = owner.get(id(shown.mobject), 0)
        want = format_number(engine_value(shown.key, runs[i].trajectory, runs), precision)
        if shown.text != want:
            problems.append(f"{shown.key} shows {shown.text!r}, engine says {want!r}")
    return problems


def play(scene_cls: type, spec: SceneSpec, runs: list[Any], tmp_path: Any) -> tuple[Any, list[str], int]:
    """Dry-run the scene; return it, every problem found at section ends, and how many numbers were checked."""
    problems: list[str] = []
    checked = [0]

    def on_section(scene: Any, record: Any) -> None:
        problems.extend(f"[{record.name}] {p}" for p in check_layout(scene))
        problems.extend(f"[{record.name}] {p}" for p in check_numbers(scene, runs, scene.precision))
        checked[0] += sum(1 for s in collect_numbers(scene) if s.key is not None)

    scene = dry_run_scene(scene_cls, spec, on_section=on_section, media_dir=tmp_path)
    return scene, problems, checked[0]


# ----------------------------------------------------------------------------- layout and numbers

CASES = {
    "compare-2-dark": (CompareScene, "compare", {"values": ("tanh", "relu")}),
    "compare-3-light": (CompareScene, "compare", {"theme": "light"}),
    "compare-4-dark": (
        CompareScene,
        "compare",
        {"field": "sequence.kind", "values": ("sine", "alternating", "fibonacci", "linear")},
    ),
    "compare-4-light": (
        CompareScene,
        "compare",
        {"field": "rnn.w_h", "values": (0.5, 1.0, 1.5, 2.0), "theme": "light", "activation": "relu"},
    ),
    "compare-2-light": (CompareScene, "compare", {"values": ("sigmoid", "relu"), "theme": "light"}),
    "compare-3-dark-b": (CompareScene, "compare", {"field": "rnn.b", "values": (-1.0, 0.0, 1.0)}),
    "weights-3-dark": (
        WeightsScene,
        "weights",
        {
            "field": "rnn.w_h",
            "values": (0.5, 1.0, 1.5),
            "kind": "custom",
            "sequence_values": [1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        },
    ),
    "weights-4-light": (
        WeightsScene,
        "weights",
        {"field": "rnn.w_h", "values": (0.5, 1.0, 1.5, 3.0), "activation": "relu", "theme": "light", "length": 8},
    ),
    "weights-2-dark-h0": (WeightsScene, "weights", {"field": "rnn.h0", "values": (-1.0, 1.0), "activation": "sigmoid"}),
    "memory-dark": (MemoryScene, "memory", {"length": 8, "perturb_step": 2}),
    "memory-light-drop": (
        MemoryScene,
        "memory",
        {"theme": "light", "length": 6, "perturb_step": 3, "drop": True, "kind": "linear", "normalize": "maxabs"},
    ),
    "gradients-dark-sigmoid": (GradientsScene, "gradients", {"activation": "sigmoid", "w_h": 1.0, "length": 8}),
    "gradients-light-relu": (
        GradientsScene,
        "gradients",
        {"activation": "relu", "w_h": 1.5, "theme": "light", "kind": "linear", "normalize": "maxabs", "length": 10},
    ),
}


def _inputs(scene: str, opts: dict[str, Any]) -> tuple[Any, list[Any]]:
    return concept_inputs(scene, **opts)


@pytest.mark.parametrize("case", list(CASES))
def test_every_section_is_clean_and_shows_engine_numbers(case: str, tmp_path: Any) -> None:
    scene_cls, kind, opts = CASES[case]
    config, runs = _inputs(kind, opts)
    scene, problems, checked = play(scene_cls, config, runs, tmp_path)
    assert problems == []
    assert checked > 10 * len(runs), "too few numbers on screen to check"
    names = [r.name for r in scene.timeline]
    T = runs[0].trajectory.steps
    assert names[0] == "intro"
    assert names[-1] == "closing"
    # Every section the scene played is one the script speaks over, in the script's order.
    assert tuple(names) == config.script.sections()
    assert all(r.duration >= config.script.min_seconds(r.name) - 1e-6 for r in scene.timeline)
    assert 0 < scene.thumbnail_time <= scene.timeline[-1].end
    if kind == "gradients":
        assert [n for n in names if n.startswith("back_")] == [f"back_{k:02d}" for k in range(T - 1, 0, -1)]
    else:
        assert [n for n in names if n.startswith("step_")] == [f"step_{k:02d}" for k in range(1, T + 1)]


# ----------------------------------------------------------------------------- what the sections show


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory: Any) -> tuple[Any, list[Any], dict[str, Any]]:
    config, runs = concept_inputs("compare", length=4)
    snapshots: dict[str, Any] = {}

    def grab(scene: Any, record: Any) -> None:
        snapshots[record.name] = {
            "numbers": [(s.key, s.text, id(s.mobject)) for s in collect_numbers(scene)],
            "owner": {id(m): i for i, p in enumerate(scene.panels) for m in p.get_family()},
        }

    scene = dry_run_scene(CompareScene, config, on_section=grab, media_dir=tmp_path_factory.mktemp("media"))
    return scene, runs, snapshots


def _tanh_rnn(x: list[float], w_x: float, w_h: float, b: float, h0: float = 0.0) -> list[float]:
    """A scalar tanh RNN written out by hand (independent of the engine)."""
    h, out = h0, []
    for v in x:
        h = math.tanh(w_x * v + w_h * h + b)
        out.append(h)
    return out


def test_compare_steps_show_each_panels_state_in_lock_step(compare_run: Any) -> None:
    scene, runs, snaps = compare_run
    x = [float(v) for v in runs[0].trajectory.x[:, 0]]
    by_hand = _tanh_rnn(x, 1.0, 0.8, 0.1)
    for k in range(1, 5):
        snap = snaps[f"step_{k:02d}"]

        def shown(i: int, key: tuple[Any, ...], snap: dict[str, Any] = snap) -> set[str]:
            return {text for kk, text, mid in snap["numbers"] if snap["owner"].get(mid) == i and kk == key}

        for i in range(len(runs)):
            assert shown(i, ("h", k - 1, 0)), f"panel {i} does not show h_{k} at step {k}"
        assert shown(0, ("h", k - 1, 0)) == {format_number(by_hand[k - 1], 2)}
        # A later state is never shown early.
        assert not any(key == ("h", k, 0) for key, _, _ in snap["numbers"])


def test_compare_step_words_carry_every_runs_number(compare_run: Any) -> None:
    scene, runs, _ = compare_run
    for record in scene.timeline:
        if record.name.startswith("step_"):
            t = int(record.name[5:]) - 1
            passage = scene.spec.script.passage_of(record.name)
            for run in runs:
                assert format_number(run.trajectory.h[t, 0], 2) in passage.text
            assert format_number(runs[0].trajectory.x[t, 0], 2) in passage.text


def test_compare_callouts_are_the_scripts_and_each_is_spoken(compare_run: Any) -> None:
    scene, runs, _ = compare_run
    callouts = scene.callouts()
    assert callouts, "tanh, ReLU and sigmoid on a sine always differ in sign"
    assert [c.text for c in callouts] == [c.text for c in scene.spec.script.callouts]
    differences = scene.spec.script.passage_of("differences")
    assert differences is not None and len(differences.clauses) == len(callouts)
    for c in callouts:
        for i, t in c.anchors:
            assert 0 <= i < len(runs) and 0 <= t < runs[i].trajectory.steps
    assert [r.name for r in scene.timeline][-2:] == ["differences", "closing"]


def test_gradient_bars_are_the_product_of_the_factors(tmp_path: Any) -> None:
    config, runs = concept_inputs("gradients", activation="sigmoid", w_h=1.0, length=6)
    seen: dict[tuple[Any, ...], str] = {}

    def grab(scene: Any, record: Any) -> None:
        for s in collect_numbers(scene):
            seen[s.key] = s.text

    scene = dry_run_scene(GradientsScene, config, on_section=grab, media_dir=tmp_path)
    traj = runs[0].trajectory
    z = traj.z[:, 0]
    sig = 1 / (1 + np.exp(-z))
    slope = sig * (1 - sig)  # sigmoid'(z), by hand
    T = traj.steps
    for t in range(T - 1):
        by_hand = float(np.prod(1.0 * slope[t + 1 :]))
        assert seen[("grad_to_last", t, 0, 0)] == format_number(by_hand, 2)
    for t in range(1, T):
        assert seen[("backward_factor", t, 0, 0)] == format_number(1.0 * slope[t], 2)
    # Bars below the line at 1 (sigmoid' <= 1/4): every bar ends lower than the previous one.
    ends = [scene.bars.bar_end(t) for t in range(T)]
    assert all(a < b for a, b in zip(ends, ends[1:], strict=False))


def test_memory_gap_matches_a_hand_computed_run(tmp_path: Any) -> None:
    config, runs = concept_inputs("memory", length=6, perturb_step=2, delta=1.0)
    seen: dict[tuple[Any, ...], str] = {}
    sections: list[str] = []

    def grab(scene: Any, record: Any) -> None:
        sections.append(record.name)
        for s in collect_numbers(scene):
            seen[s.key] = s.text

    scene = dry_run_scene(MemoryScene, config, on_section=grab, media_dir=tmp_path)
    x = [float(v) for v in runs[0].trajectory.x[:, 0]]
    x2 = list(x)
    x2[1] += 1.0
    a, b = _tanh_rnn(x, 1.0, 0.8, 0.1), _tanh_rnn(x2, 1.0, 0.8, 0.1)
    for t in range(6):
        assert seen[("gap", t, 0)] == format_number(abs(a[t] - b[t]), 2)
    assert seen[("gap", 0, 0)] == "0.00"  # before the change the runs agree
    # The heatmap shows every dh_t/dx_k with k <= t, and only those.
    cells = scene.heatmap.cells
    assert set(cells) == {(t, k) for t in range(6) for k in range(t + 1)}
    assert "sensitivity" in sections


@pytest.mark.parametrize(
    ("kind", "opts", "field", "message"),
    [
        (
            "compare",
            {"length": MAX_CONCEPT_STEPS + 8},
            "sequence.length",
            f"scene 'compare' shows at most {MAX_CONCEPT_STEPS} steps (every step is drawn side by side in each "
            f"panel); this config has {MAX_CONCEPT_STEPS + 8}",
        ),
        (
            "gradients",
            {"length": 64},
            "sequence.length",
            "scene 'gradients' shows at most 32 steps (every step gets a bar on the gradient chart); "
            "this config has 64",
        ),
        (
            "memory",
            {"w_h": [[0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]], "w_x": [[1.0], [1.0], [1.0]]},
            "rnn.w_h",
            "scene 'memory' shows a scalar hidden state (H = 1); this config has H = 3",
        ),
        (
            "weights",
            {"field": "rnn.w_h", "values": ([[0.5, 0], [0, 0.5]], [[1, 0], [0, 1]])},
            "compare.values[0]",
            "with rnn.w_h = [[0.5, 0], [0, 0.5]]: scene 'weights' shows a scalar hidden state (H = 1); "
            "this panel has H = 2",
        ),
        (
            "gradients",
            {"length": 1},
            "sequence.length",
            "scene 'gradients' needs at least 2 steps (to go back through); this config has 1",
        ),
    ],
)
def test_what_a_scene_cannot_draw_is_refused_before_it_is_built(
    kind: str, opts: dict[str, Any], field: str, message: str
) -> None:
    # The scene registry's limits, checked by the loader (validate, render and batch call it):
    # one message, at the field, before any scene exists.
    cfg = concept_config(kind, **opts)
    with pytest.raises(ConfigError) as info:
        check_renderable(cfg)
    assert (info.value.field, info.value.message) == (field, message)


def test_weights_scene_refuses_a_non_weight_field() -> None:
    with pytest.raises(ConfigError, match="scene 'weights' varies a weight; expected one of rnn.w_x"):
        concept_config("weights", field="rnn.activation", values=("tanh", "relu"))


# ----------------------------------------------------------------------------- chart badges


@pytest.mark.parametrize("name", ["compare_activations", "compare_sequences", "weights_wh"])
def test_chart_badges_sit_clear_of_every_runs_line(name: str, tmp_path: Any) -> None:
    # A badge drawn over another run's line or point seems to mark that run.
    from pathlib import Path

    from explainer.config import load_config
    from explainer.runs import build_spec
    from scenes.components.callouts import Badge

    cfg = load_config(Path(__file__).resolve().parents[1] / "configs" / f"{name}.yaml")
    scene = dry_run_scene(SCENE_KINDS[cfg.scene].load_class(), build_spec(cfg), media_dir=tmp_path)
    chart = scene.chart
    left, right, bottom, top = chart.plot_box
    points = []
    for i, series in enumerate(chart.series):
        points.append([chart.anchor(i, t)[:2] for t in range(len(series.values)) if np.isfinite(series.values[t])])
    badges = [
        m
        for top_mob in scene.mobjects
        for m in top_mob.get_family()
        if isinstance(m, Badge) and left <= m.get_x() <= right + 0.25 and bottom <= m.get_y() <= top
    ]
    assert badges, "no badge on the chart"
    for badge in badges:
        c, r = badge.get_center()[:2], badge.width / 2
        for line in points:
            for a, b in zip(line, line[1:], strict=False):
                ab = b - a
                u = min(1.0, max(0.0, float((c - a) @ ab) / float(ab @ ab)))
                gap = float(np.hypot(*(c - a - u * ab))) - r
                assert gap > 0.02, f"badge {badge.number} at {c} touches a line ({gap:.3f})"
