"""Properties of the engine that hold for any parameters (hypothesis).

Shapes, batch = per-item, activation ranges, Jacobians against central finite
differences of the forward pass, determinism, read-only results, and silence on
overflow.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rnn_engine import (
    ACTIVATIONS,
    RNNParams,
    Trajectory,
    generate,
    perturbation_facts,
    run,
    run_batch,
    run_facts,
)

FAST = settings(max_examples=40, deadline=None)
DERIVED = ("backward_factors", "grad_to_last", "sensitivity_to_last", "sensitivity")
FLAGS = ("saturated", "dead", "exploding", "nonfinite")


@dataclass(frozen=True)
class Case:
    x: np.ndarray  # (T, D)
    params: RNNParams


def _case(draw: st.DrawFn, max_h: int = 3, max_d: int = 3, max_t: int = 8, scale: float = 1.5) -> Case:
    H = draw(st.integers(1, max_h))
    D = draw(st.integers(1, max_d))
    T = draw(st.integers(1, max_t))
    act = draw(st.sampled_from(sorted(ACTIVATIONS)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return Case(
        rng.uniform(-2, 2, (T, D)),
        RNNParams.from_values(
            rng.uniform(-scale, scale, (H, D)),
            rng.uniform(-scale, scale, (H, H)),
            rng.uniform(-1, 1, H),
            rng.uniform(-1, 1, H),
            act,
        ),
    )


cases = st.composite(_case)


@FAST
@given(cases())
def test_shapes(case: Case) -> None:
    traj = run(case.x, case.params)
    T, D = case.x.shape
    H = case.params.hidden_size
    assert (traj.steps, traj.hidden_size, traj.input_size) == (T, H, D)
    for name, shape in (
        ("x", (T, D)),
        ("z", (T, H)),
        ("h", (T, H)),
        ("dh", (T, H)),
        ("backward_factors", (T, H, H)),
        ("grad_to_last", (T, H, H)),
        ("sensitivity_to_last", (T, H, D)),
        ("sensitivity", (T, T, H, D)),
    ):
        arr = getattr(traj, name)
        assert arr.shape == shape, name
        assert arr.dtype == np.float64, name
    for name in FLAGS:
        assert getattr(traj, name).shape == (T, H) and getattr(traj, name).dtype == bool


@FAST
@given(st.data())
def test_batch_equals_per_item(data: st.DataObject) -> None:
    first = data.draw(cases())
    H, D, T = first.params.hidden_size, first.params.input_size, first.x.shape[0]
    n = data.draw(st.integers(1, 4))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    w_x = rng.uniform(-1.5, 1.5, (n, H, D))
    w_h = rng.uniform(-1.5, 1.5, (n, H, H))
    b = rng.uniform(-1, 1, (n, H))
    h0 = rng.uniform(-1, 1, (n, H))
    shared = data.draw(st.booleans())
    x = first.x if shared else rng.uniform(-2, 2, (n, T, D))
    act = first.params.activation
    batch = run_batch(x, w_x, w_h, b, h0, act)
    assert len(batch) == n
    for i in range(n):
        single = run(x if shared else x[i], RNNParams.from_values(w_x[i], w_h[i], b[i], h0[i], act))
        for name in ("z", "h", "dh", "backward_factors", "grad_to_last", "sensitivity_to_last"):
            got, want = getattr(batch, name)[i], getattr(single, name)
            # Summation order inside BLAS may differ with the batch size: allow rounding.
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13 * (1 + np.abs(want).max()), err_msg=name)
        for name in FLAGS:
            np.testing.assert_array_equal(getattr(batch, name)[i], getattr(single, name), err_msg=name)
        item = batch.item(i)
        np.testing.assert_array_equal(item.h, batch.h[i])
        assert item.params == RNNParams.from_values(w_x[i], w_h[i], b[i], h0[i], act)


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(finite)
def test_activation_ranges(z: float) -> None:
    a = np.array([z])
    with np.errstate(all="raise"):
        s = float(ACTIVATIONS["sigmoid"](a)[0])
        t = float(ACTIVATIONS["tanh"](a)[0])
        r = float(ACTIVATIONS["relu"](a)[0])
    # float64 rounds sigmoid to exactly 0 or 1 only far out (|z| > 36 or so): inside (0, 1) for |z| < 30.
    assert 0.0 <= s <= 1.0
    if abs(z) < 30:
        assert 0.0 < s < 1.0
    # tanh rounds to exactly +-1 beyond |z| ~ 19.1: strictly inside for |z| < 18.
    assert -1.0 <= t <= 1.0
    if abs(z) < 18:
        assert -1.0 < t < 1.0
    assert r >= 0.0 and (r == z if z > 0 else r == 0.0)
    for act in ACTIVATIONS.values():
        d = float(act.derivative(a)[0])
        assert 0.0 <= d <= act.max_slope
        lo, hi = act.output_range
        assert lo <= float(act(a)[0]) <= hi


@FAST
@given(cases())
def test_states_respect_activation_range(case: Case) -> None:
    traj = run(case.x, case.params)
    lo, hi = ACTIVATIONS[case.params.activation].output_range
    assert np.all((traj.h >= lo) & (traj.h <= hi))


# --------------------------------------------------------------------------- Jacobians by finite differences

EPS = 1e-6


def _far_from_kinks(traj: Trajectory) -> bool:
    # ReLU has no derivative at z = 0; a finite difference straddling it is meaningless.
    return traj.activation != "relu" or bool(np.all(np.abs(traj.z) > 1e-3))


def _fd_close(fd: np.ndarray, exact: np.ndarray) -> None:
    np.testing.assert_allclose(fd, exact, rtol=1e-5, atol=1e-7)


@FAST
@given(cases(max_t=6))
def test_backward_factors_are_one_step_jacobians(case: Case) -> None:
    traj = run(case.x, case.params)
    assume(_far_from_kinks(traj))
    p = case.params
    H = p.hidden_size
    for t in range(traj.steps):
        fd = np.empty((H, H))
        for j in range(H):
            e = np.zeros(H)
            e[j] = EPS
            hp = traj.h_prev(t)
            up = run(case.x[t : t + 1], RNNParams.from_values(p.w_x, p.w_h, p.b, hp + e, p.activation)).h[0]
            dn = run(case.x[t : t + 1], RNNParams.from_values(p.w_x, p.w_h, p.b, hp - e, p.activation)).h[0]
            fd[:, j] = (up - dn) / (2 * EPS)
        _fd_close(fd, traj.backward_factors[t])


@FAST
@given(cases(max_t=6))
def test_grad_to_last_is_dhT_dht(case: Case) -> None:
    traj = run(case.x, case.params)
    assume(_far_from_kinks(traj))
    p = case.params
    H, T = p.hidden_size, traj.steps
    np.testing.assert_array_equal(traj.grad_to_last[T - 1], np.eye(H))
    for t in range(T - 1):
        fd = np.empty((H, H))
        for j in range(H):
            e = np.zeros(H)
            e[j] = EPS
            # Restart from h_t (perturbed) and run the remaining inputs to the end.
            rest = case.x[t + 1 :]
            up = run(rest, RNNParams.from_values(p.w_x, p.w_h, p.b, traj.h[t] + e, p.activation)).h[-1]
            dn = run(rest, RNNParams.from_values(p.w_x, p.w_h, p.b, traj.h[t] - e, p.activation)).h[-1]
            fd[:, j] = (up - dn) / (2 * EPS)
        _fd_close(fd, traj.grad_to_last[t])


@FAST
@given(cases(max_t=6))
def test_sensitivity_is_dht_dxk(case: Case) -> None:
    traj = run(case.x, case.params)
    assume(_far_from_kinks(traj))
    T, D = case.x.shape
    for k in range(T):
        for d in range(D):
            up, dn = case.x.copy(), case.x.copy()
            up[k, d] += EPS
            dn[k, d] -= EPS
            fd = (run(up, case.params).h - run(dn, case.params).h) / (2 * EPS)  # (T, H): dh_t/dx_k[d]
            _fd_close(fd, traj.sensitivity[:, k, :, d])
    np.testing.assert_allclose(traj.sensitivity_to_last, traj.sensitivity[T - 1], rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- determinism, immutability, silence


@FAST
@given(cases())
def test_deterministic(case: Case) -> None:
    a, b = run(case.x, case.params), run(case.x, case.params)
    for name in ("z", "h", "dh", *DERIVED, *FLAGS):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def _all_arrays(traj: Trajectory) -> dict[str, np.ndarray]:
    p = traj.params
    out = {name: getattr(traj, name) for name in ("x", "z", "h", "dh", *DERIVED, *FLAGS)}
    out.update({"w_x": p.w_x, "w_h": p.w_h, "b": p.b, "h0": p.h0})
    return out


@settings(max_examples=10, deadline=None)
@given(cases())
def test_results_are_read_only(case: Case) -> None:
    traj = run(case.x, case.params)
    for name, arr in _all_arrays(traj).items():
        assert not arr.flags.writeable, name
        with pytest.raises(ValueError):
            arr[...] = 0
    batch = run_batch(case.x, case.params.w_x[None], case.params.w_h[None], 0.0, 0.0, case.params.activation)
    for name in (
        "x",
        "z",
        "h",
        "dh",
        "h0",
        "w_x",
        "w_h",
        "b",
        "backward_factors",
        "grad_to_last",
        "sensitivity_to_last",
        *FLAGS,
    ):
        arr = getattr(batch, name)
        assert not arr.flags.writeable, name
        assert arr.base is None or not arr.base.flags.writeable, name
    with pytest.raises(AttributeError):
        traj.h = traj.z  # type: ignore[misc]


@pytest.mark.parametrize(
    ("label", "x", "w_h", "act"),
    [
        ("relu w_h 3, 512 steps", generate("linear", 512), 3.0, "relu"),
        ("relu w_h 1e3 (overflow)", generate("linear", 512), 1e3, "relu"),
        ("exponential base 10, 512 steps", generate("exponential", 512, base=10), 0.5, "relu"),
        ("exponential base 10, tanh", generate("exponential", 512, base=10), 0.5, "tanh"),
        ("exponential base 10, sigmoid", generate("exponential", 512, base=-10), 0.5, "sigmoid"),
    ],
)
def test_no_warnings_on_overflow(label: str, x: np.ndarray, w_h: float, act: str) -> None:
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        traj = run(x, RNNParams.from_values(1.0, w_h, 0.1, 0.0, act))
        for name in (*DERIVED, *FLAGS):
            getattr(traj, name)
        run_facts(traj)
        perturbation_facts(traj, run(x * 0.5, RNNParams.from_values(1.0, w_h, 0.1, 0.0, act)), 1)
        batch = run_batch(x, np.ones((3, 2, 1)), np.full((3, 2, 2), w_h), 0.0, 0.0, act)
        for name in ("backward_factors", "grad_to_last", "sensitivity_to_last", *FLAGS):
            getattr(batch, name)
    if act == "relu" and w_h >= 1e3:
        assert traj.nonfinite.any()
