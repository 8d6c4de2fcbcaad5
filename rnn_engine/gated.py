"""Gated recurrent cells (LSTM, GRU): parameters, the forward pass and the numbers derived from it.

Semantics are exactly PyTorch's ``torch.nn.LSTM`` and ``torch.nn.GRU`` with one bias per
gate (torch's ``b_ih``; its ``b_hh`` is zero). Gate names are fixed by the cell
(:mod:`rnn_engine.cells` is the one place that defines a cell type):

LSTM (gates ``input`` i, ``forget`` f, ``candidate`` g, ``output`` o; state ``(h, c)``)::

    i = σ(W_xi x + W_hi h + b_i)    f = σ(W_xf x + W_hf h + b_f)
    g = tanh(W_xg x + W_hg h + b_g) o = σ(W_xo x + W_ho h + b_o)
    c' = f ⊙ c + i ⊙ g              h' = o ⊙ tanh(c')

GRU (gates ``reset`` r, ``update`` u (torch's z), ``candidate`` n; state ``h``)::

    r = σ(W_xr x + W_hr h + b_r)    u = σ(W_xu x + W_hu h + b_u)
    n = tanh(W_xn x + b_n + r ⊙ (W_hn h))
    h' = (1 - u) ⊙ n + u ⊙ h

Each gate has ``w_x`` (H x D), ``w_h`` (H x H) and ``b`` (H). The *state* ``s`` of a
step is ``(h, c)`` for the LSTM (``S = 2H`` numbers, h first) and ``h`` for the GRU
(``S = H``); every derivative "through the recurrence" is taken with respect to the
whole state, so gradients flowing through ``c`` and through the gates are included.

The core is :func:`run_gated_batch`: one Python loop over time, numpy over the
batch of parameter sets and the hidden units, time-major ``(T, N, ...)`` blocks, the
gate blocks gate-major ``(T, G, N, H)`` (the public ``(N, T, ...)`` arrays are
transposed views). Sets are run a cache-sized chunk at a time, and each step's gate
arguments come (for H > 1) from one batched product of the row ``[h, x, 1]`` with each set's
stacked ``[W_h; W_x; b]`` (the GRU candidate's ``W_h h``, which the reset gate scales, from
a product of ``h`` alone). :func:`run_gated` is the single-set case and returns a
:class:`GatedTrajectory`.

Conventions, as in :mod:`rnn_engine.forward`: ``T`` timesteps, ``D`` input size,
``H`` hidden size, ``G`` gates, ``N`` sets; index ``t`` of every per-step array is
timestep ``t + 1`` on screen; every array handed out is float64 (flags: bool) and
read-only; overflow never warns or raises, non-finite values are kept and flagged.

Only the forward pass (h, c and the gate values) is computed up front. Everything else
is computed on first access and cached, the pre-activations too: they are formed again,
bit for bit, by replaying the forward pass's steps from the stored states. Nothing of size
``(N, T, S, S)`` is built unless one of :attr:`~GatedBatchTrajectory.state_factors`,
``backward_factors``, ``state_grad_to_last``, ``grad_to_last`` or ``cell_grad_to_last``
is asked for: :attr:`~GatedBatchTrajectory.grad_first` (``dh_T/dh_1``) and
:attr:`~GatedBatchTrajectory.sensitivity_to_last` (``dh_T/dx_k``) are computed by one
backward sweep that keeps only the current step's rows, over chunks of sets small
enough to stay in cache.

For a config and a trace: ``params.cell`` is the cell's name, ``traj.c`` is ``None``
for the GRU, ``traj.gates`` maps each gate's name to its ``(T, H)`` values (so a
trace step ``t`` is ``{name: traj.gates[name][t]}``), and :class:`ParamsError`
carries the dotted field (e.g. ``gates.forget.w_h``) a loader can point at.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt

from rnn_engine.forward import (
    _CHUNK_ELEMENTS,
    EXPLODING_THRESHOLD,
    SATURATION_THRESHOLD,
    Array,
    BoolArray,
    _batch_major,
    _first,
    _frozen,
    _params_equal,
    _seal,
    _time_major,
)

if TYPE_CHECKING:
    from rnn_engine.cells import CellType

_A = TypeVar("_A", Array, BoolArray)

__all__ = [
    "GATE_CLOSED_THRESHOLD",
    "GATE_OPEN_THRESHOLD",
    "GATE_FIELDS",
    "GateParams",
    "GatedBatchTrajectory",
    "GatedParams",
    "GatedTrajectory",
    "ParamsError",
    "StepArrays",
    "StepDerivatives",
    "run_gated",
    "run_gated_batch",
]

#: A sigmoid gate is *nearly closed* at a step when its value is below this: it then
#: passes less than 5 % of what it multiplies (a forget gate under it wipes the memory).
GATE_CLOSED_THRESHOLD = 0.05
#: ... and *nearly open* above this: it passes more than 95 % (a forget gate above it
#: carries the memory almost unchanged, the "constant error carousel").
GATE_OPEN_THRESHOLD = 0.95
#: The keys of one gate's parameters, in the order a config writes them.
GATE_FIELDS = ("w_x", "w_h", "b")


#: Sets per chunk of the forward pass are chosen so that one step's ``(n, G, H)`` block
#: holds about this many numbers (512 kB): a step's few blocks stay in a core's own cache
#: (measured at H = 8: 1 << 15 and 1 << 17 were 3-10 % slower, 1 << 18 over 20 %).
_FORWARD_CHUNK_ELEMENTS = 1 << 16
#: The per-step flags are swept a block of steps at a time, about this many numbers of
#: one ``(N, H)`` array per block (512 kB), so that a block read twice is read from cache.
_FLAG_BLOCK_ELEMENTS = 1 << 16


def _saturated_square(threshold: float) -> float:
    """The least double ``q`` such that ``|1 - q| < threshold`` as float64 computes it.

    For a tanh value ``v`` (in [-1, 1] or nan), ``v * v >= q`` is then exactly the rule
    ``|1 - v * v| < threshold``, in one comparison instead of three passes: on [0.5, 1]
    ``1 - q`` is exact (Sterbenz), so the rule is monotone there, and below 0.5 it never
    holds for a threshold of at most 0.5; nan fails both.
    """
    assert 0.0 < threshold <= 0.5

    def holds(q: np.float64) -> bool:
        return bool(np.abs(1.0 - q) < threshold)

    q = np.float64(1.0) - np.float64(threshold)
    while holds(np.nextafter(q, 0.0)):
        q = np.nextafter(q, 0.0)
    while not holds(q):
        q = np.nextafter(q, 2.0)
    return float(q)


#: ``v * v >=`` this is ``|1 - v^2| < SATURATION_THRESHOLD`` for a tanh value ``v``.
_SATURATED_SQUARE = _saturated_square(SATURATION_THRESHOLD)


class ParamsError(ValueError):
    """A parameter value that does not fit; ``field`` is its dotted path, e.g. ``gates.forget.w_h``.

    The message names the field too; ``field`` is there so that a config loader can
    find the line without parsing the sentence.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


# --------------------------------------------------------------------------- the contract with a cell's math


@dataclass(frozen=True, slots=True)
class StepArrays:
    """Everything one step's derivatives need, for any leading batch shape ``(...)``.

    ``(...)`` is ``(n,)`` for one step of ``n`` sets, or ``(T, N)`` for every step at
    once (the weights then broadcast over the time axis). Gates are in the cell's
    order along the ``G`` axis. ``c`` and ``c_prev`` are ``None`` without a cell state.
    """

    x: Array  # (..., D)
    h_prev: Array  # (..., H)
    c_prev: Array | None  # (..., H)
    gates: Array  # (..., G, H) gate values
    h: Array  # (..., H)
    c: Array | None  # (..., H)
    tanh_c: Array | None  # (..., H) tanh(c), as the forward pass computed it
    w_x: Array  # (..., G, H, D)
    w_h: Array  # (..., G, H, H)


#: One forward step of a cell over ``n`` sets, writing its outputs in place:
#: ``step(pre, rec, gates, h_prev, c_prev, h_out, c_out, tanh_c_out)``. The gate arrays
#: are gate-major, ``(G, n, H)``, so that one gate's numbers are one contiguous block (numpy
#: is several times slower on the short strided rows of ``(n, G, H)``). On entry ``pre``
#: holds every gate's argument ``z = W_x x + W_h h_prev + b``, *negated* for the sigmoid
#: gates (``-z``, so that ``σ(z) = 1 / (1 + e^(-z))`` starts from its exponential), except
#: that for the cell's ``gated_recurrence`` gates (the last ones) it holds ``W_x x + b``
#: and ``rec`` (one ``(n, H)`` block each) their ``W_h h_prev``; on return ``pre`` holds
#: the pre-activations (sigmoid gates' still negated), ``gates`` the gate values,
#: ``h_out`` and ``c_out`` the new state and ``tanh_c_out`` ``tanh(c_out)`` (both ``None``
#: without a cell state; kept because the flags and Jacobians need it again). ``h_out``
#: and ``tanh_c_out`` may be used as scratch before their final values are written.
StepFn = Callable[[Array, Array, Array, Array, Array | None, Array, Array | None, Array | None], None]


@dataclass(frozen=True, slots=True)
class StepDerivatives:
    """One step's derivatives in the factored form every gated cell has.

    The state ``s`` has ``C`` components of H numbers each (``h`` first; LSTM ``(h, c)``,
    C = 2; GRU ``(h,)``, C = 1). The gates see the previous state only through ``h``,
    via their ``w_h``, and the input via their ``w_x``; other dependences are per unit.
    So for output component ``a`` and gate ``k``::

        ds'_a/dh   = sum_k diag(through_h[a, k]) W_h[k] + diag(direct[a, 0])
        ds'_a/ds_b = diag(direct[a, b])                          (b >= 1, e.g. c)
        ds'_a/dx   = sum_k diag(through_x[a, k]) W_x[k]

    ``through_h[a, k]`` is ``ds'_a/d(pre-activation of k)`` times whatever scales
    ``W_h[k] h`` inside it (1, or the GRU reset for its candidate); ``through_x`` is the
    same for ``W_x[k] x`` and ``None`` when it equals ``through_h``.

    Shapes: ``through_h``, ``through_x`` ``(..., C, G, H)``; ``direct`` ``(..., C, C, H)``.
    """

    through_h: Array
    through_x: Array | None
    direct: Array


#: One step's :class:`StepDerivatives` from its :class:`StepArrays`.
DerivativesFn = Callable[[StepArrays], StepDerivatives]


def _gated_cell(cell: str) -> CellType:
    # The registry imports this module (its entries point at run_gated), so it is looked
    # up at call time rather than imported at the top.
    from rnn_engine.cells import get_cell

    spec = get_cell(cell)
    if spec.step is None or spec.derivatives is None:
        raise ValueError(f"{cell!r} is not a gated cell; use RNNParams and run for it")
    separate = spec.gated_recurrence
    assert spec.gate_names[len(spec.gates) - len(separate) :] == separate, "gated_recurrence gates must come last"
    return spec


def _view(d: dict[str, _A]) -> Mapping[str, _A]:
    return MappingProxyType(d)


class _Picklable:
    """Pickling for the frozen value objects here (results may cross a process).

    Only the dataclass fields travel: read-only mappings as plain dicts (a
    ``MappingProxyType`` cannot be pickled), cached derived arrays not at all (they are
    recomputed on first access). Arrays arrive read-only again.
    """

    def __getstate__(self) -> dict[str, object]:
        state = {}
        for f in fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            state[f.name] = dict(v) if isinstance(v, MappingProxyType) else v
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, v in state.items():
            if isinstance(v, dict):
                v = MappingProxyType(v)
            elif isinstance(v, np.ndarray):
                v.flags.writeable = False
            object.__setattr__(self, name, v)


def _contract(k: Array, w: Array) -> Array:
    """``sum_g diag(k_g) W_g``: ``k`` (..., G, H) coefficients, ``w`` (..., G, H, M) -> (..., H, M)."""
    prod: Array = np.multiply(k[..., None], w)
    out: Array = prod.sum(axis=-3)
    return out


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True, eq=False)
class GateParams(_Picklable):
    """One gate's weights: ``w_x`` (H x D), ``w_h`` (H x H), ``b`` (H); read-only float64."""

    w_x: Array
    w_h: Array
    b: Array

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GateParams):
            return NotImplemented
        return all(_params_equal(a, b) for a, b in zip(self._arrays(), other._arrays(), strict=True))

    def __hash__(self) -> int:
        return hash((self.w_x.shape, *(a.tobytes() for a in self._arrays())))

    def _arrays(self) -> tuple[Array, Array, Array]:
        return self.w_x, self.w_h, self.b


def _shape_of(value: npt.ArrayLike, field: str) -> Array:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParamsError(field, "must be a number or a (nested) list of numbers") from None


@dataclass(frozen=True, eq=False)
class GatedParams(_Picklable):
    """One parameter set of a gated cell: every gate's weights, ``h0`` and (LSTM) ``c0``.

    Attributes
    ----------
    cell
        The cell's name, ``lstm`` or ``gru`` (a key of :data:`rnn_engine.cells.CELLS`).
    gates
        Gate name -> :class:`GateParams`, in the cell's gate order.
    h0, c0
        Initial states (H); ``c0`` is ``None`` for a cell without a cell state.

    Two parameter sets are equal when the cell and all arrays are equal element for
    element (NaN equal to NaN); equal sets hash equally.
    """

    cell: str
    gates: Mapping[str, GateParams]
    h0: Array
    c0: Array | None

    @classmethod
    def from_values(
        cls,
        cell: str,
        gates: Mapping[str, Mapping[str, npt.ArrayLike]] | None = None,
        h0: npt.ArrayLike = 0.0,
        c0: npt.ArrayLike | None = None,
    ) -> GatedParams:
        """Build from numbers and nested lists, as a config writes them; shapes are checked.

        Parameters
        ----------
        cell
            ``lstm`` or ``gru``.
        gates
            Gate name -> ``{"w_x": ..., "w_h": ..., "b": ...}``. A gate left out, or a key
            left out of a gate, takes the cell's documented teaching default
            (:attr:`rnn_engine.cells.GateSpec.defaults`, e.g. LSTM forget bias 1).
        h0, c0
            A number (every unit) or a list of H. ``c0`` is for the LSTM only
            (``None`` means 0); a GRU has no cell state and refuses one.

        Shapes: ``H`` is the size every non-number value agrees on (the rows of a
        ``w_h`` or ``w_x`` matrix, the length of a ``b``, ``h0`` or ``c0`` list), 1 when
        all are numbers. ``D`` is the column count of any ``w_x`` matrix, else 1. A number
        adapts to H and D: ``w_x`` gives every unit that weight from every input, ``w_h``
        gives every unit that weight on its *own* previous state (the number times the
        identity, so defaults stay sensible at any H), ``b`` is every unit's bias. As in
        :meth:`rnn_engine.RNNParams.from_values`, a list ``w_x`` is the single row when
        H = 1 (D = its length) and one weight per unit otherwise (D = 1).

        Raises
        ------
        ParamsError
            (a ``ValueError``) for an unknown gate or key, a GRU ``c0``, or sizes that
            do not agree; ``.field`` is the dotted path (``gates.forget.w_h``, ``h0``).
        KeyError
            For an unknown cell name.
        """
        spec = _gated_cell(cell)
        given = dict(gates or {})
        names = spec.gate_names
        for name in given:
            if name not in names:
                raise ParamsError(f"gates.{name}", f"unknown gate for {cell}; expected one of {', '.join(names)}")
        raw: dict[str, dict[str, Array]] = {}
        for g in spec.gates:
            values = given.get(g.name, {})
            for key in values:
                if key not in GATE_FIELDS:
                    raise ParamsError(f"gates.{g.name}.{key}", f"unknown key; expected one of {', '.join(GATE_FIELDS)}")
            defaults = g.defaults
            raw[g.name] = {
                k: _shape_of(values[k] if k in values else defaults[k], f"gates.{g.name}.{k}") for k in GATE_FIELDS
            }
        if c0 is not None and not spec.has_cell_state:
            raise ParamsError("c0", f"{cell} has no cell state; leave c0 out")
        states = {"h0": _shape_of(h0, "h0")}
        if spec.has_cell_state:
            states["c0"] = _shape_of(0.0 if c0 is None else c0, "c0")

        H, D = _sizes(raw, states)
        built: dict[str, GateParams] = {}
        for name, v in raw.items():
            built[name] = GateParams(
                _frozen(_matrix_x(v["w_x"], H, D, f"gates.{name}.w_x")),
                _frozen(_matrix_h(v["w_h"], H, f"gates.{name}.w_h")),
                _frozen(_vector(v["b"], H, f"gates.{name}.b")),
            )
        h0_v = _frozen(_vector(states["h0"], H, "h0"))
        c0_v = _frozen(_vector(states["c0"], H, "c0")) if "c0" in states else None
        return cls(cell, MappingProxyType(built), h0_v, c0_v)

    @property
    def cell_type(self) -> CellType:
        """The registry entry of :attr:`cell`."""
        return _gated_cell(self.cell)

    @property
    def hidden_size(self) -> int:
        return int(self.h0.shape[0])

    @property
    def input_size(self) -> int:
        return int(next(iter(self.gates.values())).w_x.shape[1])

    def gate(self, name: str) -> GateParams:
        """One gate's parameters; ``KeyError`` naming the gates for an unknown name."""
        try:
            return self.gates[name]
        except KeyError:
            raise KeyError(f"{self.cell} has no gate {name!r}; its gates are {', '.join(self.gates)}") from None

    @cached_property
    def w_x(self) -> Array:
        """(G, H, D): every gate's ``w_x`` stacked in gate order."""
        return _seal(np.stack([g.w_x for g in self.gates.values()]))

    @cached_property
    def w_h(self) -> Array:
        """(G, H, H): every gate's ``w_h`` stacked in gate order."""
        return _seal(np.stack([g.w_h for g in self.gates.values()]))

    @cached_property
    def b(self) -> Array:
        """(G, H): every gate's ``b`` stacked in gate order."""
        return _seal(np.stack([g.b for g in self.gates.values()]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GatedParams):
            return NotImplemented
        if self.cell != other.cell or tuple(self.gates) != tuple(other.gates):
            return False
        if (self.c0 is None) != (other.c0 is None):
            return False
        same_c0 = self.c0 is None or other.c0 is None or _params_equal(self.c0, other.c0)
        return same_c0 and _params_equal(self.h0, other.h0) and all(self.gates[k] == other.gates[k] for k in self.gates)

    def __hash__(self) -> int:
        c0 = b"" if self.c0 is None else self.c0.tobytes()
        return hash((self.cell, tuple(self.gates.items()), self.h0.tobytes(), c0))


def _sizes(raw: Mapping[str, Mapping[str, Array]], states: Mapping[str, Array]) -> tuple[int, int]:
    """The ``(H, D)`` every non-number value agrees on (see :meth:`GatedParams.from_values`)."""
    h_claims: list[tuple[str, int]] = []
    for name, v in raw.items():
        wh, wx, b = v["w_h"], v["w_x"], v["b"]
        if wh.ndim == 2 and wh.shape[0] == wh.shape[1] and wh.shape[0] > 0:
            h_claims.append((f"gates.{name}.w_h", wh.shape[0]))
        elif wh.ndim != 0:
            raise ParamsError(f"gates.{name}.w_h", f"must be a number or an H x H matrix, got shape {wh.shape}")
        if wx.ndim == 2 and wx.shape[0] > 0 and wx.shape[1] > 0:
            h_claims.append((f"gates.{name}.w_x", wx.shape[0]))
        elif wx.ndim > 2 or (wx.ndim >= 1 and wx.size == 0):
            raise ParamsError(f"gates.{name}.w_x", f"must be a number, a list or an H x D matrix, got shape {wx.shape}")
        if b.ndim == 1 and b.shape[0] > 0:
            h_claims.append((f"gates.{name}.b", b.shape[0]))
        elif b.ndim != 0:
            raise ParamsError(f"gates.{name}.b", f"must be a number or a list of H numbers, got shape {b.shape}")
    for field, s in states.items():
        if s.ndim == 1 and s.shape[0] > 0:
            h_claims.append((field, s.shape[0]))
        elif s.ndim != 0:
            raise ParamsError(field, f"must be a number or a list of H numbers, got shape {s.shape}")
    H = h_claims[0][1] if h_claims else 1
    first = h_claims[0][0] if h_claims else ""
    for field, n in h_claims:
        if n != H:
            raise ParamsError(field, f"has size {n} but {first} has H = {H}; all gates and states share H")

    d_claims: list[tuple[str, int]] = []
    for name, v in raw.items():
        wx = v["w_x"]
        if wx.ndim == 2:
            d_claims.append((f"gates.{name}.w_x", wx.shape[1]))
        elif wx.ndim == 1:
            d_claims.append((f"gates.{name}.w_x", wx.shape[0] if H == 1 else 1))
    D = d_claims[0][1] if d_claims else 1
    for field, n in d_claims:
        if n != D:
            raise ParamsError(field, f"has {n} input column(s) but {d_claims[0][0]} has D = {D}")
    return H, D


def _matrix_x(v: Array, H: int, D: int, field: str) -> Array:
    if v.ndim == 0:
        return np.full((H, D), float(v))
    if v.ndim == 1:
        v = v.reshape(1, -1) if H == 1 else v.reshape(-1, 1)
    if v.shape != (H, D):
        raise ParamsError(field, f"must be H x D = {H} x {D}, got shape {v.shape}")
    return v


def _matrix_h(v: Array, H: int, field: str) -> Array:
    if v.ndim == 0:
        return float(v) * np.eye(H)
    if v.shape != (H, H):
        raise ParamsError(field, f"must be H x H = {H} x {H}, got shape {v.shape}")
    return v


def _vector(v: Array, H: int, field: str) -> Array:
    if v.ndim == 0:
        return np.full(H, float(v))
    if v.shape != (H,):
        raise ParamsError(field, f"must be a number or a list of H = {H} numbers, got shape {v.shape}")
    return v


# --------------------------------------------------------------------------- batch trajectory


@dataclass(frozen=True, eq=False)
class GatedBatchTrajectory(_Picklable):
    """Forward pass of ``N`` parameter sets of one gated cell over the same time axis.

    Attributes
    ----------
    cell : the cell's name.
    x : (N, T, D) inputs;  h : (N, T, H) hidden states;  c : (N, T, H) cell states (LSTM) or ``None``;
    tanh_c : (N, T, H) ``tanh(c_t)``, the cell state as the output gate sees it (LSTM) or ``None``.
    gate_values : (N, T, G, H) every gate's value, gates in the cell's order.
    h0 : (N, H);  c0 : (N, H) or ``None``;  w_x : (N, G, H, D);  w_h : (N, G, H, H);  b : (N, G, H).

    Per-gate ``(N, T, H)`` views: :attr:`gates` and :attr:`pre_activations`. Everything
    else, :attr:`pre_activation` included, is computed on first access and cached (see
    the module docstring).
    """

    cell: str
    x: Array
    h: Array
    c: Array | None
    tanh_c: Array | None
    gate_values: Array
    h0: Array
    c0: Array | None
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

    @property
    def input_size(self) -> int:
        return int(self.x.shape[2])

    @property
    def state_size(self) -> int:
        """``S``: numbers in one step's state, ``2H`` with a cell state (h then c), else ``H``."""
        return self.hidden_size * (2 if self.c is not None else 1)

    @cached_property
    def cell_type(self) -> CellType:
        return _gated_cell(self.cell)

    @cached_property
    def gate_names(self) -> tuple[str, ...]:
        return self.cell_type.gate_names

    def _per_gate(self, a: Array) -> Mapping[str, Array]:
        return _view({name: a[:, :, k, :] for k, name in enumerate(self.gate_names)})

    @cached_property
    def gates(self) -> Mapping[str, Array]:
        """Gate name -> (N, T, H) values, in gate order."""
        return self._per_gate(self.gate_values)

    @cached_property
    def pre_activation(self) -> Array:
        """(N, T, G, H) every gate's argument of σ or tanh (for the GRU candidate
        ``W_xn x + b_n + r ⊙ (W_hn h)``, the reset already applied), bit for bit the
        numbers the gate values were computed from (see :meth:`_replay`)."""
        return _gate_batch_major(self._replay(np.arange(len(self))))

    @cached_property
    def pre_activations(self) -> Mapping[str, Array]:
        """Gate name -> (N, T, H) pre-activations, in gate order."""
        return self._per_gate(self.pre_activation)

    def _replay(self, sets: npt.NDArray[np.intp]) -> Array:
        """``(T, G, n, H)``: the pre-activations of ``sets``, formed again as the forward pass formed them.

        The forward pass does not keep them: at H = 8 they would be a third of its fresh
        memory, and only API users and the non-finite flag of sets with huge or non-finite
        inputs read them. This runs the forward pass's own steps (:class:`_Stepper`) over
        the same weights, starting each step from the stored ``h`` (and ``c``) instead of
        the one it just computed, so every argument is the very number the gate's value
        came from. The sigmoid gates' come negated and are turned back as ``0 - (-z)``:
        exact, and a zero comes back as +0, as ``W_x x + W_h h + b`` itself gives it.
        """
        spec = self.cell_type
        T, G, H = self.steps, len(self.gate_names), self.hidden_size
        form = _ArgumentForm(spec, self.w_x[sets], self.w_h[sets], self.b[sets])
        shared = self.x.strides[0] == 0
        X_tm = self.x[0] if shared else np.ascontiguousarray(self._x_tm[:, sets])
        out = np.empty((T, G, len(sets), H))
        chunk = _forward_chunk(len(sets), G, H)
        with np.errstate(all="ignore"):
            for lo in range(0, len(sets), chunk):
                hi = min(len(sets), lo + chunk)
                n, ids = hi - lo, sets[lo:hi]
                stepper = _Stepper(form, X_tm, shared, lo, hi)
                values, h = np.empty((G, n, H)), np.empty((n, H))  # the step's outputs: scratch here
                c, tanh_c = (None, None) if self.c is None else (np.empty((n, H)), np.empty((n, H)))
                for t in range(T):
                    h_prev = self.h0[ids] if t == 0 else self._h_tm[t - 1, ids]
                    c_prev = None
                    if self._c_tm is not None and self.c0 is not None:
                        c_prev = self.c0[ids] if t == 0 else self._c_tm[t - 1, ids]
                    arg = stepper.step(t, h_prev, c_prev, values, h, c, tanh_c)
                    for k, negated in enumerate(form.sign < 0):
                        if negated:
                            np.subtract(0.0, arg[k], out=out[t, k, lo:hi])
                        else:
                            np.copyto(out[t, k, lo:hi], arg[k])
        return out

    # time-major blocks (free: the public arrays are transposed views of them)

    @cached_property
    def _x_tm(self) -> Array:
        return _time_major(self.x) if self.x.strides[0] else np.broadcast_to(self.x[0][:, None], self._tnd)

    @property
    def _tnd(self) -> tuple[int, int, int]:
        return (self.steps, len(self), self.input_size)

    @cached_property
    def _h_tm(self) -> Array:
        return _time_major(self.h)

    @cached_property
    def _c_tm(self) -> Array | None:
        return None if self.c is None else _time_major(self.c)

    @cached_property
    def _tanh_c_tm(self) -> Array | None:
        return None if self.tanh_c is None else _time_major(self.tanh_c)

    # (T, N, G, H) views of the gate blocks, not copies: the forward pass stores them
    # gate-major, and numpy's operations on these views follow the memory order

    @cached_property
    def _gates_tm(self) -> Array:
        return np.swapaxes(self.gate_values, 0, 1)

    def _h_prev_tm(self, t: int) -> Array:
        return self.h0 if t == 0 else self._h_tm[t - 1]

    def _c_prev_tm(self, t: int) -> Array | None:
        if self._c_tm is None or self.c0 is None:
            return None
        return self.c0 if t == 0 else self._c_tm[t - 1]

    @cached_property
    def recurrent_terms(self) -> Mapping[str, Array]:
        """Gate name -> (N, T, H) ``W_h h_(t-1)`` of that gate (for the GRU candidate: before the reset)."""
        T, N, H = self.steps, len(self), self.hidden_size
        prev = np.empty((T, N, H))
        prev[0] = self.h0
        prev[1:] = self._h_tm[:-1]
        with np.errstate(all="ignore"):
            rec = np.einsum("ngij,tnj->tngi", self.w_h, prev)
        return self._per_gate(_batch_major(rec))

    # one-step Jacobians

    def _step_arrays(self, t: int, lo: int, hi: int) -> StepArrays:
        c_prev = self._c_prev_tm(t)
        c, tc = self._c_tm, self._tanh_c_tm
        return StepArrays(
            self._x_tm[t, lo:hi],
            self._h_prev_tm(t)[lo:hi],
            None if c_prev is None else c_prev[lo:hi],
            self._gates_tm[t, lo:hi],
            self._h_tm[t, lo:hi],
            None if c is None else c[t, lo:hi],
            None if tc is None else tc[t, lo:hi],
            self.w_x[lo:hi],
            self.w_h[lo:hi],
        )

    def _derivatives(self, t: int, lo: int, hi: int) -> StepDerivatives:
        fn = self.cell_type.derivatives
        assert fn is not None  # _gated_cell checked it
        with np.errstate(all="ignore"):
            return fn(self._step_arrays(t, lo, hi))

    @cached_property
    def _factors_tm(self) -> tuple[Array, Array]:
        """(T, N, S, S) ``ds_t/ds_(t-1)`` and (T, N, S, D) ``ds_t/dx_t``, time-major, built from the factors."""
        T, N, H, S, D = self.steps, len(self), self.hidden_size, self.state_size, self.input_size
        J = np.zeros((T, N, S, S))
        L = np.empty((T, N, S, D))
        i = np.arange(H)
        with np.errstate(all="ignore"):
            for t in range(T):  # one step at a time: the temporaries stay (N, G, H, H)
                d = self._derivatives(t, 0, N)
                through_x = d.through_h if d.through_x is None else d.through_x
                C = d.direct.shape[-3]
                J_t = J[t]
                for a in range(C):
                    rows = slice(a * H, (a + 1) * H)
                    J_t[:, rows, :H] = _contract(d.through_h[:, a], self.w_h)
                    L[t, :, rows] = _contract(through_x[:, a], self.w_x)
                    for b in range(C):
                        J_t[:, a * H + i, b * H + i] += d.direct[:, a, b]
        return J, L

    @cached_property
    def state_factors(self) -> Array:
        """(N, T, S, S): the one-step Jacobian ``ds_t/ds_(t-1)`` of the whole state.

        For the LSTM ``s = (h, c)`` and the blocks are ``[[dh_t/dh_(t-1), dh_t/dc_(t-1)],
        [dc_t/dh_(t-1), dc_t/dc_(t-1)]]`` (``dc_t/dc_(t-1) = diag(f_t)``); for the GRU it is
        ``dh_t/dh_(t-1)``. Each step back multiplies the gradient by this matrix:
        ``ds_T/ds_(t-1) = ds_T/ds_t · state_factors[t]``.
        """
        return _batch_major(self._factors_tm[0])

    @cached_property
    def backward_factors(self) -> Array:
        """(N, T, H, H): ``dh_t/dh_(t-1)`` with ``c_(t-1)`` held fixed (the h-h block of :attr:`state_factors`).

        For the GRU this is the whole one-step Jacobian. For the LSTM it is not: a
        gradient also travels through ``c``, so the product of these blocks is *not*
        ``dh_T/dh_t``; multiply :attr:`state_factors` for that.
        """
        H = self.hidden_size
        return _seal(self.state_factors[:, :, :H, :H])

    @cached_property
    def input_factors(self) -> Array:
        """(N, T, S, D): ``ds_t/dx_t``, how one step's input moves that step's state (h rows first)."""
        return _batch_major(self._factors_tm[1])

    @cached_property
    def _grad_tm(self) -> Array:
        """(T, N, S, S) time-major ``ds_T/ds_t``."""
        J = self._factors_tm[0]
        T, N, S, _ = J.shape
        G = np.empty_like(J)
        G[T - 1] = np.eye(S)
        with np.errstate(all="ignore"):
            for t in range(T - 1, 0, -1):
                np.matmul(G[t], J[t], out=G[t - 1])
        return G

    @cached_property
    def state_grad_to_last(self) -> Array:
        """(N, T, S, S): ``ds_T/ds_t`` for t = 1..T (identity at t = T), the full state Jacobian product."""
        return _batch_major(self._grad_tm)

    @cached_property
    def grad_to_last(self) -> Array:
        """(N, T, H, H): ``dh_T/dh_t``, the total derivative of the last hidden state with
        respect to ``h_t`` with ``c_t`` held fixed, through every path of the recurrence
        (via ``h`` and via ``c``); the h-h block of :attr:`state_grad_to_last`.
        Identity at t = T. For the GRU it is the whole state Jacobian product.
        """
        H = self.hidden_size
        return _seal(self.state_grad_to_last[:, :, :H, :H])

    @cached_property
    def cell_grad_to_last(self) -> Array | None:
        """(N, T, H, H): ``dc_T/dc_t`` with ``h_t`` held fixed, through every path (LSTM); else ``None``.

        The c-c block of :attr:`state_grad_to_last`. Compare :attr:`carousel`, the
        product of forget gates along the direct ``c`` path alone.
        """
        if self.c is None:
            return None
        H = self.hidden_size
        return _seal(self.state_grad_to_last[:, :, H:, H:])

    @cached_property
    def carousel(self) -> Array:
        """(N, T, H): the product of the *keep* gate along the direct memory path, ``prod_(k=t+1..T) keep_k``.

        The keep gate is the cell's :attr:`~rnn_engine.cells.CellType.keep_gate`: LSTM
        ``forget`` (``c_k = f_k ⊙ c_(k-1) + ...``: the "constant error carousel"), GRU
        ``update`` (``h_k = u_k ⊙ h_(k-1) + ...``). Per unit, it is what ``dc_T/dc_t``
        (LSTM) or ``dh_T/dh_t`` (GRU) would be if the state reached the gates through no
        other path: their diagonal when every ``w_h`` is 0. It is 1 at t = T; a value
        near 1 means that unit's memory from step t survives to step T.
        """
        k = self.gate_names.index(self.cell_type.keep_gate or "")
        keep = self._gates_tm[:, :, k, :]
        out = np.ones((self.steps, len(self), self.hidden_size))
        if self.steps > 1:
            with np.errstate(all="ignore"):
                np.cumprod(keep[:0:-1], axis=0, out=out[-2::-1])
        return _batch_major(out)

    @cached_property
    def _sweep(self) -> tuple[Array, Array]:
        """One backward sweep of the rows of ``h_T``: ``(dh_T/ds_1 (N, H, S), dh_T/dx_k (T, N, H, D))``.

        Vector-Jacobian products straight from each step's :class:`StepDerivatives`,
        for a chunk of sets at a time: with ``R_a = dh_T/ds_a`` at step t and
        ``M = sum_a R_a diag(through_h[a])`` per gate, ``dh_T/dh_(t-1) = M W_h + sum_a
        R_a diag(direct[a, 0])`` and ``dh_T/dx_t = M_x W_x``. Neither a one-step Jacobian
        nor anything ``(N, T, S, S)``-sized is built.
        """
        T, N, H, D = self.steps, len(self), self.hidden_size, self.input_size
        G = len(self.gate_names)
        S = self.state_size
        C = S // H
        first = np.empty((N, H, S))
        sens = np.empty((T, N, H, D))
        chunk = max(1, min(N, _CHUNK_ELEMENTS // (H * G * H)))
        with np.errstate(all="ignore"):
            for lo in range(0, N, chunk):
                hi = min(N, lo + chunk)
                n = hi - lo
                w_h = self.w_h[lo:hi].reshape(n, G * H, H)
                w_x = self.w_x[lo:hi].reshape(n, G * H, D)
                R = np.zeros((n, C, H, H))  # [set, state component a, row of h_T, unit]: dh_T/ds_a
                R[:, 0] = np.eye(H)
                for t in range(T - 1, -1, -1):
                    d = self._derivatives(t, lo, hi)
                    # einsum without path search is the fastest numpy form of these small products.
                    M = np.einsum("narj,nakj->nrkj", R, d.through_h, optimize=False)
                    Mx = M if d.through_x is None else np.einsum("narj,nakj->nrkj", R, d.through_x, optimize=False)
                    np.matmul(Mx.reshape(n, H, G * H), w_x, out=sens[t, lo:hi])
                    if t:
                        R_next = np.einsum("narj,nabj->nbrj", R, d.direct, optimize=False)
                        R_next[:, 0] += np.matmul(M.reshape(n, H, G * H), w_h)
                        R = R_next
                first[lo:hi] = np.swapaxes(R, 1, 2).reshape(n, H, S)
        return _seal(first), sens

    @cached_property
    def grad_first(self) -> Array:
        """(N, H, H): ``dh_T/dh_1``, the gradient reaching step 1 (``grad_to_last[:, 0]``), without building
        any ``(N, T, H, H)`` array."""
        return _seal(self._sweep[0][:, :, : self.hidden_size])

    @cached_property
    def sensitivity_to_last(self) -> Array:
        """(N, T, H, D): ``dh_T/dx_k`` for k = 1..T, through every path; ``(ds_T/ds_k)[h rows] · ds_k/dx_k``."""
        return _batch_major(self._sweep[1])

    # flags

    # per-step flags: each is one sweep over the steps a block at a time, written into
    # its output with no temporary the size of a whole array (those are fresh memory,
    # slow to fault in, and the sweeps are bound by memory traffic, not arithmetic)

    def _blocks(self) -> list[slice]:
        """Step ranges of about ``_FLAG_BLOCK_ELEMENTS`` numbers of one ``(N, H)`` array each."""
        size = max(1, _FLAG_BLOCK_ELEMENTS // (len(self) * self.hidden_size))
        return [slice(t, min(self.steps, t + size)) for t in range(0, self.steps, size)]

    def _scratch(self) -> Array:
        return np.empty((self._blocks()[0].stop, len(self), self.hidden_size))

    @cached_property
    def _gate_extremes(self) -> tuple[Mapping[str, BoolArray], Mapping[str, BoolArray]]:
        """Sigmoid gate name -> (N, T, H) nearly closed, and the same for nearly open, in one sweep."""
        sigmoid = [(k, g.name) for k, g in enumerate(self.cell_type.gates) if g.activation == "sigmoid"]
        T, N, H = self.steps, len(self), self.hidden_size
        closed = np.empty((T, len(sigmoid), N, H), dtype=bool)
        opened = np.empty_like(closed)
        with np.errstate(invalid="ignore"):
            for t in self._blocks():
                for j, (k, _) in enumerate(sigmoid):
                    v = self._gates_tm[t, :, k]
                    np.less(v, GATE_CLOSED_THRESHOLD, out=closed[t, j])
                    np.greater(v, GATE_OPEN_THRESHOLD, out=opened[t, j])
        _seal(closed), _seal(opened)
        return (
            _view({name: np.swapaxes(closed[:, j], 0, 1) for j, (_, name) in enumerate(sigmoid)}),
            _view({name: np.swapaxes(opened[:, j], 0, 1) for j, (_, name) in enumerate(sigmoid)}),
        )

    @cached_property
    def gate_closed(self) -> Mapping[str, BoolArray]:
        """Sigmoid gate name -> (N, T, H) bool: value ``< GATE_CLOSED_THRESHOLD`` (nearly closed)."""
        return self._gate_extremes[0]

    @cached_property
    def gate_open(self) -> Mapping[str, BoolArray]:
        """Sigmoid gate name -> (N, T, H) bool: value ``> GATE_OPEN_THRESHOLD`` (nearly open)."""
        return self._gate_extremes[1]

    @cached_property
    def saturated(self) -> Mapping[str, BoolArray]:
        """tanh name -> (N, T, H) bool: ``1 - tanh^2 < SATURATION_THRESHOLD`` (the same rule as the RNN's).

        Keys: every tanh gate (``candidate``) and, for the LSTM, ``cell`` for ``tanh(c_t)``
        in ``h = o ⊙ tanh(c)``. A saturated tanh passes almost no gradient.
        """
        gates = self.cell_type.gates
        sources = {g.name: self._gates_tm[:, :, k] for k, g in enumerate(gates) if g.activation == "tanh"}
        if self._tanh_c_tm is not None:
            sources["cell"] = self._tanh_c_tm
        out = np.empty((len(sources), self.steps, len(self), self.hidden_size), dtype=bool)
        scratch = self._scratch()
        with np.errstate(invalid="ignore"):
            for j, v in enumerate(sources.values()):
                for t in self._blocks():
                    square = scratch[: t.stop - t.start]
                    np.multiply(v[t], v[t], out=square)
                    np.greater_equal(square, _SATURATED_SQUARE, out=out[j, t])  # see _saturated_square
        _seal(out)
        return _view({name: np.swapaxes(out[j], 0, 1) for j, name in enumerate(sources)})

    @cached_property
    def exploding(self) -> BoolArray:
        """(N, T, H) bool: the unbounded part of the state has ``|.| > EXPLODING_THRESHOLD`` (non-finite counts).

        LSTM: ``c`` (``h = o ⊙ tanh(c)`` stays in (-1, 1); ``|c|`` grows by at most 1 per
        step, so this takes a forget gate near 1 for over 100 steps or a huge ``c0``).
        GRU: ``h``, a convex mix of the old state and a tanh, can only exceed it through ``h0``.
        """
        state = self._c_tm if self._c_tm is not None else self._h_tm
        out = np.empty(state.shape, dtype=bool)
        scratch = self._scratch()
        with np.errstate(invalid="ignore"):
            for t in self._blocks():
                size = scratch[: t.stop - t.start]
                # not (|s| <= th): NaN counts as exploding
                np.less_equal(np.abs(state[t], out=size), EXPLODING_THRESHOLD, out=out[t])
                np.logical_not(out[t], out=out[t])
        return _seal(np.swapaxes(out, 0, 1))

    @cached_property
    def _pre_bounded(self) -> BoolArray:
        """(N,) bool: sets whose pre-activations cannot overflow to inf, proven from the inputs.

        Every pre-activation is at most ``D max|W_x| max|x| + max|b| + H max|W_h| max|h|``
        in size (maxima over the set), with ``|h_t| <= 1`` for the LSTM (``o tanh(c)``) and
        ``<= max(1, |h0|)`` for the GRU (a convex mix of ``h`` and a tanh), taken twice over
        for rounding. Where this bound is at most ``1e300`` (so ``x``, ``h0`` and the weights
        are finite and nothing overflows) a pre-activation is finite or nan, and a nan one
        makes that unit's ``h`` or ``c`` nan at the same step (every gate multiplies into
        ``c`` or ``h``, and nan times anything is nan).
        """

        def bound(per_set: bool) -> Array:  # per set, or one number for the whole batch
            def largest(a: Array) -> Array:  # max |a| (nan propagates)
                flat = a.reshape(len(a), -1) if per_set else a.reshape(1, -1)
                top: Array = np.maximum(np.max(flat, axis=1), -np.min(flat, axis=1))
                return top

            x = self.x[:1] if self.x.strides[0] == 0 else self.x  # one (T, D) shared by every set
            h_max = 2.0 * np.maximum(1.0, largest(self.h0))
            b = self.input_size * largest(self.w_x) * largest(x) + largest(self.b)
            return b + self.hidden_size * largest(self.w_h) * h_max

        with np.errstate(all="ignore"):
            # the whole batch's bound first: when it holds (the usual case) no set needs its own
            whole = bool(bound(per_set=False)[0] <= 1e300)
            out: BoolArray = np.full(len(self), True) if whole else bound(per_set=True) <= 1e300  # nan fails
        return out

    @cached_property
    def nonfinite(self) -> BoolArray:
        """(N, T, H) bool: ``h``, ``c`` or any gate's pre-activation is inf or nan.

        The pre-activations are read only for the sets :attr:`_pre_bounded` cannot vouch for
        (for the others a non-finite one shows in ``h`` or ``c``; see there). ``c`` is read
        only when some set is unbounded or starts from a non-finite ``c0``: otherwise it
        cannot become infinite (``c' = f c + i g`` with ``f, i`` in [0, 1] and ``|g| <= 1``
        grows by at most 1 per step, and rounding cannot carry a finite sum past the largest
        double), and a nan ``c`` makes ``h = o tanh(c)`` nan at the same step.
        """
        out = np.empty((self.steps, len(self), self.hidden_size), dtype=bool)
        scratch = np.empty(self._scratch().shape, dtype=bool)
        arrays = [self._h_tm]
        c0_finite = self.c0 is None or bool(np.isfinite(self.c0).all())
        if self._c_tm is not None and not (c0_finite and self._pre_bounded.all()):
            arrays.append(self._c_tm)
        for t in self._blocks():
            finite, part = out[t], scratch[: t.stop - t.start]
            np.isfinite(arrays[0][t], out=finite)
            for a in arrays[1:]:
                finite &= np.isfinite(a[t], out=part)
        unbounded = np.flatnonzero(~self._pre_bounded)
        if unbounded.size == len(self) or (unbounded.size and "pre_activation" in self.__dict__):
            # every set (e.g. one inf in a shared x), or they are at hand: all of them, kept
            out[:, unbounded] &= np.all(np.isfinite(self.pre_activation[unbounded]), axis=2).swapaxes(0, 1)
        elif unbounded.size:
            pre = self._replay(unbounded)  # (T, G, n, H), of those sets only
            out[:, unbounded] &= np.all(np.isfinite(pre), axis=1)
        np.logical_not(out, out=out)
        return _seal(np.swapaxes(out, 0, 1))

    def item(self, i: int) -> GatedTrajectory:
        """The ``i``-th parameter set's run as a :class:`GatedTrajectory` (its own copies)."""
        gates = {
            name: GateParams(_frozen(self.w_x[i, k]), _frozen(self.w_h[i, k]), _frozen(self.b[i, k]))
            for k, name in enumerate(self.gate_names)
        }
        c0 = None if self.c0 is None else _frozen(self.c0[i])
        params = GatedParams(self.cell, MappingProxyType(gates), _frozen(self.h0[i]), c0)
        c = None if self.c is None else _frozen(self.c[i])
        tc = None if self.tanh_c is None else _frozen(self.tanh_c[i])
        return GatedTrajectory(
            params,
            _frozen(self.x[i]),
            _frozen(self.h[i]),
            c,
            tc,
            _frozen(self.gate_values[i]),
        )


# --------------------------------------------------------------------------- running


def _batch_array(value: npt.ArrayLike, shape: tuple[int, ...], field: str) -> Array:
    arr = _shape_of(value, field)
    try:
        return np.broadcast_to(arr, shape)
    except ValueError:
        raise ParamsError(field, f"has shape {arr.shape}, expected {shape} or broadcastable to it") from None


def _gate_batch_major(a: Array) -> Array:
    """Gate-major ``(T, G, N, H)`` -> the ``(N, T, G, H)`` view handed out, read-only."""
    return np.transpose(_seal(a), (2, 0, 1, 3))


def _forward_chunk(N: int, G: int, H: int) -> int:
    """Sets per chunk of the forward pass (and of its replay, :meth:`GatedBatchTrajectory._replay`)."""
    return max(1, min(N, _FORWARD_CHUNK_ELEMENTS // (G * H)))


class _ArgumentForm:
    """How each step forms the gates' arguments, prepared once for a batch of sets.

    The sigmoid gates' arguments are formed *negated*, ``-(W_x x + W_h h + b)``, from
    negated weights, so that a step starts from ``e^(-z)`` one pass sooner (:data:`StepFn`).
    Negation is exact in floating point: ``-z`` is the negation of the ``z`` the weights as
    given produce, bit for bit, except that an exact cancellation gives +0 either way
    (:meth:`GatedBatchTrajectory._replay` turns it back into the +0 of ``z``).

    H = 1: every product is elementwise (sets along the contiguous axis), in the order
    ``W_x x + b + W_h h``. H > 1: gates ``0..F-1`` take their whole argument from one
    product of the row ``[h_prev, x_t, 1]`` with each set's ``(K, F H)`` matrix
    ``[W_h; W_x; b]`` (the fastest of numpy's batched products at these sizes); the ``S``
    trailing gates (the GRU candidate) take ``W_x x + b`` elementwise and, apart, ``W_h h``
    from a product of ``h_prev`` with their own ``(H, S H)`` matrix, which the step scales
    before adding it.
    """

    def __init__(self, spec: CellType, W_x: Array, W_h: Array, B: Array) -> None:
        N, G, H, D = W_x.shape
        assert spec.step is not None  # _gated_cell checked it
        self.step_fn: StepFn = spec.step
        S = len(spec.gated_recurrence)
        self.G, self.H, self.D, self.S, self.F = G, H, D, S, G - S
        #: (G,) -1 for the sigmoid gates, whose arguments are formed negated, else 1
        self.sign = np.array([-1.0 if g.activation == "sigmoid" else 1.0 for g in spec.gates])
        W_x = W_x * self.sign[:, None, None]
        W_h = W_h * self.sign[:, None, None]
        B = B * self.sign[:, None]
        self.E = E = G if H == 1 else S  # the last E gates form W_x x + b elementwise
        self.wx_cols = np.ascontiguousarray(np.transpose(W_x[:, G - E :], (3, 1, 0, 2)))  # (D, E, N, H)
        self.b_cols = np.ascontiguousarray(np.swapaxes(B[:, G - E :], 0, 1))  # (E, N, H)
        if H == 1:
            self.wh_cols = np.ascontiguousarray(np.transpose(W_h[:, :, :, 0], (1, 0, 2)))  # (G, N, 1)
        else:
            F, K = self.F, H + D + 1
            self.w_aug = np.empty((N, K, F * H))
            blocks = self.w_aug.reshape(N, K, F, H)
            blocks[:, :H] = np.transpose(W_h[:, :F], (0, 3, 1, 2))
            blocks[:, H : H + D] = np.transpose(W_x[:, :F], (0, 3, 1, 2))
            blocks[:, H + D] = B[:, :F]
            self.w_rec = np.ascontiguousarray(np.transpose(W_h[:, F:], (0, 3, 1, 2)).reshape(N, H, S * H))


class _Stepper:
    """Sets ``lo:hi`` of a prepared batch, one step at a time: the gates' arguments, then the cell's step.

    Its blocks are allocated once and reused at every step, so they stay in cache.
    ``X_tm`` is the ``(T, D)`` input every set shares, or ``(T, N, D)``.
    """

    def __init__(self, form: _ArgumentForm, X_tm: Array, shared: bool, lo: int, hi: int) -> None:
        G, H, D, S, F = form.G, form.H, form.D, form.S, form.F
        n = hi - lo
        self.form, self.X_tm, self.shared, self.lo, self.hi = form, X_tm, shared, lo, hi
        self.wx, self.b = form.wx_cols[:, :, lo:hi], form.b_cols[:, lo:hi]
        self.arg = np.empty((G, n, H))  # the gates' arguments, gate-major
        self.term = np.empty((G, n, H))
        if H == 1:
            self.wh = form.wh_cols[:, lo:hi]
            self.rec = self.term[F:]  # the trailing gates' W_h h, apart
        else:
            K = H + D + 1
            self.w, self.w_r = form.w_aug[lo:hi], form.w_rec[lo:hi]
            self.row = np.empty((n, 1, K))  # [h_prev, x_t, 1]
            self.row[:, 0, K - 1] = 1.0
            self.out = np.empty((n, 1, F * H))
            # The product's (n, F, H) becomes the step's (F, n, H) moved a run of H numbers
            # at a time, each run one item of a void dtype (about twice as fast as numbers).
            run = np.dtype((np.void, H * self.arg.itemsize))
            self.out_runs = self.out.reshape(n, F * H).view(run).T  # (F, n)
            self.arg_runs = self.arg[:F].reshape(F, n * H).view(run)  # (F, n), the same memory as arg[:F]
            self.rec_out = np.empty((n, 1, S * H))
            self.rec = np.swapaxes(self.rec_out.reshape(n, S, H), 0, 1)  # (S, n, H) view

    def step(
        self,
        t: int,
        h_prev: Array,
        c_prev: Array | None,
        values: Array,
        h_out: Array,
        c_out: Array | None,
        tanh_c_out: Array | None,
    ) -> Array:
        """Step ``t`` from ``h_prev`` (and ``c_prev``).

        Returns the ``(G, n, H)`` pre-activations (the sigmoid gates' negated), valid until the next step.
        """
        form, arg, X, lo, hi = self.form, self.arg, self.X_tm, self.lo, self.hi
        G, H, E, F = form.G, form.H, form.E, form.F
        if E:  # W_x x + b, elementwise, of the last E gates
            part = arg[G - E :]
            for d in range(form.D):
                x_td = X[t, d] if self.shared else X[t, lo:hi, d, None]  # scalar or (n, 1)
                if d == 0:
                    np.multiply(self.wx[0], x_td, out=part)
                else:
                    part += np.multiply(self.wx[d], x_td, out=self.term[:E])
            part += self.b
        if H == 1:
            np.multiply(self.wh, h_prev, out=self.term)
            arg[:F] += self.term[:F]  # rec (the trailing gates' W_h h) is term[F:]
        else:
            row = self.row
            row[:, 0, :H] = h_prev
            row[:, 0, H:-1] = X[t] if self.shared else X[t, lo:hi]
            np.matmul(row, self.w, out=self.out)
            np.copyto(self.arg_runs, self.out_runs)
            if form.S:
                np.matmul(row[:, :, :H], self.w_r, out=self.rec_out)
        form.step_fn(arg, self.rec, values, h_prev, c_prev, h_out, c_out, tanh_c_out)
        return arg


def run_gated_batch(
    cell: str,
    x: npt.ArrayLike,
    gates: Mapping[str, Mapping[str, npt.ArrayLike]],
    h0: npt.ArrayLike = 0.0,
    c0: npt.ArrayLike | None = None,
) -> GatedBatchTrajectory:
    """Run ``N`` parameter sets of one gated cell at once.

    Parameters
    ----------
    cell
        ``lstm`` or ``gru``.
    x
        ``(T, D)`` shared by all sets, or ``(N, T, D)``; ``T >= 1``.
    gates
        Every gate of the cell -> ``{"w_x": (N, H, D), "w_h": (N, H, H), "b": ...}``;
        ``b`` may be anything that broadcasts to ``(N, H)`` and defaults to 0.
    h0, c0
        Anything that broadcasts to ``(N, H)``; ``c0`` (LSTM only) defaults to 0.

    Returns
    -------
    GatedBatchTrajectory
        Read-only arrays; the inputs are copied, never aliased.

    Raises
    ------
    ParamsError
        (a ``ValueError``) when a gate is missing or unknown, or shapes do not fit.
    ValueError
        When ``x`` does not fit or has no timesteps.
    KeyError
        For an unknown cell.
    """
    spec = _gated_cell(cell)
    names = spec.gate_names
    for name in gates:
        if name not in names:
            raise ParamsError(f"gates.{name}", f"unknown gate for {cell}; expected one of {', '.join(names)}")
    for name in names:
        if name not in gates:
            raise ParamsError(f"gates.{name}", f"missing; a batch needs every gate of {cell}: {', '.join(names)}")
        for key in gates[name]:
            if key not in GATE_FIELDS:
                raise ParamsError(f"gates.{name}.{key}", f"unknown key; expected one of {', '.join(GATE_FIELDS)}")
        for key in ("w_x", "w_h"):
            if key not in gates[name]:
                raise ParamsError(f"gates.{name}.{key}", "missing")
    first = names[0]
    wh0 = _shape_of(gates[first]["w_h"], f"gates.{first}.w_h")
    if wh0.ndim != 3 or wh0.shape[1] != wh0.shape[2] or wh0.shape[1] == 0:
        raise ParamsError(f"gates.{first}.w_h", f"must have shape (N, H, H), got {wh0.shape}")
    N, H = wh0.shape[0], wh0.shape[1]
    wx0 = _shape_of(gates[first]["w_x"], f"gates.{first}.w_x")
    if wx0.ndim != 3 or wx0.shape[:2] != (N, H) or wx0.shape[2] == 0:
        raise ParamsError(f"gates.{first}.w_x", f"must have shape (N, H, D) = ({N}, {H}, D), got {wx0.shape}")
    D = wx0.shape[2]
    G = len(names)
    W_x = np.empty((N, G, H, D))
    W_h = np.empty((N, G, H, H))
    B = np.empty((N, G, H))
    for k, name in enumerate(names):
        g = gates[name]
        W_x[:, k] = _batch_array(g["w_x"], (N, H, D), f"gates.{name}.w_x")
        W_h[:, k] = _batch_array(g["w_h"], (N, H, H), f"gates.{name}.w_h")
        B[:, k] = _batch_array(g.get("b", 0.0), (N, H), f"gates.{name}.b")
    H0 = np.array(_batch_array(h0, (N, H), "h0"))
    if c0 is not None and not spec.has_cell_state:
        raise ParamsError("c0", f"{cell} has no cell state; leave c0 out")
    C0 = np.array(_batch_array(0.0 if c0 is None else c0, (N, H), "c0")) if spec.has_cell_state else None

    X = np.array(x, dtype=np.float64)
    shared = X.ndim == 2
    if not (shared or (X.ndim == 3 and X.shape[0] == N)) or X.shape[-1] != D:
        raise ValueError(f"x must have shape (T, {D}) or ({N}, T, {D}), got {X.shape}")
    T = X.shape[-2]
    if T == 0:
        raise ValueError("x has no timesteps")

    with np.errstate(all="ignore"):
        # The gate values are stored gate-major, (T, G, N, H): every elementwise operation
        # of a step then runs over one gate's contiguous numbers (the public (N, T, G, H)
        # array is a view of them). The pre-activations are not stored (see pre_activation).
        values = np.empty((T, G, N, H))
        h = np.empty((T, N, H))
        c = np.empty((T, N, H)) if C0 is not None else None
        tanh_c = np.empty((T, N, H)) if C0 is not None else None
        form = _ArgumentForm(spec, W_x, W_h, B)
        X_tm = X if shared else np.ascontiguousarray(np.moveaxis(X, 1, 0))  # (T, D) or (T, N, D)
        # Sets are run a chunk at a time, each chunk through every step: one step's blocks
        # of a chunk then stay in the core's own cache.
        chunk = _forward_chunk(N, G, H)
        for lo in range(0, N, chunk):
            hi = min(N, lo + chunk)
            stepper = _Stepper(form, X_tm, shared, lo, hi)
            h_prev, c_prev = H0[lo:hi], None if C0 is None else C0[lo:hi]
            for t in range(T):
                c_t = None if c is None else c[t, lo:hi]
                tc_t = None if tanh_c is None else tanh_c[t, lo:hi]
                stepper.step(t, h_prev, c_prev, values[t, :, lo:hi], h[t, lo:hi], c_t, tc_t)
                h_prev, c_prev = h[t, lo:hi], c_t

    X_out = np.broadcast_to(_seal(X), (N, T, D)) if shared else _seal(X)
    return GatedBatchTrajectory(
        cell,
        X_out,
        _batch_major(h),
        None if c is None else _batch_major(c),
        None if tanh_c is None else _batch_major(tanh_c),
        _gate_batch_major(values),
        _seal(H0),
        None if C0 is None else _seal(C0),
        _seal(W_x),
        _seal(W_h),
        _seal(B),
    )


# --------------------------------------------------------------------------- one trajectory


@dataclass(frozen=True, eq=False)
class GatedTrajectory(_Picklable):
    """One parameter set's forward pass through a gated cell and everything derived from it.

    Attributes
    ----------
    params : the gates' weights and the initial states.
    x : (T, D) inputs;  h : (T, H) hidden states;  c : (T, H) cell states (LSTM) or ``None``;
    tanh_c : (T, H) ``tanh(c_t)`` (LSTM) or ``None``.
    gate_values : (T, G, H), gates in the cell's order; the same per gate as :attr:`gates`
    (name -> (T, H)).

    Derived arrays, :attr:`pre_activation` (T, G, H) included, are computed on first
    access and cached; all are read-only. Their meaning is documented on
    :class:`GatedBatchTrajectory`; here they lose the N axis.
    """

    params: GatedParams
    x: Array
    h: Array
    c: Array | None
    tanh_c: Array | None
    gate_values: Array

    @property
    def cell(self) -> str:
        return self.params.cell

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
    def state_size(self) -> int:
        """``S``: ``2H`` with a cell state (h then c), else ``H``."""
        return self.hidden_size * (2 if self.c is not None else 1)

    @property
    def is_scalar(self) -> bool:
        """True when H = D = 1 (a single hidden unit and scalar inputs)."""
        return self.hidden_size == 1 and self.input_size == 1

    def _check(self, t: int) -> None:
        if not 0 <= t < self.steps:
            raise IndexError(f"step index {t} out of range 0..{self.steps - 1}")

    def h_prev(self, t: int) -> Array:
        """The hidden state step ``t`` (0-based) starts from: ``h0`` when t = 0, else ``h[t-1]``."""
        self._check(t)
        return self.params.h0 if t == 0 else self.h[t - 1]

    def c_prev(self, t: int) -> Array:
        """The cell state step ``t`` starts from: ``c0`` when t = 0, else ``c[t-1]`` (LSTM only)."""
        self._check(t)
        if self.c is None or self.params.c0 is None:
            raise ValueError(f"{self.cell} has no cell state")
        return self.params.c0 if t == 0 else self.c[t - 1]

    @cached_property
    def _batch(self) -> GatedBatchTrajectory:
        p = self.params
        return GatedBatchTrajectory(
            p.cell,
            self.x[None],
            self.h[None],
            None if self.c is None else self.c[None],
            None if self.tanh_c is None else self.tanh_c[None],
            self.gate_values[None],
            p.h0[None],
            None if p.c0 is None else p.c0[None],
            p.w_x[None],
            p.w_h[None],
            p.b[None],
        )

    @cached_property
    def gates(self) -> Mapping[str, Array]:
        """Gate name -> (T, H) values, in gate order."""
        return _view({name: self.gate_values[:, k, :] for k, name in enumerate(self.params.gates)})

    @cached_property
    def pre_activation(self) -> Array:
        """(T, G, H) every gate's argument of σ or tanh, gates in the cell's order."""
        return _first(self._batch.pre_activation)

    @cached_property
    def pre_activations(self) -> Mapping[str, Array]:
        """Gate name -> (T, H) pre-activations, in gate order."""
        return _view({name: self.pre_activation[:, k, :] for k, name in enumerate(self.params.gates)})

    @cached_property
    def recurrent_terms(self) -> Mapping[str, Array]:
        """Gate name -> (T, H) ``W_h h_(t-1)`` (for the GRU candidate: before the reset)."""
        return _view({k: _first(v) for k, v in self._batch.recurrent_terms.items()})

    @property
    def state_factors(self) -> Array:
        """(T, S, S): ``ds_t/ds_(t-1)``; see :attr:`GatedBatchTrajectory.state_factors`."""
        return _first(self._batch.state_factors)

    @property
    def backward_factors(self) -> Array:
        """(T, H, H): ``dh_t/dh_(t-1)`` with ``c`` fixed; see :attr:`GatedBatchTrajectory.backward_factors`."""
        return _first(self._batch.backward_factors)

    @property
    def input_factors(self) -> Array:
        """(T, S, D): ``ds_t/dx_t``."""
        return _first(self._batch.input_factors)

    @property
    def state_grad_to_last(self) -> Array:
        """(T, S, S): ``ds_T/ds_t`` (identity at the last step)."""
        return _first(self._batch.state_grad_to_last)

    @property
    def grad_to_last(self) -> Array:
        """(T, H, H): ``dh_T/dh_t`` with ``c_t`` fixed, through every path (identity at the last step)."""
        return _first(self._batch.grad_to_last)

    @property
    def cell_grad_to_last(self) -> Array | None:
        """(T, H, H): ``dc_T/dc_t`` with ``h_t`` fixed (LSTM), else ``None``."""
        v = self._batch.cell_grad_to_last
        return None if v is None else _first(v)

    @cached_property
    def kept(self) -> Array:
        """(T, H): what the keep gate carries over of the memory: LSTM ``f ⊙ c_(t-1)``, GRU ``u ⊙ h_(t-1)``."""
        ct = self.params.cell_type
        keep = self.gates[ct.keep_gate or ""]
        if ct.has_cell_state:
            assert self.c is not None and self.params.c0 is not None
            previous = np.vstack([self.params.c0[None], self.c[:-1]])
        else:
            previous = np.vstack([self.params.h0[None], self.h[:-1]])
        with np.errstate(all="ignore"):
            return _seal(keep * previous)

    @cached_property
    def written(self) -> Array:
        """(T, H): what the step adds to the memory: LSTM ``i ⊙ g``, GRU ``(1 - u) ⊙ n``."""
        g = self.gates
        with np.errstate(all="ignore"):
            if self.params.cell_type.has_cell_state:
                return _seal(g["input"] * g["candidate"])
            return _seal((1.0 - g["update"]) * g["candidate"])

    @property
    def carousel(self) -> Array:
        """(T, H): product of the keep gate (LSTM forget, GRU update) over steps t+1..T."""
        return _first(self._batch.carousel)

    @property
    def grad_first(self) -> Array:
        """(H, H): ``dh_T/dh_1`` (equals ``grad_to_last[0]``)."""
        return _first(self._batch.grad_first)

    @property
    def sensitivity_to_last(self) -> Array:
        """(T, H, D): ``dh_T/dx_k`` for k = 1..T; equals ``sensitivity[T - 1]``."""
        return _first(self._batch.sensitivity_to_last)

    @cached_property
    def sensitivity(self) -> Array:
        """(T, T, H, D): ``[t, k] = dh_t/dx_k`` through every path, zero where k > t."""
        T, H, S, D = self.steps, self.hidden_size, self.state_size, self.input_size
        J, L = self.state_factors, self.input_factors
        full = np.zeros((T, T, S, D))
        with np.errstate(all="ignore"):
            for t in range(T):
                if t:
                    np.matmul(J[t], full[t - 1, :t], out=full[t, :t])
                full[t, t] = L[t]
        return _seal(np.ascontiguousarray(full[:, :, :H, :]))

    @property
    def gate_closed(self) -> Mapping[str, BoolArray]:
        """Sigmoid gate name -> (T, H) bool: value ``< GATE_CLOSED_THRESHOLD``."""
        return _view({k: _first(v) for k, v in self._batch.gate_closed.items()})

    @property
    def gate_open(self) -> Mapping[str, BoolArray]:
        """Sigmoid gate name -> (T, H) bool: value ``> GATE_OPEN_THRESHOLD``."""
        return _view({k: _first(v) for k, v in self._batch.gate_open.items()})

    @property
    def saturated(self) -> Mapping[str, BoolArray]:
        """tanh name (``candidate``, LSTM ``cell``) -> (T, H) bool: ``1 - tanh^2 < SATURATION_THRESHOLD``."""
        return _view({k: _first(v) for k, v in self._batch.saturated.items()})

    @property
    def exploding(self) -> BoolArray:
        """(T, H) bool: LSTM ``|c|``, GRU ``|h|`` beyond ``EXPLODING_THRESHOLD``."""
        return _first(self._batch.exploding)

    @property
    def nonfinite(self) -> BoolArray:
        """(T, H) bool: ``h``, ``c`` or a pre-activation is inf or nan."""
        return _first(self._batch.nonfinite)


def run_gated(x: npt.ArrayLike, params: GatedParams) -> GatedTrajectory:
    """Run one parameter set over inputs ``x`` of shape ``(T, D)`` (or ``(T,)`` for D = 1)."""
    X = np.asarray(x, dtype=np.float64)
    X = X.reshape(-1, 1) if X.ndim == 1 else X
    if X.ndim != 2 or X.shape[1] != params.input_size:
        raise ValueError(f"x has shape {np.shape(x)} but w_x expects input size {params.input_size}")
    gates = {name: {"w_x": g.w_x[None], "w_h": g.w_h[None], "b": g.b[None]} for name, g in params.gates.items()}
    c0 = None if params.c0 is None else params.c0[None]
    return run_gated_batch(params.cell, X, gates, params.h0[None], c0).item(0)
