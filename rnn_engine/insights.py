"""Plain-language observations about a run, computed from its numbers.

Everything here is read off a :class:`~rnn_engine.forward.Trajectory` (its flags,
states, sensitivities and backpropagation factors), never from a config, so a
caption or a closing line is true for whatever the lecturer typed.

:func:`observations` describes one run; :func:`compare_insights` describes how
several runs differ. Both return :class:`Observation` lists ordered by importance
(most important first): a scene that has room for one line takes the first.

Kinds (one run), in order of importance:

``exploding``
    ``|h|`` passes :data:`~rnn_engine.forward.EXPLODING_THRESHOLD` while finite;
    with the per-step growth factor when it keeps growing (> :data:`GROWTH_MIN`).
``overflow``
    ``h`` (or ``z``, or the input ``x``) becomes ``inf``/``nan``.
``dead``
    ReLU with ``z <= DEAD_THRESHOLD`` (the :attr:`~Trajectory.dead` flag).
``saturated``
    tanh/sigmoid with ``|f'(z)| < SATURATION_THRESHOLD`` (the :attr:`~Trajectory.saturated` flag).
``vanishing`` / ``exploding_gradient`` / ``gradient``
    The gradient reaching step 1 relative to the one at step T, i.e. the size of
    ``dh_T/dh_1`` (:attr:`~Trajectory.grad_to_last`; the one at T is the identity):
    below :data:`VANISHING_RATIO`, above :data:`EXPLODING_GRADIENT_RATIO`, or in between.
``memory`` / ``forgotten``
    How much the first input still shapes the last state, ``dh_T/dx_1``
    (:attr:`~Trajectory.sensitivity_to_last`): at least / below :data:`FORGOTTEN_THRESHOLD`.
``sigmoid_centre``
    sigmoid runs only: h never goes negative and sits around its mean.

"Size" of a matrix (vector hidden states) is its 2-norm, the largest gain over all
directions, written ``|dh_8/dx_1|``; for a scalar run the signed value is shown.
Steps are numbered from 1 as on screen. Numbers use
:func:`~rnn_engine.formatting.format_significant` (3 significant digits).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rnn_engine.activations import get_activation
from rnn_engine.formatting import format_number, format_significant
from rnn_engine.forward import DEAD_THRESHOLD, EXPLODING_THRESHOLD, SATURATION_THRESHOLD, Trajectory

__all__ = [
    "EXPLODING_GRADIENT_RATIO",
    "FORGOTTEN_THRESHOLD",
    "GROWTH_MIN",
    "VANISHING_RATIO",
    "Observation",
    "compare_insights",
    "format_number",
    "format_significant",
    "observations",
]

#: The gradient reaching step 1 is *vanishing* below this fraction of the one at step T:
#: a hundredfold loss, after which learning from the first step is hopeless in practice.
VANISHING_RATIO = 1e-2
#: ... and *exploding* above this multiple (the mirror image of :data:`VANISHING_RATIO`).
EXPLODING_GRADIENT_RATIO = 1e2
#: The last state has *forgotten* the first input when ``|dh_T/dx_1|`` is below this:
#: a unit change of x_1 then moves h_T by less than one on-screen digit at 2 decimals.
FORGOTTEN_THRESHOLD = 1e-3
#: An exploding state "grows without bound" when ``|h|`` grows by more than this
#: factor per step on average (otherwise it is just large).
GROWTH_MIN = 1.01
#: Step lists longer than this are cut with ", ..." to keep a caption short.
MAX_LISTED = 6

Array = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Observation:
    """One plain-language statement about a run.

    Attributes
    ----------
    kind
        What it is about (see the module docstring), e.g. ``"saturated"``.
    step
        The on-screen timestep (1-based) it is about, e.g. where something starts;
        ``None`` when it is about the whole run.
    text
        The sentence, ready for a caption.
    """

    kind: str
    step: int | None
    text: str


# --------------------------------------------------------------------------- helpers


def _fmt(v: float) -> str:
    return format_significant(v, 3)


def _steps_text(steps: Sequence[int], limit: int = MAX_LISTED) -> str:
    """``[2, 5, 6, 7, 9]`` -> ``"2, 5..7, 9"`` (1-based steps in).

    Lists longer than ``limit`` items are cut with ``", ..."`` and end with the
    count, e.g. ``"2, 4, 6, ... (16 steps)"``.
    """
    runs: list[tuple[int, int]] = []
    for s in sorted(steps):
        if runs and s == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], s)
        else:
            runs.append((s, s))
    items = []
    for a, b in runs:
        if a == b:
            items.append(str(a))
        elif b == a + 1:
            items.extend([str(a), str(b)])
        else:
            items.append(f"{a}..{b}")
    if len(items) > limit:
        return f"{', '.join(items[:limit])}, ... ({len(steps)} steps)"
    return ", ".join(items)


def _join(names: Sequence[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _size(m: npt.ArrayLike) -> float:
    """Signed value of a 1 x 1 matrix, else the 2-norm (``inf``/``nan`` kept)."""
    a = np.asarray(m, dtype=np.float64)
    if a.size == 1:
        return float(a.reshape(()))
    if not np.all(np.isfinite(a)):
        return math.nan if np.any(np.isnan(a)) else math.inf
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(a.reshape(a.shape[0], -1), 2))


def _named(name: str, m: npt.ArrayLike) -> str:
    """``dh_8/dx_1 = -0.12`` for a scalar, ``|dh_8/dx_1| = 0.12`` for a matrix."""
    v = _size(m)
    return f"{name} = {_fmt(v)}" if np.asarray(m).size == 1 else f"|{name}| = {_fmt(v)}"


def _unit_steps(flags: BoolArray) -> list[tuple[int, list[int]]]:
    """(T, H) flags -> [(unit index, 1-based steps where flagged)] for units flagged anywhere."""
    return [(u, [int(t) + 1 for t in np.flatnonzero(flags[:, u])]) for u in range(flags.shape[1]) if flags[:, u].any()]


def _when(steps: list[int], T: int, limit: int = MAX_LISTED) -> str:
    """``from t = 3`` when the flag holds from step 3 to the end (at least 2 steps), else ``at t = ...``."""
    first = steps[0]
    if len(steps) >= 2 and steps == list(range(first, T + 1)):
        return f"from t = {first}" if first > 1 else "at every step"
    return f"at t = {_steps_text(steps, limit)}"


def _units_when(flags: BoolArray, verb: str, display: str) -> tuple[int, str, bool] | None:
    """First flagged step, a phrase, and whether every flagged unit stays flagged to the end.

    The phrase is e.g. ``"tanh saturated from t = 3"`` or
    ``"tanh unit 1 saturated from t = 3; unit 2 at t = 5"`` (at most 3 units named,
    each with a shorter step list, so that a caption stays readable).
    """
    per_unit = _unit_steps(flags)
    if not per_unit:
        return None
    T, H = flags.shape
    first = min(steps[0] for _, steps in per_unit)
    to_end = all(len(steps) >= 2 and steps == list(range(steps[0], T + 1)) for _, steps in per_unit)
    if H == 1:
        return first, f"{display} {verb} {_when(per_unit[0][1], T)}", to_end
    (u0, steps0), *rest = per_unit[:3]
    text = f"{display} unit {u0 + 1} {verb} {_when(steps0, T, 3)}"
    text += "".join(f"; unit {u + 1} {_when(steps, T, 3)}" for u, steps in rest)
    if len(per_unit) > 3:
        more = len(per_unit) - 3
        text += f" (and {more} more unit{'s' if more > 1 else ''})"
    return first, text, to_end


def _growth(traj: Trajectory) -> tuple[int, float | None] | None:
    """First finite exploding step (1-based) and the mean per-step growth of max|h| after it."""
    with np.errstate(all="ignore"):
        finite_rows = np.all(np.isfinite(traj.h), axis=1)
        exploding_rows = np.any(traj.exploding, axis=1) & finite_rows
        if not exploding_rows.any():
            return None
        t_e = int(np.flatnonzero(exploding_rows)[0])
        finite_after = np.flatnonzero(finite_rows[t_e:]) + t_e
        t_f = int(finite_after[-1])
        m = np.max(np.abs(traj.h), axis=1)
        if t_f == t_e or not (m[t_f] > 0 and m[t_e] > 0):
            return t_e + 1, None
        rate = math.exp((math.log(float(m[t_f])) - math.log(float(m[t_e]))) / (t_f - t_e))
    return t_e + 1, rate


def _first_step(mask: BoolArray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) + 1 if idx.size else None


# --------------------------------------------------------------------------- one run


def _exploding(traj: Trajectory, display: str) -> Observation | None:
    g = _growth(traj)
    if g is None:
        return None
    step, rate = g
    if rate is not None and rate > GROWTH_MIN:
        return Observation("exploding", step, f"{display}: h grows without bound (x{_fmt(rate)} per step)")
    with np.errstate(all="ignore"):
        finite = np.where(np.isfinite(traj.h), np.abs(traj.h), 0.0)
    peak_t = int(np.argmax(np.max(finite, axis=1)))
    peak = float(np.max(finite[peak_t]))
    return Observation(
        "exploding",
        step,
        f"{display}: |h| reaches {_fmt(peak)} at t = {peak_t + 1}, far outside the usual range "
        f"(beyond {_fmt(EXPLODING_THRESHOLD)})",
    )


def _overflow(traj: Trajectory) -> list[Observation]:
    out = []
    x_step = _first_step(~np.all(np.isfinite(traj.x), axis=1))
    state_step = _first_step(np.any(traj.nonfinite, axis=1))
    if state_step is not None:
        t = state_step - 1
        h, z = traj.h[t], traj.z[t]
        if np.any(np.isinf(h)):
            text = f"h overflows to infinity at t = {state_step}"
        elif np.any(np.isnan(h)):
            text = f"h becomes NaN (not a number) at t = {state_step}: the numbers overflowed"
        else:
            change = "overflows to infinity" if np.any(np.isinf(z)) else "becomes NaN (not a number)"
            text = f"z {change} at t = {state_step} (h itself stays finite)"
        if x_step is not None and x_step <= state_step:
            text += f"; the input is already infinite at t = {x_step}"
        out.append(Observation("overflow", state_step, text))
    elif x_step is not None:
        out.append(Observation("overflow", x_step, f"the input x overflows to infinity at t = {x_step}"))
    return out


def _dead(traj: Trajectory) -> Observation | None:
    if not get_activation(traj.activation).dies:
        return None
    dead = np.asarray(traj.dead)
    if dead.all():
        return Observation(
            "dead", 1, f"ReLU dead at every step: z <= {_fmt(DEAD_THRESHOLD)} gives h = 0 and no gradient"
        )
    found = _units_when(dead, "dead", "ReLU")
    if found is None:
        return None
    step, phrase, _ = found
    return Observation("dead", step, f"{phrase}: z <= {_fmt(DEAD_THRESHOLD)} gives h = 0 and no gradient")


def _saturated(traj: Trajectory, display: str) -> Observation | None:
    act = get_activation(traj.activation)
    if not act.saturates:
        return None
    found = _units_when(np.asarray(traj.saturated), "saturated", display)
    if found is None:
        return None
    step, phrase, to_end = found
    target = "h" if traj.hidden_size == 1 else "those units"
    if to_end:
        tail = f"later inputs barely move {target}"
    else:
        tail = f"|f'(z)| < {_fmt(SATURATION_THRESHOLD)} there, so those inputs barely move {target}"
    return Observation("saturated", step, f"{phrase}: {tail}")


def _undefined_derivative(traj: Trajectory, first: int) -> bool:
    """Whether some z_t, t >= ``first``, is NaN: a chain rule through it has no value.

    ``dh_T/dh_1`` multiplies f'(z_t) for t = 2..T, ``dh_T/dx_1`` for t = 1..T. f'(NaN) is
    undefined, but ReLU's derivative code gives 0 for it, which read as "no gradient
    reaches t = 1" and "h_T has forgotten x_1" for a run that is NaN throughout.
    """
    return bool(np.any(np.isnan(np.asarray(traj.z)[first - 1 :])))


def _gradient(traj: Trajectory) -> Observation | None:
    T = traj.steps
    if T < 2:
        return None
    if _undefined_derivative(traj, first=2):
        return None
    ratio = _size(traj.grad_to_last[0])
    size = abs(ratio)
    if math.isnan(size):
        return None
    where = f"the gradient reaching t = 1 is {{}} the one at t = {T}"
    if math.isinf(size):
        return Observation("exploding_gradient", 1, f"exploding gradient: dh_{T}/dh_1 overflows to infinity")
    if size == 0.0:
        blocked = [t + 1 for t in range(1, T) if not np.any(traj.backward_factors[t])]
        if blocked:
            # A step whose Jacobian is exactly 0 (ReLU dead there, or W_h = 0) stops everything.
            return Observation(
                "vanishing",
                1,
                f"vanishing gradient: no gradient reaches t = 1 from t = {T}: "
                f"dh_{blocked[-1]}/dh_{blocked[-1] - 1} = 0",
            )
        return Observation(
            "vanishing",
            1,
            f"vanishing gradient: the gradient reaching t = 1 is below 1e-308 of the one at t = {T} "
            "(it underflows to 0)",
        )
    if size < VANISHING_RATIO:
        return Observation("vanishing", 1, "vanishing gradient: " + where.format(f"{_fmt(size)} of"))
    if size > EXPLODING_GRADIENT_RATIO:
        return Observation("exploding_gradient", 1, "exploding gradient: " + where.format(f"{_fmt(size)} times"))
    if size > 1.0:
        return Observation("gradient", 1, where.format(f"{_fmt(size)} times") + ": it grows on the way back")
    return Observation("gradient", 1, where.format(f"{_fmt(size)} of") + ": it survives the trip back")


def _memory(traj: Trajectory) -> Observation | None:
    T = traj.steps
    if T < 2:
        return None
    if _undefined_derivative(traj, first=1):
        return None
    s = traj.sensitivity_to_last[0]
    size = abs(_size(s))
    if not math.isfinite(size):
        return None
    name = _named(f"dh_{T}/dx_1", s)
    if size < FORGOTTEN_THRESHOLD:
        return Observation("forgotten", 1, f"h_{T} has forgotten x_1: {name}")
    return Observation("memory", 1, f"the first input still shapes h_{T}: {name}")


def _sigmoid_centre(traj: Trajectory) -> Observation | None:
    if traj.activation != "sigmoid":
        return None
    with np.errstate(all="ignore"):
        h = np.asarray(traj.h)[np.isfinite(traj.h)]
    if h.size == 0:
        return None
    return Observation(
        "sigmoid_centre",
        None,
        f"sigmoid never goes negative: h stays in (0, 1), here around {_fmt(float(np.mean(h)))}",
    )


def observations(traj: Trajectory) -> list[Observation]:
    """What is worth saying about one run, most important first.

    Parameters
    ----------
    traj
        A run from :func:`rnn_engine.run` (or ``BatchTrajectory.item``).

    Returns
    -------
    list[Observation]
        At most one observation per kind, in the order of the module docstring.
        A run with nothing unusual still gets its gradient and memory observations
        (when it has at least 2 steps), and sigmoid runs their ``sigmoid_centre``.
    """
    display = get_activation(traj.activation).display
    found: list[Observation | None] = [_exploding(traj, display)]
    found.extend(_overflow(traj))
    found += [_dead(traj), _saturated(traj, display), _gradient(traj), _memory(traj), _sigmoid_centre(traj)]
    return [o for o in found if o is not None]


# --------------------------------------------------------------------------- several runs


def _compare_flag(
    per_run: Mapping[str, Mapping[str, Observation]],
    kind: str,
    describe: Callable[[str, Observation], str],
    others: tuple[str, str],
) -> Observation | None:
    """Runs with an observation of ``kind`` described one by one, then the runs without it.

    ``others`` is the verb phrase for the rest, singular and plural: ``("stays bounded", "stay bounded")``.
    """
    hits = [(label, obs[kind]) for label, obs in per_run.items() if kind in obs]
    if not hits:
        return None
    rest = [label for label in per_run if kind not in per_run[label]]
    text = "; ".join(describe(label, o) for label, o in hits)
    if rest:
        text += f"; {_join(rest)} {others[0] if len(rest) == 1 else others[1]}"
    steps = [o.step for _, o in hits if o.step is not None]
    return Observation(kind, min(steps) if steps else None, text)


def _after_colon(text: str) -> str:
    return text.split(": ", 1)[1] if ": " in text else text


def _strip_display(text: str, display: str) -> str:
    return text[len(display) + 1 :] if text.startswith(display + " ") else text


def compare_insights(trajectories: Mapping[str, Trajectory]) -> list[Observation]:
    """How several runs (e.g. one per activation) differ, most important first.

    Parameters
    ----------
    trajectories
        ``{label: trajectory}``; labels are used verbatim in the sentences
        (e.g. ``"tanh"``, ``"ReLU"``, ``"w_h = 1.5"``).

    Returns
    -------
    list[Observation]
        Kinds, in this order: ``exploding`` (which grow without bound, and how fast),
        ``overflow``, ``dead``, ``saturated`` (each: which runs do, from when, and that
        the others do not), ``sign`` (which runs' h goes negative and which never does;
        only when they differ), ``gradient`` (the gradient reaching t = 1 per run),
        ``memory`` (``dh_T/dx_1`` per run) and ``final`` (the last state per run).
        Fewer than two runs give an empty list.
    """
    if len(trajectories) < 2:
        return []
    per_run = {label: {o.kind: o for o in observations(t)} for label, t in trajectories.items()}
    displays = {label: get_activation(t.activation).display for label, t in trajectories.items()}
    out: list[Observation | None] = []

    def exploding(label: str, o: Observation) -> str:
        if "grows without bound" in o.text:
            return f"{label} grows without bound ({o.text.split('(', 1)[1]}"
        return f"{label}: {_after_colon(o.text)}"

    out.append(_compare_flag(per_run, "exploding", exploding, ("stays bounded", "stay bounded")))
    out.append(
        _compare_flag(per_run, "overflow", lambda label, o: f"{label}: {o.text}", ("stays finite", "stay finite"))
    )

    def flagged(label: str, o: Observation) -> str:
        # "tanh saturated from t = 3: ..." -> "<label> saturated from t = 3"
        return f"{label} {_strip_display(o.text.split(': ')[0], displays[label])}"

    dead = _compare_flag(per_run, "dead", flagged, ("never dies", "never die"))
    if dead is not None:
        dead = Observation(dead.kind, dead.step, f"{dead.text} (dead: z <= 0 gives h = 0 and no gradient)")
    out.append(dead)
    out.append(_compare_flag(per_run, "saturated", flagged, ("never saturates", "never saturate")))

    signs: dict[str, tuple[bool, float]] = {}
    for label, t in trajectories.items():
        with np.errstate(all="ignore"):
            h = np.asarray(t.h)[np.isfinite(t.h)]
        if h.size:
            signs[label] = (bool(np.any(h < 0)), float(np.min(h)))
    negative = [label for label, (neg, _) in signs.items() if neg]
    never = [label for label, (neg, _) in signs.items() if not neg]
    if negative and never:
        lows = ", ".join(f"{label} down to {_fmt(signs[label][1])}" for label in negative)
        nverb = "never does" if len(never) == 1 else "never do"
        out.append(Observation("sign", None, f"h goes negative for {lows}; {_join(never)} {nverb}"))

    steps = {t.steps for t in trajectories.values()}
    T_name = str(steps.pop()) if len(steps) == 1 else "T"

    grads = {label: abs(_size(t.grad_to_last[0])) for label, t in trajectories.items() if t.steps >= 2}
    if grads:
        parts = _join([f"{_fmt(v)} for {label}" for label, v in grads.items()])
        out.append(
            Observation("gradient", 1, f"the gradient reaching t = 1, relative to the one at t = {T_name}: {parts}")
        )

    mems = {label: _size(t.sensitivity_to_last[0]) for label, t in trajectories.items() if t.steps >= 2}
    if mems:
        scalar = all(np.asarray(t.sensitivity_to_last[0]).size == 1 for t in trajectories.values())
        name = f"dh_{T_name}/dx_1" if scalar else f"|dh_{T_name}/dx_1|"
        parts = _join([f"{_fmt(v)} for {label}" for label, v in mems.items()])
        out.append(Observation("memory", 1, f"{name}: {parts}"))

    scalar_h = all(t.hidden_size == 1 for t in trajectories.values())
    with np.errstate(all="ignore"):
        finals = _join(
            [
                f"{_fmt(_size(t.h[-1]) if scalar_h else float(np.linalg.norm(t.h[-1])))} for {label}"
                for label, t in trajectories.items()
            ]
        )
    out.append(Observation("final", None, f"{'h' if scalar_h else '|h|'}_{T_name} ends at {finals}"))
    return [o for o in out if o is not None]
