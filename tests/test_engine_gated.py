"""Hand-computed checks of the LSTM and GRU cells, their parameters, flags and the cell registry.

Every expected value is worked out with plain Python floats (``math.exp``, ``math.tanh``)
from the cell equations, never by calling the engine: 1- and 2-step scalar runs with
the derivatives written out by the chain rule, and H = 2, D = 2 runs against a
plain-Python forward pass (whose derivatives are taken by central differences).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from rnn_engine import (
    CELLS,
    EXPLODING_THRESHOLD,
    GATE_CLOSED_THRESHOLD,
    GATE_OPEN_THRESHOLD,
    SATURATION_THRESHOLD,
    GatedParams,
    ParamsError,
    RNNParams,
    get_activation,
    get_cell,
    run,
    run_batch,
    run_gated,
    run_gated_batch,
)

# --------------------------------------------------------------------------- plain-Python reference

LSTM_GATES = ("input", "forget", "candidate", "output")
GRU_GATES = ("reset", "update", "candidate")


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def matvec(A: list[list[float]], v: list[float]) -> list[float]:
    return [sum(a * b for a, b in zip(row, v, strict=True)) for row in A]


def ref_run(cell: str, x: list[list[float]], P: dict, h0: list[float], c0: list[float] | None = None) -> list[dict]:
    """The cell equations, written out with lists; P[gate] = (w_x rows, w_h rows, b)."""
    h, c = list(h0), None if c0 is None else list(c0)
    out = []
    for xt in x:

        def part(g: str, xt: list[float] = xt, h: list[float] = h, with_h: bool = True) -> list[float]:
            wx, wh, b = P[g]
            rec = matvec(wh, h) if with_h else [0.0] * len(h)
            return [a + r + bb for a, r, bb in zip(matvec(wx, xt), rec, b, strict=True)]

        if cell == "lstm":
            assert c is not None
            pre = {g: part(g) for g in LSTM_GATES}
            i = [sig(v) for v in pre["input"]]
            f = [sig(v) for v in pre["forget"]]
            g_ = [math.tanh(v) for v in pre["candidate"]]
            o = [sig(v) for v in pre["output"]]
            c = [fj * cj + ij * gj for fj, cj, ij, gj in zip(f, c, i, g_, strict=True)]
            h = [oj * math.tanh(cj) for oj, cj in zip(o, c, strict=True)]
            gates = {"input": i, "forget": f, "candidate": g_, "output": o}
        else:
            pre = {g: part(g) for g in ("reset", "update")}
            r = [sig(v) for v in pre["reset"]]
            u = [sig(v) for v in pre["update"]]
            whn_h = matvec(P["candidate"][1], h)
            pre["candidate"] = [a + rj * w for a, rj, w in zip(part("candidate", with_h=False), r, whn_h, strict=True)]
            n = [math.tanh(v) for v in pre["candidate"]]
            h = [(1 - uj) * nj + uj * hj for uj, nj, hj in zip(u, n, h, strict=True)]
            gates = {"reset": r, "update": u, "candidate": n}
        out.append({"pre": pre, "gates": gates, "h": list(h), "c": None if c is None else list(c)})
    return out


def gates_arg(P: dict) -> dict:
    return {g: {"w_x": wx, "w_h": wh, "b": b} for g, (wx, wh, b) in P.items()}


def scalar_P(values: dict[str, tuple[float, float, float]]) -> dict:
    return {g: ([[wx]], [[wh]], [b]) for g, (wx, wh, b) in values.items()}


# --------------------------------------------------------------------------- LSTM, scalar, 1 and 2 steps

LSTM_S = {
    "input": (0.6, 0.3, 0.1),
    "forget": (0.5, 0.8, 1.0),
    "candidate": (1.0, 0.5, -0.2),
    "output": (0.7, 0.2, 0.05),
}
H0, C0 = 0.2, -0.3


def lstm_scalar_params() -> GatedParams:
    return GatedParams.from_values(
        "lstm", {g: dict(zip(("w_x", "w_h", "b"), v, strict=True)) for g, v in LSTM_S.items()}, H0, C0
    )


def lstm_local(x: float, h: float, c: float) -> dict[str, float]:
    """One scalar LSTM step and its derivatives, by the chain rule on the equations."""
    (wxi, whi, bi), (wxf, whf, bf), (wxg, whg, bg), (wxo, who, bo) = (LSTM_S[g] for g in LSTM_GATES)
    i = sig(wxi * x + whi * h + bi)
    f = sig(wxf * x + whf * h + bf)
    g = math.tanh(wxg * x + whg * h + bg)
    o = sig(wxo * x + who * h + bo)
    c1 = f * c + i * g
    tc = math.tanh(c1)
    h1 = o * tc
    # dc'/d(pre) per gate: i -> g i(1-i), f -> c f(1-f), g -> i (1-g^2)
    ki, kf, kg = g * i * (1 - i), c * f * (1 - f), i * (1 - g * g)
    ko = tc * o * (1 - o)
    oc = o * (1 - tc * tc)
    dc_dh = ki * whi + kf * whf + kg * whg
    dc_dx = ki * wxi + kf * wxf + kg * wxg
    return {
        "i": i, "f": f, "g": g, "o": o, "c": c1, "h": h1, "tc": tc,
        "dh_dh": ko * who + oc * dc_dh, "dh_dc": oc * f, "dc_dh": dc_dh, "dc_dc": f,
        "dh_dx": ko * wxo + oc * dc_dx, "dc_dx": dc_dx,
    }  # fmt: skip


def test_lstm_scalar_one_step_by_hand() -> None:
    # pre-activations, entry by entry: w_x x + w_h h0 + b with x = 1.5, h0 = 0.2
    pre = {
        "input": 0.9 + 0.06 + 0.1,
        "forget": 0.75 + 0.16 + 1.0,
        "candidate": 1.5 + 0.1 - 0.2,
        "output": 1.05 + 0.04 + 0.05,
    }
    assert list(pre.values()) == pytest.approx([1.06, 1.91, 1.4, 1.14])
    s = lstm_local(1.5, H0, C0)
    traj = run_gated([1.5], lstm_scalar_params())
    assert (traj.cell, traj.steps, traj.hidden_size, traj.input_size, traj.state_size) == ("lstm", 1, 1, 1, 2)
    assert traj.is_scalar
    for name, v in pre.items():
        np.testing.assert_allclose(traj.pre_activations[name], [[v]], rtol=1e-15)
    np.testing.assert_allclose(traj.gates["input"], [[sig(1.06)]], rtol=1e-15)
    np.testing.assert_allclose(traj.gates["forget"], [[sig(1.91)]], rtol=1e-15)
    np.testing.assert_allclose(traj.gates["candidate"], [[math.tanh(1.4)]], rtol=1e-15)
    np.testing.assert_allclose(traj.gates["output"], [[sig(1.14)]], rtol=1e-15)
    c1 = sig(1.91) * C0 + sig(1.06) * math.tanh(1.4)
    assert c1 == pytest.approx(s["c"], rel=1e-15)
    np.testing.assert_allclose(traj.c, [[c1]], rtol=1e-14)
    np.testing.assert_allclose(traj.tanh_c, [[math.tanh(c1)]], rtol=1e-14)
    np.testing.assert_allclose(traj.h, [[sig(1.14) * math.tanh(c1)]], rtol=1e-14)
    np.testing.assert_array_equal(traj.h_prev(0), [H0])
    np.testing.assert_array_equal(traj.c_prev(0), [C0])
    # one step: its Jacobian, and the products over no further steps are the identity
    np.testing.assert_allclose(traj.state_factors[0], [[s["dh_dh"], s["dh_dc"]], [s["dc_dh"], s["dc_dc"]]], rtol=1e-13)
    np.testing.assert_allclose(traj.backward_factors, [[[s["dh_dh"]]]], rtol=1e-13)
    np.testing.assert_allclose(traj.input_factors[0], [[s["dh_dx"]], [s["dc_dx"]]], rtol=1e-13)
    np.testing.assert_array_equal(traj.state_grad_to_last, [np.eye(2)])
    np.testing.assert_array_equal(traj.grad_to_last, [[[1.0]]])
    np.testing.assert_array_equal(traj.cell_grad_to_last, [[[1.0]]])
    np.testing.assert_array_equal(traj.grad_first, [[1.0]])
    np.testing.assert_array_equal(traj.carousel, [[1.0]])
    np.testing.assert_allclose(traj.sensitivity_to_last, [[[s["dh_dx"]]]], rtol=1e-13)
    np.testing.assert_allclose(traj.sensitivity, [[[[s["dh_dx"]]]]], rtol=1e-13)
    # recurrent terms w_h h0 per gate
    for g, (_, wh, _) in LSTM_S.items():
        np.testing.assert_allclose(traj.recurrent_terms[g], [[wh * H0]], rtol=1e-15)


def test_lstm_scalar_two_steps_by_hand() -> None:
    x = [1.5, -0.5]
    s1 = lstm_local(x[0], H0, C0)
    s2 = lstm_local(x[1], s1["h"], s1["c"])
    traj = run_gated(x, lstm_scalar_params())
    np.testing.assert_allclose(traj.h.ravel(), [s1["h"], s2["h"]], rtol=1e-14)
    np.testing.assert_allclose(traj.c.ravel(), [s1["c"], s2["c"]], rtol=1e-14)
    for key, name in (("i", "input"), ("f", "forget"), ("g", "candidate"), ("o", "output")):
        np.testing.assert_allclose(traj.gates[name].ravel(), [s1[key], s2[key]], rtol=1e-14)
    np.testing.assert_allclose(traj.h_prev(1), [s1["h"]], rtol=1e-15)
    np.testing.assert_allclose(traj.c_prev(1), [s1["c"]], rtol=1e-15)
    J2 = np.array([[s2["dh_dh"], s2["dh_dc"]], [s2["dc_dh"], s2["dc_dc"]]])
    np.testing.assert_allclose(traj.state_grad_to_last[0], J2, rtol=1e-13)
    # dh_2/dh_1 with c_1 fixed is the h-h entry; dc_2/dc_1 = f_2
    np.testing.assert_allclose(traj.grad_to_last.ravel(), [s2["dh_dh"], 1.0], rtol=1e-13)
    np.testing.assert_allclose(traj.grad_first, [[s2["dh_dh"]]], rtol=1e-13)
    np.testing.assert_allclose(traj.cell_grad_to_last.ravel(), [s2["f"], 1.0], rtol=1e-13)
    np.testing.assert_allclose(traj.carousel.ravel(), [s2["f"], 1.0], rtol=1e-15)
    # dh_2/dx_1 = dh_2/dh_1 dh_1/dx_1 + dh_2/dc_1 dc_1/dx_1 (both paths);  dh_2/dx_2 local
    via_both = s2["dh_dh"] * s1["dh_dx"] + s2["dh_dc"] * s1["dc_dx"]
    only_h = s2["dh_dh"] * s1["dh_dx"]
    assert abs(via_both - only_h) > 1e-3  # the c path matters here: a test that ignores it fails
    np.testing.assert_allclose(traj.sensitivity_to_last.ravel(), [via_both, s2["dh_dx"]], rtol=1e-13)
    np.testing.assert_allclose(traj.sensitivity[:, :, 0, 0], [[s1["dh_dx"], 0.0], [via_both, s2["dh_dx"]]], rtol=1e-13)


# --------------------------------------------------------------------------- GRU, scalar, 1 and 2 steps

GRU_S = {"reset": (0.6, 0.3, 0.1), "update": (0.5, 0.8, 1.0), "candidate": (1.0, 0.5, -0.2)}


def gru_scalar_params() -> GatedParams:
    return GatedParams.from_values(
        "gru", {g: dict(zip(("w_x", "w_h", "b"), v, strict=True)) for g, v in GRU_S.items()}, H0
    )


def gru_local(x: float, h: float) -> dict[str, float]:
    (wxr, whr, br), (wxu, whu, bu), (wxn, whn, bn) = (GRU_S[g] for g in GRU_GATES)
    r = sig(wxr * x + whr * h + br)
    u = sig(wxu * x + whu * h + bu)
    a_n = wxn * x + bn + r * (whn * h)
    n = math.tanh(a_n)
    h1 = (1 - u) * n + u * h
    dn = (1 - u) * (1 - n * n)
    return {
        "r": r, "u": u, "n": n, "a_n": a_n, "h": h1,
        # h' = (1-u) n + u h: direct u, through u, through n (via r and via W_hn h)
        "dh_dh": u + (h - n) * u * (1 - u) * whu + dn * ((whn * h) * r * (1 - r) * whr + r * whn),
        "dh_dx": (h - n) * u * (1 - u) * wxu + dn * ((whn * h) * r * (1 - r) * wxr + wxn),
    }  # fmt: skip


def test_gru_scalar_one_step_by_hand() -> None:
    r = sig(0.9 + 0.06 + 0.1)
    u = sig(0.75 + 0.16 + 1.0)
    a_n = 1.5 - 0.2 + r * (0.5 * 0.2)  # the reset scales W_hn h, not the bias
    n = math.tanh(a_n)
    h1 = (1 - u) * n + u * H0
    s = gru_local(1.5, H0)
    assert s["h"] == pytest.approx(h1, rel=1e-15)
    traj = run_gated([1.5], gru_scalar_params())
    assert (traj.cell, traj.state_size, traj.c, traj.tanh_c, traj.cell_grad_to_last) == ("gru", 1, None, None, None)
    np.testing.assert_allclose(traj.gates["reset"], [[r]], rtol=1e-15)
    np.testing.assert_allclose(traj.gates["update"], [[u]], rtol=1e-15)
    np.testing.assert_allclose(traj.gates["candidate"], [[n]], rtol=1e-15)
    np.testing.assert_allclose(traj.pre_activations["candidate"], [[a_n]], rtol=1e-15)
    np.testing.assert_allclose(traj.recurrent_terms["candidate"], [[0.5 * 0.2]], rtol=1e-15)
    np.testing.assert_allclose(traj.h, [[h1]], rtol=1e-14)
    np.testing.assert_allclose(traj.state_factors, [[[s["dh_dh"]]]], rtol=1e-13)
    np.testing.assert_allclose(traj.backward_factors, [[[s["dh_dh"]]]], rtol=1e-13)
    np.testing.assert_allclose(traj.sensitivity_to_last, [[[s["dh_dx"]]]], rtol=1e-13)
    np.testing.assert_array_equal(traj.grad_to_last, [[[1.0]]])
    with pytest.raises(ValueError, match="no cell state"):
        traj.c_prev(0)


def test_gru_scalar_two_steps_by_hand() -> None:
    x = [1.5, -0.5]
    s1 = gru_local(x[0], H0)
    s2 = gru_local(x[1], s1["h"])
    traj = run_gated(x, gru_scalar_params())
    np.testing.assert_allclose(traj.h.ravel(), [s1["h"], s2["h"]], rtol=1e-14)
    for key, name in (("r", "reset"), ("u", "update"), ("n", "candidate")):
        np.testing.assert_allclose(traj.gates[name].ravel(), [s1[key], s2[key]], rtol=1e-14)
    np.testing.assert_allclose(traj.backward_factors.ravel(), [s1["dh_dh"], s2["dh_dh"]], rtol=1e-13)
    np.testing.assert_allclose(traj.grad_to_last.ravel(), [s2["dh_dh"], 1.0], rtol=1e-13)
    np.testing.assert_allclose(traj.grad_first, [[s2["dh_dh"]]], rtol=1e-13)
    np.testing.assert_allclose(traj.carousel.ravel(), [s2["u"], 1.0], rtol=1e-15)
    s21 = s2["dh_dh"] * s1["dh_dx"]
    np.testing.assert_allclose(traj.sensitivity_to_last.ravel(), [s21, s2["dh_dx"]], rtol=1e-13)
    np.testing.assert_allclose(traj.sensitivity[:, :, 0, 0], [[s1["dh_dx"], 0.0], [s21, s2["dh_dx"]]], rtol=1e-13)


# --------------------------------------------------------------------------- vector H = 2, D = 2

X2 = [[1.0, 0.5], [-1.0, 2.0]]
H02 = [0.2, -0.1]
C02 = [-0.3, 0.4]
VEC_P = {
    "input": ([[0.5, -0.3], [0.2, 0.4]], [[0.8, -0.1], [0.3, 0.6]], [0.1, -0.2]),
    "forget": ([[0.1, 0.2], [-0.4, 0.3]], [[0.5, 0.2], [-0.3, 0.7]], [1.0, 0.8]),
    "candidate": ([[1.0, -0.5], [0.6, 0.9]], [[0.4, -0.6], [0.2, 0.5]], [0.0, 0.3]),
    "output": ([[0.7, 0.1], [-0.2, 0.5]], [[0.2, 0.3], [-0.5, 0.1]], [-0.1, 0.2]),
    "reset": ([[0.3, -0.7], [0.8, 0.1]], [[-0.4, 0.9], [0.6, -0.2]], [0.2, -0.3]),
    "update": ([[0.1, 0.2], [-0.4, 0.3]], [[0.5, 0.2], [-0.3, 0.7]], [1.0, 0.8]),
}


def vec_P(cell: str) -> dict:
    return {g: VEC_P[g] for g in (LSTM_GATES if cell == "lstm" else GRU_GATES)}


def vec_params(cell: str) -> GatedParams:
    return GatedParams.from_values(cell, gates_arg(vec_P(cell)), H02, C02 if cell == "lstm" else None)


def test_lstm_vector_first_step_by_hand() -> None:
    # input gate's pre-activation, entry by entry: W_x x1 + W_h h0 + b
    pre_i = [0.5 * 1.0 - 0.3 * 0.5 + 0.8 * 0.2 - 0.1 * -0.1 + 0.1, 0.2 * 1.0 + 0.4 * 0.5 + 0.3 * 0.2 + 0.6 * -0.1 - 0.2]
    assert pre_i == pytest.approx([0.62, 0.2])
    traj = run_gated(X2[:1], vec_params("lstm"))
    assert (traj.hidden_size, traj.input_size, traj.state_size, traj.is_scalar) == (2, 2, 4, False)
    np.testing.assert_allclose(traj.pre_activations["input"], [pre_i], rtol=1e-14)
    ref = ref_run("lstm", X2[:1], vec_P("lstm"), H02, C02)[0]
    for g in LSTM_GATES:
        np.testing.assert_allclose(traj.gates[g], [ref["gates"][g]], rtol=1e-14)
    np.testing.assert_allclose(traj.c, [ref["c"]], rtol=1e-14)
    np.testing.assert_allclose(traj.h, [ref["h"]], rtol=1e-14)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_vector_two_steps_against_plain_python(cell: str) -> None:
    ref = ref_run(cell, X2, vec_P(cell), H02, C02 if cell == "lstm" else None)
    traj = run_gated(X2, vec_params(cell))
    np.testing.assert_allclose(traj.h, [r["h"] for r in ref], rtol=1e-13)
    if cell == "lstm":
        np.testing.assert_allclose(traj.c, [r["c"] for r in ref], rtol=1e-13)
    for g in traj.gates:
        np.testing.assert_allclose(traj.gates[g], [r["gates"][g] for r in ref], rtol=1e-13)
        np.testing.assert_allclose(traj.pre_activations[g], [r["pre"][g] for r in ref], rtol=1e-13)
    # stacked and per-gate views are the same numbers
    for k, g in enumerate(traj.gates):
        np.testing.assert_array_equal(traj.gate_values[:, k], traj.gates[g])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_an_infinite_or_nan_input_gives_what_the_equations_give(cell: str, bad: float) -> None:
    # tanh(inf) = 1 and sigmoid(-inf) = 0: an infinite input saturates the gates and the
    # state goes on finite (as in torch); a nan input makes the state nan from there on.
    x = [[bad, 0.5], [0.3, 0.1], [-0.2, 0.4]]
    ref = ref_run(cell, x, vec_P(cell), H02, C02 if cell == "lstm" else None)
    traj = run_gated(x, vec_params(cell))
    want_h = np.array([r["h"] for r in ref])
    assert np.isnan(bad) or np.isfinite(want_h).all()
    np.testing.assert_allclose(traj.h, want_h, rtol=1e-13, equal_nan=True)
    for g in traj.gates:
        np.testing.assert_allclose(traj.gates[g], [r["gates"][g] for r in ref], rtol=1e-13, equal_nan=True)
    np.testing.assert_array_equal(traj.nonfinite.any(axis=1), [True, bool(np.isnan(bad)), bool(np.isnan(bad))])


def _ref_state_after(cell: str, x: list, state: list[float]) -> list[float]:
    """Plain-Python run of ``x`` from a flat state (h, then c for the LSTM), returning the last flat state."""
    H = 2
    h0, c0 = state[:H], (state[H:] if cell == "lstm" else None)
    last = ref_run(cell, x, vec_P(cell), h0, c0)[-1]
    return last["h"] + (last["c"] if cell == "lstm" else [])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_vector_derivatives_against_plain_python_differences(cell: str) -> None:
    eps = 1e-6
    traj = run_gated(X2, vec_params(cell))
    S = traj.state_size
    start = H02 + (C02 if cell == "lstm" else [])
    s1 = list(traj.h[0]) + (list(traj.c[0]) if cell == "lstm" else [])
    # d s_2 / d s_1 (= state_grad_to_last[0] = state_factors[1]) and d s_1 / d s_0 (= state_factors[0])
    for t, (inputs, base) in enumerate(((X2[:1], start), (X2[1:], s1))):
        fd = np.empty((S, S))
        for j in range(S):
            up, dn = list(base), list(base)
            up[j] += eps
            dn[j] -= eps
            fd[:, j] = (np.array(_ref_state_after(cell, inputs, up)) - _ref_state_after(cell, inputs, dn)) / (2 * eps)
        np.testing.assert_allclose(traj.state_factors[t], fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(traj.state_grad_to_last[0], traj.state_factors[1], rtol=1e-14)
    # dh_2/dx_k through every path
    for k in range(2):
        for d in range(2):
            up = [list(r) for r in X2]
            dn = [list(r) for r in X2]
            up[k][d] += eps
            dn[k][d] -= eps
            fd = (np.array(_ref_state_after(cell, up, start)) - _ref_state_after(cell, dn, start))[:2] / (2 * eps)
            np.testing.assert_allclose(traj.sensitivity_to_last[k, :, d], fd, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------- parameters


def test_omitted_gates_take_the_documented_teaching_defaults() -> None:
    documented = {
        "lstm": {
            "input": (0.6, 0.3, 0.0),
            "forget": (0.5, 0.8, 1.0),
            "candidate": (1.0, 0.5, 0.0),
            "output": (0.7, 0.2, 0.0),
        },
        "gru": {"reset": (0.6, 0.3, 0.0), "update": (0.5, 0.8, 1.0), "candidate": (1.0, 0.5, 0.0)},
    }
    for cell, table in documented.items():
        p = GatedParams.from_values(cell)
        assert tuple(p.gates) == tuple(table) == get_cell(cell).gate_names
        for g, (wx, wh, b) in table.items():
            assert (p.gate(g).w_x[0, 0], p.gate(g).w_h[0, 0], p.gate(g).b[0]) == (wx, wh, b)
            assert dict(get_cell(cell).gate(g).defaults) == {"w_x": wx, "w_h": wh, "b": b}
        assert p.h0.tolist() == [0.0]
    assert GatedParams.from_values("lstm").c0.tolist() == [0.0]
    assert GatedParams.from_values("gru").c0 is None
    # an omitted key of a given gate takes that gate's default too
    p = GatedParams.from_values("lstm", {"forget": {"b": -2.0}})
    assert (p.gate("forget").w_x[0, 0], p.gate("forget").w_h[0, 0], p.gate("forget").b[0]) == (0.5, 0.8, -2.0)


def test_numbers_broadcast_to_the_hidden_size_set_elsewhere() -> None:
    # H = 3 comes from h0; D = 2 from the input gate's w_x; every number adapts
    p = GatedParams.from_values("lstm", {"input": {"w_x": [[1, 2], [3, 4], [5, 6]]}}, h0=[0.1, 0.2, 0.3])
    assert (p.hidden_size, p.input_size) == (3, 2)
    np.testing.assert_array_equal(p.gate("forget").w_x, np.full((3, 2), 0.5))
    np.testing.assert_array_equal(p.gate("forget").w_h, 0.8 * np.eye(3))  # a number: each unit's own weight
    np.testing.assert_array_equal(p.gate("forget").b, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(p.c0, [0.0, 0.0, 0.0])
    assert p.w_x.shape == (4, 3, 2) and p.w_h.shape == (4, 3, 3) and p.b.shape == (4, 3)
    # H = 1: a list w_x is the single row (D = its length); H > 1: one weight per unit (D = 1)
    assert GatedParams.from_values("gru", {"reset": {"w_x": [0.5, -0.2]}}).input_size == 2
    q = GatedParams.from_values("gru", {"reset": {"w_x": [0.5, -0.2]}}, h0=[0.0, 0.0])
    assert q.gate("reset").w_x.tolist() == [[0.5], [-0.2]]


@pytest.mark.parametrize(
    ("cell", "kwargs", "field"),
    [
        ("lstm", {"gates": {"forgot": {"b": 1.0}}}, "gates.forgot"),
        ("lstm", {"gates": {"forget": {"bias": 1.0}}}, "gates.forget.bias"),
        ("gru", {"c0": 0.0}, "c0"),
        ("lstm", {"gates": {"forget": {"w_h": [[1, 2, 3]]}}}, "gates.forget.w_h"),
        ("lstm", {"gates": {"input": {"w_h": [[1, 0], [0, 1]]}}, "h0": [0.0, 0.0, 0.0]}, "h0"),
        ("lstm", {"gates": {"input": {"w_h": [[1, 0], [0, 1]]}, "output": {"b": [1, 2, 3]}}}, "gates.output.b"),
        ("gru", {"gates": {"reset": {"w_x": [[1, 2]]}, "update": {"w_x": [[1, 2, 3]]}}}, "gates.update.w_x"),
        ("lstm", {"gates": {"input": {"w_x": []}}}, "gates.input.w_x"),
        ("lstm", {"h0": [[0.0]]}, "h0"),
        ("lstm", {"c0": "abc"}, "c0"),
    ],
)
def test_params_errors_name_the_field(cell: str, kwargs: dict, field: str) -> None:
    with pytest.raises(ParamsError) as info:
        GatedParams.from_values(cell, **kwargs)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert isinstance(info.value, ValueError)


def test_unknown_cell_and_non_gated_cell() -> None:
    with pytest.raises(KeyError, match="lstm"):
        GatedParams.from_values("lstn")
    with pytest.raises(ValueError, match="not a gated cell"):
        GatedParams.from_values("rnn")
    with pytest.raises(KeyError, match="forget"):
        GatedParams.from_values("lstm").gate("reset")


def test_params_equality_and_hash() -> None:
    a = GatedParams.from_values("lstm", {"forget": {"b": 2.0}})
    b = GatedParams.from_values("lstm", {"forget": {"w_x": 0.5, "w_h": 0.8, "b": 2.0}})
    assert a == b and hash(a) == hash(b)
    assert a != GatedParams.from_values("lstm")
    assert a != GatedParams.from_values("lstm", {"forget": {"b": 2.0}}, c0=0.5)
    assert GatedParams.from_values("gru") != GatedParams.from_values("lstm")
    assert len({a, b, GatedParams.from_values("gru")}) == 2


# --------------------------------------------------------------------------- flags by hand


def test_gate_flags_by_hand() -> None:
    # forget bias -10: f = sigmoid(-10 + ...) < 0.05 -> closed; input bias 10 -> open;
    # output bias 0 with x = 0 and h0 = 0 at step 1: o = 0.5 -> neither.
    p = GatedParams.from_values(
        "lstm",
        {
            "forget": {"w_x": 0.0, "w_h": 0.0, "b": -10.0},
            "input": {"w_x": 0.0, "w_h": 0.0, "b": 10.0},
            "output": {"w_x": 0.0, "w_h": 0.0, "b": 0.0},
            "candidate": {"w_x": 1.0, "w_h": 0.0, "b": 0.0},
        },
    )
    assert sig(-10) < GATE_CLOSED_THRESHOLD and sig(10) > GATE_OPEN_THRESHOLD
    traj = run_gated([0.0, 5.0], p)
    assert set(traj.gate_closed) == set(traj.gate_open) == {"input", "forget", "output"}
    np.testing.assert_array_equal(traj.gate_closed["forget"].ravel(), [True, True])
    np.testing.assert_array_equal(traj.gate_open["input"].ravel(), [True, True])
    assert not traj.gate_closed["input"].any() and not traj.gate_open["forget"].any()
    assert not traj.gate_closed["output"].any() and not traj.gate_open["output"].any()
    # candidate tanh(5): 1 - tanh(5)^2 = 1.8e-4 < 0.05, saturated at step 2 only (tanh(0) = 0 at step 1)
    assert 1 - math.tanh(5.0) ** 2 < SATURATION_THRESHOLD
    np.testing.assert_array_equal(traj.saturated["candidate"].ravel(), [False, True])
    # c_2 = f c_1 + i g ~ tanh(5) ~ 1: 1 - tanh(1)^2 = 0.42, not saturated
    assert set(traj.saturated) == {"candidate", "cell"}
    assert not traj.saturated["cell"].any()
    assert not traj.exploding.any() and not traj.nonfinite.any()


def test_cell_saturation_and_exploding_c_by_hand() -> None:
    # forget and input wide open, candidate 1: c_t = f c_(t-1) + i g ~ c_(t-1) + 1 = t + 99 from c0 = 99.
    p = GatedParams.from_values(
        "lstm",
        {
            "forget": {"w_x": 0.0, "w_h": 0.0, "b": 40.0},
            "input": {"w_x": 0.0, "w_h": 0.0, "b": 40.0},
            "candidate": {"w_x": 0.0, "w_h": 0.0, "b": 40.0},
        },
        c0=99.0,
    )
    traj = run_gated(np.zeros(3), p)
    np.testing.assert_allclose(traj.c.ravel(), [100.0, 101.0, 102.0], rtol=1e-12)
    # |c| > 100 only once it passes 100: step 1 sits at 100.0 (up to rounding), steps 2 and 3 beyond
    assert EXPLODING_THRESHOLD == 100.0
    np.testing.assert_array_equal(traj.exploding.ravel()[1:], [True, True])
    assert traj.saturated["cell"].all()  # tanh(100): no slope left
    # tanh(c) = 1, so h = o = sigmoid(0.2 h_prev) (the output gate keeps its default w_h = 0.2)
    h1 = sig(0.0)
    h2 = sig(0.2 * h1)
    np.testing.assert_allclose(traj.h.ravel(), [h1, h2, sig(0.2 * h2)], rtol=1e-15)


def test_gru_exploding_only_through_h0() -> None:
    keep = {"update": {"w_x": 0.0, "w_h": 0.0, "b": 40.0}}  # u = 1: h' = h
    traj = run_gated([1.0, 2.0], GatedParams.from_values("gru", keep, h0=500.0))
    np.testing.assert_allclose(traj.h.ravel(), [500.0, 500.0], rtol=1e-12)
    np.testing.assert_array_equal(traj.exploding.ravel(), [True, True])
    assert not run_gated([1.0, 2.0], GatedParams.from_values("gru", keep, h0=5.0)).exploding.any()


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_nonfinite_flag_and_silence(cell: str) -> None:
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        traj = run_gated([1.0, np.inf, np.nan, 1e300], GatedParams.from_values(cell))
        # x = inf: pre-activations are inf (gates themselves 0 or 1), later steps carry nan
        assert not traj.nonfinite[0].any() and traj.nonfinite[1:].all()
        for name in (
            "state_factors", "backward_factors", "input_factors", "state_grad_to_last", "grad_to_last",
            "cell_grad_to_last", "carousel", "grad_first", "sensitivity_to_last", "sensitivity",
            "gate_closed", "gate_open", "saturated", "exploding", "recurrent_terms",
        ):  # fmt: skip
            getattr(traj, name)
        batch = run_gated_batch(
            cell,
            [[1e308], [-1e308]],
            {g: {"w_x": np.full((2, 3, 1), 1e10), "w_h": np.full((2, 3, 3), 1e300)} for g in get_cell(cell).gate_names},
        )
        for name in ("grad_first", "sensitivity_to_last", "state_grad_to_last", "nonfinite", "saturated"):
            getattr(batch, name)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_flags_swept_in_blocks_match_their_definitions(cell: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every flag, swept two steps at a time over 7 steps (a short last block), equals its
    rule applied to the whole public arrays, including the sets whose pre-activations
    overflow with finite states (the nonfinite flag must read them) and a nan ``h0``."""
    from rnn_engine import gated

    N, T, H, D = 6, 7, 3, 2
    monkeypatch.setattr(gated, "_FLAG_BLOCK_ELEMENTS", 2 * N * H)
    rng = np.random.default_rng(5)
    spec = get_cell(cell)
    weights = {
        g: {"w_x": rng.normal(0, 2, (N, H, D)), "w_h": rng.normal(0, 1, (N, H, H)), "b": rng.normal(0, 2, (N, H))}
        for g in spec.gate_names
    }
    keep = spec.keep_gate
    assert keep is not None
    weights[keep]["w_x"][1] = 1e308  # keep gate's argument overflows to +-inf: the gate is exactly 0 or 1
    weights[keep]["w_x"][2, 0, 0] = 3e307  # only one unit's argument overflows in set 2
    weights[spec.gate_names[0]]["b"][3] = 0.2  # ordinary set next to them
    h0 = rng.normal(0, 1, (N, H))
    h0[4, 1] = np.nan
    c0 = rng.normal(0, 200, (N, H)) if spec.has_cell_state else None
    x = rng.normal(0, 3, (T, D))
    x[3] = [20.0, -20.0]  # a large input: saturated tanh somewhere
    with np.errstate(all="ignore"):
        batch = run_gated_batch(cell, x, weights, h0, c0)
        pre = batch.pre_activation
        state_ok = np.isfinite(batch.h) & (True if batch.c is None else np.isfinite(batch.c))
        pre_bad = ~np.all(np.isfinite(pre), axis=2)
        assert (pre_bad & state_ok).any(), "no step where only a pre-activation is non-finite: the case is not tested"
        np.testing.assert_array_equal(batch.nonfinite, ~state_ok | pre_bad)
        for k, g in enumerate(spec.gates):
            v = batch.gate_values[:, :, k]
            if g.activation == "sigmoid":
                np.testing.assert_array_equal(batch.gate_closed[g.name], v < GATE_CLOSED_THRESHOLD, err_msg=g.name)
                np.testing.assert_array_equal(batch.gate_open[g.name], v > GATE_OPEN_THRESHOLD, err_msg=g.name)
            else:
                np.testing.assert_array_equal(batch.saturated[g.name], np.abs(1 - v * v) < SATURATION_THRESHOLD)
        if batch.tanh_c is not None:
            want = np.abs(1 - batch.tanh_c**2) < SATURATION_THRESHOLD
            np.testing.assert_array_equal(batch.saturated["cell"], want)
        state = batch.c if batch.c is not None else batch.h
        np.testing.assert_array_equal(batch.exploding, ~(np.abs(state) <= EXPLODING_THRESHOLD))
        for name in ("gate_closed", "gate_open", "saturated"):
            assert any(m.any() for m in getattr(batch, name).values()), f"{name} never true: the case is too weak"
        assert batch.exploding.any() and batch.nonfinite.any() and not batch.nonfinite.all()


# --------------------------------------------------------------------------- registry and batch API


def test_registry_entries() -> None:
    assert tuple(CELLS) == ("rnn", "lstm", "gru")
    assert get_cell("lstm").gate_names == LSTM_GATES
    assert get_cell("gru").gate_names == GRU_GATES
    assert get_cell("rnn").gate_names == () and not get_cell("rnn").is_gated
    assert [g.activation for g in get_cell("lstm").gates] == ["sigmoid", "sigmoid", "tanh", "sigmoid"]
    assert [g.activation for g in get_cell("gru").gates] == ["sigmoid", "sigmoid", "tanh"]
    assert (get_cell("lstm").has_cell_state, get_cell("gru").has_cell_state) == (True, False)
    assert get_cell("lstm").state_names == ("h", "c") and get_cell("gru").state_names == ("h",)
    assert (get_cell("lstm").keep_gate, get_cell("gru").keep_gate) == ("forget", "update")
    with pytest.raises(KeyError, match="rnn, lstm, gru"):
        get_cell("transformer")


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_declared_gate_activations_are_the_ones_applied(cell: str) -> None:
    """Each gate's value is its declared activation of its pre-activation (the registry is the truth)."""
    rng = np.random.default_rng(3)
    spec = get_cell(cell)
    gates = {
        g: {"w_x": rng.uniform(-3, 3, (3, 2)), "w_h": rng.uniform(-1, 1, (3, 3)), "b": rng.uniform(-1, 1, 3)}
        for g in spec.gate_names
    }
    traj = run_gated(rng.uniform(-2, 2, (6, 2)), GatedParams.from_values(cell, gates, h0=rng.uniform(-1, 1, 3)))
    for g in spec.gates:
        want = get_activation(g.activation)(np.asarray(traj.pre_activations[g.name]))
        np.testing.assert_allclose(traj.gates[g.name], want, rtol=1e-15, atol=0)  # 4 ulp: see the next test


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize(("H", "D", "shared"), [(1, 1, True), (1, 2, False), (8, 1, True), (3, 2, False)])
def test_pre_activations_formed_again_are_the_ones_the_gates_came_from(
    cell: str, H: int, D: int, shared: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forward pass keeps no pre-activations; formed again on demand they must be the
    very numbers its gates came from: each gate value is its activation of them, bit for
    bit, over several chunks of sets, and so are the subsets the non-finite flag replays."""
    import rnn_engine.gated as gated_module

    rng = np.random.default_rng(11)
    N, T = 40, 9
    spec = get_cell(cell)
    gates = _batch_gates(cell, rng, N, H, D)
    h0, c0 = rng.uniform(-1, 1, (N, H)), rng.uniform(-1, 1, (N, H)) if cell == "lstm" else None
    x = rng.uniform(-2, 2, (T, D) if shared else (N, T, D))
    monkeypatch.setattr(gated_module, "_FORWARD_CHUNK_ELEMENTS", 7 * H * len(spec.gates))  # chunks of 7 sets
    batch = run_gated_batch(cell, x, gates, h0, c0)
    pre = batch.pre_activation
    assert pre.shape == (N, T, len(spec.gates), H) and not pre.flags.writeable
    for k, g in enumerate(spec.gates):
        z = pre[:, :, k]
        want = 1.0 / (1.0 + np.exp(-z)) if g.activation == "sigmoid" else np.tanh(z)
        np.testing.assert_array_equal(batch.gate_values[:, :, k], want, err_msg=g.name)
    some = np.array([3, 17, 18, 39])
    np.testing.assert_array_equal(np.moveaxis(batch._replay(some), 2, 0), pre[some])
    single = run_gated(x if shared else x[5], batch.item(5).params)
    np.testing.assert_array_equal(single.pre_activation, pre[5])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_pre_activation_that_cancels_is_plus_zero(cell: str) -> None:
    """x w_x + b = 1 - 1 is +0.0 (as torch gives it), though the engine forms sigmoid arguments negated."""
    keep = get_cell(cell).keep_gate
    assert keep is not None
    params = GatedParams.from_values(cell, {keep: {"w_x": 1.0, "w_h": 0.0, "b": -1.0}})
    z = run_gated([1.0, 2.0], params).pre_activations[keep]
    assert z[0, 0] == 0.0 and not np.signbit(z[0, 0])
    assert z[1, 0] == 1.0


@pytest.mark.parametrize("threshold", [SATURATION_THRESHOLD, 0.5, 0.3, 1e-3, 1e-12])
def test_saturated_square_is_the_saturation_rule_at_its_boundary(threshold: float) -> None:
    """``v * v >= q`` must be ``|1 - v * v| < threshold`` exactly, on both sides of q."""
    from rnn_engine.gated import _saturated_square

    q = np.float64(_saturated_square(threshold))
    around = [q]
    for direction in (0.0, 2.0):
        s = q
        for _ in range(50):
            s = np.nextafter(s, direction)
            around.append(s)
    rng = np.random.default_rng(2)
    squares = np.concatenate([np.array(around), rng.uniform(0, 1, 10_000), [0.0, 0.5, 1.0, np.nan]])
    squares = squares[~(squares > 1.0)]  # tanh values square to at most 1
    np.testing.assert_array_equal(squares >= q, np.abs(1.0 - squares) < threshold)
    assert np.abs(1.0 - q) < threshold and not np.abs(1.0 - np.nextafter(q, 0.0)) < threshold


def test_an_infinite_c0_is_flagged_although_h_stays_finite() -> None:
    """c0 = inf keeps c infinite while h = o tanh(c) stays finite: the flag must read c then."""
    rng = np.random.default_rng(4)
    N, T, H = 5, 4, 2
    gates = _batch_gates("lstm", rng, N, H, 1)
    c0 = rng.uniform(-1, 1, (N, H))
    c0[2, 1] = np.inf
    with np.errstate(all="ignore"):
        batch = run_gated_batch("lstm", rng.uniform(-1, 1, (T, 1)), gates, 0.0, c0)
        assert np.isfinite(batch.h).all() and np.isinf(batch.c[2, :, 1]).all()
        want = np.zeros((N, T, H), dtype=bool)
        want[2, :, 1] = True
        np.testing.assert_array_equal(batch.nonfinite, want)


def test_gate_sigmoid_agrees_with_the_activation_to_4_ulp() -> None:
    """The gates' faster sigmoid is the registry's sigmoid up to rounding, wherever e^-z is finite."""
    from rnn_engine.cells import _sigmoid_of_negated

    rng = np.random.default_rng(0)
    z = np.concatenate([np.linspace(-709.0, 745.0, 200_001), rng.normal(0, 5, 100_000), [-40.0, 0.0, 40.0]])
    fast = np.empty_like(z)
    with np.errstate(all="ignore"):  # as the engine calls it (e^-745 underflows, e^710 overflows)
        _sigmoid_of_negated(-z, fast)
    ref = get_activation("sigmoid")(z)
    assert np.max(np.abs(fast - ref) / np.spacing(ref)) <= 4
    assert fast[-3] == pytest.approx(1 / (1 + math.exp(40.0)), rel=1e-15)  # 4.2e-18, not 0
    far = np.array([-710.0, -800.0, -np.inf])
    with np.errstate(all="ignore"):
        _sigmoid_of_negated(-far, far)
    np.testing.assert_array_equal(far, [0.0, 0.0, 0.0])


def test_rnn_entry_is_the_plain_forward_pass() -> None:
    rnn = get_cell("rnn")
    p = rnn.build_params(0.5, 0.8, 0.1, 0.2, "tanh")
    assert p == RNNParams.from_values(0.5, 0.8, 0.1, 0.2, "tanh")
    a, b = rnn.run([1.0, 2.0], p), run([1.0, 2.0], p)
    np.testing.assert_array_equal(a.h, b.h)
    batch = rnn.run_batch([[1.0]], [[[0.5]]], [[[0.8]]], 0.0, 0.0, "tanh")
    np.testing.assert_array_equal(batch.h, run_batch([[1.0]], [[[0.5]]], [[[0.8]]], 0.0, 0.0, "tanh").h)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_registry_functions_build_and_run(cell: str) -> None:
    spec = get_cell(cell)
    p = spec.build_params({"candidate": {"w_x": 2.0}}, h0=0.1)
    assert p == GatedParams.from_values(cell, {"candidate": {"w_x": 2.0}}, 0.1)
    traj = spec.run([1.0, -1.0], p)
    gates = {name: {"w_x": g.w_x[None], "w_h": g.w_h[None], "b": g.b[None]} for name, g in p.gates.items()}
    batch = spec.run_batch([[1.0], [-1.0]], gates, p.h0[None], None if p.c0 is None else p.c0[None])
    np.testing.assert_array_equal(batch.h[0], traj.h)


def _batch_gates(cell: str, rng: np.random.Generator, N: int, H: int, D: int) -> dict:
    return {
        g: {"w_x": rng.uniform(-1, 1, (N, H, D)), "w_h": rng.uniform(-1, 1, (N, H, H)), "b": rng.uniform(-1, 1, (N, H))}
        for g in get_cell(cell).gate_names
    }


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_batch_shared_and_per_set_inputs(cell: str) -> None:
    rng = np.random.default_rng(5)
    gates = _batch_gates(cell, rng, 3, 2, 1)
    x = rng.uniform(-1, 1, (4, 1))
    shared = run_gated_batch(cell, x, gates, 0.1)
    per_set = run_gated_batch(cell, np.stack([x] * 3), gates, 0.1)
    assert len(shared) == 3 and shared.steps == 4 and shared.x.shape == (3, 4, 1)
    np.testing.assert_array_equal(shared.h, per_set.h)
    for i in range(3):
        P = {g: (v["w_x"][i].tolist(), v["w_h"][i].tolist(), v["b"][i].tolist()) for g, v in gates.items()}
        ref = ref_run(cell, x.tolist(), P, [0.1, 0.1], [0.0, 0.0] if cell == "lstm" else None)
        np.testing.assert_allclose(shared.h[i], [r["h"] for r in ref], rtol=1e-13)
        item = shared.item(i)
        assert not np.shares_memory(item.h, shared.h)
        assert item.params == GatedParams.from_values(cell, {g: {k: v[k][i] for k in v} for g, v in gates.items()}, 0.1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda g: g.pop("candidate"), "gates.candidate"),
        (lambda g: g.update(extra={"w_x": 0.0}), "gates.extra"),
        (lambda g: g["reset"].pop("w_h"), "gates.reset.w_h"),
        (lambda g: g["update"].update(w_x=np.zeros((3, 3, 1))), "gates.update.w_x"),
        (lambda g: g["reset"].update(w_h=np.zeros((2, 2))), "gates.reset.w_h"),
    ],
)
def test_batch_errors_name_the_field(change: object, field: str) -> None:
    gates = _batch_gates("gru", np.random.default_rng(0), 2, 2, 1)
    change(gates)  # type: ignore[operator]
    with pytest.raises(ParamsError) as info:
        run_gated_batch("gru", [[1.0]], gates)
    assert info.value.field == field


def test_batch_input_errors() -> None:
    gates = _batch_gates("lstm", np.random.default_rng(0), 2, 2, 1)
    with pytest.raises(ValueError, match="no timesteps"):
        run_gated_batch("lstm", np.zeros((0, 1)), gates)
    with pytest.raises(ValueError, match="x must have shape"):
        run_gated_batch("lstm", [[1.0, 2.0]], gates)
    with pytest.raises(ParamsError, match="c0"):
        run_gated_batch("gru", [[1.0]], _batch_gates("gru", np.random.default_rng(0), 2, 2, 1), c0=0.0)
    with pytest.raises(ValueError, match="input size"):
        run_gated([[1.0, 2.0]], GatedParams.from_values("lstm"))


def test_h_prev_and_c_prev_bounds() -> None:
    traj = run_gated([1.0, 2.0], GatedParams.from_values("lstm"))
    with pytest.raises(IndexError):
        traj.h_prev(2)
    with pytest.raises(IndexError):
        traj.c_prev(-1)


def _sizes(obj: object) -> list[int]:
    if isinstance(obj, np.ndarray):
        return [obj.size]
    if isinstance(obj, tuple | list):
        return [s for o in obj for s in _sizes(o)]
    if hasattr(obj, "values") and callable(obj.values):
        return [s for o in obj.values() for s in _sizes(o)]
    return []


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_nothing_n_t_h_h_sized_unless_asked(cell: str) -> None:
    """The forward pass, flags and gradient summaries never build an (N, T, H, H) array."""
    N, T, H = 3, 5, 8  # H = 8 > G: the gate arrays (N, T, G, H) are smaller than (N, T, H, H)
    rng = np.random.default_rng(2)
    if cell == "rnn":
        batch = run_batch(
            rng.uniform(-1, 1, (T, 1)),
            rng.uniform(-1, 1, (N, H, 1)),
            rng.uniform(-0.4, 0.4, (N, H, H)),
            0.0,
            0.0,
            "tanh",
        )
        asked = ("saturated", "dead", "exploding", "nonfinite", "grad_first", "sensitivity_to_last")
        big = ("grad_to_last",)
    else:
        batch = run_gated_batch(cell, rng.uniform(-1, 1, (T, 1)), _batch_gates(cell, rng, N, H, 1))
        asked = (
            "gates",
            "gate_closed",
            "gate_open",
            "saturated",
            "exploding",
            "nonfinite",
            "carousel",
            "grad_first",
            "sensitivity_to_last",
        )
        big = ("grad_to_last",)
    for name in asked:
        getattr(batch, name)
    limit = N * T * H * H
    assert max(s for v in vars(batch).values() for s in _sizes(v)) < limit
    for name in big:  # asking for one does build it
        getattr(batch, name)
    assert max(s for v in vars(batch).values() for s in _sizes(v)) >= limit


# --------------------------------------------------------------------------- streamed sweeps and their chunks


def test_rnn_grad_first_by_hand() -> None:
    # tanh, w_x 0.5, w_h 0.8: dh_3/dh_1 = w_h f'(z_3) w_h f'(z_2)
    x, (wx, wh, b) = [1.0, -0.5, 0.3], (0.5, 0.8, 0.1)
    h, d = 0.0, []
    for xt in x:
        h = math.tanh(wx * xt + wh * h + b)
        d.append(1 - h * h)
    traj = run(x, RNNParams.from_values(wx, wh, b))
    np.testing.assert_allclose(traj.grad_first, [[wh * d[2] * wh * d[1]]], rtol=1e-14)


def test_rnn_streamed_sensitivity_is_the_stored_product_exactly() -> None:
    """For H > 1 the sweep repeats the stored recursion's operations: the same numbers, bit for bit."""
    rng = np.random.default_rng(4)
    N, T, H, D = 5, 7, 3, 2
    batch = run_batch(
        rng.uniform(-1, 1, (T, D)), rng.uniform(-1, 1, (N, H, D)), rng.uniform(-1, 1, (N, H, H)), 0.1, 0.0, "tanh"
    )
    sens = np.array(batch.sensitivity_to_last)
    first = np.array(batch.grad_first)
    local = np.asarray(batch.dh)[..., None] * np.asarray(batch.w_x)[:, None]  # (N, T, H, D): dh_k/dx_k
    np.testing.assert_array_equal(sens, np.matmul(batch.grad_to_last, local))
    np.testing.assert_array_equal(first, batch.grad_to_last[:, 0])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_sweep_chunks_give_the_same_numbers(cell: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import rnn_engine.forward as forward_module
    import rnn_engine.gated as gated_module

    rng = np.random.default_rng(6)
    N, T, H = 7, 6, 2
    x = rng.uniform(-1, 1, (T, 1))
    if cell == "rnn":
        args = (
            x,
            rng.uniform(-1, 1, (N, H, 1)),
            rng.uniform(-1, 1, (N, H, H)),
            0.1,
            rng.uniform(-1, 1, (N, H)),
            "tanh",
        )
        make = lambda: run_batch(*args)
    else:
        gates = _batch_gates(cell, rng, N, H, 1)
        h0, c0 = rng.uniform(-1, 1, (N, H)), rng.uniform(-1, 1, (N, H)) if cell == "lstm" else None
        make = lambda: run_gated_batch(cell, x, gates, h0, c0)
    whole = make()
    want = (np.array(whole.grad_first), np.array(whole.sensitivity_to_last))
    # chunks of 3, 3 and 1 sets: the RNN's sweep holds (n, H, H) blocks, the gated one (n, H, G, H)
    monkeypatch.setattr(forward_module, "_CHUNK_ELEMENTS", 3 * H * H)
    monkeypatch.setattr(gated_module, "_CHUNK_ELEMENTS", 3 * H * H * (len(get_cell(cell).gates) or 1))
    monkeypatch.setattr(gated_module, "_FORWARD_CHUNK_ELEMENTS", 3 * H * (len(get_cell(cell).gates) or 1))
    chunked = make()
    np.testing.assert_array_equal(chunked.h, whole.h)  # the forward pass in chunks: the same numbers
    if cell != "rnn":
        np.testing.assert_array_equal(chunked.gate_values, whole.gate_values)
    np.testing.assert_allclose(chunked.grad_first, want[0], rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(chunked.sensitivity_to_last, want[1], rtol=1e-14, atol=1e-16)
    # and both agree with the full Jacobian products
    np.testing.assert_allclose(chunked.grad_first, whole.grad_to_last[:, 0], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_results_pickle_for_other_processes(cell: str) -> None:
    import pickle

    params = vec_params(cell)
    traj = run_gated(X2, params)
    traj.grad_to_last  # noqa: B018 - a cached value must not break (or ride along with) pickling
    batch = run_gated_batch(
        cell,
        X2,
        {g: {k: v[None] for k, v in {"w_x": p.w_x, "w_h": p.w_h, "b": p.b}.items()} for g, p in params.gates.items()},
    )
    batch.grad_first  # noqa: B018
    for obj in (params, traj, batch):
        back = pickle.loads(pickle.dumps(obj))
        assert type(back) is type(obj)
    p2 = pickle.loads(pickle.dumps(params))
    assert p2 == params and hash(p2) == hash(params)
    t2 = pickle.loads(pickle.dumps(traj))
    assert "grad_to_last" not in vars(t2)
    np.testing.assert_array_equal(t2.grad_to_last, traj.grad_to_last)
    np.testing.assert_array_equal(t2.gates["candidate"], traj.gates["candidate"])
    b2 = pickle.loads(pickle.dumps(batch))  # its pre-activations are formed again, the same
    np.testing.assert_array_equal(b2.pre_activation, batch.pre_activation)
    np.testing.assert_array_equal(t2.pre_activation, traj.pre_activation)
    assert not t2.h.flags.writeable and not t2.params.gate("candidate").w_h.flags.writeable
    with pytest.raises(TypeError):
        t2.params.gates["candidate"] = t2.params.gates["candidate"]  # type: ignore[index]
    b2 = pickle.loads(pickle.dumps(batch))
    np.testing.assert_array_equal(b2.sensitivity_to_last, batch.sensitivity_to_last)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_kept_plus_written_is_the_new_memory(cell: str) -> None:
    """c_t = f c_(t-1) + i g (LSTM) and h_t = u h_(t-1) + (1 - u) n (GRU), term by term."""
    rng = np.random.default_rng(5)
    params = GatedParams.from_values(
        cell, None, rng.uniform(-0.5, 0.5, 3), rng.uniform(-1, 1, 3) if cell == "lstm" else None
    )
    traj = run_gated(rng.uniform(-2, 2, (7, 1)), params)
    memory = traj.c if cell == "lstm" else traj.h
    g = traj.gates
    keep = g["forget"] if cell == "lstm" else g["update"]
    prev = np.vstack([(params.c0 if cell == "lstm" else params.h0)[None], memory[:-1]])
    np.testing.assert_allclose(traj.kept, keep * prev, rtol=1e-15)
    np.testing.assert_allclose(traj.kept + traj.written, memory, rtol=1e-12, atol=1e-15)
