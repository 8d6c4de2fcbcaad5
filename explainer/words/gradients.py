"""The words of ``scene: gradients``: backpropagation through time, one factor at a time.

Sections: ``intro``, ``back_(T-1)`` ... ``back_01`` (the later ones grouped, like fast
steps), ``closing``. Every product said is the one on the bars, at the screen's precision;
the closing gives the grade of what reaches step 1 and why (the bound on each factor).
"""

from __future__ import annotations

from collections.abc import Sequence

from explainer.config import Config
from explainer.words.common import fast_groups
from explainer.words.forms import Forms, join, sentence, sym
from explainer.words.phrases import Phrases
from rnn_engine.activations import get_activation
from rnn_engine.facts import run_facts
from scenes.inputs import Run
from scenes.script import Clause, Passage, Script

__all__ = ["script"]


def script(cfg: Config, runs: Sequence[Run]) -> Script:
    f = Forms(cfg.style.precision)
    traj = runs[0].trajectory
    T = traj.steps
    act = get_activation(traj.activation)
    grad = traj.grad_to_last[:, 0, 0]
    factors = traj.backward_factors[:, 0, 0]
    slopes = traj.dh[:, 0]
    w_h = float(traj.params.w_h[0, 0])
    intro = [
        f"To learn from step 1, the error at step {T} has to travel back through every step",
        f"Each step back multiplies it by {sym('W', 'h')} times the slope of {act.display}, so "
        f"∂{sym('h', T)}/∂{sym('h', 't')} is a product of factors",
        f"At step {T} it is 1",
    ]
    passages = [Passage("intro", "Backpropagation through time", ("intro",), tuple(Clause(sentence(s)) for s in intro))]
    # Steps back are counted from the end: back_(T-1) is the first, paced like step 1.
    back = list(range(T - 1, 0, -1))  # 1-based step reached
    detailed = back[: cfg.style.fast_after]
    for k in detailed:
        t = k - 1
        text = (
            f"Back to step {k}: multiply by {sym('W', 'h')} times the slope at step {k + 1}, "
            f"{f.num(w_h)} times {f.num(float(slopes[t + 1]), True)}, that is {f.num(float(factors[t + 1]), True)}; "
            f"so ∂{sym('h', T)}/∂{sym('h', k)} is {f.num(float(grad[t]), True)}"
        )
        name = f"back_{k:02d}"
        passages.append(Passage(name, f"t = {k}", (name,), (Clause(sentence(text)),)))
    rest = back[len(detailed) :]
    if rest:
        # Groups of the remaining steps back, in the order they are shown (from late to early).
        for a, b in fast_groups(1, len(rest)):
            ks = rest[a - 1 : b]
            fs = join([f.num(float(factors[k]), True) for k in ks])
            text = (
                f"Back to step{'s' if len(ks) > 1 else ''} {join([str(k) for k in ks])}: the factors are {fs}, "
                f"and the product is {f.num(float(grad[ks[-1] - 1]), True)} at step {ks[-1]}"
            )
            sections = tuple(f"back_{k:02d}" for k in ks)
            passages.append(
                Passage(f"back_{ks[0]:02d}_{ks[-1]:02d}", f"t = {ks[0]}-{ks[-1]}", sections, (Clause(sentence(text)),))
            )
    facts = run_facts(traj)
    phrases = Phrases(traj, f)
    closing: list[str] = []
    screen: list[str] = []
    survival = next((x for x in facts if x.kind == "survival"), None)
    if survival is not None:
        said = phrases.survival(survival, rule=False)
        closing.append(said.spoken)
        screen.append(said.screen)
    bound = next((x for x in facts if x.kind == "factor_bound"), None)
    if bound is not None and bound.detail == "below_one" and (survival is None or survival.grade != "blocked"):
        said_bound = phrases.factor_bound(bound)
        if said_bound is not None:
            closing.append(said_bound.spoken)
    elif survival is not None and survival.grade in ("grows", "explodes") and act.dies:
        closing.append(
            f"ReLU passes z through with slope 1 wherever it is positive, so each factor is {sym('W', 'h')} itself, "
            f"{f.num(w_h)}, and the product grows"
        )
    if closing:
        passages.append(Passage("closing", "In short", ("closing",), tuple(Clause(sentence(s)) for s in closing)))
    return Script(tuple(passages), screen={"closing": tuple(screen)})
