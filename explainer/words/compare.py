"""The words of ``scene: compare`` and ``scene: weights``: 2 to 4 runs side by side.

Sections: ``intro``, ``step_01`` ... ``step_T`` (fast steps grouped), ``together``,
``differences`` (when the runs differ in a way worth a callout), ``closing``.

The callouts on the shared chart and the sentences spoken over them are made from
the same facts, one callout per sentence, in the same order. The closing says, for
each run, how much of the first input's effect survives (one graded claim per run;
for an impulse input, the measured trace).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explainer.config import Config
from explainer.words.common import fast_groups, sequence_words, span_words
from explainer.words.forms import Forms, article, join, sentence, sym
from explainer.words.phrases import GRADE_WORDS, Phrases, count_words
from rnn_engine.activations import get_activation
from rnn_engine.facts import run_facts
from scenes.inputs import Run
from scenes.script import Callout, Clause, Passage, Script

__all__ = ["MAX_CALLOUTS", "Name", "run_names", "script", "weights_script"]

MAX_CALLOUTS = 4
_WEIGHT_SYMBOLS = {"rnn.w_x": sym("W", "x"), "rnn.w_h": sym("W", "h"), "rnn.b": "b", "rnn.h0": sym("h", 0)}
#: Kinds that make runs differ visibly on the chart, most telling first.
_FLAG_KINDS = ("overflow", "explosion", "dead", "growth", "oscillation", "saturation", "settles")


@dataclass(frozen=True)
class Name:
    """How a run is named: on its own (``tanh``, ``0.50``), and in a sentence (``with tanh``, ``for the sine wave``)."""

    short: str
    listed: str
    with_: str


_SEQUENCE_NOUNS = {
    "fibonacci": "the Fibonacci sequence",
    "linear": "the linear sequence",
    "alternating": "the alternating sequence",
    "exponential": "the powers",
    "sine": "the sine wave",
    "custom": "the hand-picked sequence",
}


def run_names(field: str, runs: Sequence[Run], f: Forms) -> list[Name]:
    """How each run is named (see :class:`Name`)."""
    names = []
    for r in runs:
        value = next(iter(r.overrides.values())) if r.overrides else None
        if field == "rnn.activation":
            d = get_activation(r.trajectory.activation).display
            names.append(Name(d, d, f"with {d}"))
        elif field in _WEIGHT_SYMBOLS and isinstance(value, float):
            names.append(
                Name(
                    f"{_WEIGHT_SYMBOLS[field]} = {f.digits(value)}",
                    f.num(value),
                    f"with {_WEIGHT_SYMBOLS[field]} = {f.num(value)}",
                )
            )
        elif field == "sequence.kind":
            noun = _SEQUENCE_NOUNS.get(str(value), str(value))
            names.append(Name(noun.removeprefix("the "), noun.removeprefix("the "), f"for {noun}"))
        elif field == "sequence.normalize":
            if value == "none":
                names.append(Name("not normalised", "none", "without normalisation"))
            else:
                names.append(Name(f"{value}", str(value), f"with {value} normalisation"))
        else:
            names.append(Name(r.label, r.label, f"for {r.label}"))
    return names


def _with_all(names: Sequence[Name]) -> str:
    """``with ReLU and sigmoid`` (one "with" for all), ``for the sine wave and the powers``."""
    lead = {n.with_.split(" ", 1)[0] for n in names}
    if len(lead) == 1:
        word = lead.pop()
        return f"{word} " + join([n.with_.split(" ", 1)[1] for n in names])
    return join([n.with_ for n in names])


def _shared_input(runs: Sequence[Run]) -> bool:
    x0 = runs[0].trajectory.x
    return all(np.array_equal(r.trajectory.x, x0, equal_nan=True) for r in runs)


def _intro(cfg: Config, runs: Sequence[Run], names: list[Name], f: Forms) -> Passage:
    field = cfg.compare.field if cfg.compare is not None else "rnn.activation"
    what = {
        "rnn.activation": "their activation function",
        "rnn.w_x": f"the input weight {sym('W', 'x')}",
        "rnn.w_h": f"the recurrent weight {sym('W', 'h')}",
        "rnn.b": "the bias b",
        "rnn.h0": f"the initial state {sym('h', 0)}",
        "sequence.normalize": "how their input is normalised",
    }.get(field, "one setting")
    n = len(runs)
    listed = join([nm.listed for nm in names])
    if field == "sequence.kind":
        norm = {
            "none": "",
            "maxabs": ", each divided by its largest absolute value",
            "minmax": ", each rescaled to run from 0 to 1",
            "zscore": ", each standardised",
        }[cfg.sequence.normalize]
        lead = (
            f"The same RNN reads {count_words(n)} inputs of {cfg.sequence.length} steps: "
            + join([f"{article(nm.listed)} {nm.listed}" for nm in names])
            + norm
        )
    elif field == "sequence.normalize":
        plain = {
            "none": "left as it is",
            "maxabs": "divided by its largest absolute value",
            "minmax": "rescaled to run from 0 to 1",
            "zscore": "standardised to mean 0 and standard deviation 1",
        }
        ways = [plain.get(str(next(iter(r.overrides.values()), "")), r.label) for r in runs]
        lead = (
            f"{count_words(n).capitalize()} RNNs read the same input, {sequence_words(cfg, normalized=False)}, "
            f"prepared {count_words(n)} ways: {join(ways, 'or')}"
        )
    elif _shared_input(runs):
        lead = (
            f"The same input, {sequence_words(cfg)}, goes through {count_words(n)} RNNs "
            f"that differ only in {what}: {listed}"
        )
    else:
        lead = (
            f"{count_words(n).capitalize()} RNNs that differ in {what}, {listed}, "
            f"read inputs of {cfg.sequence.length} steps"
        )
    said = [lead]
    p = runs[0].trajectory.params
    shared = []
    if field != "rnn.activation":
        shared.append(f"f is {get_activation(runs[0].trajectory.activation).display}")
    for key, symbol in _WEIGHT_SYMBOLS.items():
        if key != field:
            value = {"rnn.w_x": p.w_x[0, 0], "rnn.w_h": p.w_h[0, 0], "rnn.b": p.b[0], "rnn.h0": p.h0[0]}[key]
            shared.append(f"{symbol} is {f.num(float(value))}")
    said.append(f"In every panel {join(shared)}")
    return Passage("intro", "Compare", ("intro",), tuple(Clause(sentence(s)) for s in said))


def _states(runs: Sequence[Run], names: list[Name], t: int, f: Forms) -> str:
    return join([f"{f.num(float(r.trajectory.h[t, 0]))} {nm.with_}" for r, nm in zip(runs, names, strict=True)])


def _step(runs: Sequence[Run], names: list[Name], t: int, f: Forms, shared: bool) -> Passage:
    k = t + 1
    name = f"step_{k:02d}"
    if shared:
        x = f.num(float(runs[0].trajectory.x[t, 0]))
        text = f"Step {k}: with the input at {x}, {sym('h', k)} is {_states(runs, names, t, f)}"
    else:
        inputs = join([f"{f.num(float(r.trajectory.x[t, 0]))} {nm.with_}" for r, nm in zip(runs, names, strict=True)])
        states = join([f.num(float(r.trajectory.h[t, 0])) for r in runs])
        text = f"Step {k}: the inputs are {inputs}, and {sym('h', k)} is {states}"
    return Passage(name, f"t = {k}", (name,), (Clause(sentence(text)),))


def _fast(runs: Sequence[Run], names: list[Name], a: int, b: int, f: Forms) -> Passage:
    sections = tuple(f"step_{k:02d}" for k in range(a, b + 1))
    by = "" if a == b else f"by step {b}, "
    text = f"{span_words(a, b)}: {by}h is {_states(runs, names, b - 1, f)}"
    return Passage(
        f"steps_{a:02d}_{b:02d}", f"t = {a}-{b}" if b > a else f"t = {a}", sections, (Clause(sentence(text)),)
    )


def _together(runs: Sequence[Run], names: list[Name], f: Forms) -> str:
    """The shared chart in one sentence: where the runs are furthest apart, and how they end."""
    n, T = len(runs), runs[0].trajectory.steps
    h = np.array([r.trajectory.h[:, 0] for r in runs], dtype=np.float64)
    lead = f"All {count_words(n)} runs on one chart of h"
    if not np.all(np.isfinite(h)):
        finals = join([f"{f.num(float(r.trajectory.h[-1, 0]))} {nm.with_}" for r, nm in zip(runs, names, strict=True)])
        return f"{lead}: {sym('h', T)} ends at {finals}"
    spread = h.max(axis=0) - h.min(axis=0)
    k = int(np.argmax(spread))
    hi, lo = int(np.argmax(h[:, k])), int(np.argmin(h[:, k]))
    if f.digits(float(spread[k])) == f.digits(0.0):
        return f"{lead}: the lines lie on top of each other, all ending at {f.num(float(h[0, -1]))}"
    apart = (
        f"they are furthest apart at step {k + 1}, {f.num(float(h[hi, k]))} {names[hi].with_} "
        f"against {f.num(float(h[lo, k]))} {names[lo].with_}"
    )
    if k == T - 1:
        return f"{lead}: {apart}, where they end"
    top, bottom = int(np.argmax(h[:, -1])), int(np.argmin(h[:, -1]))
    if n == 2:
        end = f"at step {T}, h is higher {names[top].with_}, {f.num(float(h[top, -1]))}"
    else:
        end = (
            f"at step {T}, h is highest {names[top].with_}, at {f.num(float(h[top, -1]))}, "
            f"and lowest {names[bottom].with_}, at {f.num(float(h[bottom, -1]))}"
        )
    return f"{lead}: {apart}; {end}"


def _join_clauses(parts: Sequence[str]) -> str:
    """Sentences about several runs, one per run, joined by semicolons (the later ones lower-cased)."""
    out = [parts[0]] + [p[0].lower() + p[1:] if p[:5] in ("With ", "For t") else p for p in parts[1:]]
    return "; ".join(out)


def _flag_callouts(runs: Sequence[Run], names: list[str], f: Forms) -> list[tuple[str, str, Callout]]:
    """``(spoken, screen, callout)`` per way the runs differ, most telling first."""
    facts = [run_facts(r.trajectory) for r in runs]
    out: list[tuple[str, str, Callout]] = []
    for kind in _FLAG_KINDS:
        having = [i for i, fs in enumerate(facts) if any(x.kind == kind for x in fs)]
        if not having or len(having) == len(runs) and kind not in ("overflow", "explosion"):
            continue
        spoken, screen, anchors = [], [], []
        for i in having:
            fact = next(x for x in facts[i] if x.kind == kind)
            said = Phrases(runs[i].trajectory, f, names[i].with_).say(fact, facts[i])
            if said is None:
                continue
            spoken.append(said.spoken)
            screen.append(f"{names[i].short}: {said.screen}")
            step = fact.steps[0] if fact.steps else runs[i].trajectory.steps
            anchors.append((i, min(step, runs[i].trajectory.steps) - 1))
        if spoken:
            out.append((_join_clauses(spoken), "; ".join(screen), Callout("; ".join(screen), tuple(anchors))))
    # Which runs go negative, when not all or none do (sigmoid never does).
    negative = []
    for i, fs in enumerate(facts):
        sign = next((x for x in fs if x.kind == "sign"), None)
        if sign is not None and not any(x.kind == "oscillation" for x in fs):
            negative.append((i, sign))
    never = [i for i, fs in enumerate(facts) if not any(x.kind == "sign" for x in fs)]
    if negative and never:
        parts = [f"down to {f.num(s.value('min'))} {names[i].with_}" for i, s in negative]
        acts = [get_activation(runs[i].trajectory.activation) for i in never]
        if all(a.output_range[0] >= 0 for a in acts) and len({a.name for a in acts}) == len(never):
            cannot = join([a.display for a in acts])
            spoken = f"h goes negative, {join(parts)}; {cannot} {'is' if len(never) == 1 else 'are'} never below 0"
        else:
            spoken = f"h goes negative, {join(parts)}; {_with_all([names[i] for i in never])} it never does"
        screen = (
            f"below 0: {join([names[i].short for i, _ in negative])}; never: {join([names[i].short for i in never])}"
        )
        anchors = tuple((i, int(s.value("min_step")) - 1) for i, s in negative)
        out.append((spoken, screen, Callout(screen, anchors)))
    return out[:MAX_CALLOUTS]


def _alike_gradients(runs: Sequence[Run], names: list[Name], f: Forms) -> tuple[str, str] | None:
    """One verdict for all runs when the gradients reaching step 1 are within a factor of 2 of each other.

    Runs that close should not get different words (5.3 % "shrinks" beside 4.6 % "vanishes"):
    the shares are listed, and the grade of their middle value is said once.
    """
    facts = [run_facts(r.trajectory) for r in runs]
    if any(x.kind == "impulse" for fs in facts for x in fs):
        return None
    found = [next((x for x in fs if x.kind == "survival"), None) for fs in facts]
    if any(x is None or x.grade in ("blocked", None) for x in found):
        return None
    ratios = [x.value("ratio") for x in found if x is not None]
    if not all(0 < r < 1 for r in ratios) or max(ratios) > 2 * min(ratios):
        return None
    grades = {x.grade for x in found if x is not None}
    if len(grades) == 1:
        return None  # the per-run words already agree
    middle = sorted(found, key=lambda x: x.value("ratio") if x is not None else 0.0)[len(found) // 2]
    assert middle is not None
    shares = join([f"{f.share(r)} {nm.with_}" for r, nm in zip(ratios, names, strict=True)])
    spoken = (
        f"about as much of the gradient reaches step 1 in every panel, {shares}: "
        f"it {GRADE_WORDS[middle.grade or 'shrinks']} alike"
    )
    return spoken, "; ".join(f"{nm.short}: {f.share(r)}" for r, nm in zip(ratios, names, strict=True))


def _memory_claims(runs: Sequence[Run], names: list[Name], f: Forms) -> tuple[str, str]:
    """Per run, how much of x₁'s effect survives (measured for an impulse): spoken and on screen.

    One graded claim per run: for an impulse input the measured trace (the run again
    without x₁), otherwise the gradient reaching step 1 (the same number as x₁'s effect
    on the last state, for a scalar state).
    """
    spoken, screen = [], []
    alike = _alike_gradients(runs, names, f)
    if alike is not None:
        return alike
    for r, nm in zip(runs, names, strict=True):
        facts = run_facts(r.trajectory)
        impulse = next((x for x in facts if x.kind == "impulse"), None)
        survival = next((x for x in facts if x.kind == "survival"), None)
        if impulse is not None:
            ratio, g = impulse.value("ratio"), impulse.grade
            if g == "blocked":
                s, sc = "x₁ has no effect at all", "no effect"
            elif g == "grows" or g == "explodes":
                s = f"the trace of x₁ grows {f.times(ratio)}, to {f.num(impulse.value('last'))}"
                sc = f"trace grows to {f.screen(impulse.value('last'))}"
            elif (
                impulse.detail == "latch"
                and survival is not None
                and survival.grade in ("vanishes", "blocked")
                and g == "survives"
                and any(x.kind == "settles" for x in facts)
            ):
                # The state has settled where the loop holds it: that keeps the direction of x₁'s push,
                # not its size, and the gradient says so.
                left = "none" if survival.grade == "blocked" else f"only {f.share(survival.value('ratio'))}"
                s = (
                    f"h locks at {f.num(impulse.value('last'))}, a value the loop holds on its own: it remembers "
                    f"which way x₁ pushed it, not how hard, and {left} of the gradient gets back to step 1"
                )
                sc = f"locks at {f.screen(impulse.value('last'))}"
            elif g == "survives":
                kept = f"keeps {f.share(ratio)}" if ratio < 1 else "holds"
                s = f"the trace of x₁ survives: it {kept}, {f.num(impulse.value('last'))} at step {r.trajectory.steps}"
                sc = f"{kept}, {f.screen(impulse.value('last'))}"
                if survival is not None and survival.grade in ("vanishes", "shrinks", "blocked"):
                    s += f", though the gradient back to step 1 {GRADE_WORDS[survival.grade]}"
            else:
                flipped = impulse.has("flipped") and impulse.value("flipped")
                s = f"the trace of x₁ {GRADE_WORDS[g or 'shrinks']}: {f.share(ratio)} is left"
                s += ", with its sign flipped" if flipped else ""
                sc = f"{f.share(ratio)} left{', flipped' if flipped else ''}"
            spoken.append(f"{nm.with_}, {s}")
            screen.append(f"{nm.short}: {sc}")
        elif survival is not None:
            ratio, g = survival.value("ratio"), survival.grade
            if g == "blocked":
                k = survival.steps[0]
                if k == r.trajectory.steps:
                    spoken.append(f"{nm.with_}, no gradient gets back even one step")
                    screen.append(f"{nm.short}: none at all")
                else:
                    spoken.append(f"{nm.with_}, no gradient gets back past step {k}")
                    screen.append(f"{nm.short}: none past step {k}")
            elif ratio < 1:
                spoken.append(
                    f"{nm.with_}, {f.share(ratio)} of the gradient reaches step 1: it {GRADE_WORDS[g or 'shrinks']}"
                )
                screen.append(f"{nm.short}: {f.share(ratio)}")
            else:
                spoken.append(
                    f"{nm.with_}, the gradient reaching step 1 is {f.times(ratio)} larger: "
                    f"it {GRADE_WORDS[g or 'grows']}"
                )
                screen.append(f"{nm.short}: {f.times(ratio)}")
    return (_join_clauses(spoken) if spoken else ""), "; ".join(screen)


def _script(cfg: Config, runs: Sequence[Run], lead: str) -> Script:
    f = Forms(cfg.style.precision)
    field = cfg.compare.field if cfg.compare is not None else "rnn.activation"
    names = run_names(field, runs, f)
    T = runs[0].trajectory.steps
    shared = _shared_input(runs)
    passages = [_intro(cfg, runs, names, f)]
    detailed = min(T, cfg.style.fast_after)
    passages += [_step(runs, names, t, f, shared) for t in range(detailed)]
    if detailed < T:
        passages += [_fast(runs, names, a, b, f) for a, b in fast_groups(detailed + 1, T)]
    passages.append(
        Passage("together", "All runs together", ("together",), (Clause(sentence(_together(runs, names, f))),))
    )
    flags = _flag_callouts(runs, names, f)
    callouts = tuple(c for _, _, c in flags)
    if flags:
        passages.append(
            Passage(
                "differences",
                "What differs",
                ("differences",),
                tuple(Clause(sentence(s), f"callout_{n}") for n, (s, _, _) in enumerate(flags, start=1)),
            )
        )
    spoken, screen = _memory_claims(runs, names, f)
    if spoken:
        passages.append(
            Passage(
                "closing", "In short", ("closing",), (Clause(sentence(f"{lead}. {spoken[0].upper()}{spoken[1:]}")),)
            )
        )
    heading = (
        "x₁'s trace at the end"
        if any(x.kind == "impulse" for x in run_facts(runs[0].trajectory))
        else "gradient reaching step 1"
    )
    return Script(
        tuple(passages), screen={"closing": (f"{lead}.", f"{heading}: {screen}") if screen else ()}, callouts=callouts
    )


def script(cfg: Config, runs: Sequence[Run]) -> Script:
    """``scene: compare``."""
    lead = "Same input, different memories" if _shared_input(runs) else "Same RNN, different inputs"
    return _script(cfg, runs, lead)


def weights_script(cfg: Config, runs: Sequence[Run]) -> Script:
    """``scene: weights``: the closing is how long each weight lets the first input's effect last."""
    field = cfg.compare.field if cfg.compare is not None else "rnn.w_h"
    return _script(cfg, runs, f"How {_WEIGHT_SYMBOLS.get(field, field)} shapes the memory")
