"""The gated unrolled scene (``rnn.cell: lstm | gru``) played without drawing.

Each configuration is played once per module; a listener records, at the end of every
section, what is wrong with the layout and every number on screen, and the tests compare
those numbers with the engine's trajectory at display precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("manim")

pytestmark = pytest.mark.scene

from scene_checks import check_layout, collect_numbers, dry_run_scene  # noqa: E402

from explainer.config import from_dict, load_config  # noqa: E402
from explainer.runs import build_spec  # noqa: E402
from explainer.scene_kinds import get_scene_kind  # noqa: E402
from explainer.words.forms import Forms  # noqa: E402
from rnn_engine.formatting import format_number  # noqa: E402
from scenes.components.gated_cell import GatedCellDiagram, GatedStateChart, GateStrip  # noqa: E402
from scenes.gated_unrolled import GatedUnrolledScene  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _vector_lstm() -> dict[str, Any]:
    return {
        "title": "A two-unit LSTM",
        "sequence": {"kind": "sine", "length": 6},
        "rnn": {
            "cell": "lstm",
            "gates": {
                "forget": {"w_x": [[0.5], [0.2]], "w_h": [[0.8, 0.1], [0.0, 0.5]], "b": [1.0, 2.0]},
                "candidate": {"w_x": [[1.0], [-0.7]]},
            },
            "h0": [0.1, -0.2],
            "c0": [0.3, 0.0],
        },
    }


def _gru_h4() -> dict[str, Any]:
    return {
        "sequence": {"kind": "alternating", "length": 9},
        "rnn": {
            "cell": "gru",
            "gates": {"update": {"w_h": [[0.9, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 0.2, 0], [0.1, 0, 0, 0.4]]}},
        },
        "style": {"theme": "light"},
    }


CONFIGS = {
    "lstm_unrolled": lambda: load_config(ROOT / "configs" / "lstm_unrolled.yaml"),
    "gru_unrolled": lambda: load_config(ROOT / "configs" / "gru_unrolled.yaml"),
    "lstm_vector_h2": lambda: from_dict(_vector_lstm()),
    "gru_vector_h4_light": lambda: from_dict(_gru_h4()),
}


@dataclass
class Played:
    scene: Any
    trajectory: Any
    precision: int
    spec: Any
    problems: dict[str, list[str]] = field(default_factory=dict)
    numbers: dict[str, list[Any]] = field(default_factory=dict)
    intact: dict[str, bool] = field(default_factory=dict)
    wires: dict[str, dict[str, str]] = field(default_factory=dict)


def _engine_value(traj: Any, key: tuple[Any, ...]) -> float:
    kind, *idx = key
    p = traj.params
    if kind == "gate":
        name, t, j = idx
        return float(traj.gates[name][t, j])
    source = {"x": traj.x, "h": traj.h, "c": traj.c, "h0": p.h0, "c0": p.c0}[kind]
    return float(np.asarray(source)[tuple(idx)])


@pytest.fixture(scope="module", params=list(CONFIGS))
def played(request: pytest.FixtureRequest, manim_media_dir: Any) -> Played:
    cfg = CONFIGS[request.param]()
    spec = build_spec(cfg)
    record = Played(scene=None, trajectory=spec.runs[0].trajectory, precision=spec.precision, spec=spec)

    def listen(scene: Any, section: Any) -> None:
        record.problems[section.name] = check_layout(scene)
        record.numbers[section.name] = collect_numbers(scene)
        expected = {"title": (), "inputs": ()}.get(section.name, (GatedCellDiagram, GateStrip, GatedStateChart))
        record.intact[section.name] = all(any(isinstance(m, cls) for m in scene.mobjects) for cls in expected)
        diagram = getattr(scene, "diagram", None)
        if diagram is not None:
            record.wires[section.name] = {
                name: w[0].get_stroke_color().to_hex().upper() for name, w in diagram.wires.items()
            }

    cls = get_scene_kind(cfg.scene).load_class(cfg.rnn.cell)
    assert cls is GatedUnrolledScene
    record.scene = dry_run_scene(cls, spec, on_section=listen, media_dir=manim_media_dir)
    return record


def test_layout_is_clean_after_every_section(played: Played) -> None:
    assert set(played.problems) == {r.name for r in played.scene.timeline}
    bad = {name: probs for name, probs in played.problems.items() if probs}
    assert not bad, bad


def test_components_stay_whole_on_screen(played: Played) -> None:
    assert all(played.intact.values()), played.intact


def test_every_number_on_screen_is_the_engines_value_at_display_precision(played: Played) -> None:
    checked = 0
    for section, shown in played.numbers.items():
        for s in shown:
            expected = format_number(_engine_value(played.trajectory, s.key), played.precision)
            assert s.text == expected, (section, s.key, s.text, expected)
            checked += 1
    assert checked > 50


def test_each_step_shows_its_own_gates_and_state(played: Played) -> None:
    traj = played.trajectory
    gates = traj.params.cell_type.gate_names
    for t in range(traj.steps):
        keys = {s.key for s in played.numbers[f"step_{t + 1:02d}"]}
        for name in gates:
            assert ("gate", name, t, 0) in keys, (t, name)
        assert ("h", t, 0) in keys
        if traj.c is not None:
            assert ("c", t, 0) in keys
        # Nothing of another step's gates is left on screen.
        assert not {k for k in keys if k[0] == "gate" and k[2] != t}, t


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_every_beat_lights_its_wires_in_their_roles_colours(cell: str, manim_media_dir: Any) -> None:
    """Each beat's wires end in their role's colour (a gate's wires in the gate's), the rest dim."""
    from scenes.components.gated_cell import BEATS, gate_colour
    from scenes.theme import get_theme

    traj = build_spec(from_dict({"sequence": {"kind": "sine", "length": 3}, "rnn": {"cell": cell}})).runs[0].trajectory
    th = get_theme("dark")
    diagram = GatedCellDiagram(traj, th, 2)

    def play(anim: Any) -> None:
        anim.begin()
        anim.interpolate(1.0)
        anim.finish()

    play(diagram.make_inputs_animation(0))
    for beat in BEATS[cell]:
        play(diagram.make_beat_animation(beat, 0))
        lit = set(diagram.layout.beats[beat])
        for name, (_, role) in diagram.layout.wires.items():
            want = th.faint
            if name in lit:
                want = {"memory": th.memory, "hidden": th.text, "x": th.input}.get(role) or gate_colour(th, role)
            got = diagram.wires[name][0].get_stroke_color().to_hex().upper()
            assert got == want.upper(), (beat, name, role, got, want)


def test_the_last_beat_of_a_step_lights_its_wires_in_their_roles_colours(played: Played) -> None:
    """After step 1 the last beat's wires are lit (gate wires in the gate's colour), every other wire dim."""
    from scenes.components.gated_cell import BEATS, gate_colour

    scene = played.scene
    th, layout = scene.theme, scene.diagram.layout
    colours = played.wires["step_01"]
    last = BEATS[played.trajectory.cell][-1]
    lit = set(layout.beats[last])
    for name, (_, role) in layout.wires.items():
        if name in lit:
            want = {"memory": th.memory, "hidden": th.text, "x": th.input}.get(role) or gate_colour(th, role)
        else:
            want = th.faint
        assert colours[name] == want.upper(), (name, role, colours[name], want)


def test_one_section_per_step_covering_the_video(played: Played) -> None:
    names = [r.name for r in played.scene.timeline]
    T = played.trajectory.steps
    assert names == ["title", "inputs", "network", *(f"step_{k:02d}" for k in range(1, T + 1)), "summary"]
    for a, b in zip(played.scene.timeline, played.scene.timeline[1:], strict=False):
        assert b.start == pytest.approx(a.end)


def test_spoken_gate_values_are_the_ones_on_screen(played: Played) -> None:
    """The words of a detailed step say the gate values the diagram shows (scalar cells)."""
    traj = played.trajectory
    if not traj.is_scalar:
        pytest.skip("vector steps speak ranges over the units")
    keep = traj.params.cell_type.keep_gate
    for t in range(min(traj.steps, played.spec.pacing.fast_after)):
        passage = played.spec.script.passage_of(f"step_{t + 1:02d}")
        said = {c.beat: c.text for c in passage.clauses}
        value = format_number(float(traj.gates[keep][t, 0]), played.precision)
        assert f"{keep} gate is {value}" in said[keep], said[keep]
        assert format_number(float(traj.h[t, 0]), played.precision) in passage.text


# ----------------------------------------------------------------------------- compare over rnn.cell


@pytest.fixture(scope="module")
def cells_played(manim_media_dir: Any) -> Played:
    from scenes.compare_cells import CellsCompareScene

    cfg = load_config(ROOT / "configs" / "compare_cells.yaml")
    spec = build_spec(cfg)
    record = Played(scene=None, trajectory=None, precision=spec.precision, spec=spec)

    def listen(scene: Any, section: Any) -> None:
        record.problems[section.name] = check_layout(scene)
        record.numbers[section.name] = collect_numbers(scene)

    cls = get_scene_kind(cfg.scene).load_class(cfg.scene_cell)
    assert cls is CellsCompareScene
    record.scene = dry_run_scene(cls, spec, on_section=listen, media_dir=manim_media_dir)
    return record


def test_cells_compare_layout_is_clean(cells_played: Played) -> None:
    bad = {name: probs for name, probs in cells_played.problems.items() if probs}
    assert not bad, bad


def test_cells_compare_numbers_are_each_cells_own(cells_played: Played) -> None:
    runs = cells_played.spec.runs
    assert [r.trajectory.params.cell if hasattr(r.trajectory.params, "cell") else "rnn" for r in runs] == [
        "rnn",
        "lstm",
        "gru",
    ]
    checked = set()
    for section, shown in cells_played.numbers.items():
        for s in shown:
            _, i, kind, *idx = s.key
            tr = runs[i].trajectory
            value = float(tr.h[idx[0], idx[1]]) if kind == "h" else float(abs(tr.sensitivity_to_last[idx[0], 0, 0]))
            assert s.text == format_number(value, cells_played.precision), (section, s.key, s.text)
            checked.add((i, kind))
    assert checked == {(i, k) for i in range(3) for k in ("h", "reach")}


def test_cells_compare_words_rank_the_cells_by_the_engines_reach(cells_played: Played) -> None:
    from explainer.words.compare_cells import reach

    runs = cells_played.spec.runs
    best = max(runs, key=reach)
    summary = cells_played.spec.script.passage_of("summary").text
    worst = min(runs, key=reach)
    assert (
        summary.startswith("Nudge x₁, and h₃₂ moves about")
        and f"more in the {best.label} than in the {worst.label}" in summary
    )
    reach_words = cells_played.spec.script.passage_of("reach").text
    for r in runs:
        assert f"in the {r.label}" in reach_words


# ----------------------------------------------------------------------------- gradients with a gated cell

GRADIENTS = {
    "gradients_lstm": lambda: load_config(ROOT / "configs" / "gradients_lstm.yaml"),
    "gradients_gru_long": lambda: from_dict(
        {"scene": "gradients", "sequence": {"kind": "sine", "length": 24}, "rnn": {"cell": "gru"}}
    ),
}


@pytest.fixture(scope="module", params=list(GRADIENTS))
def gradients_played(request: pytest.FixtureRequest, manim_media_dir: Any) -> Played:
    from scenes.gated_gradients import GatedGradientsScene

    cfg = GRADIENTS[request.param]()
    spec = build_spec(cfg)
    record = Played(scene=None, trajectory=spec.runs[0].trajectory, precision=spec.precision, spec=spec)

    def listen(scene: Any, section: Any) -> None:
        record.problems[section.name] = check_layout(scene)
        record.numbers[section.name] = collect_numbers(scene)

    cls = get_scene_kind(cfg.scene).load_class(cfg.scene_cell)
    assert cls is GatedGradientsScene
    record.scene = dry_run_scene(cls, spec, on_section=listen, media_dir=manim_media_dir)
    return record


def test_gated_gradients_layout_is_clean(gradients_played: Played) -> None:
    bad = {name: probs for name, probs in gradients_played.problems.items() if probs}
    assert not bad, bad


def test_gated_gradients_bars_are_the_keep_gates_product(gradients_played: Played) -> None:
    traj = gradients_played.trajectory
    keep = traj.params.cell_type.keep_gate
    T = traj.steps
    # The product is what the bars say it is: the keep gate of every later step, multiplied.
    for t in range(T):
        np.testing.assert_allclose(traj.carousel[t, 0], np.prod(traj.gates[keep][t + 1 :, 0]), rtol=1e-12)
    kinds = set()
    for section, shown in gradients_played.numbers.items():
        for s in shown:
            if s.key[0] == "carousel":
                value = float(traj.carousel[s.key[1], 0])
            else:
                assert s.key[:2] == ("gate", keep), s.key
                value = float(traj.gates[keep][s.key[2], 0])
            assert s.text == format_number(value, gradients_played.precision), (section, s.key, s.text)
            kinds.add(s.key[0])
    assert kinds == {"carousel", "gate"}
    closing = gradients_played.spec.script.passage_of("closing").text
    assert Forms(gradients_played.precision).size_change(float(traj.carousel[0, 0])) in closing
