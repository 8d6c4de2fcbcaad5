"""The forward pass ``h_t = f(W_x x_t + W_h h_(t-1) + b)`` and the numbers derived from it.

The core is :func:`run_batch`: one Python loop over time, numpy over the batch of
parameter sets and the hidden units. :func:`run` is the single-set case and returns
a :class:`Trajectory`, which also carries the derived numbers the scenes need
(sensitivities, backpropagation-through-time factors, per-step flags).

Shapes: ``T`` timesteps, ``D`` input size, ``H`` hidden size, ``N`` batch size.
Index ``t`` of every per-step array is timestep ``t + 1`` on screen.
Overflow never warns or raises; non-finite values are kept and flagged.
Every array handed out is float64 (flags: bool) and read-only.

Layout: a batch is stored time-major, ``(T, N, ...)``, so that each step's slice
is one contiguous block (batched ``matmul`` on strided slices is many times slower);
the forward pass at H > 1 works on each step with the sets along the contiguous
axis, ``(H, N)``, and writes z and h out transposed. The public ``(N, T, ...)``
arrays are transposed views of the stored blocks; their values do not depend on
the layout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar, cast

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
    "state_gap",
]

Array = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_A = TypeVar("_A", Array, BoolArray)

#: A tanh/sigmoid unit is *saturated* at a step when ``|f'(z)|`` is below this.
SATURATION_THRESHOLD = 0.05
#: A ReLU unit is *dead* at a step when ``z <= DEAD_THRESHOLD`` (its output and slope are 0).
DEAD_THRESHOLD = 0.0
#: A unit is *exploding* at a step when ``|h| >`` this. Inputs and weights in these
#: videos are of order 1, so a state 100 times that scale has left the range any
#: activation is meant to work in; for tanh and sigmoid it can never happen.
EXPLODING_THRESHOLD = 100.0
#: Sets per chunk of a backward sweep are chosen so that one ``(n, H, H)`` block holds
#: about this many numbers (2 MB): numpy's per-call cost stays small and the block in cache.
_CHUNK_ELEMENTS = 1 << 18
#: Up to this many inputs per step, the H > 1 forward pass forms ``W_x x_t + b`` inside
#: its step loop (D multiply-adds over the sets); beyond it one GEMM over all steps wins.
_STEPWISE_INPUTS = 8


def _frozen(a: npt.ArrayLike) -> Array:
    """A read-only float64 *copy*, so the caller's array stays theirs."""
    arr = np.array(a, dtype=np.float64)
    arr.flags.writeable = False
    return arr


def _seal(a: _A) -> _A:
    """Make an array this module created (nobody else holds it) read-only, without copying.

    The arrays it is a view of are sealed as well, so that ``a.base`` cannot be
    written through either.
    """
    part: object = a
    while isinstance(part, np.ndarray):
        part.flags.writeable = False
        part = part.base
    return a


def _time_major(a: Array) -> Array:
    """``(N, T, ...)`` -> contiguous ``(T, N, ...)``; free when ``a`` is already a view of one."""
    return np.ascontiguousarray(np.swapaxes(a, 0, 1))


def _batch_major(a: Array) -> Array:
    """``(T, N, ...)`` -> the ``(N, T, ...)`` view handed out, read-only.

    The block itself is sealed too, so not even ``view.base`` can be written through.
    """
    return np.swapaxes(_seal(a), 0, 1)


def _first(a: _A) -> _A:
    """``a[0]`` with its array type kept (numpy's stubs type integer indexing as ``Any``)."""
    return cast(_A, a[0])


def _params_equal(a: Array, b: Array) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


@dataclass(frozen=True, eq=False)
class RNNParams:
    """One parameter set: ``w_x`` (H x D), ``w_h`` (H x H), ``b`` (H), ``h0`` (H), activation.

    Two parameter sets are equal when all arrays are equal element for element
    (NaN equal to NaN) and the activation is the same; equal sets hash equally.
    """

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
        """Build from scalars (H = D = 1) or nested lists; shapes are checked.

        ``w_h`` fixes ``H`` (a number means H = 1). ``w_x`` may be a number
        (every unit gets that weight, D = 1), a list of H numbers (D = 1), or an
        H x D matrix; with H = 1 a list of D numbers is the single row.
        ``b`` and ``h0`` are a number (used for every unit) or a list of H.
        Raises ``ValueError`` for a shape mismatch and ``KeyError`` for an unknown activation.
        """
        get_activation(activation)
        wh = np.asarray(w_h, dtype=np.float64)
        if wh.ndim == 0:
            wh = wh.reshape(1, 1)
        if wh.ndim != 2 or wh.shape[0] != wh.shape[1] or wh.shape[0] == 0:
            raise ValueError(f"w_h must be a number or an H x H matrix, got shape {wh.shape}")
        H = wh.shape[0]
        wx = np.asarray(w_x, dtype=np.float64)
        if wx.ndim == 0:
            wx = np.full((H, 1), float(wx))
        elif wx.ndim == 1:
            wx = wx.reshape(1, -1) if H == 1 else wx.reshape(-1, 1)
        if wx.ndim != 2 or wx.shape[0] != H or wx.shape[1] == 0:
            raise ValueError(f"w_x must be H x D with H = {H}, got shape {np.shape(w_x)}")
        vectors = []
        for name, value in (("b", b), ("h0", h0)):
            v = np.asarray(value, dtype=np.float64)
            if v.ndim > 1 or (v.ndim == 1 and v.shape[0] != H):
                raise ValueError(f"{name} must be a number or a list of H = {H} numbers, got shape {v.shape}")
            vectors.append(np.broadcast_to(v, (H,)))
        return cls(_frozen(wx), _frozen(wh), _frozen(vectors[0]), _frozen(vectors[1]), activation)

    @property
    def hidden_size(self) -> int:
        return int(self.w_h.shape[0])

    @property
    def input_size(self) -> int:
        return int(self.w_x.shape[1])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RNNParams):
            return NotImplemented
        return self.activation == other.activation and all(
            _params_equal(a, b)
            for a, b in ((self.w_x, other.w_x), (self.w_h, other.w_h), (self.b, other.b), (self.h0, other.h0))
        )

    def __hash__(self) -> int:
        return hash(
            (
                self.activation,
                *(a.shape for a in (self.w_x, self.w_h)),
                self.w_x.tobytes(),
                self.w_h.tobytes(),
                self.b.tobytes(),
                self.h0.tobytes(),
            )
        )


@dataclass(frozen=True, eq=False)
class BatchTrajectory:
    """Forward pass of ``N`` parameter sets over the same time axis.

    Attributes
    ----------
    x : (N, T, D) inputs;  z : (N, T, H) pre-activations;  h : (N, T, H) states;
    dh : (N, T, H) ``f'(z)``;  h0 : (N, H);  w_x : (N, H, D);  w_h : (N, H, H);  b : (N, H).

    The derived arrays (:attr:`backward_factors`, :attr:`grad_to_last`, :attr:`grad_first`,
    :attr:`sensitivity_to_last` and the flags) are computed on first access and cached.
    Only :attr:`backward_factors` and :attr:`grad_to_last` are ``(N, T, H, H)``-sized;
    the others never build such an array.
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

    @property
    def steps(self) -> int:
        return int(self.h.shape[1])

    @property
    def hidden_size(self) -> int:
        return int(self.h.shape[2])

    @cached_property
    def _dh_tm(self) -> Array:
        return _time_major(self.dh)

    @cached_property
    def _factors_tm(self) -> Array:
        """(T, N, H, H) time-major ``diag(f'(z_t)) W_h``."""
        with np.errstate(all="ignore"):
            return self._dh_tm[..., :, None] * self.w_h[None, :, :, :]

    @cached_property
    def _grad_tm(self) -> Array:
        """(T, N, H, H) time-major ``dh_T/dh_t``."""
        J = self._factors_tm
        T, N, H, _ = J.shape
        G = np.empty_like(J)
        G[T - 1] = np.eye(H)
        with np.errstate(all="ignore"):
            if H == 1 and T > 1:
                # 1 x 1 products are ordinary products: a reversed cumulative product
                # gives G[t] = J[T-1] * J[T-2] * ... * J[t+1], multiplied in the same
                # order as the matrix recursion below (so the values are identical).
                np.cumprod(J[:0:-1], axis=0, out=G[T - 2 :: -1])
            elif H > 1:
                for t in range(T - 1, 0, -1):
                    np.matmul(G[t], J[t], out=G[t - 1])
        return G

    @cached_property
    def backward_factors(self) -> Array:
        """(N, T, H, H): ``dh_t/dh_(t-1) = diag(f'(z_t)) W_h``, one Jacobian per step."""
        return _batch_major(self._factors_tm)

    @cached_property
    def grad_to_last(self) -> Array:
        """(N, T, H, H): ``dh_T/dh_t`` for t = 1..T (identity at t = T).

        The backpropagation-through-time product ``J_T J_(T-1) ... J_(t+1)``.
        """
        return _batch_major(self._grad_tm)

    @cached_property
    def _sweep(self) -> tuple[Array, Array]:
        """``dh_T/dh_1`` (N, H, H) and time-major ``dh_T/dx_k`` (T, N, H, D) from one backward sweep.

        For H > 1 the products ``dh_T/dh_t`` are formed step by step for a chunk of sets
        and dropped at once, so no ``(N, T, H, H)`` array is built unless
        :attr:`grad_to_last` is asked for. The operations are those of :attr:`_grad_tm`
        (``G[t-1] = G[t] J[t]`` with the same ``J[t]``), so the numbers are identical.
        """
        with np.errstate(all="ignore"):
            if self.hidden_size == 1:  # (T, N, 1, 1) is no bigger than h: keep the cumulative product
                G = self._grad_tm
                local = self._dh_tm[..., :, None] * self.w_x[None, :, :, :]  # (T, N, H, D): dh_k/dx_k
                return _seal(G[0]), G[..., 0:1, 0:1] * local
            dh, T, N, H = self._dh_tm, self.steps, len(self), self.hidden_size
            first = np.empty((N, H, H))
            sens = np.empty((T, N, H, self.w_x.shape[2]))
            chunk = max(1, min(N, _CHUNK_ELEMENTS // (H * H)))
            for lo in range(0, N, chunk):
                hi = min(N, lo + chunk)
                G_t = np.broadcast_to(np.eye(H), (hi - lo, H, H))
                for t in range(T - 1, -1, -1):
                    np.matmul(G_t, dh[t, lo:hi, :, None] * self.w_x[lo:hi], out=sens[t, lo:hi])
                    if t:
                        G_t = np.matmul(G_t, dh[t, lo:hi, :, None] * self.w_h[lo:hi])
                first[lo:hi] = G_t
        return _seal(first), sens

    @cached_property
    def grad_first(self) -> Array:
        """(N, H, H): ``dh_T/dh_1``, the gradient reaching step 1 (``grad_to_last[:, 0]``), built without
        any ``(N, T, H, H)`` array."""
        return self._sweep[0]

    @cached_property
    def sensitivity_to_last(self) -> Array:
        """(N, T, H, D): ``dh_T/dx_k = (dh_T/dh_k) diag(f'(z_k)) W_x`` for k = 1..T."""
        return _batch_major(self._sweep[1])

    def _flag(self, array: Array, test: Callable[[Array], BoolArray]) -> BoolArray:
        # Elementwise tests run fastest over the contiguous time-major block; the
        # result is handed out as the matching (N, T, H) view.
        with np.errstate(invalid="ignore"):
            return _seal(np.swapaxes(test(_time_major(array)), 0, 1))

    @cached_property
    def saturated(self) -> BoolArray:
        """(N, T, H) bool: tanh/sigmoid unit with ``|f'(z)| < SATURATION_THRESHOLD``."""
        if not get_activation(self.activation).saturates:
            return _seal(np.zeros(self.h.shape, dtype=bool))
        # Two comparisons instead of abs(): no float temporary as large as dh.
        return self._flag(self.dh, lambda d: (d < SATURATION_THRESHOLD) & (d > -SATURATION_THRESHOLD))

    @cached_property
    def dead(self) -> BoolArray:
        """(N, T, H) bool: ReLU unit with ``z <= DEAD_THRESHOLD`` (output 0, no gradient)."""
        if not get_activation(self.activation).dies:
            return _seal(np.zeros(self.h.shape, dtype=bool))
        return self._flag(self.z, lambda z: z <= DEAD_THRESHOLD)

    @cached_property
    def exploding(self) -> BoolArray:
        """(N, T, H) bool: ``|h| > EXPLODING_THRESHOLD`` (non-finite counts as exploding)."""
        low, high = get_activation(self.activation).output_range
        if -EXPLODING_THRESHOLD <= low and high <= EXPLODING_THRESHOLD:  # bounded (tanh, sigmoid): only nan
            return self._flag(self.h, np.isnan)
        return self._flag(self.h, lambda h: ~((h <= EXPLODING_THRESHOLD) & (h >= -EXPLODING_THRESHOLD)))

    @cached_property
    def nonfinite(self) -> BoolArray:
        """(N, T, H) bool: ``z`` or ``h`` is inf or nan.

        Every activation maps finite numbers to finite ones and nan to nan, so ``h = f(z)``
        is non-finite only where ``z`` is: ``z`` alone is read.
        """
        return self._flag(self.z, lambda z: np.logical_not(np.isfinite(z)))

    def item(self, i: int) -> Trajectory:
        """The ``i``-th parameter set's run as a :class:`Trajectory` (its own copies)."""
        params = RNNParams(
            _frozen(self.w_x[i]), _frozen(self.w_h[i]), _frozen(self.b[i]), _frozen(self.h0[i]), self.activation
        )
        return Trajectory(params, _frozen(self.x[i]), _frozen(self.z[i]), _frozen(self.h[i]), _frozen(self.dh[i]))


def _as_batch(value: npt.ArrayLike, shape: tuple[int, ...], name: str) -> Array:
    arr = np.asarray(value, dtype=np.float64)
    try:
        return np.array(np.broadcast_to(arr, shape))  # a private, writable copy
    except ValueError:
        raise ValueError(f"{name} has shape {arr.shape}, expected {shape} or broadcastable to it") from None


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
        ``(T, D)`` shared by all sets, or ``(N, T, D)``; ``T >= 1``.
    w_x, w_h, b, h0
        ``(N, H, D)``, ``(N, H, H)``, ``(N, H)``, ``(N, H)``; ``b`` and ``h0`` may be
        anything that broadcasts to ``(N, H)`` (e.g. ``0.0``).
    activation
        ``tanh``, ``relu`` or ``sigmoid`` (one per batch; group sets by activation).

    Returns
    -------
    BatchTrajectory
        Read-only arrays; the inputs are copied, never aliased.

    Raises
    ------
    ValueError
        When shapes do not fit together or there are no timesteps.
    KeyError
        For an unknown activation.
    """
    act = get_activation(activation)
    W_h = np.array(w_h, dtype=np.float64)
    if W_h.ndim != 3 or W_h.shape[1] != W_h.shape[2] or W_h.shape[1] == 0:
        raise ValueError(f"w_h must have shape (N, H, H), got {W_h.shape}")
    N, H = W_h.shape[0], W_h.shape[1]
    W_x = np.array(w_x, dtype=np.float64)
    if W_x.ndim != 3 or W_x.shape[:2] != (N, H) or W_x.shape[2] == 0:
        raise ValueError(f"w_x must have shape (N, H, D) = ({N}, {H}, D), got {W_x.shape}")
    D = W_x.shape[2]
    B = _as_batch(b, (N, H), "b")
    H0 = _as_batch(h0, (N, H), "h0")
    X = np.array(x, dtype=np.float64)
    shared = X.ndim == 2
    if not (shared or (X.ndim == 3 and X.shape[0] == N)) or X.shape[-1] != D:
        raise ValueError(f"x must have shape (T, {D}) or ({N}, T, {D}), got {X.shape}")
    T = X.shape[-2]
    if T == 0:
        raise ValueError("x has no timesteps")

    with np.errstate(all="ignore"):
        if H == 1 or D > _STEPWISE_INPUTS:
            # Input contributions for every step at once (one GEMM); only the recurrence loops.
            if shared:
                z = (X @ W_x.reshape(N * H, D).T).reshape(T, N, H)
            else:
                z = np.ascontiguousarray(np.matmul(X, np.swapaxes(W_x, 1, 2)).transpose(1, 0, 2))
            z += B
        else:  # formed step by step below, where they are still in cache
            z = np.empty((T, N, H))
        h = np.empty_like(z)
        h_prev = H0
        if H == 1:
            w = W_h[:, :, 0]  # (N, 1): the recurrence is elementwise
            for t in range(T):
                z[t] += w * h_prev
                h_prev = h[t] = act.f(z[t])
        else:
            # Each step runs with the sets along the contiguous axis: W_h as (H, H, N), the
            # state and the step's z as (H, N). numpy's einsum then does one vectorised
            # multiply-add over the sets per pair of units (at H = 8, 2.8x faster than the
            # batched (N, H, H) @ (N, H, 1) matmul), and every elementwise operation runs
            # over contiguous numbers; only z and h are written out, transposed, to the
            # (T, N, H) blocks. For a few inputs, W_x x_t + b is formed here too (a GEMM
            # over all steps with D = 1 costs as much as the whole recurrence's products);
            # shared and per-set inputs take the same operations, so their numbers agree
            # exactly. The results equal the per-set matrix products up to rounding.
            w_cols = np.ascontiguousarray(W_h.transpose(1, 2, 0))
            h_cols = np.ascontiguousarray(H0.T)
            rec, z_cols = np.empty((H, N)), np.empty((H, N))
            if D <= _STEPWISE_INPUTS:
                wx_cols = np.ascontiguousarray(W_x.transpose(2, 1, 0))  # (D, H, N)
                b_cols = np.ascontiguousarray(B.T)
                x_cols = X if shared else np.ascontiguousarray(X.transpose(1, 2, 0))  # (T, D) or (T, D, N)
            for t in range(T):
                np.einsum("ijn,jn->in", w_cols, h_cols, out=rec)
                if D <= _STEPWISE_INPUTS:
                    np.multiply(wx_cols[0], x_cols[t, 0], out=z_cols)
                    for d in range(1, D):
                        z_cols += wx_cols[d] * x_cols[t, d]
                    z_cols += b_cols
                else:
                    np.copyto(z_cols, z[t].T)
                z_cols += rec
                np.copyto(z[t], z_cols.T)
                h_cols = act.f(z_cols)
                np.copyto(h[t], h_cols.T)
        dh = act.derivative_from_output(z, h)

    X_out = np.broadcast_to(_seal(X), (N, T, D)) if shared else _seal(X)
    return BatchTrajectory(
        activation,
        X_out,
        _batch_major(z),
        _batch_major(h),
        _batch_major(dh),
        _seal(H0),
        _seal(W_x),
        _seal(W_h),
        _seal(B),
    )


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One parameter set's forward pass and everything the scenes derive from it.

    Attributes
    ----------
    params : the weights, bias, initial state and activation.
    x : (T, D) inputs;  z : (T, H) pre-activations;  h : (T, H) hidden states;
    dh : (T, H) ``f'(z_t)``.

    Derived arrays are computed on first access and cached; all are read-only.
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
        """The state step ``t`` (0-based) starts from: ``h0`` when t = 0, else ``h[t-1]``."""
        if not 0 <= t < self.steps:
            raise IndexError(f"step index {t} out of range 0..{self.steps - 1}")
        return self.params.h0 if t == 0 else self.h[t - 1]

    @cached_property
    def _batch(self) -> BatchTrajectory:
        p = self.params
        return BatchTrajectory(
            p.activation,
            self.x[None],
            self.z[None],
            self.h[None],
            self.dh[None],
            p.h0[None],
            p.w_x[None],
            p.w_h[None],
            p.b[None],
        )

    @property
    def backward_factors(self) -> Array:
        """(T, H, H): ``dh_t/dh_(t-1) = diag(f'(z_t)) W_h``; scalar case ``W_h f'(z_t)``."""
        return _first(self._batch.backward_factors)

    @property
    def grad_to_last(self) -> Array:
        """(T, H, H): ``dh_T/dh_t`` (identity at the last step)."""
        return _first(self._batch.grad_to_last)

    @property
    def grad_first(self) -> Array:
        """(H, H): ``dh_T/dh_1``, the gradient reaching step 1 (equals ``grad_to_last[0]``)."""
        return _first(self._batch.grad_first)

    @property
    def sensitivity_to_last(self) -> Array:
        """(T, H, D): ``dh_T/dx_k`` for k = 1..T; equals ``sensitivity[T - 1]``."""
        return _first(self._batch.sensitivity_to_last)

    @cached_property
    def input_term(self) -> Array:
        """(T, H): ``W_x x_t``, the input's part of ``z_t``."""
        with np.errstate(all="ignore"):
            return _seal(self.x @ self.params.w_x.T)

    @cached_property
    def memory_term(self) -> Array:
        """(T, H): ``W_h h_(t-1)``, the memory's part of ``z_t`` (``h_0`` at the first step)."""
        prev = np.concatenate([self.params.h0[None], self.h[:-1]])
        with np.errstate(all="ignore"):
            return _seal(prev @ self.params.w_h.T)

    @cached_property
    def sensitivity(self) -> Array:
        """(T, T, H, D): ``[t, k] = dh_t/dx_k``, zero where k > t."""
        T, H, D = self.steps, self.hidden_size, self.input_size
        J = self.backward_factors
        S = np.zeros((T, T, H, D))
        with np.errstate(all="ignore"):
            local = self.dh[:, :, None] * self.params.w_x[None]  # (T, H, D): dh_k/dx_k
            for t in range(T):
                if t:
                    np.matmul(J[t], S[t - 1, :t], out=S[t, :t])
                S[t, t] = local[t]
        return _seal(S)

    @property
    def saturated(self) -> BoolArray:
        return _first(self._batch.saturated)

    @property
    def dead(self) -> BoolArray:
        return _first(self._batch.dead)

    @property
    def exploding(self) -> BoolArray:
        return _first(self._batch.exploding)

    @property
    def nonfinite(self) -> BoolArray:
        return _first(self._batch.nonfinite)


def run(x: npt.ArrayLike, params: RNNParams) -> Trajectory:
    """Run one parameter set over inputs ``x`` of shape ``(T, D)`` (or ``(T,)`` for D = 1)."""
    X = np.asarray(x, dtype=np.float64)
    X = X.reshape(-1, 1) if X.ndim == 1 else X
    if X.ndim != 2 or X.shape[1] != params.input_size:
        raise ValueError(f"x has shape {np.shape(x)} but w_x expects input size {params.input_size}")
    batch = run_batch(X, params.w_x[None], params.w_h[None], params.b[None], params.h0[None], params.activation)
    return batch.item(0)


def state_gap(a: Trajectory, b: Trajectory) -> Array:
    """``|h_t - h'_t|`` per step and unit, ``(T, H)``: how far two runs' memories differ.

    The memory effect made visible: run the same network on two inputs that differ at
    one step and watch this gap shrink (the network forgets) or persist. Non-finite
    states give ``nan`` or ``inf`` here, never a warning.
    """
    if a.h.shape != b.h.shape:
        raise ValueError(f"runs differ in shape: {a.h.shape} and {b.h.shape}")
    with np.errstate(all="ignore"):
        gap = np.abs(a.h - b.h)
    gap.flags.writeable = False
    return gap
