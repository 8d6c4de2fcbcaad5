"""The words of ``scene: unrolled``: what is said over each section of the explainer.

Sections (the scene's storyboard): ``title``, ``inputs``, ``network``, ``step_01`` ...
``step_T``, ``summary``. The first ``style.fast_after`` steps get a passage each, walking
through the sum term by term (beats ``input``, ``memory``, ``total``, ``activation``); the
fast steps after them share a passage per group ("Steps 5 to 8: h climbs ...").
"""

from __future__ import annotations

from collections.abc import Sequence

from explainer.config import Config
from explainer.words.common import (
    activation_clause,
    change_words,
    closing_facts,
    fast_groups,
    rule_clause,
    sequence_words,
    span_words,
    trend_words,
    values_list,
)
from explainer.words.forms import Forms, sentence, steps_phrase, sym
from explainer.words.phrases import Phrases
from rnn_engine.activations import get_activation
from rnn_engine.facts import regimes
from rnn_engine.forward import Trajectory
from scenes.inputs import Run
from scenes.script import Clause, Passage, Script

__all__ = ["script", "step_section"]


def step_section(k: int) -> str:
    """The section name of 1-based step ``k``."""
    return f"step_{k:02d}"


def _title(cfg: Config, traj: Trajectory, f: Forms) -> Passage:
    act = get_activation(traj.activation)
    H, D = traj.hidden_size, traj.input_size
    p = traj.params
    said = [
        cfg.title,
        "A recurrent network reads a sequence one step at a time, keeping a memory: its hidden state h",
        rule_clause(),
    ]
    if H == 1 and D == 1:
        said.append(
            f"Here f is {act.display}, {sym('W', 'x')} is {f.num(p.w_x[0, 0])}, {sym('W', 'h')} is "
            f"{f.num(p.w_h[0, 0])}, b is {f.num(p.b[0])} and the state starts at {sym('h', 0)} = {f.num(p.h0[0])}"
        )
    else:
        said.append(
            f"Here the state has {H} units and each input {D} "
            f"{'component' if D == 1 else 'components'}, so {sym('W', 'h')} is a {H} by {H} matrix and "
            f"{sym('W', 'x')} a {H} by {D} one; f is {act.display}"
        )
    beats = ("title", "formula", "labels", "parameters")
    return Passage(
        "title", "Title", ("title",), tuple(Clause(sentence(s), b) for s, b in zip(said, beats, strict=True))
    )


def _inputs(cfg: Config, traj: Trajectory, f: Forms) -> Passage:
    said = [f"The input is {sequence_words(cfg)}", values_list(f, traj)]
    return Passage("inputs", "The input sequence", ("inputs",), tuple(Clause(sentence(s)) for s in said))


def _network() -> Passage:
    said = [
        "Unrolled in time, the network becomes a chain of cells, one per step",
        f"Each takes its input {sym('x', 't')} and the state from the step before, and passes its new state on",
        "Every cell uses the same weights",
    ]
    beats = ("build", "flow", "shared")
    return Passage(
        "network",
        "The unrolled network",
        ("network",),
        tuple(Clause(sentence(s), b) for s, b in zip(said, beats, strict=True)),
    )


def _share(f: Forms, inp: float, mem: float, bias: float, z: float) -> str:
    """How the memory's part of ``z`` compares with the others (``""`` when there is nothing worth saying).

    "most of z" only when that term is more than half of everything added (the bias
    included) and points the way ``z`` does; a term said to be 0 is not compared at all.
    """
    if f.digits(inp) == f.digits(0.0) or f.digits(mem) == f.digits(0.0):
        return ""
    a, m = abs(inp), abs(mem)
    if inp * mem < 0 and min(a, m) >= 0.1 * max(a, m):
        return ": it pulls the other way"
    total = a + m + abs(bias)
    if m > 0.5 * total and mem * z > 0:
        return ": most of z is memory"
    if a > 0.5 * total and inp * z > 0:
        return ": most of z comes from the input"
    if inp * mem > 0 and m >= 1.5 * a:
        return ", more than the input"
    if inp * mem > 0 and a >= 1.5 * m:
        return ", less than the input"
    return ""


def _bias_note(f: Forms, inp: float, mem: float, bias: float, z: float) -> str:
    """``: the bias pulls it below 0`` when the bias alone turns the sign of ``z``."""
    rest = inp + mem
    if f.digits(bias) == f.digits(0.0) or f.digits(rest) == f.digits(0.0) or rest * z >= 0:
        return ""
    return f": the bias pulls it {'below' if z < 0 else 'above'} 0"


def _step(traj: Trajectory, t: int, f: Forms) -> Passage:
    k = t + 1
    name = step_section(k)
    clauses = [Clause(f"Step {k}.", "focus")]
    z = traj.z[t]
    if not all(map(lambda v: v == v and abs(v) != float("inf"), z)):
        clauses.append(
            Clause(sentence(f"The numbers have grown too large to represent: {sym('z', k)} overflows"), "total")
        )
        return Passage(name, f"t = {k}", (name,), tuple(clauses))
    if traj.is_scalar:
        x = float(traj.x[t, 0])
        prev = float(traj.h_prev(t)[0])
        inp, mem = float(traj.input_term[t, 0]), float(traj.memory_term[t, 0])
        b = float(traj.params.b[0])
        zk = sym("z", k)
        if k == 1:
            # The first step spells every term out; the ones after it say the same, shorter.
            if f.digits(x) == f.digits(0.0):
                clauses.append(Clause("The input is 0, so it adds nothing.", "input"))
            else:
                clauses.append(
                    Clause(sentence(f"The input {f.num(x)}, times {sym('W', 'x')}, gives {f.num(inp)}"), "input")
                )
            if f.digits(prev) == f.digits(0.0):
                memory = f"The memory {sym('h', 0)} is 0, so it adds nothing yet"
            else:
                memory = f"The memory {f.num(prev)}, times {sym('W', 'h')}, gives {f.num(mem)}" + _share(
                    f, inp, mem, b, float(z[0])
                )
            clauses.append(Clause(sentence(memory), "memory"))
            if f.digits(b) == f.digits(0.0):
                total = f"Together, {zk} is {f.num(float(z[0]))}"
            else:
                note = _bias_note(f, inp, mem, b, float(z[0]))
                total = f"With the bias {f.num(b)}, {zk} is {f.num(float(z[0]))}{note}"
            clauses.append(Clause(sentence(total), "total"))
        else:
            inp_words = "The input is 0" if f.digits(x) == f.digits(0.0) else f"The input {f.num(x)} gives {f.num(inp)}"
            clauses.append(Clause(f"{inp_words},", "input"))
            mem_words = (
                "the memory is 0"
                if f.digits(prev) == f.digits(0.0)
                else f"the memory {f.num(prev)} gives {f.num(mem)}{_share(f, inp, mem, b, float(z[0]))}"
            )
            clauses.append(Clause(mem_words + ".", "memory"))
            with_bias = "with the bias, " if f.digits(b) != f.digits(0.0) else ""
            note = _bias_note(f, inp, mem, b, float(z[0]))
            clauses.append(Clause(sentence(f"So {with_bias}{zk} is {f.num(float(z[0]))}{note}"), "total"))
        act = activation_clause(traj, t, f) + change_words(f, prev, float(traj.h[t, 0]))
        clauses.append(Clause(sentence(act), "activation"))
    else:
        H = traj.hidden_size
        lead = (
            f"Each of the {H} units adds its weighted input, its weighted memory and its bias"
            if k == 1
            else "The units add up their inputs, memory and bias"
        )
        clauses.append(Clause(sentence(f"{lead}: {sym('z', k)} is {f.vec([float(v) for v in z])}"), "total"))
        clauses.append(Clause(sentence(activation_clause(traj, t, f)), "activation"))
    return Passage(name, f"t = {k}", (name,), tuple(clauses))


def _fast_words(traj: Trajectory, a: int, b: int, f: Forms) -> str:
    """What h does over fast steps ``a..b`` (1-based), and what the activation does meanwhile."""
    act = get_activation(traj.activation)
    if traj.is_scalar:
        before = float(traj.h[a - 2, 0]) if a > 1 else float(traj.params.h0[0])
        what = f"h {trend_words(f, [float(traj.h[k - 1, 0]) for k in range(a, b + 1)], before)}"
    else:
        what = f"the state moves on, to {f.vec([float(v) for v in traj.h[b - 1]])}"
        what += f" at step {b}" if b > a else ""
    reg = regimes(traj)
    group = [r for k in range(a, b + 1) for r in reg[k - 1]]
    earlier = [r for k in range(1, a) for r in reg[k - 1]]
    if act.dies:
        clipped = [k for k in range(a, b + 1) if "clipped" in reg[k - 1]]
        where = "" if a == b else f" at {steps_phrase(clipped)}"
        how = f", clipped to 0{where}" if clipped else ", ReLU passing it through"
    elif all(r == "saturated" for r in group):
        how = f", {act.display} saturated"
    elif "saturated" in reg[b - 1] and a > 1 and "saturated" not in reg[a - 2]:
        how = f" as {act.display} starts to saturate"
    elif a > 1 and "saturated" in reg[a - 2] and "saturated" not in reg[b - 1]:
        how = f" as {act.display} leaves saturation"
    elif "bending" in group and all(r == "linear" for r in earlier):
        how = f" as {act.display} starts to bend"
    elif all(r == "linear" for r in group):
        how = f", {act.display} nearly linear"
    else:
        how = ""
    return f"{what}{how}"


def _fast_passage(a: int, b: int, text: str) -> Passage:
    sections = tuple(step_section(k) for k in range(a, b + 1))
    title = f"t = {a}-{b}" if b > a else f"t = {a}"
    return Passage(f"steps_{a:02d}_{b:02d}", title, sections, (Clause(sentence(f"{span_words(a, b)}: {text}")),))


def _fast(traj: Trajectory, first: int, f: Forms) -> list[Passage]:
    """The fast steps from ``first`` on, a passage per group; a pattern that repeats to the end is said once.

    Once every later group says what the group ``q`` groups before it said (a wave, or a state
    that stays put), the rest is one passage: "Steps 25 to 64: the same pattern again, every 16
    steps", or "Steps 9 to 20: h stays at 0.69".
    """
    groups = fast_groups(first, traj.steps)
    texts = [_fast_words(traj, a, b, f) for a, b in groups]
    sizes = [b - a + 1 for a, b in groups]
    repeat_from, period = len(groups), 0
    for q in range(1, len(groups) // 2 + 1):
        i = len(groups)
        while i - 1 - q >= 0 and texts[i - 1] == texts[i - 1 - q] and sizes[i - 1] == sizes[i - 1 - q]:
            i -= 1
        # Worth folding: at least two groups left to say once, and one full period said before.
        if len(groups) - i >= 2 and i >= q and i < repeat_from:
            repeat_from, period = i, q
    passages = [_fast_passage(a, b, text) for (a, b), text in zip(groups[:repeat_from], texts, strict=False)]
    if repeat_from < len(groups) and period == 1 and texts[repeat_from].startswith("h stays at"):
        repeat_from -= 1  # staying put: the first group of the run says the same, so it joins
        passages = passages[:repeat_from]
    if repeat_from < len(groups):
        a, b = groups[repeat_from][0], groups[-1][1]
        if period == 1 and texts[repeat_from].startswith("h stays at"):
            text = texts[repeat_from]
        else:
            text = f"the same pattern again, every {sum(sizes[repeat_from - period : repeat_from])} steps"
        passages.append(_fast_passage(a, b, text))
    return passages


def script(cfg: Config, runs: Sequence[Run]) -> Script:
    """The unrolled scene's script (clause times are filled in later)."""
    traj = runs[0].trajectory
    f = Forms(cfg.style.precision)
    T = traj.steps
    passages = [_title(cfg, traj, f), _inputs(cfg, traj, f), _network()]
    detailed = min(T, cfg.style.fast_after)
    passages += [_step(traj, t, f) for t in range(detailed)]
    if detailed < T:
        passages += _fast(traj, detailed + 1, f)
    said = closing_facts(traj, Phrases(traj, f))
    passages.append(Passage("summary", "Summary", ("summary",), tuple(Clause(sentence(s.spoken)) for s in said)))
    screen = tuple(s.screen for s in said[:3])
    return Script(tuple(passages), screen={"summary": screen})
