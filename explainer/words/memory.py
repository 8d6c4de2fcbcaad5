"""The words of ``scene: memory``: one changed input, and how long its echo lasts.

Sections: ``intro``, ``step_01`` ... ``step_T`` (fast steps grouped), ``sensitivity``,
``closing``. The closing judges the *measured* gap between the two runs (the finite
change, not the derivative) on the one graded scale, and speaks about the input that
was changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from explainer.config import Config
from explainer.words.common import fast_groups, plain_number, sequence_words, span_words, trend_words
from explainer.words.forms import Forms, sentence, sym
from explainer.words.phrases import GRADE_WORDS, Phrases
from rnn_engine.facts import perturbation_facts, run_facts
from rnn_engine.forward import state_gap
from scenes.inputs import Run
from scenes.script import Clause, Passage, Script

__all__ = ["script"]


def script(cfg: Config, runs: Sequence[Run]) -> Script:
    f = Forms(cfg.style.precision)
    original, perturbed = runs[0].trajectory, runs[1].trajectory
    k = cfg.memory.perturb_step
    T = original.steps
    gap = state_gap(original, perturbed)[:, 0]
    xk, xk2 = float(original.x[k - 1, 0]), float(perturbed.x[k - 1, 0])
    change = (
        "set to 0"
        if cfg.memory.drop
        else f"{'raised' if cfg.memory.delta > 0 else 'lowered'} by {plain_number(abs(cfg.memory.delta))}"
    )
    intro = [
        f"Two runs of the same RNN on {sequence_words(cfg)}",
        f"They differ only at step {k}: {sym('x', k)} is {f.num(xk)} in the original "
        f"and {f.num(xk2)} in the other, {change}",
        "How long does that one change echo?",
    ]
    passages = [Passage("intro", "Two runs", ("intro",), tuple(Clause(sentence(s)) for s in intro))]
    detailed = min(T, cfg.style.fast_after)

    def step_text(t: int) -> str:
        s = t + 1
        h0, h1 = f.num(float(original.h[t, 0])), f.num(float(perturbed.h[t, 0]))
        if s < k:
            return f"Step {s}: the inputs are still the same, so both runs reach {sym('h', s)} = {h0}"
        if s == k:
            return (
                f"Step {s}: here the inputs differ, {f.num(xk)} against {f.num(xk2)}: "
                f"{sym('h', s)} is {h0} against {h1}, a gap of {f.num(float(gap[t]))}"
            )
        gap_t = f.num(float(gap[t]))
        if s == k + 1:
            return f"Step {s}: the inputs agree again, but the states still differ by {gap_t}, {h0} against {h1}"
        return f"Step {s}: the gap is {gap_t}, {h0} against {h1}"

    for t in range(detailed):
        name = f"step_{t + 1:02d}"
        passages.append(Passage(name, f"t = {t + 1}", (name,), (Clause(sentence(step_text(t))),)))
    for a, b in fast_groups(detailed + 1, T) if detailed < T else []:
        sections = tuple(f"step_{s:02d}" for s in range(a, b + 1))
        if b < k:
            text = f"{span_words(a, b)}: the inputs are still the same, and so are the states"
        elif a == b == k:
            text = f"Step {k}: here the inputs differ, and the gap opens to {f.num(float(gap[k - 1]))}"
        elif a <= k <= b:
            moves = trend_words(f, [float(g) for g in gap[a - 1 : b]], float(gap[a - 2]) if a > 1 else 0.0)
            text = f"{span_words(a, b)}: at step {k} the inputs differ, and the gap {moves}"
        else:
            moves = trend_words(f, [float(g) for g in gap[a - 1 : b]], float(gap[a - 2]) if a > 1 else 0.0)
            text = f"{span_words(a, b)}: the gap {moves}"
        passages.append(Passage(f"steps_{a:02d}_{b:02d}", f"t = {a}-{b}", sections, (Clause(sentence(text)),)))

    S = original.sensitivity[:, :, 0, 0]
    sens = [
        f"The grid shows the sensitivity ∂{sym('h', 't')}/∂{sym('x', 'k')}: how far {sym('h', 't')} moves when an "
        f"earlier input {sym('x', 'k')} changes a little",
        f"Column {k} is the input we changed: {f.num(float(S[k - 1, k - 1]))} at step {k} itself, "
        f"{f.num(float(S[T - 1, k - 1]))} at step {T}",
    ]
    passages.append(Passage("sensitivity", "Sensitivity", ("sensitivity",), tuple(Clause(sentence(s)) for s in sens)))

    facts = perturbation_facts(original, perturbed, k)
    closing: list[str] = []
    screen: list[str] = []
    no_effect = next((x for x in facts if x.kind == "no_effect"), None)
    effect = next((x for x in facts if x.kind == "effect"), None)
    if no_effect is not None:
        why = {
            "dead": ": ReLU is dead there, so the change never reaches h",
            "w_x": f": {sym('W', 'x')} is 0, so no input reaches h",
        }
        closing.append(f"The change at step {k} had no effect at all{why.get(no_effect.detail, '')}")
        screen.append(f"the change at step {k} had no effect")
    elif effect is not None:
        first, last, ratio, g = effect.value("first"), effect.value("last"), effect.value("ratio"), effect.grade
        if g in ("shrinks", "vanishes"):
            left = f"{f.share(ratio)} of it is left: the memory of {sym('x', k)} {GRADE_WORDS[g]}"
        elif g == "survives":
            left = f"it is still {f.share(ratio) if ratio < 1 else 'as large'}: the memory of {sym('x', k)} survives"
        else:
            left = f"it has grown {f.times(ratio)}: the change is amplified"
        closing.append(
            f"The change at step {k} moved h by {f.num(first)}; at step {T} the gap is {f.num(last)}, so {left}"
        )
        screen.append(f"gap: {f.screen(first)} at t = {k}, {f.screen(last)} at t = {T}")
        if any(x.kind == "effect_reverses" for x in facts):
            closing.append("Along the way the perturbed run crosses the original: the effect changes sign")
    notes = [x for x in run_facts(original) if x.kind in ("saturation", "dead", "explosion", "overflow", "oscillation")]
    if notes:
        said = Phrases(original, f, "in the original run").say(notes[0], run_facts(original))
        if said is not None:
            closing.append(said.spoken)
    passages.append(Passage("closing", "In short", ("closing",), tuple(Clause(sentence(s)) for s in closing)))
    return Script(tuple(passages), screen={"closing": tuple(screen)})
