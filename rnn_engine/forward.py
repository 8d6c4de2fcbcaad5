"""The forward pass ``h_t = f(W_x x_t + W_h h_(t-1) + b)`` and the numbers derived from it.

The core is :func:`run_batch`: one Python loop over time, numpy over the batch of
parameter sets and the hidden units. :func:`run` is the single-set case and returns
a :class:`Trajectory`, which also carries the derived numbers the scenes need
(sensitivities, backpropagation-through-time factors, per-step flags).

Shapes: ``T`` timesteps, ``D`` input size, ``H`` hidden size, ``N`` batch size.
Index ``t`` of every per-step array is timestep ``t + 1`` on screen.
Overflow never warns or raises; non-finite values are kept and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from rnn_engine.activations import get_activation

__all__ = [
    "DEAD_THRESHOLD",
    "EXPLODING_THRESHOLD",
    "SATURATION_THRESHOLD",
    "BatchTrajectory",
    "RNNParams",
    "Trajectory",
    "run",
    "run_batch",
]

Array = npt.NDArray[np.float64]

#: A tanh/sigmoid unit is *saturated* at a step when ``|f'(z)|`` is below this.
SATURATION_THRESHOLD = 0.05
#: A ReLU unit is *dead* at a step when ``z <= DEAD_THRESHOLD`` (its output and slope are 0).
DEAD_THRESHOLD = 0.0
#: A unit is *exploding* at a step when ``|h| >`` this. Inputs and weights in these
#: videos are of order 1, so a state 100 times that scale has left the range any
#: activation is meant to work in; for tanh and sigmoid it can never happen.
EXPLODING_THRESHOLD = 100.0


def _frozen(a: npt.ArrayLike) -> Array:
    arr = np.array(a, dtype=np.float64)  # a copy, so the caller's array stays theirs
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class RNNParams:
    """One parameter set: ``w_x`` (H x D), ``w_h`` (H x H), ``b`` (H), ``h0`` (H), activation."""

    w_x: Array
    w_h: Array
    b: Array
    h0: Array
    activation: str

    @classmethod
    def from_values(
        cls,
        w_x: npt.ArrayLike,
        w_h: npt.ArrayLike,
        b: npt.ArrayLike = 0.0,
        h0: npt.ArrayLike = 0.0,
        activation: str = "tanh",
    ) -> RNNParams:
        """Build from scalars (H = D = 1) or nested lists; shapes are checked."""
        get_activation(activation)
        wh = np.asarray(w_h, dtype=np.float64)
        H = 1 if wh.ndim == 0 else wh.shape[0]
        wh = np.full((1, 1), float(wh)) if wh.ndim == 0 else wh
        wx = np.asarray(w_x, dtype=np.float64)
        wx = np.full((H, 1), float(wx)) if wx.ndim == 0 else (wx.reshape(H, -1) if wx.ndim == 1 else wx)
        bb = np.broadcast_to(np.asarray(b, dtype=np.float64), (H,))
        hh = np.broadcast_to(np.asarray(h0, dtype=np.float64), (H,))
        if wh.shape != (H, H):
            raise ValueError(f"w_h must be H x H, got shape {wh.shape}")
        if wx.ndim != 2 or wx.shape[0] != H:
            raise ValueError(f"w_x must be H x D with H = {H}, got shape {wx.shape}")
        return cls(_frozen(wx), _frozen(wh), _frozen(bb), _frozen(hh), activation)

    @property
    def hidden_size(self) -> int:
        return int(self.w_h.shape[0])

    @property
    def input_size(self) -> int:
        return int(self.w_x.shape[1])


@dataclass(frozen=True)
class BatchTrajectory:
    """Forward pass of ``N`` parameter sets over the same time axis.

    Attributes
    ----------
    x : (N, T, D) inputs;  z : (N, T, H) pre-activations;  h : (N, T, H) states;
    dh : (N, T, H) ``f'(z)``;  h0 : (N, H);  w_x : (N, H, D);  w_h : (N, H, H);  b : (N, H).
    """

    activation: str
    x: Array
    z: Array
    h: Array
    dh: Array
    h0: Array
    w_x: Array
    w_h: Array
    b: Array

    def __len__(self) -> int:
        return int(self.h.shape[0])

    @cached_property
    def backward_factors(self) -> Array:
        """(N, T, H, H): ``dh_t/dh_(t-1) = diag(f'(z_t)) W_h``, one Jacobian per step."""
        with np.errstate(all="ignore"):
            return _frozen(self.dh[..., :, None] * self.w_h[:, None, :, :])

    @cached_property
    def grad_to_last(self) -> Array:
        """(N, T, H, H): ``dh_T/dh_t`` for t = 1..T (identity at t = T).

        The backpropagation-through-time product ``J_T J_(T-1) ... J_(t+1)``.
        """
        J = self.backward_factors
        N, T, H, _ = J.shape
        out = np.empty((N, T, H, H))
        out[:, T - 1] = np.eye(H)
        with np.errstate(all="ignore"):
            for t in range(T - 1, 0, -1):
                out[:, t - 1] = out[:, t] @ J[:, t]
        return _frozen(out)

    @cached_property
    def sensitivity_to_last(self) -> Array:
        """(N, T, H, D): ``dh_T/dx_k`` for k = 1..T."""
        with np.errstate(all="ignore"):
            local = self.dh[..., :, None] * self.w_x[:, None, :, :]  # dh_k/dx_k
            return _frozen(self.grad_to_last @ local)

    @cached_property
    def saturated(self) -> Array:
        """(N, T, H) bool: tanh/sigmoid unit with ``|f'(z)| < SATURATION_THRESHOLD``."""
        if not get_activation(self.activation).saturates:
            return _frozen_bool(np.zeros(self.h.shape, dtype=bool))
        return _frozen_bool(np.abs(self.dh) < SATURATION_THRESHOLD)

    @cached_property
    def dead(self) -> Array:
        """(N, T, H) bool: ReLU unit with ``z <= 0`` (output 0, no gradient)."""
        if self.activation != "relu":
            return _frozen_bool(np.zeros(self.h.shape, dtype=bool))
        return _frozen_bool(self.z <= DEAD_THRESHOLD)

    @cached_property
    def exploding(self) -> Array:
        """(N, T, H) bool: ``|h| > EXPLODING_THRESHOLD`` (non-finite counts as exploding)."""
        with np.errstate(invalid="ignore"):
            return _frozen_bool(~(np.abs(self.h) <= EXPLODING_THRESHOLD))

    @cached_property
    def nonfinite(self) -> Array:
        """(N, T, H) bool: ``z`` or ``h`` is inf or nan."""
        return _frozen_bool(~(np.isfinite(self.h) & np.isfinite(self.z)))

    def item(self, i: int) -> Trajectory:
        """The ``i``-th parameter set's run as a :class:`Trajectory`."""
        params = RNNParams(
            _frozen(self.w_x[i]), _frozen(self.w_h[i]), _frozen(self.b[i]), _frozen(self.h0[i]), self.activation
        )
        return Trajectory(params, _frozen(self.x[i]), _frozen(self.z[i]), _frozen(self.h[i]), _frozen(self.dh[i]))


def _frozen_bool(a: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    a.flags.writeable = False
    return a


def run_batch(
    x: npt.ArrayLike,
    w_x: npt.ArrayLike,
    w_h: npt.ArrayLike,
    b: npt.ArrayLike,
    h0: npt.ArrayLike,
    activation: str,
) -> BatchTrajectory:
    """Run ``N`` parameter sets at once.

    Parameters
    ----------
    x
        ``(T, D)`` shared by all sets, or ``(N, T, D)``.
    w_x, w_h, b, h0
        ``(N, H, D)``, ``(N, H, H)``, ``(N, H)``, ``(N, H)``.
    activation
        ``tanh``, ``relu`` or ``sigmoid`` (one per batch; group sets by activation).
    """
    act = get_activation(activation)
    W_h = np.asarray(w_h, dtype=np.float64)
    N, H = W_h.shape[0], W_h.shape[1]
    W_x = np.asarray(w_x, dtype=np.float64)
    B = np.broadcast_to(np.asarray(b, dtype=np.float64), (N, H))
    h_prev = np.broadcast_to(np.asarray(h0, dtype=np.float64), (N, H)).copy()
    X = np.asarray(x, dtype=np.float64)
    if X.ndim == 2:
        X = np.broadcast_to(X, (N, *X.shape))
    T = X.shape[1]
    if W_x.shape != (N, H, X.shape[2]) or W_h.shape != (N, H, H):
        raise ValueError(f"shape mismatch: x {X.shape}, w_x {W_x.shape}, w_h {W_h.shape}")
    # Input contributions for every step at once; only the recurrence needs the loop.
    with np.errstate(all="ignore"):
        drive = np.einsum("nhd,ntd->nth", W_x, X) + B[:, None, :]
        z = np.empty((N, T, H))
        h = np.empty((N, T, H))
        for t in range(T):
            z[:, t] = drive[:, t] + np.einsum("nij,nj->ni", W_h, h_prev)
            h_prev = act.f(z[:, t])
            h[:, t] = h_prev
        dh = act.df(z)
    return BatchTrajectory(
        activation,
        _frozen(X), _frozen(z), _frozen(h), _frozen(dh),
        _frozen(np.broadcast_to(np.asarray(h0, dtype=np.float64), (N, H))),
        _frozen(W_x), _frozen(W_h), _frozen(B),
    )


@dataclass(frozen=True)
class Trajectory:
    """One parameter set's forward pass and everything the scenes derive from it.

    Attributes
    ----------
    params : the weights, bias, initial state and activation.
    x : (T, D) inputs;  z : (T, H) pre-activations;  h : (T, H) hidden states;
    dh : (T, H) ``f'(z_t)``.
    """

    params: RNNParams
    x: Array
    z: Array
    h: Array
    dh: Array

    @property
    def steps(self) -> int:
        return int(self.h.shape[0])

    @property
    def hidden_size(self) -> int:
        return int(self.h.shape[1])

    @property
    def input_size(self) -> int:
        return int(self.x.shape[1])

    @property
    def is_scalar(self) -> bool:
        """True when H = D = 1 (a single hidden unit and scalar inputs)."""
        return self.hidden_size == 1 and self.input_size == 1

    @property
    def activation(self) -> str:
        return self.params.activation

    def h_prev(self, t: int) -> Array:
        """``h_(t)`` for 0-based step ``t``'s input state: ``h0`` when t = 0, else ``h[t-1]``."""
        return self.params.h0 if t == 0 else self.h[t - 1]

    @cached_property
    def _batch(self) -> BatchTrajectory:
        p = self.params
        return BatchTrajectory(
            p.activation, self.x[None], self.z[None], self.h[None], self.dh[None],
            p.h0[None], p.w_x[None], p.w_h[None], p.b[None],
        )

    @property
    def backward_factors(self) -> Array:
        """(T, H, H): ``dh_t/dh_(t-1) = diag(f'(z_t)) W_h``; scalar case ``W_h f'(z_t)``."""
        return self._batch.backward_factors[0]

    @property
    def grad_to_last(self) -> Array:
        """(T, H, H): ``dh_T/dh_t`` (identity at the last step)."""
        return self._batch.grad_to_last[0]

    @cached_property
    def sensitivity(self) -> Array:
        """(T, T, H, D): ``[t, k] = dh_t/dx_k``, zero where k > t."""
        T, H, D = self.steps, self.hidden_size, self.input_size
        J = self.backward_factors
        local = self.dh[:, :, None] * self.params.w_x[None]  # (T, H, D): dh_k/dx_k
        S = np.zeros((T, T, H, D))
        with np.errstate(all="ignore"):
            for t in range(T):
                if t:
                    S[t, :t] = J[t] @ S[t - 1, :t]
                S[t, t] = local[t]
        return _frozen(S)

    @property
    def saturated(self) -> Array:
        return self._batch.saturated[0]

    @property
    def dead(self) -> Array:
        return self._batch.dead[0]

    @property
    def exploding(self) -> Array:
        return self._batch.exploding[0]

    @property
    def nonfinite(self) -> Array:
        return self._batch.nonfinite[0]


def run(x: npt.ArrayLike, params: RNNParams) -> Trajectory:
    """Run one parameter set over inputs ``x`` of shape ``(T, D)`` (or ``(T,)`` for D = 1)."""
    X = np.asarray(x, dtype=np.float64)
    X = X.reshape(-1, 1) if X.ndim == 1 else X
    if X.shape[1] != params.input_size:
        raise ValueError(f"x has input size {X.shape[1]} but w_x expects {params.input_size}")
    batch = run_batch(X, params.w_x[None], params.w_h[None], params.b[None], params.h0[None], params.activation)
    return batch.item(0)
