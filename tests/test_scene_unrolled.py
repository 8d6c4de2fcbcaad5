"""The unrolled scene played without drawing: layout after every section, numbers on screen, timeline.

Each configuration is played once per module (``LayoutRenderer`` jumps every
animation to its end); the listener records what is wrong and what is shown at
the end of every section, and the tests assert on those records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

pytest.importorskip("manim")

#: Builds Manim scenes or mobjects (a dry run, no video): the "scene" tier.
pytestmark = pytest.mark.scene

from scene_checks import check_layout, collect_numbers, dry_run_scene, make_spec  # noqa: E402

from explainer.words.forms import Forms  # noqa: E402
from rnn_engine.formatting import format_number  # noqa: E402
from scenes.components.chain import UnrolledChain  # noqa: E402
from scenes.components.state_chart import StateChart  # noqa: E402
from scenes.unrolled import UnrolledScene  # noqa: E402

CONFIGS: dict[str, dict[str, Any]] = {
    "default_tanh_8": {},
    "long_64": {"length": 64},
    "vector_h4": {
        "length": 8,
        "w_x": [[0.5], [-0.3], [0.8], [0.1]],
        "w_h": [[0.5, -0.2, 0.1, 0.0], [0.3, 0.4, -0.5, 0.2], [0.0, 0.2, 0.6, -0.1], [0.1, 0.0, -0.3, 0.5]],
        "b": [0.1, 0.0, -0.1, 0.05],
        "h0": [0.0, 0.1, 0.0, -0.1],
    },
    "relu_powers_16": {"kind": "exponential", "length": 16, "activation": "relu", "w_x": 1.0, "w_h": 1.5},
    "relu_overflow": {"kind": "exponential", "length": 16, "activation": "relu", "w_x": 1.0, "w_h": 1e40},
    "light_theme": {"theme": "light", "kind": "fibonacci", "normalize": "maxabs", "activation": "sigmoid"},
}


@dataclass
class Played:
    scene: Any
    trajectory: Any
    precision: int
    problems: dict[str, list[str]] = field(default_factory=dict)
    numbers: dict[str, list[Any]] = field(default_factory=dict)
    intact: dict[str, bool] = field(default_factory=dict)


def _engine_value(traj: Any, key: tuple[Any, ...]) -> float:
    kind, *idx = key
    p = traj.params
    source = {"x": traj.x, "z": traj.z, "h": traj.h, "h0": p.h0, "w_x": p.w_x, "w_h": p.w_h, "b": p.b}[kind]
    return float(np.asarray(source)[tuple(idx)])


@pytest.fixture(scope="module", params=list(CONFIGS))
def played(request: pytest.FixtureRequest, manim_media_dir: Any) -> Played:
    spec = make_spec(**CONFIGS[request.param])
    record = Played(scene=None, trajectory=spec.runs[0].trajectory, precision=spec.precision)

    def listen(scene: Any, section: Any) -> None:
        record.problems[section.name] = check_layout(scene)
        record.numbers[section.name] = collect_numbers(scene)
        # Components must stay whole, top-level mobjects (a split chain draws in the wrong order).
        expected = {"title": (), "inputs": (UnrolledChain,)}.get(section.name, (UnrolledChain, StateChart))
        record.intact[section.name] = all(any(isinstance(m, cls) for m in scene.mobjects) for cls in expected)

    record.scene = dry_run_scene(UnrolledScene, spec, on_section=listen, media_dir=manim_media_dir)
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
    assert checked > 0


def test_each_step_shows_its_own_z_and_h(played: Played) -> None:
    traj = played.trajectory
    for t in range(traj.steps):
        keys = {s.key for s in played.numbers[f"step_{t + 1:02d}"]}
        for i in range(traj.hidden_size):
            assert ("z", t, i) in keys and ("h", t, i) in keys, (t, i)
            assert ("x", t, 0) in keys


def test_timeline_has_one_section_per_step_and_covers_the_video(played: Played) -> None:
    scene, traj = played.scene, played.trajectory
    names = [r.name for r in scene.timeline]
    assert names == ["title", "inputs", "network", *[f"step_{t:02d}" for t in range(1, traj.steps + 1)], "summary"]
    assert [r.title for r in scene.timeline][3] == "t = 1"
    assert scene.timeline[0].start == 0.0
    for a, b in zip(scene.timeline, scene.timeline[1:], strict=False):
        assert b.start == pytest.approx(a.end) and a.end > a.start
    assert scene.timeline[-1].end == pytest.approx(scene.renderer.time)
    last_step = scene.timeline[-2]
    assert last_step.start < scene.thumbnail_time < last_step.end
    assert tuple(r.name for r in scene.timeline) == scene.spec.script.sections()


def test_every_section_lasts_as_long_as_its_words_and_its_animation(played: Played) -> None:
    scene = played.scene
    steps = [r for r in scene.timeline if r.name.startswith("step_")]
    for i, r in enumerate(steps, start=1):
        budget = 2.0 if i <= 4 else 0.6  # the animation's own time
        words = scene.spec.script.min_seconds(r.name)
        frame = 1 / 15 + 1e-6
        # Never shorter than its words or its animation; never longer than both one after the other.
        assert max(budget, words) - frame <= r.duration <= words + budget + frame, (r.name, r.duration, budget, words)


def test_step_words_state_the_computed_values(played: Played) -> None:
    traj, pr = played.trajectory, played.precision
    script = played.scene.spec.script
    detailed = min(traj.steps, 4)
    for t in range(detailed):
        text = script.passage_of(f"step_{t + 1:02d}").text
        assert text.startswith(f"Step {t + 1}.")
        if not np.all(np.isfinite(traj.z[t])):
            assert "too large to represent" in text
            continue
        for v in traj.h[t]:
            said = Forms(pr).num(float(v))
            assert said in text, (said, text)
