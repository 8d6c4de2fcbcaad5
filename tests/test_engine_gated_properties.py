"""Properties of the gated cells that hold for any parameters (hypothesis).

Shapes, batch = per-item, gate ranges, every Jacobian and sensitivity against central
finite differences of the forward pass (restarting from a perturbed state), the
carousel against the exact Jacobian when the gates cannot see the state, determinism,
read-only results, and silence on overflow.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_engine import GatedParams, GatedTrajectory, generate, get_cell, run_gated, run_gated_batch

FAST = settings(max_examples=40, deadline=None)
CELL_NAMES = ("lstm", "gru")
DERIVED = (
    "state_factors",
    "backward_factors",
    "input_factors",
    "state_grad_to_last",
    "grad_to_last",
    "grad_first",
    "carousel",
    "sensitivity_to_last",
    "sensitivity",
)


@dataclass(frozen=True)
class Case:
    x: np.ndarray  # (T, D)
    params: GatedParams


def gate_values(cell: str, rng: np.random.Generator, H: int, D: int, scale: float, w_h: bool = True) -> dict:
    return {
        g: {
            "w_x": rng.uniform(-scale, scale, (H, D)),
            "w_h": rng.uniform(-scale, scale, (H, H)) if w_h else np.zeros((H, H)),
            "b": rng.uniform(-1, 1, H),
        }
        for g in get_cell(cell).gate_names
    }


def _case(
    draw: st.DrawFn, max_h: int = 3, max_d: int = 3, max_t: int = 7, scale: float = 1.5, w_h: bool = True
) -> Case:
    cell = draw(st.sampled_from(CELL_NAMES))
    H, D, T = draw(st.integers(1, max_h)), draw(st.integers(1, max_d)), draw(st.integers(1, max_t))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    c0 = rng.uniform(-1, 1, H) if cell == "lstm" else None
    params = GatedParams.from_values(cell, gate_values(cell, rng, H, D, scale, w_h), rng.uniform(-1, 1, H), c0)
    return Case(rng.uniform(-2, 2, (T, D)), params)


cases = st.composite(_case)


def restart(p: GatedParams, state: np.ndarray) -> GatedParams:
    """The same weights, started from a flat state (h, then c for the LSTM)."""
    H = p.hidden_size
    gates = {name: {"w_x": g.w_x, "w_h": g.w_h, "b": g.b} for name, g in p.gates.items()}
    return GatedParams.from_values(p.cell, gates, state[:H], state[H:] if p.c0 is not None else None)


def last_state(x: np.ndarray, p: GatedParams) -> np.ndarray:
    traj = run_gated(x, p)
    return np.concatenate([traj.h[-1], traj.c[-1]]) if traj.c is not None else traj.h[-1]


def state_at(traj: GatedTrajectory, t: int) -> np.ndarray:
    """The flat state after step t (0-based); t = -1 is the initial state."""
    p = traj.params
    if t < 0:
        return np.concatenate([p.h0, p.c0]) if p.c0 is not None else np.array(p.h0)
    return np.concatenate([traj.h[t], traj.c[t]]) if traj.c is not None else np.array(traj.h[t])


EPS = 1e-6


def _fd_close(fd: np.ndarray, exact: np.ndarray) -> None:
    np.testing.assert_allclose(fd, exact, rtol=1e-5, atol=1e-7)


def fd_state(x: np.ndarray, p: GatedParams, start: np.ndarray) -> np.ndarray:
    """d(last state)/d(start state) by central differences: run x from start +- eps e_j."""
    S = start.size
    out = np.empty((S, S))
    for j in range(S):
        e = np.zeros(S)
        e[j] = EPS
        out[:, j] = (last_state(x, restart(p, start + e)) - last_state(x, restart(p, start - e))) / (2 * EPS)
    return out


@FAST
@given(cases())
def test_shapes(case: Case) -> None:
    traj = run_gated(case.x, case.params)
    T, D = case.x.shape
    H = case.params.hidden_size
    G = len(get_cell(traj.cell).gates)
    S = 2 * H if traj.cell == "lstm" else H
    assert (traj.steps, traj.hidden_size, traj.input_size, traj.state_size) == (T, H, D, S)
    shapes = {
        "x": (T, D), "h": (T, H), "gate_values": (T, G, H), "pre_activation": (T, G, H),
        "state_factors": (T, S, S), "backward_factors": (T, H, H), "input_factors": (T, S, D),
        "state_grad_to_last": (T, S, S), "grad_to_last": (T, H, H), "grad_first": (H, H), "carousel": (T, H),
        "sensitivity_to_last": (T, H, D), "sensitivity": (T, T, H, D),
    }  # fmt: skip
    if traj.cell == "lstm":
        shapes.update({"c": (T, H), "tanh_c": (T, H), "cell_grad_to_last": (T, H, H)})
    else:
        assert traj.c is None and traj.tanh_c is None and traj.cell_grad_to_last is None
    for name, shape in shapes.items():
        arr = getattr(traj, name)
        assert arr.shape == shape and arr.dtype == np.float64, name
    for mapping in (traj.gates, traj.pre_activations, traj.recurrent_terms):
        assert tuple(mapping) == get_cell(traj.cell).gate_names
        assert all(v.shape == (T, H) for v in mapping.values())
    for mapping in (traj.gate_closed, traj.gate_open, traj.saturated):
        assert all(v.shape == (T, H) and v.dtype == bool for v in mapping.values())
    for name in ("exploding", "nonfinite"):
        assert getattr(traj, name).shape == (T, H) and getattr(traj, name).dtype == bool


@FAST
@given(cases())
def test_gates_and_states_in_range(case: Case) -> None:
    traj = run_gated(case.x, case.params)
    for g in get_cell(traj.cell).gates:
        v = traj.gates[g.name]
        lo, hi = (0.0, 1.0) if g.activation == "sigmoid" else (-1.0, 1.0)
        assert np.all((v >= lo) & (v <= hi)), g.name
        # strictly inside where the argument is moderate (float64 rounds to the bound only far out)
        moderate = np.abs(traj.pre_activations[g.name]) < 18
        assert np.all((v[moderate] > lo) & (v[moderate] < hi)), g.name
    assert np.all(np.abs(traj.h) <= 1.0 + 1e-15) or traj.cell == "gru"
    if traj.cell == "lstm":
        np.testing.assert_allclose(traj.tanh_c, np.tanh(traj.c), rtol=0, atol=0)
        # |c_t| <= |c_(t-1)| + 1: f and i in [0, 1], |g| <= 1
        prev = np.vstack([case.params.c0[None], traj.c[:-1]])
        assert np.all(np.abs(traj.c) <= np.abs(prev) + 1.0 + 1e-12)
    else:
        # h is a convex mix of the old h and n in (-1, 1): |h_t| <= max(|h_(t-1)|, 1)
        prev = np.vstack([case.params.h0[None], traj.h[:-1]])
        assert np.all(np.abs(traj.h) <= np.maximum(np.abs(prev), 1.0) + 1e-12)


@FAST
@given(st.data())
def test_batch_equals_per_item(data: st.DataObject) -> None:
    first = data.draw(cases())
    cell, H, D, T = first.params.cell, first.params.hidden_size, first.params.input_size, first.x.shape[0]
    n = data.draw(st.integers(1, 4))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    gates = {
        g: {
            "w_x": rng.uniform(-1.5, 1.5, (n, H, D)),
            "w_h": rng.uniform(-1.5, 1.5, (n, H, H)),
            "b": rng.uniform(-1, 1, (n, H)),
        }
        for g in get_cell(cell).gate_names
    }
    h0 = rng.uniform(-1, 1, (n, H))
    c0 = rng.uniform(-1, 1, (n, H)) if cell == "lstm" else None
    shared = data.draw(st.booleans())
    x = first.x if shared else rng.uniform(-2, 2, (n, T, D))
    batch = run_gated_batch(cell, x, gates, h0, c0)
    assert len(batch) == n
    for i in range(n):
        params = GatedParams.from_values(
            cell, {g: {k: v[k][i] for k in v} for g, v in gates.items()}, h0[i], None if c0 is None else c0[i]
        )
        single = run_gated(x if shared else x[i], params)
        for name in ("h", "gate_values", "pre_activation", *DERIVED[:-1]):
            got, want = getattr(batch, name)[i], getattr(single, name)
            # Summation order inside BLAS may differ with the batch size: allow rounding.
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13 * (1 + np.abs(want).max()), err_msg=name)
        if cell == "lstm":
            np.testing.assert_allclose(batch.c[i], single.c, rtol=1e-12, atol=1e-13)
        for name in ("gate_closed", "gate_open", "saturated"):
            for key, flags in getattr(single, name).items():
                np.testing.assert_array_equal(getattr(batch, name)[key][i], flags, err_msg=f"{name} {key}")
        for name in ("exploding", "nonfinite"):
            np.testing.assert_array_equal(getattr(batch, name)[i], getattr(single, name), err_msg=name)
        assert batch.item(i).params == params


# --------------------------------------------------------------------------- derivatives by finite differences


@FAST
@given(cases(max_t=5))
def test_state_factors_are_one_step_jacobians(case: Case) -> None:
    traj = run_gated(case.x, case.params)
    for t in range(traj.steps):
        fd = fd_state(case.x[t : t + 1], case.params, state_at(traj, t - 1))
        _fd_close(fd, traj.state_factors[t])
        H = traj.hidden_size
        np.testing.assert_array_equal(traj.backward_factors[t], traj.state_factors[t][:H, :H])


@FAST
@given(cases(max_t=5))
def test_state_grad_to_last_is_the_total_derivative(case: Case) -> None:
    traj = run_gated(case.x, case.params)
    T, H, S = traj.steps, traj.hidden_size, traj.state_size
    np.testing.assert_array_equal(traj.state_grad_to_last[T - 1], np.eye(S))
    for t in range(T - 1):
        # restart from the state after step t + 1 (perturbed) and run the remaining inputs to the end
        fd = fd_state(case.x[t + 1 :], case.params, state_at(traj, t))
        _fd_close(fd, traj.state_grad_to_last[t])
        # dh_T/dh_t (c_t fixed) and dc_T/dc_t (h_t fixed) are its blocks
        _fd_close(fd[:H, :H], traj.grad_to_last[t])
        if traj.cell == "lstm":
            _fd_close(fd[H:, H:], traj.cell_grad_to_last[t])
    np.testing.assert_allclose(traj.grad_first, traj.grad_to_last[0], rtol=1e-12, atol=1e-14)


@FAST
@given(cases(max_t=5))
def test_sensitivities_are_dh_dx(case: Case) -> None:
    traj = run_gated(case.x, case.params)
    T, D = case.x.shape
    for k in range(T):
        for d in range(D):
            up, dn = case.x.copy(), case.x.copy()
            up[k, d] += EPS
            dn[k, d] -= EPS
            fd = (run_gated(up, case.params).h - run_gated(dn, case.params).h) / (2 * EPS)  # (T, H): dh_t/dx_k[d]
            _fd_close(fd, traj.sensitivity[:, k, :, d])
        # the local factor: how x_k moves the state of step k alone
        start = state_at(traj, k - 1)
        fd_local = np.empty((traj.state_size, D))
        for d in range(D):
            e = np.zeros(D)
            e[d] = EPS
            up = last_state(case.x[k : k + 1] + e, restart(case.params, start))
            dn = last_state(case.x[k : k + 1] - e, restart(case.params, start))
            fd_local[:, d] = (up - dn) / (2 * EPS)
        _fd_close(fd_local, traj.input_factors[k])
    np.testing.assert_allclose(traj.sensitivity_to_last, traj.sensitivity[T - 1], rtol=1e-10, atol=1e-14)
    assert np.all(traj.sensitivity[np.triu_indices(T, 1)] == 0.0)  # the future cannot move the past


@FAST
@given(cases(max_t=6, w_h=False))
def test_carousel_is_the_exact_jacobian_when_gates_cannot_see_the_state(case: Case) -> None:
    """With every w_h = 0 the direct memory path is the only one: the keep-gate product is exact."""
    traj = run_gated(case.x, case.params)
    exact = traj.cell_grad_to_last if traj.cell == "lstm" else traj.grad_to_last
    for t in range(traj.steps):
        np.testing.assert_allclose(exact[t], np.diag(traj.carousel[t]), rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- determinism, immutability, silence


@FAST
@given(cases())
def test_deterministic(case: Case) -> None:
    a, b = run_gated(case.x, case.params), run_gated(case.x, case.params)
    for name in ("h", "gate_values", "pre_activation", *DERIVED, "exploding", "nonfinite"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    # the order things are asked for does not change them
    c = run_gated(case.x, case.params)
    c.state_grad_to_last  # noqa: B018 - build the full products first this time
    np.testing.assert_array_equal(c.sensitivity_to_last, a.sensitivity_to_last)
    np.testing.assert_array_equal(c.grad_first, a.grad_first)


def _all_arrays(traj: GatedTrajectory) -> dict[str, np.ndarray]:
    out = {
        name: getattr(traj, name)
        for name in ("x", "h", "gate_values", "pre_activation", *DERIVED, "exploding", "nonfinite")
    }
    if traj.c is not None:
        out.update(c=traj.c, tanh_c=traj.tanh_c, cell_grad_to_last=traj.cell_grad_to_last, c0=traj.params.c0)
    for mapping in ("gates", "pre_activations", "recurrent_terms", "gate_closed", "gate_open", "saturated"):
        out.update({f"{mapping}.{k}": v for k, v in getattr(traj, mapping).items()})
    for name, g in traj.params.gates.items():
        out.update({f"{name}.w_x": g.w_x, f"{name}.w_h": g.w_h, f"{name}.b": g.b})
    out.update(h0=traj.params.h0, w_x=traj.params.w_x, w_h=traj.params.w_h, b=traj.params.b)
    return out


@settings(max_examples=10, deadline=None)
@given(cases())
def test_results_are_read_only(case: Case) -> None:
    traj = run_gated(case.x, case.params)
    for name, arr in _all_arrays(traj).items():
        assert not arr.flags.writeable, name
        with pytest.raises(ValueError):
            arr[...] = 0
    with pytest.raises(TypeError):
        traj.gates["forget" if traj.cell == "lstm" else "reset"] = traj.h  # type: ignore[index]
    with pytest.raises(AttributeError):
        traj.h = traj.x  # type: ignore[misc]
    p = case.params
    gates = {name: {"w_x": g.w_x[None], "w_h": g.w_h[None], "b": g.b[None]} for name, g in p.gates.items()}
    batch = run_gated_batch(p.cell, case.x, gates, p.h0[None], None if p.c0 is None else p.c0[None])
    for name in (
        "x",
        "h",
        "gate_values",
        "pre_activation",
        "h0",
        "w_x",
        "w_h",
        "b",
        *DERIVED[:-1],
        "exploding",
        "nonfinite",
    ):
        arr = getattr(batch, name)
        assert not arr.flags.writeable, name
        assert arr.base is None or not arr.base.flags.writeable, name


@pytest.mark.parametrize("cell", CELL_NAMES)
@pytest.mark.parametrize(
    ("label", "x", "scale"),
    [
        ("linear, 512 steps", generate("linear", 512), 3.0),
        ("weights 1e300", generate("linear", 64), 1e300),
        ("exponential base 10, 400 steps", generate("exponential", 400, base=10), 1.0),
    ],
)
def test_no_warnings_on_overflow(cell: str, label: str, x: np.ndarray, scale: float) -> None:
    rng = np.random.default_rng(0)
    gates = gate_values(cell, rng, 2, 1, 1.0)
    for g in gates.values():
        g["w_x"] = g["w_x"] * scale
        g["w_h"] = g["w_h"] * scale
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        traj = run_gated(x, GatedParams.from_values(cell, gates, 0.5, 0.5 if cell == "lstm" else None))
        _all_arrays(traj)  # every derived array and flag, computed under "raise"
    assert np.all((traj.gate_values >= -1) | np.isnan(traj.gate_values))
