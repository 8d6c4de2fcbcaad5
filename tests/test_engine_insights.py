"""Observations read off trajectories, checked against numbers worked out by hand."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

from rnn_engine import (
    EXPLODING_THRESHOLD,
    Observation,
    RNNParams,
    compare_insights,
    generate,
    observations,
    parse_number,
    run,
)
from rnn_engine.insights import FORGOTTEN_THRESHOLD, VANISHING_RATIO

ORDER = [
    "exploding",
    "overflow",
    "dead",
    "saturated",
    "vanishing",
    "exploding_gradient",
    "gradient",
    "memory",
    "forgotten",
    "sigmoid_centre",
]


def kinds(obs: list[Observation]) -> list[str]:
    return [o.kind for o in obs]


def by_kind(obs: list[Observation]) -> dict[str, Observation]:
    return {o.kind: o for o in obs}


def number_after(text: str, prefix: str) -> float:
    m = re.search(re.escape(prefix) + r"\s*(-?[0-9.]+(?:e-?[0-9]+)?|overflow|NaN)", text)
    assert m, f"{prefix!r} not in {text!r}"
    return parse_number(m.group(1))


def assert_ordered(obs: list[Observation]) -> None:
    positions = [ORDER.index(k) for k in kinds(obs)]
    assert positions == sorted(positions)
    assert len(set(kinds(obs))) == len(obs)


def tanh_scalar_hand(x: list[float], w_x: float, w_h: float, b: float = 0.0) -> tuple[list[float], list[float]]:
    h, zs, hs = 0.0, [], []
    for xt in x:
        z = w_x * xt + w_h * h + b
        h = math.tanh(z)
        zs.append(z)
        hs.append(h)
    return zs, hs


def test_observation_is_small_and_frozen() -> None:
    o = Observation("memory", 1, "text")
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.text = "other"  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(Observation)] == ["kind", "step", "text"]


def test_tanh_saturation_from_step_2() -> None:
    # x = 1..8, w_x = 1, w_h = 1.5: z1 = 1 (f' = 0.42), z2 = 2 + 1.5 tanh(1) = 3.14 (f' = 0.0075), z keeps growing.
    x = generate("linear", 8)
    zs, _ = tanh_scalar_hand(list(x.ravel()), 1.0, 1.5)
    slopes = [1 - math.tanh(z) ** 2 for z in zs]
    assert slopes[0] > 0.05 and all(s < 0.05 for s in slopes[1:])
    obs = observations(run(x, RNNParams.from_values(1.0, 1.5)))
    assert_ordered(obs)
    sat = by_kind(obs)["saturated"]
    assert sat.step == 2
    assert sat.text == "tanh saturated from t = 2: later inputs barely move h"
    # dh_8/dh_1 = prod_{t=2..8} 1.5 f'(z_t): far below the vanishing ratio.
    ratio = math.prod(1.5 * s for s in slopes[1:])
    vanishing = by_kind(obs)["vanishing"]
    assert vanishing.step == 1
    assert number_after(vanishing.text, "is") == pytest.approx(ratio, rel=5e-3)
    assert "of the one at t = 8" in vanishing.text
    forgotten = by_kind(obs)["forgotten"]
    assert number_after(forgotten.text, "dh_8/dx_1 =") == pytest.approx(ratio * slopes[0] * 1.0, rel=5e-3)


def test_saturation_at_isolated_steps() -> None:
    # x = 0, 5, 0, 0 with w_h = 0: only step 2 saturates (z = 5).
    obs = by_kind(observations(run([0.0, 5.0, 0.0, 0.0], RNNParams.from_values(1.0, 0.0))))
    assert obs["saturated"].step == 2
    assert obs["saturated"].text.startswith("tanh saturated at t = 2: |f'(z)| < 0.05 there")


def test_relu_dead_steps_listed() -> None:
    # alternating 1, -1, ...: z = 1, -1 + 0.5 = -0.5, 1 + 0 = 1, -0.5, ... dead at even steps.
    obs = observations(run(generate("alternating", 8), RNNParams.from_values(1.0, 0.5, activation="relu")))
    assert_ordered(obs)
    dead = by_kind(obs)["dead"]
    assert dead.step == 2
    assert dead.text == "ReLU dead at t = 2, 4, 6, 8: z <= 0 gives h = 0 and no gradient"
    # The last step is dead, so no gradient flows back at all.
    assert by_kind(obs)["vanishing"].text.endswith("no gradient reaches t = 1 from t = 8: dh_8/dh_7 = 0")
    assert by_kind(obs)["forgotten"].text == "h_8 has forgotten x_1: dh_8/dx_1 = 0"


def test_relu_dead_everywhere_and_long_lists_cut() -> None:
    obs = by_kind(observations(run(generate("linear", 8), RNNParams.from_values(-1.0, 0.5, activation="relu"))))
    assert obs["dead"].text.startswith("ReLU dead at every step")
    assert obs["dead"].step == 1
    # 16 isolated dead steps: the list is cut after 6 items.
    obs = by_kind(observations(run(generate("alternating", 32), RNNParams.from_values(1.0, 0.0, activation="relu"))))
    assert obs["dead"].text.startswith("ReLU dead at t = 2, 4, 6, 8, 10, 12, ... (16 steps):")


def test_relu_exploding_growth_rate() -> None:
    # h_t = t + 2 h_(t-1): 1, 4, 11, 26, 57, 120, 247, 502; beyond 100 from t = 6.
    h = [1, 4, 11, 26, 57, 120, 247, 502]
    first = next(i for i, v in enumerate(h) if v > EXPLODING_THRESHOLD)
    rate = (h[-1] / h[first]) ** (1 / (len(h) - 1 - first))
    obs = observations(run(generate("linear", 8), RNNParams.from_values(1.0, 2.0, activation="relu")))
    assert_ordered(obs)
    assert kinds(obs)[0] == "exploding"
    ex = obs[0]
    assert ex.step == first + 1 == 6
    assert ex.text.startswith("ReLU: h grows without bound (x")
    assert number_after(ex.text, "(x") == pytest.approx(rate, rel=5e-3)
    # dh_8/dh_1 = 2^7 = 128 > 100: an exploding gradient; dh_8/dx_1 = 128 as well.
    assert number_after(by_kind(obs)["exploding_gradient"].text, "is") == pytest.approx(128)
    assert number_after(by_kind(obs)["memory"].text, "dh_8/dx_1 =") == pytest.approx(128)


def test_gradient_underflow_is_not_called_blocked() -> None:
    # sigmoid: every factor w_h f'(z) <= 0.5 * 0.25, so dh_512/dh_1 < 0.125^511 ~ 1e-461: it underflows to 0
    # although no single factor is 0.
    traj = run(generate("sine", 512), RNNParams.from_values(0.5, 0.5, activation="sigmoid"))
    assert np.all(traj.backward_factors[1:] > 0) and traj.grad_to_last[0, 0, 0] == 0.0
    text = by_kind(observations(traj))["vanishing"].text
    assert text == (
        "vanishing gradient: the gradient reaching t = 1 is below 1e-308 of the one at t = 512 (it underflows to 0)"
    )


def test_large_but_not_growing_state() -> None:
    # Constant input 500 with w_h = 0: h = 500 at every step, exploding flag but no growth.
    obs = by_kind(observations(run([500.0] * 4, RNNParams.from_values(1.0, 0.0, activation="relu"))))
    assert obs["exploding"].text == "ReLU: |h| reaches 500 at t = 1, far outside the usual range (beyond 100)"


def test_overflow_step_matches_plain_python() -> None:
    # ReLU, w_h = 5 on x = 1..512: find by plain floats the first step where h is inf.
    h, first_inf = 0.0, None
    for t in range(1, 513):
        h = max(0.0, t + 5.0 * h)
        if math.isinf(h):
            first_inf = t
            break
    assert first_inf is not None
    obs = observations(run(generate("linear", 512), RNNParams.from_values(1.0, 5.0, activation="relu")))
    assert_ordered(obs)
    assert kinds(obs)[:2] == ["exploding", "overflow"]
    assert obs[1].step == first_inf
    assert obs[1].text == f"h overflows to infinity at t = {first_inf}"
    assert number_after(obs[0].text, "(x") == pytest.approx(5.0, rel=5e-3)


def test_input_overflow_is_reported() -> None:
    x = generate("exponential", 400, base=10)  # 10^309 = inf at t = 310
    obs = by_kind(observations(run(x, RNNParams.from_values(1.0, 0.5))))  # tanh keeps h finite
    assert obs["overflow"].step == 310
    assert (
        obs["overflow"].text == "z overflows to infinity at t = 310 (h itself stays finite)"
        "; the input is already infinite at t = 310"
    )


def test_memory_value_by_hand() -> None:
    # tanh, x = 0.5, 0.2, 0.1, w_x = 1, w_h = 0.9: dh_3/dx_1 = 0.9 f'(z3) * 0.9 f'(z2) * f'(z1) * 1
    x = [0.5, 0.2, 0.1]
    zs, _ = tanh_scalar_hand(x, 1.0, 0.9)
    d = [1 - math.tanh(z) ** 2 for z in zs]
    expected = 0.9 * d[2] * 0.9 * d[1] * d[0]
    assert expected > FORGOTTEN_THRESHOLD
    obs = by_kind(observations(run(x, RNNParams.from_values(1.0, 0.9))))
    assert obs["memory"].text.startswith("the first input still shapes h_3: dh_3/dx_1 = ")
    assert number_after(obs["memory"].text, "dh_3/dx_1 =") == pytest.approx(expected, rel=5e-3)
    grad = obs["gradient"]
    assert number_after(grad.text, "is") == pytest.approx(0.9 * d[2] * 0.9 * d[1], rel=5e-3)
    assert VANISHING_RATIO < 0.9 * d[2] * 0.9 * d[1] < 1


def test_forgotten_by_hand() -> None:
    # tanh, x = 0.1 for 12 steps, w_h = 0.4: dh_12/dx_1 = 0.4^11 f'(z_12) ... f'(z_2) f'(z_1) ~ 4e-5,
    # small but far from zero: forgotten by the FORGOTTEN_THRESHOLD rule, not by underflow.
    x = [0.1] * 12
    zs, _ = tanh_scalar_hand(x, 1.0, 0.4)
    value = 0.4**11 * math.prod(1 - math.tanh(z) ** 2 for z in zs)
    assert 1e-6 < value < FORGOTTEN_THRESHOLD
    obs = by_kind(observations(run(x, RNNParams.from_values(1.0, 0.4))))
    assert "memory" not in obs
    assert obs["forgotten"].text.startswith("h_12 has forgotten x_1: dh_12/dx_1 = ")
    assert number_after(obs["forgotten"].text, "dh_12/dx_1 =") == pytest.approx(value, rel=5e-3)


def test_vector_observations_use_norms_and_units() -> None:
    traj = run(generate("linear", 8), RNNParams.from_values([[1.0], [0.3]], [[1.5, 0], [0.2, 0.5]]))
    obs = by_kind(observations(traj))
    assert obs["saturated"].text.startswith("tanh unit 1 saturated from t = 2; unit 2 from t = ")
    norm = float(np.linalg.norm(traj.sensitivity_to_last[0], 2))
    assert number_after(obs["forgotten"].text, "|dh_8/dx_1| =") == pytest.approx(norm, rel=5e-3)


def test_sigmoid_centre_and_single_step() -> None:
    traj = run(generate("sine", 8), RNNParams.from_values(0.5, 0.5, activation="sigmoid"))
    obs = observations(traj)
    assert kinds(obs)[-1] == "sigmoid_centre"
    mean = float(np.mean(traj.h))
    assert number_after(obs[-1].text, "around") == pytest.approx(mean, rel=5e-3)
    assert observations(run([0.3], RNNParams.from_values(0.5, 0.5))) == []


def test_compare_insights_across_activations() -> None:
    x = generate("sine", 16)
    runs = {act: run(x, RNNParams.from_values(0.5, 0.8, 0.1, activation=act)) for act in ("tanh", "relu", "sigmoid")}
    obs = compare_insights(runs)
    k = kinds(obs)
    assert k == ["dead", "sign", "gradient", "memory", "final"]
    dead_steps = [int(t) + 1 for t in np.flatnonzero(runs["relu"].dead[:, 0])]
    assert by_kind(obs)["dead"].text.startswith(f"relu dead at t = {', '.join(map(str, dead_steps))}")
    assert "tanh and sigmoid never die" in by_kind(obs)["dead"].text
    lowest = float(runs["tanh"].h.min())
    assert lowest < 0 and runs["sigmoid"].h.min() > 0 and runs["relu"].h.min() >= 0
    sign = by_kind(obs)["sign"].text
    assert sign.startswith("h goes negative for tanh down to ")
    assert number_after(sign, "down to") == pytest.approx(lowest, rel=5e-3)
    assert sign.endswith("relu and sigmoid never do")
    final = by_kind(obs)["final"].text
    for label in runs:
        assert f" for {label}" in final
    assert number_after(final, "h_16 ends at") == pytest.approx(float(runs["tanh"].h[-1, 0]), rel=5e-3)


def test_compare_insights_exploding_and_saturating() -> None:
    x = generate("linear", 8)
    runs = {
        "w_h = 0.5": run(x, RNNParams.from_values(1.0, 0.5, activation="relu")),
        "w_h = 2": run(x, RNNParams.from_values(1.0, 2.0, activation="relu")),
        "tanh": run(x, RNNParams.from_values(1.0, 2.0)),
    }
    obs = by_kind(compare_insights(runs))
    assert obs["exploding"].text.startswith("w_h = 2 grows without bound (x")
    assert obs["exploding"].text.endswith("; w_h = 0.5 and tanh stay bounded")
    assert obs["exploding"].step == 6
    assert obs["saturated"].text.startswith("tanh saturated from t = ")
    assert obs["saturated"].text.endswith("w_h = 0.5 and w_h = 2 never saturate")
    assert "sign" not in obs  # nobody goes negative


def test_compare_needs_two_runs() -> None:
    assert compare_insights({}) == []
    assert compare_insights({"only": run([1.0, 2.0], RNNParams.from_values(0.5, 0.5))}) == []
