"""The words of ``scene: gradients`` with a gated cell: the product of the keep gate, step by step back.

Sections as the plain scene's: ``intro``, ``back_(T-1)`` ... ``back_01`` (the later ones
grouped), ``closing``. Every product said is the one on the bars (the engine's
``carousel``); the closing says what reaches step 1 along the memory line and, for
contrast, through every path (``dh_T/dh_1``).
"""

from __future__ import annotations

from collections.abc import Sequence

from explainer.config import Config
from explainer.words.common import fast_groups
from explainer.words.forms import Forms, article, join, sentence, sym
from rnn_engine import GatedTrajectory
from scenes.inputs import Run
from scenes.script import Clause, Passage, Script

__all__ = ["script"]


def script(cfg: Config, runs: Sequence[Run]) -> Script:
    f = Forms(cfg.style.precision)
    traj = runs[0].trajectory
    assert isinstance(traj, GatedTrajectory)
    T = traj.steps
    ct = traj.params.cell_type
    keep = ct.keep_gate or ""
    s = "c" if ct.has_cell_state else "h"
    line = "the cell state" if s == "c" else "the direct path of h"
    car = traj.carousel[:, 0]
    gate = traj.gates[keep][:, 0]
    intro = [
        f"To learn from step 1, the error at step {T} has to travel back through every step",
        f"In {article(ct.display)} {ct.display}, one path back runs along {line}: there, each step back "
        f"multiplies the gradient by that step's {keep} gate and by nothing else, no weight and no slope",
        f"At step {T} the factor is 1",
    ]
    passages = [Passage("intro", "Backpropagation through time", ("intro",), tuple(Clause(sentence(x)) for x in intro))]
    back = list(range(T - 1, 0, -1))
    detailed = back[: cfg.style.fast_after]
    for k in detailed:
        t = k - 1
        text = (
            f"Back to step {k}: multiply by the {keep} gate of step {k + 1}, {f.num(float(gate[t + 1]), True)}; "
            f"so ∂{sym(s, T)}/∂{sym(s, k)} along {line} is {f.num(float(car[t]), True)}"
        )
        name = f"back_{k:02d}"
        passages.append(Passage(name, f"t = {k}", (name,), (Clause(sentence(text)),)))
    rest = back[len(detailed) :]
    for a, b in fast_groups(1, len(rest)) if rest else []:
        ks = rest[a - 1 : b]
        gs = join([f.num(float(gate[k]), True) for k in ks])
        text = (
            f"Back to step{'s' if len(ks) > 1 else ''} {join([str(k) for k in ks])}: the {keep} gates of "
            f"step{'s' if len(ks) > 1 else ''} {join([str(k + 1) for k in ks])} are {gs}, "
            f"and the product is {f.num(float(car[ks[-1] - 1]), True)} at step {ks[-1]}"
        )
        sections = tuple(f"back_{k:02d}" for k in ks)
        passages.append(
            Passage(f"back_{ks[0]:02d}_{ks[-1]:02d}", f"t = {ks[0]}-{ks[-1]}", sections, (Clause(sentence(text)),))
        )
    lo, hi = float(gate[1:].min()), float(gate[1:].max())
    full = traj.cell_grad_to_last if s == "c" else traj.grad_to_last
    assert full is not None
    everything = float(abs(full[0, 0, 0]))
    closing = [
        f"Along {line} alone, with the gates held fixed, the {keep} gates of steps 2 to {T} stayed between "
        f"{f.num(lo)} and {f.num(hi)}, so the gradient {f.size_change(float(car[0]))} by step 1",
        f"With every path, through the gates too, ∂{sym(s, T)}/∂{sym(s, 1)} is {f.num(everything, True)}",
    ]
    screen = [
        f"along {line} alone: ∏ {keep} gates = {f.screen(float(car[0]))}",
        f"every path: ∂{sym(s, T)}/∂{sym(s, 1)} = {f.screen(everything)}",
    ]
    passages.append(Passage("closing", "In short", ("closing",), tuple(Clause(sentence(x)) for x in closing)))
    return Script(tuple(passages), screen={"closing": tuple(screen)})
