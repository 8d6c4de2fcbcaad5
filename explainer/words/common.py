"""Words every scene's script uses: the sequence, the rule, a step's activation, fast-step groups, closings."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from explainer.config import Config
from explainer.words.forms import Forms, article, join, sentence, sym
from explainer.words.phrases import Phrases, Said
from rnn_engine.activations import get_activation
from rnn_engine.facts import Fact, regimes, run_facts
from rnn_engine.forward import Trajectory
from scenes.script import Clause

__all__ = [
    "FAST_GROUP",
    "activation_clause",
    "change_words",
    "closing_facts",
    "fast_groups",
    "plain_number",
    "rule_clause",
    "sequence_words",
    "span_words",
    "trend_words",
    "values_list",
]

#: Fast steps are said in groups of this many (one passage each).
FAST_GROUP = 4
#: Facts below this rank are not said in a closing on their own.
_NOTABLE = 45
#: Kinds a closing never says on its own (they are said elsewhere, or are context).
_CONTEXT = {"trend", "final", "regime"}


def plain_number(v: float) -> str:
    """A config parameter as written, for sentences: ``1``, ``0.5``, ``minus 1``."""
    text = repr(float(v))
    text = text[:-2] if text.endswith(".0") else text
    return f"minus {text[1:]}" if text.startswith("-") else text


def sequence_words(cfg: Config, normalized: bool = True) -> str:
    """``a Fibonacci sequence of 8 steps, divided by its largest absolute value`` (without the
    normalisation when ``normalized`` is false)."""
    seq = cfg.sequence
    p = seq.params
    noun, detail = {
        "fibonacci": ("Fibonacci sequence", ""),
        "linear": _linear_words(p, seq.length),
        "alternating": (
            "alternating sequence",
            f", {plain_number(p.get('a', 1.0))} and {plain_number(p.get('b', -1.0))} in turn",
        ),
        "exponential": ("sequence", f", powers of {plain_number(p.get('base', 2.0))}"),
        "sine": (
            "sine wave",
            f", period {plain_number(p.get('period', 8.0))}"
            + (f" and amplitude {plain_number(p['amplitude'])}" if p.get("amplitude", 1.0) != 1.0 else ""),
        ),
        "custom": ("hand-picked sequence", ""),
    }[seq.kind]
    norm = {
        "none": "",
        "maxabs": ", divided by its largest absolute value",
        "minmax": ", rescaled to run from 0 to 1",
        "zscore": ", standardised to mean 0 and standard deviation 1",
    }[seq.normalize if normalized else "none"]
    return f"{article(noun)} {noun} of {seq.length} steps{detail}{norm}"


def _linear_words(p: dict, length: int) -> tuple[str, str]:
    """``("linear sequence", ", the numbers 1 to 8")``, or ``", from 0.5 in steps of 0.25"``."""
    start, step = float(p.get("start", 1.0)), float(p.get("step", 1.0))
    if start.is_integer() and step == 1.0:
        return "sequence", f", the numbers {plain_number(start)} to {plain_number(start + length - 1)}"
    return "linear sequence", f", from {plain_number(start)} in steps of {plain_number(step)}"


def values_list(forms: Forms, traj: Trajectory, count: int = 4) -> str:
    """The first inputs as a sentence: ``It starts with 0.05, 0.05, 0.10 and 0.14`` (all of them when few)."""
    T = traj.steps

    def one(t: int) -> str:
        x = traj.x[t]
        return forms.num(float(x[0])) if x.size == 1 else "(" + ", ".join(forms.num(float(v)) for v in x) + ")"

    if T <= count + 1:
        return f"Its values are {join([one(t) for t in range(T)])}"
    return f"It starts with {join([one(t) for t in range(count)])}"


def rule_clause() -> str:
    """The update rule, in words that can be spoken."""
    return (
        f"Each new state {sym('h', 't')} is f of {sym('W', 'x')} {sym('x', 't')} plus {sym('W', 'h')} "
        f"{sym('h', 't-1')} plus b: the weighted input, plus the weighted memory, plus a bias"
    )


def change_words(forms: Forms, before: float, after: float) -> str:
    """``, up from 0.22`` / ``, down from 0.22`` / ``, still 0.22`` (by the digits on screen)."""
    a, b = forms.digits(before), forms.digits(after)
    if a == b:
        return ", the same as before"
    if not (math.isfinite(before) and math.isfinite(after)):
        return ""
    return f", up from {forms.num(before)}" if after > before else f", down from {forms.num(before)}"


def activation_clause(traj: Trajectory, t: int, forms: Forms) -> str:
    """What the activation does to ``z`` at 0-based step ``t``, ending in the resulting state."""
    act = get_activation(traj.activation)
    k = t + 1
    reg = regimes(traj)[t]
    h = traj.h[t]
    if traj.hidden_size == 1:
        r, hv = reg[0], forms.num(float(h[0]))
        hk = sym("h", k)
        if r == "undefined":
            return f"so {hk} is not a number any more"
        if forms.digits(float(traj.z[t, 0])) == forms.digits(0.0) and float(traj.z[t, 0]) == 0.0:
            return f"Then {act.display} of 0 is {plain_number(float(h[0]))}: {hk} is {hv}"
        if act.dies:
            return (
                f"Then ReLU passes it through: {hk} is {hv}"
                if r == "linear"
                else f"Then ReLU clips it to 0: {hk} is {hv}"
            )
        if act.name == "sigmoid":
            return {
                "linear": f"Then sigmoid maps it to {hk} = {hv}, on the straight middle of its curve",
                "bending": f"Then sigmoid bends it: {hk} is {hv}",
                "saturated": f"Then sigmoid is saturated there and squashes it: {hk} is {hv}",
            }[r]
        return {
            "linear": f"Then {act.display} barely bends it: {hk} is {hv}",
            "bending": f"Then {act.display} bends it: {hk} is {hv}",
            "saturated": f"Then {act.display} is saturated there and squashes it: {hk} is {hv}",
        }[r]
    values = forms.vec([float(v) for v in h])
    hk = sym("h", k)
    if not np.any(np.asarray(traj.z[t])):
        return f"Then {act.display} of 0 is {plain_number(float(h[0]))} for each: {hk} is {values}"
    if act.dies:
        clipped = [str(u + 1) for u, r in enumerate(reg) if r == "clipped"]
        if not clipped:
            return f"Then ReLU passes them all through: {hk} is {values}"
        units = f"unit {clipped[0]}" if len(clipped) == 1 else f"units {join(clipped)}"
        return f"Then ReLU clips {units} to 0: {hk} is {values}"
    saturated = [str(u + 1) for u, r in enumerate(reg) if r == "saturated"]
    if saturated:
        units = (
            "every unit"
            if len(saturated) == len(reg)
            else (f"unit {saturated[0]}" if len(saturated) == 1 else f"units {join(saturated)}")
        )
        return f"Then {act.display} squashes them, {units} saturated: {hk} is {values}"
    if act.name == "sigmoid":  # sigmoid moves every value towards 0.5, bent or not
        return f"Then sigmoid maps them into 0 to 1: {hk} is {values}"
    if all(r == "linear" for r in reg):
        return f"Then {act.display} barely bends them: {hk} is {values}"
    return f"Then {act.display} bends them: {hk} is {values}"


def fast_groups(first: int, last: int) -> list[tuple[int, int]]:
    """1-based steps ``first..last`` cut into groups of :data:`FAST_GROUP` (a lone last step joins the one before)."""
    groups = []
    k = first
    while k <= last:
        groups.append((k, min(last, k + FAST_GROUP - 1)))
        k += FAST_GROUP
    if len(groups) > 1 and groups[-1][0] == groups[-1][1]:
        a, _ = groups[-2]
        groups[-2:] = [(a, last)]
    return groups


def trend_words(forms: Forms, values: Sequence[float], before: float | None = None) -> str:
    """How a short run of values moves on from ``before`` (the value just before the run).

    One way all along: ``climbs through 0.49, 0.59 and 0.71 to 0.82``; several: ``climbs to 0.88, holds
    there, then falls to 0.71`` (each leg named by where it ends); every value of the other sign
    from the last: ``keeps flipping sign: 0.83, minus 0.83 and 0.83``. A value that looks the same
    on screen and moves by less than 1 % holds.
    """
    v = [float(x) for x in values]
    digits = [forms.digits(x) for x in v]
    if not all(math.isfinite(x) for x in v):
        return f"moves {join([forms.num(x) for x in v])}"
    signs = [np.sign(x) for x in v]
    if len(v) >= 3 and all(a != 0 and a == -b for a, b in zip(signs, signs[1:], strict=False)):
        return f"keeps flipping sign: {join([forms.num(x) for x in v])}"
    shown = [digits[0]] if before is None or not math.isfinite(before) else [forms.digits(before), *digits]
    base = v[0] if len(shown) == len(v) else float(before)  # type: ignore[arg-type]
    series = v if len(shown) == len(v) else [base, *v]

    # The direction of each step; 0 when the shown value does not change and the value itself
    # changes by less than 1 % (a gap halving from 0.012 to 0.006 still falls, shown or not).
    def direction(i: int) -> int:
        a, b = series[i - 1], series[i]
        if shown[i] == shown[i - 1] and abs(b - a) <= 0.01 * max(abs(a), abs(b)):
            return 0
        return 1 if b > a else (-1 if b < a else 0)

    moves = [direction(i) for i in range(1, len(series))]
    if len(shown) == len(v):  # no value before: the first value is where the run starts
        moves = [moves[0] if moves else 0, *moves]
    legs: list[tuple[int, int]] = []  # (direction, index of the leg's last value in v)
    for i, d in enumerate(moves):
        if legs and legs[-1][0] == d:
            legs[-1] = (d, i)
        else:
            legs.append((d, i))
    if len(legs) == 1:
        d = legs[0][0]
        if d == 0:
            return f"stays at {forms.num(v[0])}"
        if len(v) == 1:
            said = f"to {forms.num(v[0])}"
        elif any("e" in x for x in digits) or len(v) > 4:  # tiny or huge numbers: the ends are what matters
            said = f"from {forms.num(v[0])} to {forms.num(v[-1])}"
        elif len(v) == 2:
            said = f"to {forms.num(v[0])}, then {forms.num(v[1])}"
        else:
            said = f"through {join([forms.num(x) for x in v[:-1]])} to {forms.num(v[-1])}"
        return f"{'climbs' if d > 0 else 'falls'} {said}"
    words = []
    for j, (d, i) in enumerate(legs):
        if d == 0:
            words.append(f"stays at {forms.num(v[i])}" if j == 0 else "holds there")
        else:
            words.append(f"{'climbs' if d > 0 else 'falls'} to {forms.num(v[i])}")
    return ", ".join(words[:-1]) + ", then " + words[-1]


def span_words(a: int, b: int) -> str:
    """``Step 5``, ``Steps 9 and 10``, ``Steps 5 to 8``."""
    if a == b:
        return f"Step {a}"
    return f"Steps {a} and {b}" if b == a + 1 else f"Steps {a} to {b}"


def closing_facts(traj: Trajectory, phrases: Phrases, limit: int = 3) -> list[Said]:
    """The run's facts worth a closing, most important first; the top one is always there.

    The trend opens (what happened), then up to ``limit`` notable facts, and the
    survival verdict (the lesson) is among them whenever the run has one.
    """
    facts = run_facts(traj)
    said: list[Said] = []
    trend = next((f for f in facts if f.kind == "trend"), None)
    survival = next((f for f in facts if f.kind == "survival"), None)
    skip = set(_CONTEXT)
    if survival is not None and survival.detail == "zero_factor" and traj.hidden_size == 1:
        skip.add("dead")  # the cut-off gradient already says where ReLU is dead
    if survival is not None and survival.grade == "blocked":
        skip.add("factor_bound")  # a bound on each factor says nothing once none gets through
    notable = [f for f in facts if f.kind not in skip and f.rank >= _NOTABLE]
    chosen: list[Fact] = notable[:limit]
    if survival is not None and survival not in chosen:
        chosen = [*chosen[: limit - 1], survival]
    if not chosen and facts:
        chosen = [facts[0]]
    chosen = sorted(chosen, key=lambda f: -f.rank)
    if any(f.kind == "oscillation" for f in chosen):  # the sign flips say it already
        chosen = [f for f in chosen if f.kind != "sign"]
    if trend is not None and not any(f.kind in ("explosion", "overflow") for f in chosen):
        t = phrases.say(trend, facts)
        if t is not None:
            said.append(t)
    for f in chosen:
        s = phrases.say(f, facts)
        if s is not None:
            said.append(s)
    return said


def clauses(sentences: Sequence[str], beat: str | None = None) -> tuple[Clause, ...]:
    return tuple(Clause(sentence(s), beat) for s in sentences if s)


def np_sign(v: float) -> float:
    return float(np.sign(v))
