"""Hand-computed checks of the forward pass and its derived numbers.

Every expected value here is worked out step by step with plain Python floats
(``math.tanh``, ``math.exp``), never by calling the engine, for 1- and 2-step runs
of every activation, with a scalar state and with H = 2, D = 2.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from rnn_engine import (
    DEAD_THRESHOLD,
    EXPLODING_THRESHOLD,
    SATURATION_THRESHOLD,
    RNNParams,
    generate,
    run,
    run_batch,
)

# --------------------------------------------------------------------------- plain-math references


def f_hand(name: str, z: float) -> float:
    if name == "tanh":
        return math.tanh(z)
    if name == "relu":
        return z if z > 0 else 0.0
    return 1.0 / (1.0 + math.exp(-z))


def df_hand(name: str, z: float) -> float:
    if name == "tanh":
        return 1.0 - math.tanh(z) ** 2
    if name == "relu":
        return 1.0 if z > 0 else 0.0
    s = 1.0 / (1.0 + math.exp(-z))
    return s * (1.0 - s)


def matvec(A: list[list[float]], v: list[float]) -> list[float]:
    return [sum(a * b for a, b in zip(row, v, strict=True)) for row in A]


def matmul(A: list[list[float]], B: list[list[float]]) -> list[list[float]]:
    return [[sum(A[i][k] * B[k][j] for k in range(len(B))) for j in range(len(B[0]))] for i in range(len(A))]


def diag_times(d: list[float], M: list[list[float]]) -> list[list[float]]:
    return [[d[i] * M[i][j] for j in range(len(M[0]))] for i in range(len(M))]


ACTS = ["tanh", "relu", "sigmoid"]

# --------------------------------------------------------------------------- scalar, 1 and 2 steps

W_X, W_H, B, H0 = 0.5, 0.8, 0.1, 0.2


@pytest.mark.parametrize("act", ACTS)
def test_scalar_one_step(act: str) -> None:
    z1 = W_X * 1.5 + W_H * H0 + B  # 0.75 + 0.16 + 0.1 = 1.01
    assert z1 == pytest.approx(1.01)
    traj = run([1.5], RNNParams.from_values(W_X, W_H, B, H0, act))
    assert traj.steps == 1 and traj.is_scalar
    np.testing.assert_allclose(traj.z, [[z1]], rtol=1e-15)
    np.testing.assert_allclose(traj.h, [[f_hand(act, z1)]], rtol=1e-15)
    np.testing.assert_allclose(traj.dh, [[df_hand(act, z1)]], rtol=1e-14)
    np.testing.assert_allclose(traj.backward_factors, [[[W_H * df_hand(act, z1)]]], rtol=1e-14)
    np.testing.assert_array_equal(traj.grad_to_last, [[[1.0]]])
    np.testing.assert_allclose(traj.sensitivity_to_last, [[[df_hand(act, z1) * W_X]]], rtol=1e-14)
    np.testing.assert_allclose(traj.sensitivity, [[[[df_hand(act, z1) * W_X]]]], rtol=1e-14)
    np.testing.assert_array_equal(traj.h_prev(0), [H0])


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("x2", [-2.0, 2.0])  # x2 = -2 kills ReLU at step 2 (z2 < 0)
def test_scalar_two_steps(act: str, x2: float) -> None:
    x = [1.0, x2]
    z1 = W_X * x[0] + W_H * H0 + B  # 0.5 + 0.16 + 0.1 = 0.76
    h1 = f_hand(act, z1)
    z2 = W_X * x[1] + W_H * h1 + B
    h2 = f_hand(act, z2)
    d1, d2 = df_hand(act, z1), df_hand(act, z2)
    traj = run(x, RNNParams.from_values(W_X, W_H, B, H0, act))

    np.testing.assert_allclose(traj.z.ravel(), [z1, z2], rtol=1e-14)
    np.testing.assert_allclose(traj.h.ravel(), [h1, h2], rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(traj.dh.ravel(), [d1, d2], rtol=1e-13)
    np.testing.assert_allclose(traj.h_prev(1), [h1], rtol=1e-14)
    # dh_t/dh_(t-1) = w_h f'(z_t); dh_2/dh_1 = w_h f'(z_2); dh_2/dh_2 = 1
    np.testing.assert_allclose(traj.backward_factors.ravel(), [W_H * d1, W_H * d2], rtol=1e-13)
    np.testing.assert_allclose(traj.grad_to_last.ravel(), [W_H * d2, 1.0], rtol=1e-13)
    # dh_2/dx_1 = w_h f'(z_2) f'(z_1) w_x;  dh_2/dx_2 = f'(z_2) w_x
    np.testing.assert_allclose(traj.sensitivity_to_last.ravel(), [W_H * d2 * d1 * W_X, d2 * W_X], rtol=1e-13)
    expected_s = [[d1 * W_X, 0.0], [W_H * d2 * d1 * W_X, d2 * W_X]]
    np.testing.assert_allclose(traj.sensitivity[:, :, 0, 0], expected_s, rtol=1e-13)

    if act == "relu" and x2 < 0:
        assert z2 < 0 and h2 == 0.0
        np.testing.assert_array_equal(traj.dead.ravel(), [False, True])
        np.testing.assert_array_equal(traj.sensitivity_to_last.ravel(), [0.0, 0.0])
    else:
        assert not traj.dead.any()


# --------------------------------------------------------------------------- vector H = 2, D = 2

WX2 = [[0.5, -0.3], [0.2, 0.4]]
WH2 = [[0.8, -0.1], [0.3, 0.6]]
B2 = [0.1, -0.2]
H02 = [0.2, -0.1]
X2 = [[1.0, 0.5], [-1.0, 2.0]]


def _vector_hand(act: str, steps: int) -> dict[str, list]:
    zs, hs, ds = [], [], []
    h = H02
    for t in range(steps):
        z = [a + c + bb for a, c, bb in zip(matvec(WX2, X2[t]), matvec(WH2, h), B2, strict=True)]
        h = [f_hand(act, zi) for zi in z]
        zs.append(z)
        hs.append(h)
        ds.append([df_hand(act, zi) for zi in z])
    return {"z": zs, "h": hs, "d": ds}


@pytest.mark.parametrize("act", ACTS)
def test_vector_first_step_by_hand(act: str) -> None:
    # z1 = W_x x1 + W_h h0 + b, entry by entry:
    z1 = [0.5 * 1.0 - 0.3 * 0.5 + 0.8 * 0.2 - 0.1 * -0.1 + 0.1, 0.2 * 1.0 + 0.4 * 0.5 + 0.3 * 0.2 + 0.6 * -0.1 - 0.2]
    assert z1 == pytest.approx([0.62, 0.2])
    traj = run(X2[:1], RNNParams.from_values(WX2, WH2, B2, H02, act))
    assert (traj.steps, traj.hidden_size, traj.input_size, traj.is_scalar) == (1, 2, 2, False)
    np.testing.assert_allclose(traj.z, [z1], rtol=1e-14)
    np.testing.assert_allclose(traj.h, [[f_hand(act, v) for v in z1]], rtol=1e-14)
    d1 = [df_hand(act, v) for v in z1]
    np.testing.assert_allclose(traj.backward_factors[0], diag_times(d1, WH2), rtol=1e-13)
    np.testing.assert_array_equal(traj.grad_to_last[0], np.eye(2))
    np.testing.assert_allclose(traj.sensitivity_to_last[0], diag_times(d1, WX2), rtol=1e-13)


@pytest.mark.parametrize("act", ACTS)
def test_vector_two_steps_by_hand(act: str) -> None:
    ref = _vector_hand(act, 2)
    traj = run(X2, RNNParams.from_values(WX2, WH2, B2, H02, act))
    np.testing.assert_allclose(traj.z, ref["z"], rtol=1e-13)
    np.testing.assert_allclose(traj.h, ref["h"], rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(traj.dh, ref["d"], rtol=1e-12, atol=1e-300)
    J1, J2 = diag_times(ref["d"][0], WH2), diag_times(ref["d"][1], WH2)
    np.testing.assert_allclose(traj.backward_factors, [J1, J2], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(traj.grad_to_last, [J2, [[1.0, 0.0], [0.0, 1.0]]], rtol=1e-12, atol=1e-300)
    local1, local2 = diag_times(ref["d"][0], WX2), diag_times(ref["d"][1], WX2)
    s21 = matmul(J2, local1)
    np.testing.assert_allclose(traj.sensitivity_to_last, [s21, local2], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(traj.sensitivity[0, 0], local1, rtol=1e-12, atol=1e-300)
    np.testing.assert_array_equal(traj.sensitivity[0, 1], np.zeros((2, 2)))
    np.testing.assert_allclose(traj.sensitivity[1], [s21, local2], rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- flags


def test_saturation_flag_matches_threshold_by_hand() -> None:
    # tanh, x = 1, 2, 3 with w_x = 1, w_h = 1.5: z1 = 1 (f' = 0.42), then z grows past 3.
    traj = run([1.0, 2.0, 3.0], RNNParams.from_values(1.0, 1.5))
    h1 = math.tanh(1.0)
    z2 = 2.0 + 1.5 * h1
    assert 1 - math.tanh(1.0) ** 2 > SATURATION_THRESHOLD > 1 - math.tanh(z2) ** 2
    np.testing.assert_array_equal(traj.saturated.ravel(), [False, True, True])
    assert not traj.dead.any() and not traj.exploding.any() and not traj.nonfinite.any()


def test_dead_and_exploding_flags_by_hand() -> None:
    # ReLU, w_h = 2: h_t = x_t + 2 h_(t-1) with x = 1, 2, ..., 8 -> 1, 4, 11, 26, 57, 120, 247, 502
    traj = run(generate("linear", 8), RNNParams.from_values(1.0, 2.0, activation="relu"))
    np.testing.assert_array_equal(traj.h.ravel(), [1, 4, 11, 26, 57, 120, 247, 502])
    expected = [v > EXPLODING_THRESHOLD for v in (1, 4, 11, 26, 57, 120, 247, 502)]
    np.testing.assert_array_equal(traj.exploding.ravel(), expected)
    assert not traj.dead.any() and not traj.saturated.any()
    # A negative input drives z to exactly DEAD_THRESHOLD or below: dead.
    traj = run([1.0, -2.0, 0.0], RNNParams.from_values(1.0, 1.0, activation="relu"))
    # z = 1 -> h 1; z = -2 + 1 = -1 -> h 0; z = 0 + 0 = 0 -> h 0 (z <= 0 counts as dead)
    np.testing.assert_array_equal(traj.z.ravel(), [1.0, -1.0, 0.0])
    assert DEAD_THRESHOLD == 0.0
    np.testing.assert_array_equal(traj.dead.ravel(), [False, True, True])
    np.testing.assert_array_equal(traj.dh.ravel(), [1.0, 0.0, 0.0])


def test_nonfinite_flag_and_overflow_by_hand() -> None:
    # ReLU with w_h = 1e200: h1 = 1, h2 = 1 + 1e200 = 1e200, z3 = 1 + 1e200 * 1e200 = inf.
    traj = run([1.0, 1.0, 1.0, 1.0], RNNParams.from_values(1.0, 1e200, activation="relu"))
    assert traj.h[0, 0] == 1.0 and traj.h[1, 0] == 1e200 and math.isinf(traj.h[2, 0])
    np.testing.assert_array_equal(traj.nonfinite.ravel(), [False, False, True, True])
    np.testing.assert_array_equal(traj.exploding.ravel(), [False, True, True, True])


# --------------------------------------------------------------------------- batch API, params, errors


def test_run_batch_shared_and_per_set_inputs_agree_with_hand_values() -> None:
    x = [[1.0], [2.0]]
    w_x = [[[0.5]], [[1.0]]]
    w_h = [[[0.8]], [[-0.5]]]
    b = [[0.0], [0.1]]
    h0 = 0.0
    batch = run_batch(x, w_x, w_h, b, h0, "tanh")
    assert len(batch) == 2 and batch.steps == 2 and batch.hidden_size == 1
    # set 0: z = 0.5, then 1.0 + 0.8 tanh(0.5);  set 1: z = 1.1, then 2.1 - 0.5 tanh(1.1)
    expected_z = [[0.5, 1.0 + 0.8 * math.tanh(0.5)], [1.1, 2.1 - 0.5 * math.tanh(1.1)]]
    np.testing.assert_allclose(batch.z[:, :, 0], expected_z, rtol=1e-15)
    per_set = run_batch(np.array([x, x]), w_x, w_h, b, h0, "tanh")
    np.testing.assert_array_equal(per_set.h, batch.h)
    assert batch.x.shape == (2, 2, 1)


@pytest.mark.parametrize("D", [1, 3, 9])  # 9 > the stepwise-input limit: the all-steps GEMM
@pytest.mark.parametrize("act", ACTS)
def test_run_batch_matrix_cells_match_per_set_products(act: str, D: int) -> None:
    from rnn_engine import forward

    assert (D <= forward._STEPWISE_INPUTS) == (D < 9)
    rng = np.random.default_rng(D)
    N, H, T = 5, 3, 7
    w_x, w_h = rng.uniform(-1.5, 1.5, (N, H, D)), rng.uniform(-1.5, 1.5, (N, H, H))
    b, h0, x = rng.uniform(-1, 1, (N, H)), rng.uniform(-1, 1, (N, H)), rng.uniform(-2, 2, (T, D))
    batch = run_batch(x, w_x, w_h, b, h0, act)
    f = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0), "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[act]
    for n in range(N):  # the textbook recursion, one set at a time with matrix-vector products
        h = h0[n]
        for t in range(T):
            z = w_x[n] @ x[t] + w_h[n] @ h + b[n]
            h = f(z)
            np.testing.assert_allclose(batch.z[n, t], z, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(batch.h[n, t], h, rtol=1e-12, atol=1e-14)
    per_set = run_batch(np.broadcast_to(x, (N, T, D)), w_x, w_h, b, h0, act)
    if D <= forward._STEPWISE_INPUTS:  # the same operations, shared or not
        np.testing.assert_array_equal(per_set.z, batch.z)
        np.testing.assert_array_equal(per_set.h, batch.h)
    else:  # two different GEMMs: equal up to the BLAS build's summation order
        np.testing.assert_allclose(per_set.z, batch.z, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(per_set.h, batch.h, rtol=1e-13, atol=1e-14)


def test_params_from_values_shapes_and_equality() -> None:
    p = RNNParams.from_values(0.5, 0.8)
    assert (p.hidden_size, p.input_size) == (1, 1)
    assert p.w_x.shape == (1, 1) and p.b.shape == (1,) and p.h0.shape == (1,)
    q = RNNParams.from_values([0.5, -0.2], 0.8)  # H = 1: a list is the single row, D = 2
    assert q.w_x.shape == (1, 2)
    r = RNNParams.from_values([0.5, -0.2], [[0.8, 0], [0, 0.5]])  # H = 2: one weight per unit, D = 1
    assert r.w_x.shape == (2, 1) and r.b.shape == (2,)
    assert p == RNNParams.from_values(0.5, 0.8, 0.0, 0.0, "tanh")
    assert p != RNNParams.from_values(0.5, 0.8, activation="relu")
    assert p != q
    assert hash(p) == hash(RNNParams.from_values(0.5, 0.8))
    assert len({p, RNNParams.from_values(0.5, 0.8), q}) == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"w_x": 0.5, "w_h": [[1, 2, 3]]}, "w_h"),
        ({"w_x": [[1.0]], "w_h": [[1, 0], [0, 1]]}, "w_x"),
        ({"w_x": 0.5, "w_h": 0.8, "b": [1.0, 2.0]}, "b must be"),
        ({"w_x": 0.5, "w_h": 0.8, "h0": [[0.0]]}, "h0 must be"),
    ],
)
def test_params_shape_errors(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        RNNParams.from_values(**kwargs)


def test_unknown_activation_raises_key_error_listing_names() -> None:
    with pytest.raises(KeyError, match="relu"):
        RNNParams.from_values(0.5, 0.8, activation="softplus")
    with pytest.raises(KeyError):
        run_batch([[1.0]], [[[1.0]]], [[[1.0]]], 0.0, 0.0, "softplus")


@pytest.mark.parametrize(
    ("x", "w_x", "w_h", "match"),
    [
        (np.zeros((0, 1)), [[[1.0]]], [[[1.0]]], "no timesteps"),
        ([[1.0, 2.0]], [[[1.0]]], [[[1.0]]], "x must have shape"),
        ([[1.0]], [[1.0]], [[[1.0]]], "w_x"),
        ([[1.0]], [[[1.0]]], [[1.0]], "w_h"),
        (np.zeros((3, 2, 1)), [[[1.0]]], [[[1.0]]], "x must have shape"),
    ],
)
def test_run_batch_shape_errors(x: object, w_x: object, w_h: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        run_batch(x, w_x, w_h, 0.0, 0.0, "tanh")


def test_run_rejects_wrong_input_size() -> None:
    with pytest.raises(ValueError, match="input size"):
        run([[1.0, 2.0]], RNNParams.from_values(0.5, 0.8))


def test_h_prev_bounds() -> None:
    traj = run([1.0, 2.0], RNNParams.from_values(0.5, 0.8))
    with pytest.raises(IndexError):
        traj.h_prev(2)


def test_inputs_are_copied_not_aliased() -> None:
    x = np.array([[1.0], [2.0]])
    w_x = np.array([[[0.5]]])
    batch = run_batch(x, w_x, [[[0.8]]], 0.0, 0.0, "tanh")
    before = batch.h.copy()
    x[:] = 100.0
    w_x[:] = 100.0
    np.testing.assert_array_equal(batch.h, before)
    assert batch.x[0, 0, 0] == 1.0 and batch.w_x[0, 0, 0] == 0.5


def test_item_is_independent_of_the_batch() -> None:
    batch = run_batch([[1.0], [2.0]], [[[0.5]], [[0.7]]], [[[0.8]], [[0.1]]], 0.0, 0.0, "sigmoid")
    item = batch.item(1)
    assert item.params.w_x[0, 0] == 0.7 and item.params.activation == "sigmoid"
    np.testing.assert_array_equal(item.h, batch.h[1])
    assert not np.shares_memory(item.h, batch.h)


def test_no_warnings_on_extreme_inputs() -> None:
    """Overflow and inf/nan inputs stay silent, even with every numpy FP error raising."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        for x, w_x, w_h in ([[np.inf], [1.0]], 0.0, 0.0), ([[np.nan], [-np.inf]], 1.0, 1e300):
            for act in ACTS:
                traj = run(x, RNNParams.from_values(w_x, w_h, activation=act))
                for name in (
                    "backward_factors",
                    "grad_to_last",
                    "sensitivity_to_last",
                    "sensitivity",
                    "saturated",
                    "dead",
                    "exploding",
                    "nonfinite",
                ):
                    getattr(traj, name)
                assert traj.nonfinite.any()


def test_state_gap_is_the_absolute_difference_of_two_runs() -> None:
    from rnn_engine import RNNParams, run, state_gap

    p = RNNParams.from_values(0.5, 0.8, 0.1, 0.0, "tanh")
    a = run([1.0, 0.0, 0.0], p)
    b = run([2.0, 0.0, 0.0], p)
    # by hand: h_1 = tanh(0.6) vs tanh(1.1); later steps carry the difference through W_h
    ha1, hb1 = math.tanh(0.6), math.tanh(1.1)
    ha2, hb2 = math.tanh(0.8 * ha1 + 0.1), math.tanh(0.8 * hb1 + 0.1)
    gap = state_gap(a, b)
    assert gap.shape == (3, 1)
    assert gap[0, 0] == pytest.approx(abs(ha1 - hb1), abs=1e-15)
    assert gap[1, 0] == pytest.approx(abs(ha2 - hb2), abs=1e-15)
    assert gap[2, 0] < gap[1, 0] < gap[0, 0]  # |W_h f'| < 1: the difference fades
    assert not gap.flags.writeable
    with pytest.raises(ValueError, match="differ in shape"):
        state_gap(a, run([1.0, 0.0], p))
