"""Optional cross-check against ``torch.nn.RNN`` (skipped when torch is not installed).

torch is not a dependency; this only confirms that the engine's recurrence and its
sensitivities mean what the standard library of the field means by them.
Torch's RNN adds two biases (``b_ih + b_hh``): ``b_hh`` is set to zero. It offers
tanh and relu only.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_engine import RNNParams, run

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
