"""Optional cross-check against ``torch.nn.RNN``, ``torch.nn.LSTM`` and ``torch.nn.GRU`` (skipped without torch).

torch is not a dependency; this only confirms that the engine's recurrences and their
derivatives mean what the standard library of the field means by them, in float64.
Torch adds two biases per gate (``b_ih + b_hh``): ``b_hh`` is set to zero. Its RNN offers
tanh and relu only. Torch stacks the gates' weights in the engine's gate order (LSTM
i, f, g, o; GRU r, z, n), so one gate's rows are one chunk of ``weight_ih_l0``.

Gate values are not returned by torch's modules; they are recomputed with torch's own
ops from torch's parameters and states, and checked to be the gates torch used (they
reproduce its ``c_t`` and ``h_t``) before being compared with the engine's. Gradients
come from torch autograd: ``dh_T/dh_1`` (with ``c_1`` fixed) and ``dc_T/dc_1`` by running
torch from a leaf ``(h_1, c_1)`` over the remaining inputs, ``dh_T/dx_k`` over the whole run.
Each test prints its largest deviations (``pytest -s`` shows them).
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_engine import GatedParams, RNNParams, get_cell, run, run_gated

torch = pytest.importorskip("torch")


def _torch_rnn(params: RNNParams, activation: str) -> object:
    H, D = params.hidden_size, params.input_size
    rnn = torch.nn.RNN(D, H, num_layers=1, nonlinearity=activation, bias=True, batch_first=True).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(np.array(params.w_x)))
        rnn.weight_hh_l0.copy_(torch.from_numpy(np.array(params.w_h)))
        rnn.bias_ih_l0.copy_(torch.from_numpy(np.array(params.b)))
        rnn.bias_hh_l0.zero_()
    return rnn


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize(("H", "D", "T"), [(1, 1, 6), (3, 2, 9), (4, 1, 5)])
def test_matches_torch_rnn(activation: str, H: int, D: int, T: int) -> None:
    rng = np.random.default_rng(H * 100 + D * 10 + T)
    params = RNNParams.from_values(
        rng.uniform(-1, 1, (H, D)),
        rng.uniform(-0.9, 0.9, (H, H)),
        rng.uniform(-0.5, 0.5, H),
        rng.uniform(-0.5, 0.5, H),
        activation,
    )
    x = rng.uniform(-2, 2, (T, D))
    traj = run(x, params)

    rnn = _torch_rnn(params, activation)
    xt = torch.from_numpy(x[None].copy()).requires_grad_(True)  # (batch 1, T, D)
    h0 = torch.from_numpy(np.array(params.h0)[None, None].copy())  # (layers 1, batch 1, H)
    out, h_last = rnn(xt, h0)
    np.testing.assert_allclose(out.detach().numpy()[0], traj.h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_last.detach().numpy()[0, 0], traj.h[-1], rtol=1e-12, atol=1e-14)

    # Autograd of each component of h_T with respect to every input = sensitivity_to_last.
    for i in range(H):
        (grad,) = torch.autograd.grad(out[0, -1, i], xt, retain_graph=True)
        np.testing.assert_allclose(grad.numpy()[0], traj.sensitivity_to_last[:, i, :], rtol=1e-10, atol=1e-13)


# --------------------------------------------------------------------------- LSTM and GRU


def _torch_gated(params: GatedParams) -> object:
    H, D = params.hidden_size, params.input_size
    module = torch.nn.LSTM if params.cell == "lstm" else torch.nn.GRU
    net = module(D, H, num_layers=1, bias=True, batch_first=True).double()
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(np.concatenate([g.w_x for g in params.gates.values()])))
        net.weight_hh_l0.copy_(torch.from_numpy(np.concatenate([g.w_h for g in params.gates.values()])))
        net.bias_ih_l0.copy_(torch.from_numpy(np.concatenate([g.b for g in params.gates.values()])))
        net.bias_hh_l0.zero_()
    return net


def _state(h: np.ndarray | object, c: np.ndarray | object | None) -> object:
    as_t = lambda v: v if isinstance(v, torch.Tensor) else torch.from_numpy(np.array(v)[None, None].copy())
    return as_t(h) if c is None else (as_t(h), as_t(c))


def _torch_gates(net: object, params: GatedParams, x: np.ndarray, hs: np.ndarray, cs: np.ndarray | None) -> dict:
    """Every gate at every step, from torch's parameters and torch's states, with torch's ops."""
    H = params.hidden_size
    W_ih, W_hh, b_ih, b_hh = net.weight_ih_l0, net.weight_hh_l0, net.bias_ih_l0, net.bias_hh_l0
    xt = torch.from_numpy(x)
    h_prev = torch.from_numpy(np.vstack([np.array(params.h0)[None], hs[:-1]]))
    gi = xt @ W_ih.T + b_ih
    gh = h_prev @ W_hh.T + b_hh
    if params.cell == "lstm":
        pre = gi + gh
        i, f, g, o = (pre[:, k * H : (k + 1) * H] for k in range(4))
        gates = {
            "input": torch.sigmoid(i),
            "forget": torch.sigmoid(f),
            "candidate": torch.tanh(g),
            "output": torch.sigmoid(o),
        }
        c_prev = torch.from_numpy(np.vstack([np.array(params.c0)[None], cs[:-1]]))
        c = gates["forget"] * c_prev + gates["input"] * gates["candidate"]
        # these are the gates torch used: they give back its c_t and h_t
        np.testing.assert_allclose(c.detach().numpy(), cs, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose((gates["output"] * torch.tanh(c)).detach().numpy(), hs, rtol=1e-13, atol=1e-15)
    else:
        r = torch.sigmoid(gi[:, :H] + gh[:, :H])
        z = torch.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
        n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
        gates = {"reset": r, "update": z, "candidate": n}
        np.testing.assert_allclose(((1 - z) * n + z * h_prev).detach().numpy(), hs, rtol=1e-13, atol=1e-15)
    return {k: v.detach().numpy() for k, v in gates.items()}


def _random_params(cell: str, H: int, D: int, rng: np.random.Generator) -> GatedParams:
    gates = {
        g: {"w_x": rng.uniform(-1, 1, (H, D)), "w_h": rng.uniform(-1, 1, (H, H)), "b": rng.uniform(-0.5, 0.5, H)}
        for g in get_cell(cell).gate_names
    }
    return GatedParams.from_values(
        cell, gates, rng.uniform(-0.5, 0.5, H), rng.uniform(-0.5, 0.5, H) if cell == "lstm" else None
    )


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize(("H", "D", "T"), [(1, 1, 6), (3, 2, 9), (4, 1, 5)])
def test_matches_torch_gated(cell: str, H: int, D: int, T: int) -> None:
    rng = np.random.default_rng(H * 100 + D * 10 + T + (7 if cell == "gru" else 0))
    params = _random_params(cell, H, D, rng)
    x = rng.uniform(-2, 2, (T, D))
    traj = run_gated(x, params)
    net = _torch_gated(params)
    lstm = cell == "lstm"
    dev: dict[str, float] = {}

    # states at every step: nn.LSTM/nn.GRU's output for h; a run per prefix for c (only c_n is returned)
    xt = torch.from_numpy(x[None].copy()).requires_grad_(True)
    out, last = net(xt, _state(params.h0, params.c0 if lstm else None))
    hs = out.detach().numpy()[0]
    dev["h"] = float(np.abs(hs - traj.h).max())
    cs = None
    if lstm:
        cs = np.stack(
            [
                net(torch.from_numpy(x[None, : t + 1].copy()), _state(params.h0, params.c0))[1][1]
                .detach()
                .numpy()[0, 0]
                for t in range(T)
            ]
        )
        np.testing.assert_array_equal(cs[-1], last[1].detach().numpy()[0, 0])
        dev["c"] = float(np.abs(cs - traj.c).max())
    for name, values in _torch_gates(net, params, x, hs, cs).items():
        dev[f"gate {name}"] = float(np.abs(values - traj.gates[name]).max())

    # dh_T/dx_k for every k (row i of h_T at a time)
    sens = np.stack([torch.autograd.grad(out[0, -1, i], xt, retain_graph=True)[0].numpy()[0] for i in range(H)], axis=1)
    dev["dh_T/dx_k"] = float(np.abs(sens - traj.sensitivity_to_last).max())
    # dh_T/dh_1 (c_1 fixed) and dc_T/dc_1 (h_1 fixed): leaves at step 1, torch runs the rest
    if T > 1:
        h1 = torch.from_numpy(hs[0][None, None].copy()).requires_grad_(True)
        c1 = torch.from_numpy(cs[0][None, None].copy()).requires_grad_(True) if lstm else None
        rest, last_rest = net(torch.from_numpy(x[None, 1:].copy()), (h1, c1) if lstm else h1)
        np.testing.assert_allclose(rest.detach().numpy()[0], hs[1:], rtol=1e-13, atol=1e-15)
        dh = np.stack([torch.autograd.grad(rest[0, -1, i], h1, retain_graph=True)[0].numpy()[0, 0] for i in range(H)])
        dev["dh_T/dh_1"] = float(np.abs(dh - traj.grad_to_last[0]).max())
        dev["grad_first"] = float(np.abs(dh - traj.grad_first).max())
        if lstm:
            c_T = last_rest[1][0, 0]
            dc = np.stack([torch.autograd.grad(c_T[i], c1, retain_graph=True)[0].numpy()[0, 0] for i in range(H)])
            dev["dc_T/dc_1"] = float(np.abs(dc - traj.cell_grad_to_last[0]).max())
    print(f"{cell} H={H} D={D} T={T}: " + ", ".join(f"{k} {v:.1e}" for k, v in dev.items()))
    too_far = {name: d for name, d in dev.items() if not d <= 1e-9}  # "not <=" also catches nan
    assert not too_far, too_far


GATED_CONFIGS = ["lstm_unrolled", "gru_unrolled"]


@pytest.mark.parametrize("name", GATED_CONFIGS)
def test_shipped_gated_configs_show_torchs_gates(name: str) -> None:
    """The runs a shipped LSTM/GRU config renders (config -> loader -> runs) carry torch's gates and states."""
    from pathlib import Path

    from explainer.config import load_config
    from explainer.runs import build_runs

    cfg = load_config(Path(__file__).resolve().parents[1] / "configs" / f"{name}.yaml")
    (r,) = build_runs(cfg)
    traj = r.trajectory
    params = traj.params
    net = _torch_gated(params)
    lstm = params.cell == "lstm"
    out, _ = net(torch.from_numpy(traj.x[None].copy()), _state(params.h0, params.c0 if lstm else None))
    hs = out.detach().numpy()[0]
    cs = None
    if lstm:
        cs = np.stack(
            [
                net(torch.from_numpy(traj.x[None, : t + 1].copy()), _state(params.h0, params.c0))[1][1]
                .detach()
                .numpy()[0, 0]
                for t in range(traj.steps)
            ]
        )
        np.testing.assert_allclose(traj.c, cs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(traj.h, hs, rtol=0, atol=1e-9)
    for gate, values in _torch_gates(net, params, traj.x, hs, cs).items():
        np.testing.assert_allclose(traj.gates[gate], values, rtol=0, atol=1e-9)
        print(f"{name} {gate}: max deviation {float(np.abs(traj.gates[gate] - values).max()):.1e}")
