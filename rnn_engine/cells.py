"""The cell types: one registry entry per cell, everything about it in one place.

A :class:`CellType` says what a cell is called, which gates it has in which order
(each with its activation, its role and its teaching defaults), whether it carries a
cell state ``c``, its equations for the screen, and which functions build its
parameters and run it. The gated cells' math (one forward step, one step's
Jacobians) sits next to their entry; :mod:`rnn_engine.gated` runs any gated entry
without knowing which one it is. Adding a cell type means adding one entry here.

Entries (:data:`CELLS`, in this order):

``rnn``
    The plain cell ``h_t = f(W_x x_t + W_h h_(t-1) + b)`` of :mod:`rnn_engine.forward`
    (no gates; its activation is a parameter). API unchanged: :class:`~rnn_engine.RNNParams`,
    :func:`~rnn_engine.run`, :func:`~rnn_engine.run_batch`.
``lstm``
    ``torch.nn.LSTM``: gates ``input, forget, candidate, output``, state ``(h, c)``.
``gru``
    ``torch.nn.GRU``: gates ``reset, update, candidate``, state ``h``. ``update`` is
    torch's ``z``; like torch, ``h' = (1 - u) ⊙ n + u ⊙ h``, so u near 1 *keeps* the old state.

Teaching defaults (what an omitted gate, or an omitted key of a gate, takes):

======  =========  =====  =====  ====  =============================================
cell    gate       w_x    w_h    b     why
======  =========  =====  =====  ====  =============================================
lstm    input      0.6    0.3    0.0   i about 0.5: half of the candidate is written
lstm    forget     0.5    0.8    1.0   bias 1 (as Jozefowicz et al. 2015 advise):
                                       f about 0.73, memory kept by default
lstm    candidate  1.0    0.5    0.0   g follows the input, like the plain RNN's tanh
lstm    output     0.7    0.2    0.0   o about 0.5: h shows about half of tanh(c)
gru     reset      0.6    0.3    0.0   r about 0.5: the candidate sees half the old state
gru     update     0.5    0.8    1.0   bias 1, the GRU's forget bias: u about 0.73,
                                       so h keeps about 3/4 of itself per step by default
gru     candidate  1.0    0.5    0.0   as the LSTM candidate
======  =========  =====  =====  ====  =============================================

A number for ``w_h`` is each unit's weight on its own previous state (times the
identity), so these defaults mean the same thing at any hidden size.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from rnn_engine.forward import Array, BatchTrajectory, RNNParams, Trajectory, run, run_batch
from rnn_engine.gated import (
    DerivativesFn,
    GatedBatchTrajectory,
    GatedParams,
    GatedTrajectory,
    StepArrays,
    StepDerivatives,
    StepFn,
    run_gated,
    run_gated_batch,
)

__all__ = ["CELLS", "CELL_NAMES", "CellType", "GateSpec", "get_cell"]


@dataclass(frozen=True)
class GateSpec:
    """One gate of a cell.

    Attributes
    ----------
    name
        Key in configs and traces (``forget``).
    symbol
        Letter in the equations (``f``).
    activation
        ``sigmoid`` (a gate proper, values in (0, 1)) or ``tanh`` (a candidate, in (-1, 1));
        a key of :data:`rnn_engine.activations.ACTIVATIONS`.
    role
        What it does, in one phrase for a caption.
    w_x, w_h, b
        Teaching defaults (see the module docstring for why).
    """

    name: str
    symbol: str
    activation: str
    role: str
    w_x: float
    w_h: float
    b: float

    @property
    def defaults(self) -> Mapping[str, float]:
        """``{"w_x": ..., "w_h": ..., "b": ...}``: what an omitted key takes."""
        return MappingProxyType({"w_x": self.w_x, "w_h": self.w_h, "b": self.b})


@dataclass(frozen=True, eq=False)
class CellType:
    """A cell type: its identity, its gates, and the functions that build and run it.

    Attributes
    ----------
    name
        Key in configs and traces (``rnn``, ``lstm``, ``gru``).
    display
        Name on screen (``RNN``, ``LSTM``, ``GRU``).
    summary
        One sentence on what the cell is.
    gates
        The gates in order (empty for the plain RNN). Gate arrays (``gate_values``,
        ``w_x`` stacks) use this order along their G axis.
    has_cell_state
        Whether the state includes a cell state ``c`` besides ``h`` (and ``c0`` exists).
    keep_gate
        The gate that multiplies the old memory on its direct path (LSTM ``forget``,
        GRU ``update``); its product over steps is ``carousel``. ``None`` for the RNN.
    equations
        One step's equations in Typst math, in the order they are evaluated.
    build_params
        ``rnn``: :meth:`RNNParams.from_values` ``(w_x, w_h, b, h0, activation)``;
        gated: :meth:`GatedParams.from_values` with the cell bound, ``(gates, h0, c0)``.
    run
        ``(x, params) ->`` a trajectory: :func:`~rnn_engine.run` or :func:`run_gated`.
    run_batch
        ``rnn``: :func:`~rnn_engine.run_batch` ``(x, w_x, w_h, b, h0, activation)``;
        gated: :func:`run_gated_batch` with the cell bound, ``(x, gates, h0, c0)``.
    step, derivatives
        The gated cells' math: one forward step (:data:`rnn_engine.gated.StepFn`) and
        one step's derivatives in factored form (:class:`rnn_engine.gated.StepDerivatives`),
        from which the engine builds every Jacobian and gradient; ``None`` for the RNN.
    gated_recurrence
        The gates whose recurrent term ``W_h h`` is scaled by another gate before it is
        added (the GRU candidate's, by the reset gate): ``step`` gets that term on its
        own. They must be the last gates in order.
    """

    name: str
    display: str
    summary: str
    gates: tuple[GateSpec, ...]
    has_cell_state: bool
    keep_gate: str | None
    equations: tuple[str, ...]
    build_params: Callable[..., RNNParams | GatedParams]
    run: Callable[..., Trajectory | GatedTrajectory]
    run_batch: Callable[..., BatchTrajectory | GatedBatchTrajectory]
    step: StepFn | None = None
    derivatives: DerivativesFn | None = None
    gated_recurrence: tuple[str, ...] = ()

    @property
    def gate_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.gates)

    @property
    def state_names(self) -> tuple[str, ...]:
        """What one step's state is made of: ``("h", "c")`` or ``("h",)``."""
        return ("h", "c") if self.has_cell_state else ("h",)

    @property
    def is_gated(self) -> bool:
        return bool(self.gates)

    def gate(self, name: str) -> GateSpec:
        """The gate called ``name``; ``KeyError`` naming this cell's gates otherwise."""
        for g in self.gates:
            if g.name == name:
                return g
        raise KeyError(f"{self.name} has no gate {name!r}; its gates are {', '.join(self.gate_names) or 'none'}")

    @property
    def defaults(self) -> Mapping[str, Mapping[str, float]]:
        """Gate name -> its teaching defaults, in gate order."""
        return MappingProxyType({g.name: g.defaults for g in self.gates})


# --------------------------------------------------------------------------- shared pieces of the math


def _sigmoid_of_negated(neg_z: Array, out: Array) -> None:
    """``out = σ(z) = 1 / (1 + e^-z)`` from ``neg_z = -z``, in place, for the gates.

    The forward pass forms the sigmoid gates' arguments negated (:data:`rnn_engine.gated.StepFn`),
    so this takes three passes instead of :func:`rnn_engine.activations.sigmoid`'s eight
    (this is the cost of a gated step). Wherever ``e^-z`` is finite (``z >= -709.78``) the
    values agree with it to within 4 units in the last place and keep the full relative
    precision of small values (``1 / (1 + e^40) = 4.2e-18``); below that ``e^-z``
    overflows to inf and the result is exactly 0 (the true value is under 1e-308),
    silently under ``np.errstate``.
    """
    np.exp(neg_z, out=out)
    out += 1.0
    np.divide(1.0, out, out=out)


# --------------------------------------------------------------------------- LSTM: gates i, f, g, o

_I, _F, _G, _O = 0, 1, 2, 3


def _lstm_step(
    pre: Array,
    rec: Array,
    gates: Array,
    h_prev: Array,
    c_prev: Array | None,
    h_out: Array,
    c_out: Array | None,
    tanh_c_out: Array | None,
) -> None:
    assert c_prev is not None and c_out is not None and tanh_c_out is not None
    _sigmoid_of_negated(pre[_I:_G], gates[_I:_G])  # i, f (their arguments arrive negated)
    _sigmoid_of_negated(pre[_O], gates[_O])
    np.tanh(pre[_G], out=gates[_G])
    # c' = f c + i g;  h' = o tanh(c')  (torch's order of operations)
    np.multiply(gates[_F], c_prev, out=c_out)
    c_out += np.multiply(gates[_I], gates[_G], out=tanh_c_out)  # tanh_c_out as scratch
    np.tanh(c_out, out=tanh_c_out)
    np.multiply(gates[_O], tanh_c_out, out=h_out)


def _lstm_derivatives(a: StepArrays) -> StepDerivatives:
    assert a.c_prev is not None and a.tanh_c is not None
    i, f, g, o = (a.gates[..., k, :] for k in (_I, _F, _G, _O))
    tc = a.tanh_c
    oc = o * (1.0 - tc * tc)  # dh'/dc'
    lead = a.gates.shape[:-2]
    through = np.empty((*lead, 2, *a.gates.shape[-2:]))  # [h', c'] x gates x units
    kc = through[..., 1, :, :]  # dc'/d(pre-activation of each gate)
    kc[..., _I, :] = g * (i * (1.0 - i))
    kc[..., _F, :] = a.c_prev * (f * (1.0 - f))
    kc[..., _G, :] = i * (1.0 - g * g)
    kc[..., _O, :] = 0.0
    kh = through[..., 0, :, :]  # dh'/d(pre-activation): through c' for i, f, g ...
    np.multiply(kc, oc[..., None, :], out=kh)
    kh[..., _O, :] = tc * (o * (1.0 - o))  # ... and directly for o
    direct = np.zeros((*lead, 2, 2, i.shape[-1]))  # c reaches h' and c' only through c' = f c + ...
    direct[..., 0, 1, :] = oc * f  # dh'/dc
    direct[..., 1, 1, :] = f  # dc'/dc: the direct memory path
    return StepDerivatives(through, None, direct)


# --------------------------------------------------------------------------- GRU: gates r, u, n

_R, _U, _N = 0, 1, 2


def _gru_step(
    pre: Array,
    rec: Array,
    gates: Array,
    h_prev: Array,
    c_prev: Array | None,
    h_out: Array,
    c_out: Array | None,
    tanh_c_out: Array | None,
) -> None:
    _sigmoid_of_negated(pre[:_N], gates[:_N])  # r, u (their arguments arrive negated)
    pre[_N] += np.multiply(gates[_R], rec[0], out=h_out)  # n's argument: W_xn x + b_n + r (W_hn h); h_out as scratch
    np.tanh(pre[_N], out=gates[_N])
    # h' = (1 - u) n + u h, computed as torch does: n + u (h - n)
    n = gates[_N]
    np.subtract(h_prev, n, out=h_out)
    h_out *= gates[_U]
    h_out += n


def _gru_derivatives(a: StepArrays) -> StepDerivatives:
    r, u, n = (a.gates[..., k, :] for k in (_R, _U, _N))
    rec_n = np.matmul(a.w_h[..., _N, :, :], a.h_prev[..., :, None])[..., 0]  # W_hn h_prev
    dn = (1.0 - u) * (1.0 - n * n)  # dh'/d(n's argument)
    lead = a.gates.shape[:-2]
    kh = np.empty((*lead, 1, *a.gates.shape[-2:]))  # one state component, h
    kh[..., 0, _R, :] = dn * rec_n * (r * (1.0 - r))
    kh[..., 0, _U, :] = (a.h_prev - n) * (u * (1.0 - u))
    kh[..., 0, _N, :] = dn * r  # n sees h_prev through r ⊙ (W_hn h_prev) ...
    kx = kh.copy()
    kx[..., 0, _N, :] = dn  # ... but x through W_xn x, with no reset
    direct = u[..., None, None, :]  # h' = ... + u ⊙ h: the direct memory path
    return StepDerivatives(kh, kx, direct)


# --------------------------------------------------------------------------- the registry

CELLS: Mapping[str, CellType] = MappingProxyType(
    {
        "rnn": CellType(
            name="rnn",
            display="RNN",
            summary="the plain recurrent cell: one activation of the input and the previous state",
            gates=(),
            has_cell_state=False,
            keep_gate=None,
            equations=("h_t = f(W_x x_t + W_h h_(t-1) + b)",),
            build_params=RNNParams.from_values,
            run=run,
            run_batch=run_batch,
        ),
        "lstm": CellType(
            name="lstm",
            display="LSTM",
            summary="long short-term memory: gates decide what the cell state c forgets, writes and shows",
            gates=(
                GateSpec("input", "i", "sigmoid", "how much of the candidate is written to c", 0.6, 0.3, 0.0),
                GateSpec("forget", "f", "sigmoid", "how much of the old c is kept", 0.5, 0.8, 1.0),
                GateSpec("candidate", "g", "tanh", "the new content that may be written to c", 1.0, 0.5, 0.0),
                GateSpec("output", "o", "sigmoid", "how much of tanh(c) is shown as h", 0.7, 0.2, 0.0),
            ),
            has_cell_state=True,
            keep_gate="forget",
            equations=(
                "i_t = sigma(W_(x i) x_t + W_(h i) h_(t-1) + b_i)",
                "f_t = sigma(W_(x f) x_t + W_(h f) h_(t-1) + b_f)",
                "g_t = tanh(W_(x g) x_t + W_(h g) h_(t-1) + b_g)",
                "o_t = sigma(W_(x o) x_t + W_(h o) h_(t-1) + b_o)",
                "c_t = f_t dot.o c_(t-1) + i_t dot.o g_t",
                "h_t = o_t dot.o tanh(c_t)",
            ),
            build_params=functools.partial(GatedParams.from_values, "lstm"),
            run=run_gated,
            run_batch=functools.partial(run_gated_batch, "lstm"),
            step=_lstm_step,
            derivatives=_lstm_derivatives,
        ),
        "gru": CellType(
            name="gru",
            display="GRU",
            summary="gated recurrent unit: an update gate mixes the old state with a reset-gated candidate",
            gates=(
                GateSpec("reset", "r", "sigmoid", "how much of the old state the candidate sees", 0.6, 0.3, 0.0),
                GateSpec("update", "u", "sigmoid", "how much of the old state is kept", 0.5, 0.8, 1.0),
                GateSpec("candidate", "n", "tanh", "the new state proposed from the input", 1.0, 0.5, 0.0),
            ),
            has_cell_state=False,
            keep_gate="update",
            equations=(
                "r_t = sigma(W_(x r) x_t + W_(h r) h_(t-1) + b_r)",
                "u_t = sigma(W_(x u) x_t + W_(h u) h_(t-1) + b_u)",
                "n_t = tanh(W_(x n) x_t + b_n + r_t dot.o (W_(h n) h_(t-1)))",
                "h_t = (1 - u_t) dot.o n_t + u_t dot.o h_(t-1)",
            ),
            build_params=functools.partial(GatedParams.from_values, "gru"),
            run=run_gated,
            run_batch=functools.partial(run_gated_batch, "gru"),
            step=_gru_step,
            derivatives=_gru_derivatives,
            gated_recurrence=("candidate",),
        ),
    }
)
#: The cell names in registry order, e.g. for a config's ``Literal``.
CELL_NAMES = tuple(CELLS)


def get_cell(name: str) -> CellType:
    """Return the cell type called ``name``; raise ``KeyError`` naming the valid ones."""
    try:
        return CELLS[name]
    except KeyError:
        raise KeyError(f"unknown cell {name!r}; expected one of {', '.join(CELLS)}") from None
