"""The words of ``scene: compare`` over ``rnn.cell``: one input through the plain RNN, the LSTM and the GRU.

Sections: ``intro``, ``step_01`` ... ``step_T``, ``reach``, ``summary``. The first
``style.fast_after`` steps say each cell's ``h``; later steps share a passage per group
("Steps 3 to 6: by step 6, h is ..."). ``reach`` says how much a change in ``x_1`` still
moves the last state in each cell (``dh_T/dx_1``, the leftmost bar of each chart), and the
summary ranks the cells by it and says what each keep gate did. Every number is the engine's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from explainer.config import Config
from explainer.words.common import fast_groups, sequence_words, span_words, values_list
from explainer.words.forms import Forms, article, join, sentence, sym
from explainer.words.unrolled import step_section
from rnn_engine import GatedTrajectory
from scenes.inputs import Run
from scenes.script import Clause, Passage, Script

__all__ = ["reach", "script"]


def reach(run: Run) -> float:
    """``|dh_T/dx_1|`` of a scalar run: how much a change in the first input still moves the last state."""
    return float(abs(run.trajectory.sensitivity_to_last[0, 0, 0]))


def _in_each(runs: Sequence[Run], values: Sequence[str]) -> str:
    """``0.76 in the RNN, 0.30 in the LSTM and 0.56 in the GRU``."""
    return join([f"{v} in the {r.label}" for r, v in zip(runs, values, strict=True)])


def _intro(cfg: Config, runs: Sequence[Run], f: Forms) -> Passage:
    traj = runs[0].trajectory
    cells = ["a plain RNN" if r.label == "RNN" else f"{article(r.label)} {r.label}" for r in runs]
    said = [
        cfg.title,
        f"The same input goes through {join(cells)}",
        f"The input is {sequence_words(cfg)}",
        values_list(f, traj),  # type: ignore[arg-type]
    ]
    return Passage("intro", "The three cells", ("intro",), tuple(Clause(sentence(s)) for s in said))


def _step(runs: Sequence[Run], t: int, f: Forms) -> Passage:
    k = t + 1
    name = step_section(k)
    hs = [f.num(float(r.trajectory.h[t, 0])) for r in runs]
    text = f"Step {k}: h is {_in_each(runs, hs)}"
    return Passage(name, f"t = {k}", (name,), (Clause(sentence(text)),))


def _fast(runs: Sequence[Run], first: int, T: int, f: Forms) -> list[Passage]:
    out = []
    for a, b in fast_groups(first, T):
        hs = [f.num(float(r.trajectory.h[b - 1, 0])) for r in runs]
        text = f"{span_words(a, b)}: by step {b}, h is {_in_each(runs, hs)}"
        sections = tuple(step_section(k) for k in range(a, b + 1))
        title = f"t = {a}-{b}" if b > a else f"t = {a}"
        out.append(Passage(f"steps_{a:02d}_{b:02d}", title, sections, (Clause(sentence(text)),)))
    return out


def _reach(runs: Sequence[Run], T: int, f: Forms) -> Passage:
    values = [f.amount(reach(r)) for r in runs]
    said = [
        f"How much does {sym('x', 1)} still matter at step {T}? How high h is does not say: what counts is how "
        f"much {sym('x', 1)} still moves it",
        f"Each bar is the size of the effect of {sym('x', 'k')} on {sym('h', T)}, on a shared log scale",
        f"For {sym('x', 1)}, the bar on the left, it is {_in_each(runs, values)}",
    ]
    return Passage("reach", f"What reaches step {T}", ("reach",), tuple(Clause(sentence(s)) for s in said))


def closing_lines(runs: Sequence[Run], f: Forms) -> list[tuple[str, str]]:
    """``(spoken, on screen)``: the cells ranked by how much of ``x_1`` reaches the end, and each keep gate."""
    out: list[tuple[str, str]] = []
    T = runs[0].trajectory.steps
    ranked = sorted(runs, key=reach, reverse=True)
    worst = ranked[-1]
    others = [r for r in ranked[:-1] if reach(r) > reach(worst)]
    if reach(worst) > 0 and others:
        said = [f.times(reach(r) / reach(worst)) for r in others]
        spoken = (
            f"Nudge {sym('x', 1)}, and {sym('h', T)} moves {said[0]} more in the {others[0].label} "
            f"than in the {worst.label}"
        )
        shown = f"effect of {sym('x', 1)} on {sym('h', T)}: {others[0].label} {said[0]} the {worst.label}'s"
        if len(others) > 1:
            spoken += ", " + ", ".join(f"{s} more in the {r.label}" for r, s in zip(others[1:], said[1:], strict=True))
            shown += "; " + "; ".join(f"{r.label} {s}" for r, s in zip(others[1:], said[1:], strict=True))
        out.append((spoken, shown))
    for r in runs:
        tr = r.trajectory
        if not isinstance(tr, GatedTrajectory) or tr.steps < 2:
            continue
        keep = tr.params.cell_type.keep_gate or ""
        later = np.asarray(tr.gates[keep][1:, 0])
        lo, hi = float(later.min()), float(later.max())
        first = float(tr.gates[keep][0, 0])
        product = float(tr.carousel[0, 0])
        span = f.num(lo) if f.digits(lo) == f.digits(hi) else f"between {f.num(lo)} and {f.num(hi)}"
        shown = f.screen(lo) if f.digits(lo) == f.digits(hi) else f"{f.screen(lo)} to {f.screen(hi)}"
        opened = first < 0.5 <= lo
        said = f"The {r.label}'s {keep} gate was {f.num(first)} at step 1, then {span}"
        said += ": it let the spike in, then held it" if opened else ""
        said += f"; from step 2 on, its {keep} gates multiply to {f.num(product, exact=True)}"
        out.append((said, f"{r.label} {keep} gate: {f.screen(first)} at step 1, then {shown}"))
    return out


def script(cfg: Config, runs: Sequence[Run]) -> Script:
    """The cells comparison's script (clause times are filled in later)."""
    f = Forms(cfg.style.precision)
    T = runs[0].trajectory.steps
    passages = [_intro(cfg, runs, f)]
    detailed = min(T, cfg.style.fast_after)
    passages += [_step(runs, t, f) for t in range(detailed)]
    if detailed < T:
        passages += _fast(runs, detailed + 1, T, f)
    passages.append(_reach(runs, T, f))
    lines = closing_lines(runs, f)
    passages.append(Passage("summary", "Summary", ("summary",), tuple(Clause(sentence(s)) for s, _ in lines)))
    return Script(tuple(passages), screen={"summary": tuple(screen for _, screen in lines)})
