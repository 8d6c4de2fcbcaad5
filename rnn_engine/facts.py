"""What is true of a run, as data: structured facts, never sentences.

Every fact is read off a :class:`~rnn_engine.forward.Trajectory` (its states, flags,
sensitivities and backpropagation factors), never from a config, so whatever the
lecturer typed, what is said about it is true. The words (captions, the narration
script, the lines on screen) are made from these facts by ``explainer.words``; nothing
ever parses a sentence back into a fact, and nothing here assumes English.

A :class:`Fact` has a ``kind``, the 1-based ``steps`` and 0-based hidden ``units`` it is
about, named ``values``, a machine ``detail`` code, a ``grade`` where it judges how much
of something survives, and a ``rank`` (importance: the higher, the more it must be said).

One graded scale for "how much survives"
-----------------------------------------
The gradient that reaches step 1 from step T and the effect of the first input on the
last state are one claim: ``dh_T/dx_1 = dh_T/dh_1 · f'(z_1) W_x``, so for a scalar state
their ratio to the effect at step 1 is the same number, ``r = |dh_T/dh_1|``. It is graded
once (:func:`survival_grade`):

==============  ============================================  ==========================
grade           ratio ``r`` (what is left, relative)          meaning
==============  ============================================  ==========================
``explodes``    ``r > 100``                                    grows out of all proportion
``grows``       ``1.5 < r <= 100``                             comes back larger
``survives``    ``0.5 <= r <= 1.5``                            most of it is still there
``shrinks``     ``0.05 <= r < 0.5``                            a fraction is left
``vanishes``    ``0 < r < 0.05``                               less than 5 % is left
``blocked``     ``r = 0``                                      nothing gets through at all
==============  ============================================  ==========================

For a finite change (the memory scene's perturbed input, or an impulse input whose
trace is measured by running again without it) the same scale grades the measured gap
``|h_T - h'_T| / |h_k - h'_k|``, not the derivative: a saturated unit can keep a finite
trace (it latches) while its derivative vanishes, and then both facts are stated.

Kinds (one run), with their default rank:

``overflow`` 100, ``explosion`` 95, ``dead`` 90 (every step) or 70, ``survival`` 85
(vanishes, explodes, blocked) / 70 (shrinks, grows) / 55 (survives), ``impulse`` 88 when
its measured grade differs from the survival grade, else 50, ``oscillation`` 80,
``growth`` 78, ``saturation`` 75 (to the end) or 60, ``settles`` 60, ``sign`` 50,
``factor_bound`` 45, ``regime`` 40, ``positive`` 40 (sigmoid never negative),
``trend`` 35, ``final`` 30.

Kinds for a perturbed pair (:func:`perturbation_facts`): ``no_effect`` 100,
``effect`` 90, ``effect_reverses`` 70.

"Size" of a matrix or vector (vector hidden states) is its 2-norm; a scalar keeps its sign.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rnn_engine.activations import get_activation
from rnn_engine.forward import DEAD_THRESHOLD, EXPLODING_THRESHOLD, Trajectory, run

__all__ = [
    "EXPLODES_ABOVE",
    "GROWS_ABOVE",
    "GROWTH_MIN",
    "LINEAR_SLOPE",
    "REGIMES",
    "SURVIVAL_GRADES",
    "SURVIVES_FROM",
    "VANISHES_BELOW",
    "Fact",
    "perturbation_facts",
    "regimes",
    "run_facts",
    "size",
    "survival_grade",
]

Array = npt.NDArray[np.float64]

SURVIVAL_GRADES = ("explodes", "grows", "survives", "shrinks", "vanishes", "blocked")
#: Above this ratio a quantity *explodes* (a hundredfold gain).
EXPLODES_ABOVE = 100.0
#: Above this ratio it *grows*.
GROWS_ABOVE = 1.5
#: At least this ratio: it *survives* (half of it or more is left).
SURVIVES_FROM = 0.5
#: Below this ratio it *vanishes*: a twentyfold loss, which is what a steady factor of
#: about a half per step does in four or five steps (and what a lecturer calls vanishing).
VANISHES_BELOW = 0.05

#: Activation regimes of a step, read from ``f'(z)`` relative to the function's largest slope.
REGIMES = ("linear", "bending", "saturated", "clipped")
#: ``f'(z) / max f'`` at least this: the function is *nearly linear* there (it barely bends z).
LINEAR_SLOPE = 0.9
#: ``|h|`` growing by more than this factor per step (on average over the last steps) *grows*.
GROWTH_MIN = 1.05
#: A state whose step-to-step change stays below this (relative to ``max(1, |h|)``) has *settled*.
SETTLE_TOLERANCE = 1e-3
#: Values closer to 0 than this are treated as 0 when reading signs (float residue).
_ZERO = 1e-12


@dataclass(frozen=True)
class Fact:
    """One statement about a run, as data.

    Attributes
    ----------
    kind
        What it is about (see the module docstring).
    rank
        Importance: higher facts are said first, and the highest is always said.
    steps
        1-based timesteps it is about (e.g. where something starts, or every flagged step).
    units
        0-based hidden units it is about (empty: the whole state, or a scalar state).
    values
        Named numbers, e.g. ``(("ratio", 0.012), ("first", 0.49), ("last", 0.0059))``.
    detail
        A machine code refining the kind (``"to_end"``, ``"negative_w_h"``, ...), never prose.
    grade
        For facts that judge how much survives: one of :data:`SURVIVAL_GRADES`.
    run
        For facts about one of several runs: its index.
    """

    kind: str
    rank: int
    steps: tuple[int, ...] = ()
    units: tuple[int, ...] = ()
    values: tuple[tuple[str, float], ...] = ()
    detail: str = ""
    grade: str | None = None
    run: int | None = None

    def value(self, name: str) -> float:
        """The value called ``name``; ``KeyError`` if this fact has none."""
        for key, v in self.values:
            if key == name:
                return v
        raise KeyError(f"fact {self.kind!r} has no value {name!r}")

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.values)


# --------------------------------------------------------------------------- helpers


def size(m: npt.ArrayLike) -> float:
    """Signed value of a single number, else the 2-norm (``inf``/``nan`` kept)."""
    a = np.asarray(m, dtype=np.float64)
    if a.size == 1:
        return float(a.reshape(()))
    if not np.all(np.isfinite(a)):
        return math.nan if np.any(np.isnan(a)) else math.inf
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(a.reshape(a.shape[0], -1) if a.ndim > 1 else a[:, None], 2))


def survival_grade(ratio: float) -> str | None:
    """The grade of ``ratio`` (what is left relative to the start) on the one scale; ``None`` if not finite."""
    r = abs(float(ratio))
    if not math.isfinite(r):
        return "explodes" if math.isinf(r) else None
    if r == 0.0:
        return "blocked"
    if r > EXPLODES_ABOVE:
        return "explodes"
    if r > GROWS_ABOVE:
        return "grows"
    if r >= SURVIVES_FROM:
        return "survives"
    if r >= VANISHES_BELOW:
        return "shrinks"
    return "vanishes"


def _survival_rank(grade: str | None) -> int:
    return {"vanishes": 85, "explodes": 85, "blocked": 85, "shrinks": 70, "grows": 70}.get(grade or "", 55)


def _first(mask: npt.NDArray[np.bool_]) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) + 1 if idx.size else None


def _steps(mask: npt.ArrayLike) -> tuple[int, ...]:
    return tuple(int(t) + 1 for t in np.flatnonzero(mask))


def _state_size(h: Array) -> Array:
    """Per step: the scalar state itself, or the 2-norm of a vector state."""
    if h.shape[1] == 1:
        return np.asarray(h[:, 0], dtype=np.float64)
    with np.errstate(all="ignore"):
        return np.asarray(np.linalg.norm(h, axis=1), dtype=np.float64)


def regimes(traj: Trajectory) -> tuple[tuple[str, ...], ...]:
    """Per step and unit, how the activation treats ``z``: one of :data:`REGIMES` (or ``"undefined"``).

    tanh and sigmoid: ``saturated`` where the engine flags it (``|f'(z)|`` below its
    threshold), ``linear`` where ``f'(z)`` is at least :data:`LINEAR_SLOPE` of its
    largest value (it barely bends ``z``), ``bending`` in between. ReLU: ``linear``
    (passes ``z`` through) for ``z > 0``, ``clipped`` (to 0) otherwise.
    """
    act = get_activation(traj.activation)
    z, slope = np.asarray(traj.z), np.asarray(traj.dh)
    sat = np.asarray(traj.saturated)
    out = []
    for t in range(traj.steps):
        row = []
        for u in range(traj.hidden_size):
            zt, st = float(z[t, u]), float(slope[t, u])
            if math.isnan(zt):
                row.append("undefined")
            elif act.dies:
                row.append("linear" if zt > DEAD_THRESHOLD else "clipped")
            elif bool(sat[t, u]):
                row.append("saturated")
            elif st >= LINEAR_SLOPE * act.max_slope:
                row.append("linear")
            else:
                row.append("bending")
        out.append(tuple(row))
    return tuple(out)


# --------------------------------------------------------------------------- one run


def _overflow(traj: Trajectory) -> Fact | None:
    x_step = _first(~np.all(np.isfinite(traj.x), axis=1))
    state_step = _first(np.any(np.asarray(traj.nonfinite), axis=1))
    if state_step is None and x_step is None:
        return None
    if state_step is None:
        return Fact("overflow", 100, (x_step or 1,), detail="input")
    t = state_step - 1
    h, z = traj.h[t], traj.z[t]
    detail = "h_inf" if np.any(np.isinf(h)) else "h_nan" if np.any(np.isnan(h)) else "z_only"
    values = (("input_step", float(x_step)),) if x_step is not None and x_step <= state_step else ()
    if detail == "z_only" and not np.any(np.isinf(z)):
        detail = "z_nan"
    return Fact("overflow", 100, (state_step,), values=values, detail=detail)


def _explosion(traj: Trajectory) -> Fact | None:
    with np.errstate(all="ignore"):
        finite_rows = np.all(np.isfinite(traj.h), axis=1)
        rows = np.any(np.asarray(traj.exploding), axis=1) & finite_rows
        if not rows.any():
            return None
        t_e = int(np.flatnonzero(rows)[0])
        m = np.where(finite_rows, np.max(np.abs(traj.h), axis=1), 0.0)
        peak_t = int(np.argmax(m))
        t_f = int(np.flatnonzero(finite_rows)[-1])
        rate = math.nan
        if t_f > t_e and m[t_e] > 0 and m[t_f] > 0:
            rate = math.exp((math.log(float(m[t_f])) - math.log(float(m[t_e]))) / (t_f - t_e))
    detail = "unbounded" if math.isfinite(rate) and rate > GROWTH_MIN else "large"
    values: tuple[tuple[str, float], ...] = (
        ("peak", float(m[peak_t])),
        ("peak_step", float(peak_t + 1)),
        ("threshold", EXPLODING_THRESHOLD),
    )
    if math.isfinite(rate):
        values += (("rate", rate),)
    return Fact("explosion", 95, (t_e + 1,), values=values, detail=detail)


def _dead(traj: Trajectory) -> Fact | None:
    if not get_activation(traj.activation).dies:
        return None
    dead = np.asarray(traj.dead)
    if not dead.any():
        return None
    units = tuple(int(u) for u in np.flatnonzero(dead.any(axis=0)))
    always = bool(dead.all())
    return Fact(
        "dead",
        90 if always else 70,
        _steps(dead.any(axis=1)),
        units if traj.hidden_size > 1 else (),
        values=(("threshold", DEAD_THRESHOLD),),
        detail="always" if always else "",
    )


def _saturation(traj: Trajectory) -> Fact | None:
    if not get_activation(traj.activation).saturates:
        return None
    sat = np.asarray(traj.saturated)
    if not sat.any():
        return None
    rows = sat.any(axis=1)
    steps = _steps(rows)
    to_end = len(steps) >= 2 and steps == tuple(range(steps[0], traj.steps + 1))
    units = tuple(int(u) for u in np.flatnonzero(sat.any(axis=0)))
    # slope: the steepest the activation is anywhere it is flagged saturated ("only 0.02").
    slope = float(np.max(np.abs(np.asarray(traj.dh))[sat]))
    return Fact(
        "saturation",
        75 if to_end else 60,
        steps,
        units if traj.hidden_size > 1 else (),
        values=(("slope", slope),),
        detail="to_end" if to_end else "",
    )


def _regime(traj: Trajectory) -> Fact | None:
    reg = regimes(traj)
    worst_order = {"undefined": 0, "linear": 1, "bending": 2, "clipped": 2, "saturated": 3}
    per_step = [max(row, key=lambda r: worst_order[r]) for row in reg]
    counts = {name: float(sum(r == name for r in per_step)) for name in REGIMES}
    firsts = {name: next((t + 1 for t, r in enumerate(per_step) if r == name), 0) for name in REGIMES}
    dominant = max(REGIMES, key=lambda name: (counts[name], -REGIMES.index(name)))
    values = tuple((f"{name}_steps", counts[name]) for name in REGIMES)
    values += tuple((f"{name}_from", float(firsts[name])) for name in REGIMES)
    return Fact("regime", 40, detail=dominant, values=values)


def _survival(traj: Trajectory) -> Fact | None:
    T = traj.steps
    if T < 2:
        return None
    if np.any(np.isnan(np.asarray(traj.z)[1:])):
        # A NaN z gives ReLU's derivative code 0, which would read as a blocked gradient:
        # the numbers overflowed, and that is the fact (``overflow``), not a grade.
        return None
    ratio = abs(size(traj.grad_to_last[0]))
    grade = survival_grade(ratio)
    if grade is None:
        return None
    # Signed for a scalar state, the 2-norm for a vector one.
    first = size(np.asarray(traj.dh[0])[:, None] * traj.params.w_x)
    last = size(traj.sensitivity_to_last[0])
    w_h = size(traj.params.w_h)
    values = [("ratio", ratio), ("first", first), ("last", last), ("w_h", w_h)]
    if math.isfinite(ratio) and ratio > 0:
        values.append(("factor", ratio ** (1.0 / (T - 1))))
        if traj.hidden_size == 1:
            factors = np.abs(np.asarray(traj.params.w_h).reshape(()) * np.asarray(traj.dh)[1:, 0])
            # constant: every factor the same (ReLU passing everything through, say): "exactly".
            values.append(("constant", float(np.ptp(factors) <= 1e-9 * float(np.max(factors)))))
            if w_h != 0:
                values.append(("slope", (ratio ** (1.0 / (T - 1))) / abs(w_h)))  # geometric mean of f'
    steps: tuple[int, ...] = (1, T)
    detail = "scalar" if traj.hidden_size == 1 else "vector"
    if grade == "blocked":
        blocked = [t + 1 for t in range(1, T) if not np.any(traj.backward_factors[t])]
        if not np.any(np.asarray(traj.params.w_h)):
            steps, detail = (T, T), "zero_w_h"  # nothing is carried from one step to the next
        elif blocked:
            steps = (blocked[-1], T)
            k = blocked[-1] - 1
            flat = get_activation(traj.activation).dies and np.all(np.asarray(traj.z)[k] <= DEAD_THRESHOLD)
            detail = "zero_factor" if flat else "zero_slope"  # ReLU off, or a slope below the smallest float
            if detail == "zero_slope":
                values.append(("z", float(np.max(np.abs(np.asarray(traj.z)[k])))))
        else:
            detail = "underflow"
    return Fact("survival", _survival_rank(grade), steps, values=tuple(values), detail=detail, grade=grade)


def _factor_bound(traj: Trajectory) -> Fact | None:
    """The most each step back can multiply the gradient by: ``max f' x |W_h|``."""
    if traj.steps < 2:
        return None
    act = get_activation(traj.activation)
    w = abs(size(traj.params.w_h))
    bound = act.max_slope * w
    if not math.isfinite(bound):
        return None
    # Worth saying when it explains a vanishing gradient on its own: sigmoid's slope of at
    # most 1/4, or a bound far below 1.
    important = bound < 1.0 and (act.max_slope < 1.0 or bound <= 0.5)
    return Fact(
        "factor_bound",
        60 if important else 20,
        values=(("bound", bound), ("max_slope", act.max_slope), ("w_h", w)),
        detail="below_one" if bound < 1.0 else "",
    )


def _is_impulse(x: Array) -> bool:
    return x.shape[0] >= 3 and bool(np.any(x[0] != 0)) and bool(np.all(x[1:] == 0))


def _impulse(traj: Trajectory, survival: Fact | None) -> Fact | None:
    """An impulse input's trace, measured: the run again without ``x_1``, and the gap between the two."""
    x = np.asarray(traj.x)
    if not _is_impulse(x):
        return None
    without = np.array(x)
    without[0] = 0.0
    other = run(without, traj.params)
    with np.errstate(all="ignore"):
        gap = _state_size(np.asarray(traj.h) - np.asarray(other.h))
    g1, gT = abs(float(gap[0])), abs(float(gap[-1]))
    # flipped: a scalar trace that ends with the other sign than it started (a negative W_h).
    flipped = traj.hidden_size == 1 and float(gap[0]) * float(gap[-1]) < 0
    if not (math.isfinite(g1) and math.isfinite(gT)):
        return None
    ratio = gT / g1 if g1 > 0 else 0.0
    grade = survival_grade(ratio) if g1 > 0 else "blocked"
    differs = survival is not None and survival.grade != grade
    values = (
        ("first", g1),
        ("last", gT),
        ("ratio", ratio),
        ("final", float(_state_size(traj.h)[-1])),
        ("flipped", float(flipped)),
    )
    return Fact(
        "impulse", 88 if differs else 50, (1, traj.steps), values=values, grade=grade, detail="latch" if differs else ""
    )


def _oscillation(traj: Trajectory) -> Fact | None:
    """The state flips sign at three or more consecutive steps (some unit)."""
    h = np.asarray(traj.h)
    best: tuple[int, ...] = ()
    best_unit = 0
    for u in range(traj.hidden_size):
        with np.errstate(all="ignore"):
            s = np.where(np.isfinite(h[:, u]) & (np.abs(h[:, u]) > _ZERO), np.sign(h[:, u]), 0.0)
        flips: list[int] = []
        current: list[int] = []
        for t in range(1, traj.steps):
            if s[t] != 0 and s[t] == -s[t - 1]:
                current.append(t + 1)
            else:
                if len(current) > len(flips):
                    flips = current
                current = []
        if len(current) > len(flips):
            flips = current
        if len(flips) > len(best):
            best, best_unit = tuple(flips), u
    if len(best) < 3:
        return None
    x = np.asarray(traj.x)
    with np.errstate(all="ignore"):
        xs = np.sign(np.where(np.abs(x[:, 0]) > _ZERO, x[:, 0], 0.0))
    input_flips = sum(1 for t in best if xs[t - 1] != 0 and xs[t - 1] == -xs[t - 2])
    w_h = float(np.asarray(traj.params.w_h)[best_unit, best_unit])
    detail = "input" if input_flips >= len(best) - 1 else ("negative_w_h" if w_h < 0 else "")
    return Fact(
        "oscillation",
        80,
        best,
        (best_unit,) if traj.hidden_size > 1 else (),
        values=(("flips", float(len(best))), ("w_h", w_h)),
        detail=detail,
    )


def _growth(traj: Trajectory) -> Fact | None:
    """``|h|`` grows steadily over the last steps, without exploding (only an unbounded activation can)."""
    if math.isfinite(get_activation(traj.activation).output_range[1]):
        return None  # tanh and sigmoid approach their bound: that is saturation, not growth
    m = np.abs(_state_size(np.asarray(traj.h)))
    T = traj.steps
    if T < 4 or not np.all(np.isfinite(m)) or float(np.max(m)) > EXPLODING_THRESHOLD:
        return None
    start = T - 1
    while start > 0 and m[start - 1] > 0 and m[start] > GROWTH_MIN * m[start - 1]:
        start -= 1
    if T - 1 - start < 3:  # fewer than three growing steps
        return None
    rate = (float(m[T - 1]) / float(m[start])) ** (1.0 / (T - 1 - start))
    return Fact(
        "growth",
        78,
        (start + 1, T),
        values=(("rate", rate), ("start", float(m[start])), ("end", float(m[T - 1]))),
    )


def _settles(traj: Trajectory) -> Fact | None:
    """The state stops changing while the input stays constant: a fixed point."""
    h, x = np.asarray(traj.h), np.asarray(traj.x)
    T = traj.steps
    if T < 5 or not np.all(np.isfinite(h)):
        return None
    scale = max(1.0, float(np.max(np.abs(h))))
    s = T - 1
    while (
        s > 0 and float(np.max(np.abs(h[s] - h[s - 1]))) <= SETTLE_TOLERANCE * scale and np.array_equal(x[s], x[s - 1])
    ):
        s -= 1
    if T - 1 - s < 2:  # still for fewer than three steps
        return None
    value = _state_size(h)[-1]
    return Fact("settles", 60, (s + 1,), values=(("value", float(value)),))


def _sign(traj: Trajectory) -> Fact | None:
    h = np.asarray(traj.h)
    with np.errstate(all="ignore"):
        negative = np.isfinite(h) & (h < -_ZERO)
    if not negative.any():
        return None
    flat = np.where(negative, h, np.inf)
    t, u = np.unravel_index(int(np.argmin(flat)), flat.shape)
    units = tuple(int(v) for v in np.flatnonzero(negative.any(axis=0)))
    return Fact(
        "sign",
        50,
        _steps(negative.any(axis=1)),
        units if traj.hidden_size > 1 else (),
        # lows: how many steps come within 0.5 % of the lowest value (a wave reaches it each cycle).
        values=(
            ("min", float(h[t, u])),
            ("min_step", float(t + 1)),
            ("lows", float(np.sum(np.min(flat, axis=1) <= h[t, u] * 0.995))),
        ),
    )


def _positive(traj: Trajectory) -> Fact | None:
    lo, hi = get_activation(traj.activation).output_range
    if not (lo == 0.0 and hi == 1.0):
        return None
    with np.errstate(all="ignore"):
        h = np.asarray(traj.h)[np.isfinite(traj.h)]
    if h.size == 0:
        return None
    return Fact(
        "positive", 40, values=(("mean", float(np.mean(h))), ("min", float(np.min(h))), ("max", float(np.max(h))))
    )


def _trend(traj: Trajectory) -> Fact:
    m = _state_size(np.asarray(traj.h))
    finite = m[np.isfinite(m)]
    if finite.size == 0:
        return Fact("trend", 35, detail="undefined")
    first, last = float(m[0]), float(m[-1])
    lo, hi = float(np.min(finite)), float(np.max(finite))
    lo_t = int(np.flatnonzero(m == lo)[0]) + 1
    hi_t = int(np.flatnonzero(m == hi)[0]) + 1
    span = hi - lo
    with np.errstate(all="ignore"):
        d = np.diff(m)
    d = d[np.isfinite(d)]
    if span <= SETTLE_TOLERANCE * max(1.0, abs(hi)):
        detail = "steady"
    elif d.size and np.all(d >= -SETTLE_TOLERANCE * span):
        detail = "climbs"
    elif d.size and np.all(d <= SETTLE_TOLERANCE * span):
        detail = "falls"
    else:
        detail = "swings"
    values = (
        ("first", first),
        ("last", last),
        ("min", lo),
        ("min_step", float(lo_t)),
        ("max", hi),
        ("max_step", float(hi_t)),
    )
    return Fact("trend", 35, (1, traj.steps), values=values, detail=detail)


def run_facts(traj: Trajectory) -> tuple[Fact, ...]:
    """Every fact about one run, most important first (see the module docstring)."""
    survival = _survival(traj)
    found: list[Fact | None] = [
        _overflow(traj),
        _explosion(traj),
        _dead(traj),
        survival,
        _impulse(traj, survival),
        _oscillation(traj),
        _growth(traj),
        _saturation(traj),
        _settles(traj),
        _sign(traj),
        _factor_bound(traj),
        _regime(traj),
        _positive(traj),
        _trend(traj),
        Fact("final", 30, (traj.steps,), values=(("value", float(_state_size(np.asarray(traj.h))[-1])),)),
    ]
    facts = [f for f in found if f is not None]
    return tuple(sorted(facts, key=lambda f: -f.rank))


# --------------------------------------------------------------------------- a perturbed pair


def perturbation_facts(original: Trajectory, perturbed: Trajectory, step: int) -> tuple[Fact, ...]:
    """What one changed input (at 1-based ``step``) did to the states, measured.

    ``effect``: the gap ``|h_t - h'_t|`` right after the change and at the end, their ratio
    graded on the one scale (:func:`survival_grade`), and the largest gap; ``no_effect``
    when the gap is 0 at every step (``detail`` says why: ``dead`` for a ReLU clipping the
    change, ``w_x`` for a zero input weight); ``effect_reverses`` when ``h' - h`` changes
    sign after the change.
    """
    with np.errstate(all="ignore"):
        diff = np.asarray(perturbed.h) - np.asarray(original.h)
        gap = np.abs(_state_size(diff)) if diff.shape[1] > 1 else np.abs(diff[:, 0])
    k = step - 1
    T = original.steps
    if not np.all(np.isfinite(gap)):
        return ()
    if float(np.max(gap)) <= _ZERO:
        if not np.any(original.params.w_x):
            detail = "w_x"
        elif get_activation(original.activation).dies and bool(np.all(np.asarray(original.dead)[k])):
            detail = "dead"
        else:
            detail = ""
        return (Fact("no_effect", 100, (step,), detail=detail),)
    g_k, g_T = float(gap[k]), float(gap[-1])
    ratio = g_T / g_k if g_k > 0 else math.inf
    grade = survival_grade(ratio)
    peak_t = int(np.argmax(gap))
    facts = [
        Fact(
            "effect",
            90,
            (step, T),
            values=(
                ("first", g_k),
                ("last", g_T),
                ("ratio", ratio),
                ("peak", float(gap[peak_t])),
                ("peak_step", float(peak_t + 1)),
            ),
            grade=grade,
        )
    ]
    if diff.shape[1] == 1:
        signs = np.sign(np.where(np.abs(diff[k:, 0]) > _ZERO, diff[k:, 0], 0.0))
        nonzero = signs[signs != 0]
        flips = [int(t) + step + 1 for t in range(1, len(signs)) if signs[t] != 0 and signs[t] == -signs[t - 1]]
        if nonzero.size and np.any(nonzero != nonzero[0]):
            facts.append(Fact("effect_reverses", 70, tuple(flips) or (step,)))
    return tuple(facts)


def compare_ranked(facts: Sequence[Fact]) -> list[Fact]:
    """``facts`` most important first (stable for equal ranks)."""
    return sorted(facts, key=lambda f: -f.rank)
