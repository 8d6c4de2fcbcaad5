"""Facts read off trajectories: for every kind, a run that makes it true and one where it must be absent.

Expected numbers are worked out here by hand (``math.tanh`` and the recurrence written
out), not read back from the engine.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnn_engine import RNNParams, generate, run
from rnn_engine.facts import (
    SURVIVAL_GRADES,
    Fact,
    perturbation_facts,
    regimes,
    run_facts,
    survival_grade,
)


def facts_of(x, w_x=1.0, w_h=0.5, b=0.0, h0=0.0, activation="tanh") -> dict[str, Fact]:
    traj = run(np.asarray(x, dtype=float), RNNParams.from_values(w_x, w_h, b, h0, activation))
    return {f.kind: f for f in run_facts(traj)}


def by_hand(x, w_x, w_h, b=0.0, f=math.tanh):
    h, out = 0.0, []
    for v in x:
        h = f(w_x * v + w_h * h + b)
        out.append(h)
    return out


# ----------------------------------------------------------------------------- the one scale


@pytest.mark.parametrize(
    ("ratio", "grade"),
    [
        (250.0, "explodes"),
        (100.5, "explodes"),
        (3.0, "grows"),
        (1.5, "survives"),
        (1.0, "survives"),
        (0.5, "survives"),
        (0.49, "shrinks"),
        (0.05, "shrinks"),
        (0.0499, "vanishes"),
        (0.012, "vanishes"),
        (0.0099, "vanishes"),
        (1e-300, "vanishes"),
        (0.0, "blocked"),
        (-0.3, "shrinks"),
        (math.inf, "explodes"),
    ],
)
def test_every_ratio_has_exactly_one_grade(ratio: float, grade: str) -> None:
    assert survival_grade(ratio) == grade
    assert grade in SURVIVAL_GRADES


def test_nan_has_no_grade() -> None:
    assert survival_grade(math.nan) is None


def test_survival_is_the_gradient_and_the_memory_at_once() -> None:
    # Scalar: dh_T/dx_1 / (dh_1/dx_1) = dh_T/dh_1, so one claim, one grade.
    x = [1.0, 0.5, -0.2, 0.3, 0.1, 0.0, 0.4, 0.2]
    h = by_hand(x, 0.5, 0.8, 0.1)
    z = [0.5 * x[0] + 0.1] + [0.5 * x[t] + 0.8 * h[t - 1] + 0.1 for t in range(1, 8)]
    ratio = math.prod(0.8 * (1 - math.tanh(zt) ** 2) for zt in z[1:])
    fact = facts_of(x, 0.5, 0.8, 0.1)["survival"]
    assert fact.value("ratio") == pytest.approx(ratio, rel=1e-12)
    assert fact.grade == survival_grade(ratio) == "vanishes"  # 1.5 %, below the 5 % line
    assert fact.value("last") / fact.value("first") == pytest.approx(ratio, rel=1e-12)
    assert fact.value("factor") == pytest.approx(ratio ** (1 / 7), rel=1e-12)


def test_survival_grades_at_both_ends() -> None:
    assert facts_of(generate("sine", 10), 1.0, 1.0, activation="sigmoid")["survival"].grade == "vanishes"
    grows = facts_of(generate("linear", 10) / 10, 0.5, 1.5, 0.1, activation="relu")["survival"]
    assert grows.grade == "grows" and grows.value("ratio") == pytest.approx(1.5**9)
    assert facts_of(generate("linear", 16) / 16, 0.5, 1.5, 0.1, activation="relu")["survival"].grade == "explodes"


def test_a_dead_relu_step_blocks_the_gradient_exactly() -> None:
    # x_3 = -5 makes z_3 < 0: ReLU's slope is 0 there, nothing gets back past step 3.
    fact = facts_of([1.0, 1.0, -5.0, 1.0, 1.0], 1.0, 0.5, activation="relu")["survival"]
    assert fact.grade == "blocked" and fact.detail == "zero_factor" and fact.steps[0] == 3


def test_one_step_has_no_survival_and_an_all_nan_run_has_no_grade() -> None:
    assert "survival" not in facts_of([0.5])
    nan = facts_of([math.nan] * 4)
    assert "survival" not in nan and "overflow" in nan


# ----------------------------------------------------------------------------- a measured trace (impulse)


def test_an_impulse_trace_is_measured_and_a_latch_is_told_apart_from_the_gradient() -> None:
    x = [1.0] + [0.0] * 7
    latch = facts_of(x, 1.0, 1.5)
    h = by_hand(x, 1.0, 1.5)  # without x_1 the state stays exactly 0
    assert latch["impulse"].value("last") == pytest.approx(abs(h[-1]))
    assert latch["impulse"].value("ratio") == pytest.approx(h[-1] / h[0])
    assert latch["impulse"].grade == "survives"  # 0.86 / 0.76
    assert latch["survival"].grade == "vanishes" and latch["impulse"].detail == "latch"
    fade = facts_of(x, 1.0, 0.5)
    assert fade["impulse"].grade == fade["survival"].grade == "vanishes" and fade["impulse"].detail == ""
    assert "impulse" not in facts_of([1.0, 0.5, 0.0, 0.0])  # not an impulse: x_2 is not 0


# ----------------------------------------------------------------------------- what the state does


def test_oscillation_from_a_negative_recurrent_weight() -> None:
    # A constant input and W_h = -2: h flips sign at every step (tanh keeps it bounded).
    f = facts_of([0.1] * 8, 1.0, -2.0)
    assert f["oscillation"].detail == "negative_w_h" and f["oscillation"].value("flips") >= 3
    assert "oscillation" not in facts_of([0.1] * 8, 1.0, 0.5)


def test_oscillation_that_follows_the_input() -> None:
    f = facts_of(generate("alternating", 8), 1.0, 0.2)
    assert f["oscillation"].detail == "input"
    assert "oscillation" not in facts_of([1.0, -1.0, 0.5, 0.5, 0.5], 1.0, 0.2)  # two flips only


def test_settling_to_a_fixed_point_needs_a_constant_input() -> None:
    f = facts_of([1.0] + [0.0] * 9, 1.0, 1.5)
    assert f["settles"].value("value") == pytest.approx(by_hand([1.0] + [0.0] * 9, 1.0, 1.5)[-1])
    assert "settles" not in facts_of(generate("sine", 10), 1.0, 1.5)  # the input keeps changing


def test_growth_below_the_explosion_threshold_only_for_relu() -> None:
    f = facts_of([1.0] * 8, 1.0, 1.3, activation="relu")
    assert f["growth"].value("rate") > 1.05 and "explosion" not in f
    assert f["growth"].value("end") == pytest.approx(sum(1.3**k for k in range(8)))
    assert "growth" not in facts_of([1.0] * 8, 1.0, 1.3, activation="tanh")  # tanh saturates instead


def test_explosion_past_the_threshold() -> None:
    f = facts_of([1.0] * 16, 1.0, 2.0, activation="relu")
    assert f["explosion"].detail == "unbounded" and f["explosion"].steps[0] == 7  # 2^7 - 1 = 127 > 100
    assert "explosion" not in facts_of([1.0] * 6, 1.0, 2.0, activation="relu")  # 63 at most


def test_dead_and_saturated_steps() -> None:
    dead = facts_of([-1.0, -2.0, 1.0, -3.0], 1.0, 0.5, activation="relu")["dead"]
    assert dead.steps == (1, 2, 4) and dead.detail == ""
    assert facts_of([-1.0] * 4, 1.0, 0.5, activation="relu")["dead"].detail == "always"
    assert "dead" not in facts_of([1.0] * 4, 1.0, 0.5, activation="relu")
    sat = facts_of([5.0] * 6, 1.0, 0.5)["saturation"]
    assert sat.detail == "to_end" and sat.steps[0] == 1
    assert "saturation" not in facts_of([0.1] * 6, 1.0, 0.5)


def test_sign_and_sigmoid_never_negative() -> None:
    sign = facts_of([0.5, -1.0, -1.0, 0.5], 1.0, 0.3)["sign"]
    assert sign.value("min") == pytest.approx(min(by_hand([0.5, -1.0, -1.0, 0.5], 1.0, 0.3)))
    sig = facts_of(generate("sine", 8), 1.0, 0.5, activation="sigmoid")
    assert "sign" not in sig and sig["positive"].value("min") > 0


def test_factor_bound_explains_sigmoid() -> None:
    bound = facts_of(generate("sine", 8), 1.0, 1.0, activation="sigmoid")["factor_bound"]
    assert bound.value("bound") == 0.25 and bound.detail == "below_one" and bound.rank >= 60
    assert facts_of(generate("sine", 8), 1.0, 0.9)["factor_bound"].rank < 45  # tanh, 0.9: not worth a sentence


def test_regimes_read_from_the_slope() -> None:
    traj = run(np.array([[0.1], [1.0], [4.0]]), RNNParams.from_values(1.0, 0.0))
    assert [r[0] for r in regimes(traj)] == ["linear", "bending", "saturated"]  # tanh'(z): 0.99, 0.42, 0.001
    relu = run(np.array([[1.0], [-1.0]]), RNNParams.from_values(1.0, 0.0, activation="relu"))
    assert [r[0] for r in regimes(relu)] == ["linear", "clipped"]


def test_facts_come_most_important_first() -> None:
    facts = run_facts(run(np.array([[1.0]] * 16), RNNParams.from_values(1.0, 2.0, activation="relu")))
    assert [f.rank for f in facts] == sorted((f.rank for f in facts), reverse=True)
    assert facts[0].kind == "explosion"


# ----------------------------------------------------------------------------- a perturbed pair


def _pair(x, k, delta, w_h=0.5, activation="tanh", w_x=1.0):
    p = RNNParams.from_values(w_x, w_h, 0.0, 0.0, activation)
    x = np.asarray(x, dtype=float)
    x2 = x.copy()
    x2[k - 1] += delta
    return {f.kind: f for f in perturbation_facts(run(x, p), run(x2, p), k)}


def test_the_measured_effect_of_a_change() -> None:
    x = [0.2, 0.5, 0.1, 0.0, 0.3, 0.2]
    f = _pair(x, 2, 1.0)["effect"]
    a, b = by_hand(x, 1.0, 0.5), by_hand([0.2, 1.5, 0.1, 0.0, 0.3, 0.2], 1.0, 0.5)
    assert f.value("first") == pytest.approx(abs(a[1] - b[1]))
    assert f.value("last") == pytest.approx(abs(a[-1] - b[-1]))
    assert f.grade == survival_grade(f.value("last") / f.value("first"))


def test_a_change_with_no_effect() -> None:
    # ReLU dead at step 2 both with and without the change (z stays below 0): no effect at all.
    f = _pair([1.0, -5.0, 1.0, 1.0], 2, 1.0, activation="relu")
    assert f["no_effect"].detail == "dead" and "effect" not in f
    assert _pair([1.0, 0.5, 1.0], 2, 1.0, w_x=0.0)["no_effect"].detail == "w_x"
    assert "no_effect" not in _pair([1.0, 0.5, 1.0], 2, 1.0)


def test_an_effect_that_reverses_sign() -> None:
    # A negative W_h turns the gap's sign at every step after the change.
    assert "effect_reverses" in _pair([0.1, 0.2, 0.1, 0.1, 0.1], 1, 1.0, w_h=-0.9)
    assert "effect_reverses" not in _pair([0.1, 0.2, 0.1, 0.1, 0.1], 1, 1.0, w_h=0.9)
