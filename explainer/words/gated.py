"""The words of ``scene: unrolled`` with a gated cell (``rnn.cell: lstm | gru``).

Sections as the plain explainer's: ``title``, ``inputs``, ``network``, ``step_01`` ...
``step_T``, ``summary``. The first ``style.fast_after`` steps walk through the cell gate by
gate, one beat each, with the step's numbers:

- LSTM: ``focus``, ``forget`` ("The forget gate is 0.82: keep 82 % of c"), ``input`` (the
  input gate and the candidate: what is written), ``cell`` (the new c), ``output`` (h).
- GRU: ``focus``, ``reset`` (how much of the old state the candidate sees), ``update`` (how
  much of h is kept), ``candidate``, ``state`` (the new h as the mix of the two).

Fast steps share a passage per group (what the keep gate and the state do), and the summary
says how wide the keep gate stayed, how much of step 1's memory its product lets through to
the end, and how strongly the last state still depends on the first input. Every number is
read from the engine's :class:`~rnn_engine.GatedTrajectory`; nothing here computes the cell.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from explainer.config import Config
from explainer.words.common import fast_groups, sequence_words, span_words, values_list
from explainer.words.forms import Forms, join, sentence, sym
from explainer.words.unrolled import step_section
from rnn_engine import GatedTrajectory
from rnn_engine.activations import get_activation
from scenes.inputs import Run
from scenes.script import Clause, Passage, Script

__all__ = ["STEP_BEATS", "script"]

#: The beats of one detailed step, per cell, in the order the scene plays them.
STEP_BEATS = {
    "lstm": ("focus", "forget", "input", "cell", "output"),
    "gru": ("focus", "reset", "update", "candidate", "state"),
}


def _spec_words(traj: GatedTrajectory) -> tuple[str, str]:
    """What the cell keeps, and how its gates work, in one sentence each."""
    if traj.cell == "lstm":
        return (
            "An LSTM carries two memories: the cell state c, on a line of its own, and the hidden state h, "
            "which it passes to the next step and shows as its output",
            "Four parts decide what flows: the forget, input and output gates, each a sigmoid between 0 and 1, "
            "and a tanh candidate that proposes what to write",
        )
    return (
        "A GRU carries one memory, its hidden state h, and decides at every step how much of it to keep",
        "Its reset and update gates are sigmoids between 0 and 1, and a tanh candidate proposes the new state; "
        "the update gate u is the share of the old state kept, and 1 minus u the share of the candidate written",
    )


def _weights_words(traj: GatedTrajectory, f: Forms) -> str:
    keep = traj.params.cell_type.keep_gate or ""
    g = traj.params.gate(keep)
    if traj.is_scalar:
        b = float(g.b[0])
        kept = "c" if traj.c is not None else "h"
        # The gate's own activation (the engine's), at a pre-activation of the bias alone.
        at_rest = float(get_activation(traj.params.cell_type.gate(keep).activation)(np.array([b]))[0])
        return (
            f"Here the {keep} gate has {sym('W', 'x')} {f.num(float(g.w_x[0, 0]))}, {sym('W', 'h')} "
            f"{f.num(float(g.w_h[0, 0]))} and bias {f.num(b)}: with x and h at 0, the bias alone sets it to "
            f"{f.num(at_rest)}, so it keeps {f.share(at_rest)} of {kept} by default"
        )
    H, D = traj.hidden_size, traj.input_size
    inputs = "the input is a single number" if D == 1 else f"each input has {D} components"
    h0 = [float(v) for v in traj.params.h0]
    start = "" if all(f.digits(v) == f.digits(0.0) for v in h0) else f", and h starts at {f.vec(h0)}"
    return f"Here the state has {H} units and {inputs}{start}"


def _title(cfg: Config, traj: GatedTrajectory, f: Forms) -> Passage:
    kept, gates = _spec_words(traj)
    said = [cfg.title, kept, gates, _weights_words(traj, f)]
    beats = ("title", "formula", "labels", "parameters")
    clauses = tuple(Clause(sentence(s), b) for s, b in zip(said, beats, strict=True))
    return Passage("title", "Title", ("title",), clauses)


def _inputs(cfg: Config, traj: GatedTrajectory, f: Forms) -> Passage:
    said = [f"The input is {sequence_words(cfg)}", values_list(f, traj)]  # type: ignore[arg-type]
    return Passage("inputs", "The input sequence", ("inputs",), tuple(Clause(sentence(s)) for s in said))


def _network(traj: GatedTrajectory) -> Passage:
    top = "the cell state runs along the top" if traj.cell == "lstm" else "the memory h runs along the top"
    said = [
        f"This is one cell, drawn as its data flow: {top}, and the gates sit below it",
        f"Each gate reads the input {sym('x', 't')} and the previous state {sym('h', 't-1')}",
        "The same cell, with the same weights, runs at every step",
    ]
    beats = ("build", "flow", "shared")
    return Passage(
        "network", "The cell", ("network",), tuple(Clause(sentence(s), b) for s, b in zip(said, beats, strict=True))
    )


def _one(f: Forms, values: np.ndarray) -> str:
    """A per-unit value as said: the number (H = 1), or the range over the units."""
    v = [float(x) for x in values]
    if len(v) == 1:
        return f.num(v[0])
    lo, hi = min(v), max(v)
    if f.digits(lo) == f.digits(hi):
        return f"{f.num(lo)} in every unit"
    return f"between {f.num(lo)} and {f.num(hi)}"


def _gate_is(values: np.ndarray) -> str:
    return "gate is" if len(values) == 1 else "gates are"


def _keep_share(f: Forms, values: np.ndarray) -> str:
    v = [float(x) for x in values]
    if len(v) == 1:
        return f.share(v[0])
    lo, hi = min(v), max(v)
    return f.share(lo) if f.share(lo) == f.share(hi) else f"{f.share(lo)} to {f.share(hi)}"


def _lstm_step(traj: GatedTrajectory, t: int, f: Forms) -> list[Clause]:
    k = t + 1
    assert traj.c is not None
    g = traj.gates
    fg, ig, cand, og = g["forget"][t], g["input"][t], g["candidate"][t], g["output"][t]
    c_prev, c, h = traj.c_prev(t), traj.c[t], traj.h[t]
    scalar = traj.is_scalar
    nothing_yet = all(f.digits(float(v)) == f.digits(0.0) for v in c_prev)
    if nothing_yet:
        forget = f"The forget {_gate_is(fg)} {_one(f, fg)}, but {sym('c', k - 1)} is 0: there is nothing to keep yet"
    else:
        forget = f"The forget {_gate_is(fg)} {_one(f, fg)}: keep {_keep_share(f, fg)} of {sym('c', k - 1)}"
    write = traj.written[t]
    if scalar:
        written = (
            f"The input gate is {f.num(float(ig[0]))} and the candidate {f.num(float(cand[0]))}: "
            f"write {f.num(float(write[0]))}"
        )
        kept = float(traj.kept[t, 0])
        w = float(write[0])
        sign = "plus" if w >= 0 else "minus"
        cell = (
            f"So {sym('c', k)} is {f.num(float(c[0]))}"
            if nothing_yet
            else f"So {sym('c', k)} is {f.num(kept)} kept {sign} {f.num(abs(w))} written: {f.num(float(c[0]))}"
        )
        output = (
            f"The output gate is {f.num(float(og[0]))}, so {sym('h', k)} is {f.num(float(og[0]))} times "
            f"tanh of {sym('c', k)}: {f.num(float(h[0]))}"
        )
    else:
        written = f"The input gates are {_one(f, ig)}, the candidates {_one(f, cand)}"
        cell = f"So {sym('c', k)} is {f.vec([float(v) for v in c])}"
        output = f"The output gates are {_one(f, og)}, so {sym('h', k)} is {f.vec([float(v) for v in h])}"
    return [
        Clause(sentence(forget), "forget"),
        Clause(sentence(written), "input"),
        Clause(sentence(cell), "cell"),
        Clause(sentence(output), "output"),
    ]


def _gru_step(traj: GatedTrajectory, t: int, f: Forms) -> list[Clause]:
    k = t + 1
    g = traj.gates
    r, u, n = g["reset"][t], g["update"][t], g["candidate"][t]
    prev, h = traj.h_prev(t), traj.h[t]
    nothing_yet = all(f.digits(float(v)) == f.digits(0.0) for v in prev)
    if nothing_yet:
        reset = (
            f"The reset {_gate_is(r)} {_one(f, r)}, but {sym('h', k - 1)} is 0, so the candidate sees only the input"
        )
        update = f"The update {_gate_is(u)} {_one(f, u)}: it would keep {_keep_share(f, u)} of h, which is still 0"
    else:
        reset = f"The reset {_gate_is(r)} {_one(f, r)}: the candidate sees {_keep_share(f, r)} of {sym('h', k - 1)}"
        update = f"The update {_gate_is(u)} {_one(f, u)}: keep {_keep_share(f, u)} of {sym('h', k - 1)}"
    if traj.is_scalar:
        candidate = f"The candidate is {f.num(float(n[0]))}"
        kept, mixed = float(traj.kept[t, 0]), float(traj.written[t, 0])
        state = (
            f"So {sym('h', k)} is {f.num(kept)} kept plus {f.share(1.0 - float(u[0]))} of the candidate, "
            f"{f.num(mixed)}: {f.num(float(h[0]))}"
            if not nothing_yet
            else f"So {sym('h', k)} is {f.share(1.0 - float(u[0]))} of the candidate: {f.num(float(h[0]))}"
        )
    else:
        candidate = f"The candidates are {_one(f, n)}"
        state = f"So {sym('h', k)} is {f.vec([float(v) for v in h])}"
    return [
        Clause(sentence(reset), "reset"),
        Clause(sentence(update), "update"),
        Clause(sentence(candidate), "candidate"),
        Clause(sentence(state), "state"),
    ]


def _step(traj: GatedTrajectory, t: int, f: Forms) -> Passage:
    k = t + 1
    name = step_section(k)
    clauses = [Clause(f"Step {k}.", "focus")]
    if not np.all(np.isfinite(traj.h[t])):
        clauses.append(Clause(sentence("The numbers have grown too large to represent"), STEP_BEATS[traj.cell][-1]))
    else:
        clauses += _lstm_step(traj, t, f) if traj.cell == "lstm" else _gru_step(traj, t, f)
    return Passage(name, f"t = {k}", (name,), tuple(clauses))


def _state_trend(f: Forms, traj: GatedTrajectory, letter: str, a: int, b: int) -> str:
    """What ``letter`` (c or h) does over steps ``a..b``: from its value before them to its last, in a word."""
    values = traj.c if letter == "c" else traj.h
    assert values is not None
    if not traj.is_scalar:
        return f"{letter} moves on, to {f.vec([float(v) for v in values[b - 1]])}" + (f" at step {b}" if b > a else "")
    start = traj.params.c0 if letter == "c" else traj.params.h0
    before = float(values[a - 2, 0]) if a > 1 else float(start[0])  # type: ignore[index]
    run = [before, *(float(values[k - 1, 0]) for k in range(a, b + 1))]
    end = run[-1]
    if f.digits(before) == f.digits(end) and all(f.digits(v) == f.digits(end) for v in run):
        return f"{letter} stays at {f.num(end)}"
    steps = np.diff(run)
    verb = "falls" if np.all(steps <= 0) else "rises" if np.all(steps >= 0) else "moves"
    return f"{letter} {verb} from {f.num(before)} to {f.num(end)}"


def _fast(traj: GatedTrajectory, first: int, f: Forms) -> list[Passage]:
    keep = traj.params.cell_type.keep_gate or ""
    passages = []
    for a, b in fast_groups(first, traj.steps):
        sections = tuple(step_section(k) for k in range(a, b + 1))
        kv = traj.gates[keep][a - 1 : b]
        lo, hi = float(kv.min()), float(kv.max())
        gate = (
            f"the {keep} gate stays at {f.num(lo)}"
            if f.digits(lo) == f.digits(hi)
            else f"the {keep} gate moves between {f.num(lo)} and {f.num(hi)}"
        )
        states = [
            _state_trend(f, traj, "c", a, b) if traj.c is not None else "",
            _state_trend(f, traj, "h", a, b),
        ]
        text = f"{span_words(a, b)}: {gate}; {join(states)}"
        title = f"t = {a}-{b}" if b > a else f"t = {a}"
        passages.append(Passage(f"steps_{a:02d}_{b:02d}", title, sections, (Clause(sentence(text)),)))
    return passages


def closing_lines(traj: GatedTrajectory, f: Forms) -> list[tuple[str, str]]:
    """``(spoken, on screen)`` pairs for the summary: the keep gate's range, its product, the first input's reach."""
    T = traj.steps
    keep = traj.params.cell_type.keep_gate or ""
    kv = traj.gates[keep]
    finite = np.isfinite(kv).all() and np.isfinite(traj.h).all()
    if not finite:
        return [("The numbers grew too large to represent, so nothing reaches the end intact", "the state overflowed")]
    out: list[tuple[str, str]] = []
    lo, hi = float(kv.min()), float(kv.max())
    state = "c" if traj.c is not None else "h"
    out.append(
        (
            f"The {keep} gate stayed between {f.num(lo)} and {f.num(hi)}: at every step it kept that share of {state}",
            f"{keep} gate: {f.screen(lo)} to {f.screen(hi)} at every step",
        )
    )
    if T > 1:
        carried = traj.carousel[0]
        size = float(np.max(np.abs(carried)))
        most = "" if traj.is_scalar else " in the unit that keeps most"
        along = "the cell state" if traj.c is not None else "the direct path of h"
        out.append(
            (
                f"Along {along} alone, the {keep} gates of steps 2 to {T} multiply to {f.num(size, exact=True)}{most}: "
                f"{f.share(min(size, 1.0))} of {sym(state, 1)} survives that way to {sym(state, T)}",
                f"{sym(state, 1)} → {sym(state, T)} directly: {keep} gates multiply to {f.screen(size)}",
            )
        )
        sens = traj.sensitivity_to_last[0]
        s = float(np.max(np.abs(sens)))
        out.append(
            (
                f"{sym('h', T)} still feels {sym('x', 1)}: "
                + (
                    f"it moves {f.times(s)} as much as any small change in {sym('x', 1)}"
                    if s >= 1
                    else f"it moves by {f.amount(s)} of any small change in {sym('x', 1)}"
                )
                + ("" if traj.is_scalar else ", in the unit it moves most"),
                f"∂{sym('h', T)}/∂{sym('x', 1)} = {f.screen(s)}",
            )
        )
    return out


def script(cfg: Config, runs: Sequence[Run]) -> Script:
    """The gated unrolled scene's script (clause times are filled in later)."""
    traj = runs[0].trajectory
    assert isinstance(traj, GatedTrajectory)
    f = Forms(cfg.style.precision)
    T = traj.steps
    passages = [_title(cfg, traj, f), _inputs(cfg, traj, f), _network(traj)]
    detailed = min(T, cfg.style.fast_after)
    passages += [_step(traj, t, f) for t in range(detailed)]
    if detailed < T:
        passages += _fast(traj, detailed + 1, f)
    lines = closing_lines(traj, f)
    passages.append(Passage("summary", "Summary", ("summary",), tuple(Clause(sentence(s)) for s, _ in lines)))
    return Script(tuple(passages), screen={"summary": tuple(screen for _, screen in lines)})
