"""Facts into words: one spoken sentence and one short on-screen line per fact.

The spoken sentence explains (the mechanism, the numbers at the screen's precision);
the on-screen line is a few words that point at the same thing. Both come from the
same :class:`~rnn_engine.facts.Fact`, so the screen and the voice never disagree, and a
fact's grade is worded the same way everywhere (:data:`GRADE_WORDS`).

English only for now; the facts themselves carry no language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from explainer.words.forms import Forms, join, plural, steps_phrase, sym
from rnn_engine.activations import get_activation
from rnn_engine.facts import EXPLODES_ABOVE, Fact
from rnn_engine.facts import size as size_of
from rnn_engine.forward import Trajectory

__all__ = ["GRADE_WORDS", "Said", "Phrases"]

#: How each grade of "how much survives" is said, the same everywhere.
GRADE_WORDS = {
    "explodes": "explodes",
    "grows": "grows",
    "survives": "survives",
    "shrinks": "shrinks",
    "vanishes": "vanishes",
    "blocked": "is blocked",
}

_ORDINAL_STEPS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def count_words(n: int) -> str:
    """Small counts in words (``seven``), larger ones in digits."""
    return _ORDINAL_STEPS.get(n, str(n))


@dataclass(frozen=True)
class Said:
    """A fact in words: what is spoken (and captioned), and the short line on screen."""

    spoken: str
    screen: str
    kind: str
    grade: str | None = None


class Phrases:
    """Words for the facts of one run.

    Parameters
    ----------
    traj
        The run the facts are about.
    forms
        Number forms at the clip's precision.
    who
        How to name the run in a sentence (``""`` for the only run, ``"with tanh"``,
        ``"with Wₕ = 0.50"`` in a comparison).
    """

    def __init__(self, traj: Trajectory, forms: Forms, who: str = "") -> None:
        self.traj = traj
        self.f = forms
        self.who = who
        self.act = get_activation(traj.activation)
        self.T = traj.steps
        self.scalar = traj.hidden_size == 1
        self.h = "h" if self.scalar else "the state"
        #: The activation's name, or "the unit" when ``who`` already names the run.
        self.unit = "the unit" if who else self.act.display

    # -- helpers -------------------------------------------------------------------------
    def _who(self, text: str) -> str:
        """``text`` about this run: led by ``who`` (``With ReLU, h goes ...``) in a comparison."""
        if not self.who:
            return text
        first = text.split(" ", 1)[0]
        if first.isalpha() and first[0].isupper() and first[1:].islower():
            text = text[0].lower() + text[1:]
        return f"{self.who[0].upper() + self.who[1:]}, {text}"

    def _slope(self) -> str:
        return f"the slope of {self.act.display}"

    # -- the lesson: how much survives --------------------------------------------------
    def survival(self, fact: Fact, rule: bool = True) -> Said:
        """How much of the gradient gets back to step 1; ``rule=False`` when the rule of the trip back
        was just shown factor by factor (the gradients scene), so only the factors are named."""
        f, T, g = self.f, self.T, fact.grade
        ratio = fact.value("ratio")
        n = T - 1
        steps_back = f"{count_words(n)} such steps" if n > 1 else "that one step"
        factor = fact.value("factor") if fact.has("factor") else 0.0
        mech = f"Each step back multiplies the gradient by {sym('W', 'h')} times {self._slope()}"
        if g == "blocked":
            k = fact.steps[0]
            nothing = f"and x₁ has no effect on {sym('h', T)}"
            if fact.detail == "zero_w_h":
                spoken = (
                    f"{sym('W', 'h')} is 0, so the state carries nothing from one step to the next: "
                    f"no gradient gets back even one step, {nothing}"
                )
                screen = f"{sym('W', 'h')} = 0: no gradient gets back"
            elif fact.detail in ("zero_factor", "zero_slope"):
                where = "at the last step" if k == T else f"at step {k}"
                back = "not even one step back" if k == T else "nothing of it gets back to step 1"
                if fact.detail == "zero_factor":
                    dead = [int(t) + 1 for t in np.flatnonzero(np.asarray(self.traj.dead).all(axis=1))]
                    off = f"at {steps_phrase(dead)}" if self.scalar and len(dead) > 1 else f"at step {k}"
                    why = f"ReLU is dead {off}: z is 0 or below, so its slope is 0"
                else:
                    why = (
                        f"At step {k}, z is so far out, {f.num(fact.value('z'))} in size, that {self._slope()} "
                        "is smaller than any number a computer can hold"
                    )
                lead = why if why.startswith("z ") else why[0].upper() + why[1:]  # z is a symbol: never "Z"
                spoken = f"{lead}. So the gradient is cut off {where}: {back}, {nothing}"
                screen = "no gradient gets back even one step" if k == T else f"no gradient gets back past step {k}"
            else:
                spoken = "The gradient reaching step 1 is below the smallest number a computer can hold: it vanishes"
                screen = "the gradient vanishes completely"
            return Said(self._who(spoken), screen, "survival", g)
        leave = "leaves" if n == 1 else "leave"
        if g in ("shrinks", "vanishes", "survives"):
            left = f.share(ratio) if ratio < 0.995 else ("almost all" if ratio < 1 else "all")
            mech_n = self._mech_factor(mech, factor, fact, n) if rule else self._factors(factor, fact, n)
            if g == "survives":
                tail = f"{steps_back} {leave} {left} of it: most of it survives the trip back"
            elif g == "shrinks":
                tail = f"{steps_back} {leave} {left} of it: it shrinks"
            else:
                tail = f"{steps_back} {leave} {left}: the gradient vanishes"
            spoken = f"{mech_n}; {tail}"
            w_h = abs(fact.value("w_h")) if fact.has("w_h") else 0.0
            if self.scalar and w_h > 1 and fact.has("slope") and g != "survives":
                # A large recurrent weight and still a vanishing gradient: the activation is flat where h sits.
                spoken += (
                    f". {sym('W', 'h')} is above 1 in size, but {self.act.display} is nearly flat where h sits: "
                    f"its slope is about {f.num(fact.value('slope'))} there, so each factor stays below 1"
                )
            if self.scalar and fact.value("first") != 0:
                # dh_T/dx_1 = dh_T/dh_1 * dh_1/dx_1 for a scalar state: the same share.
                spoken += f". So x₁'s effect on {sym('h', T)} is {left} of its effect on {sym('h', 1)}"
            screen = f"after {plural(n, 'step')} back: {left} of the gradient is left"
            return Said(self._who(spoken), screen, "survival", g)
        # grows / explodes
        gain = f.times(ratio)
        mech_n = self._mech_factor(mech, factor, fact, n) if rule else self._factors(factor, fact, n)
        verb = "the gradient explodes" if g == "explodes" else "the gradient grows on the way back"
        spoken = f"{mech_n}; over {count_words(n)} steps that multiplies it {gain}: {verb}"
        if g == "grows" and factor > 1.05:
            # The same factor again and again is exponential growth: say where it leads.
            more = math.ceil(math.log(EXPLODES_ABOVE) / math.log(factor))
            spoken += (
                f". That is exponential growth, an exploding gradient: at {f.num(factor)} per step "
                f"it passes 100 within {more} steps back"
            )
        screen = f"after {plural(n, 'step')} back: the gradient is {gain} larger"
        return Said(self._who(spoken), screen, "survival", g)

    def _mech_factor(self, mech: str, factor: float, fact: Fact, n: int) -> str:
        """The rule of the trip back, with its factor: exact when every factor is the same."""
        if not factor:
            return mech
        if fact.has("constant") and fact.value("constant"):
            return f"{mech}, exactly {self.f.num(factor)} at every step"
        if n == 1:
            return f"{mech}, here {self.f.num(factor)}"
        return f"{mech}, about {self.f.num(factor)} on average"

    def _factors(self, factor: float, fact: Fact, n: int) -> str:
        """The factors of the trip back, named without the rule: ``The nine factors average 0.19``."""
        if n == 1:
            return f"The one factor is {self.f.num(factor)}"
        if fact.has("constant") and fact.value("constant"):
            return f"The {count_words(n)} factors are each exactly {self.f.num(factor)}"
        return f"The {count_words(n)} factors average {self.f.num(factor)}"

    def factor_bound(self, fact: Fact) -> Said | None:
        if fact.detail != "below_one" or self.f.digits(fact.value("w_h")) == self.f.digits(0.0):
            return None  # with Wₕ = 0 the survival fact says why nothing gets back
        bound, slope = fact.value("bound"), fact.value("max_slope")
        slope_words = "a quarter" if slope == 0.25 else ("1" if slope == 1.0 else self.f.num(slope))
        w_h = self.traj.params.w_h
        negative = w_h.size == 1 and float(w_h.reshape(())) < 0
        size_words = self.f.num(fact.value("w_h"))
        if w_h.size > 1:
            weight = f"with {sym('W', 'h')} stretching a state by at most {size_words}"
        elif negative:
            weight = f"with {sym('W', 'h')} at {self.f.num(float(w_h.reshape(())))}, {size_words} in size,"
        else:
            weight = f"with {sym('W', 'h')} at {size_words}"
        spoken = (
            f"The slope of {self.act.display} is at most {slope_words}, so {weight} each step back multiplies "
            f"the gradient by at most {self.f.at_most(bound)}{' in size' if negative else ''}: it has to shrink"
        )
        return Said(spoken, f"each step back: at most × {self.f.at_most(bound)}", "factor_bound")

    def impulse(self, fact: Fact, survival: Fact | None) -> Said:
        f, T = self.f, self.T
        first, last = fact.value("first"), fact.value("last")
        g = fact.grade
        if g == "blocked":
            spoken = "The single input at step 1 never reaches the state: it has no effect at all"
            return Said(self._who(spoken), "x₁ has no effect", "impulse", g)
        trace = f"The single input at step 1 moved {self.h} by {f.num(first)}; at step {T} its trace is {f.num(last)}"
        if g == "grows":
            trace += f", grown {f.times(fact.value('ratio'))}: the memory of it survives"
        elif g == "survives":
            trace += (
                f", {f.share(min(fact.value('ratio'), 0.999)) if fact.value('ratio') < 1 else 'as large'}: it survives"
            )
        else:
            trace += f": {f.share(fact.value('ratio'))} is left, so the memory {GRADE_WORDS[g or 'shrinks']}"
        if fact.detail == "latch" and survival is not None and survival.grade in ("vanishes", "shrinks", "blocked"):
            trace += (
                f". The gradient back to step 1 {GRADE_WORDS[survival.grade]} all the same: "
                f"{self.act.display} is nearly flat there, so learning barely sees that input"
            )
        screen = f"x₁'s trace at step {T}: {f.screen(last)}"
        return Said(self._who(trace), screen, "impulse", g)

    # -- what the state does -----------------------------------------------------------
    def oscillation(self, fact: Fact) -> Said:
        flips = int(fact.value("flips"))
        where = steps_phrase(fact.steps)
        if fact.detail == "input" and fact.value("w_h") < 0:
            why = f"as the input alternates and the negative {sym('W', 'h')} flips the memory along with it"
        elif fact.detail == "input":
            why = "following the input, which alternates"
        elif fact.detail == "negative_w_h":
            why = f"because {sym('W', 'h')} is negative: each state pushes the next one the other way"
        else:
            why = "pushed back and forth by input and memory"
        unit = f"unit {fact.units[0] + 1} of the state" if fact.units else self.h
        spoken = f"{unit.capitalize() if unit == 'h' else unit} flips sign {flips} times in a row, at {where}, {why}"
        if unit == "h":
            spoken = f"h flips sign {flips} times in a row, at {where}, {why}"
        return Said(self._who(spoken), f"{unit} flips sign at every step", "oscillation")

    def growth(self, fact: Fact) -> Said:
        f = self.f
        a, b = fact.steps
        w_h = abs(size_of(self.traj.params.w_h))
        if w_h < 1:
            # The loop alone would shrink the state: the growth is the input's, passed on unsquashed.
            spoken = (
                f"from step {a} the inputs grow and {self.act.display} passes them on unsquashed: "
                f"{self.h} reaches {f.num(fact.value('end'))} at step {b}"
            )
            spoken = spoken[0].upper() + spoken[1:] if not self.who else spoken
        else:
            lead = f"{self.act.display} does not squash large values: " if not self.who else ""
            spoken = (
                f"{lead}from step {a} {self.h} grows {f.times(fact.value('rate'))} per step, "
                f"to {f.num(fact.value('end'))} at step {b}"
            )
        screen = (
            f"the inputs' growth passes through from step {a}"
            if w_h < 1
            else f"{self.h} grows {f.times(fact.value('rate'))} per step"
        )
        return Said(self._who(spoken), screen, "growth")

    def explosion(self, fact: Fact) -> Said:
        f = self.f
        k = fact.steps[0]
        if fact.detail == "unbounded" and fact.has("rate"):
            spoken = (
                f"{self.h.capitalize() if self.h == 'the state' else self.h} explodes: it passes 100 at step {k} and "
                f"keeps growing {f.times(fact.value('rate'))} per step"
            )
            screen = f"{self.h} explodes from step {k}"
        else:
            spoken = (
                f"{self.h} reaches {f.num(fact.value('peak'))} at step {int(fact.value('peak_step'))}, "
                "far outside the range an activation is meant to work in"
            )
            screen = f"{self.h} reaches {f.screen(fact.value('peak'))}"
        return Said(self._who(spoken), screen, "explosion")

    def overflow(self, fact: Fact) -> Said:
        k = fact.steps[0]
        if fact.detail == "input":
            spoken = f"At step {k} the input itself is too large to represent"
        elif fact.detail in ("h_inf", "h_nan"):
            spoken = f"At step {k} the numbers overflow: {self.h} is too large to represent"
        else:
            spoken = f"At step {k} z overflows, though {self.h} itself stays finite"
        return Said(self._who(spoken), f"overflow at step {k}", "overflow")

    def dead(self, fact: Fact) -> Said:
        where = "at every step" if fact.detail == "always" else f"at {steps_phrase(fact.steps)}"
        if not self.scalar:
            dead = np.asarray(self.traj.dead)
            parts = [
                f"unit {u + 1} at {steps_phrase(tuple(int(t) + 1 for t in np.flatnonzero(dead[:, u])))}"
                for u in range(dead.shape[1])
                if dead[:, u].any()
            ]
            everywhere = tuple(int(t) + 1 for t in np.flatnonzero(dead.all(axis=1)))
            spoken = f"ReLU is off for {join(parts)}: z is 0 or below there, so that unit passes no gradient"
            if everywhere:
                spoken += f"; at {steps_phrase(everywhere)} every unit is off, and no gradient passes at all"
            return Said(self._who(spoken), f"dead {where}", "dead")
        who = "ReLU" if not self.who else "the unit"
        spoken = f"{who} is dead {where}: z is 0 or below, so h is 0 and no gradient passes"
        return Said(self._who(spoken), f"dead {where}", "dead")

    def saturation(self, fact: Fact) -> Said:
        if fact.detail == "to_end":
            where = f"From step {fact.steps[0]}"
        else:
            where = f"At {steps_phrase(fact.steps)}"
        slope = (
            f"its slope there is at most {self.f.at_most(fact.value('slope'))}"
            if fact.has("slope") and self.f.at_most(fact.value("slope")) != self.f.num(0.0)
            else "its slope there is almost 0"
        )
        who = self.unit
        if not self.scalar and fact.units and len(fact.units) < self.traj.hidden_size:
            units = [str(u + 1) for u in fact.units]
            who = (
                f"{self.act.display} is saturated in unit {units[0]}"
                if len(units) == 1
                else (f"{self.act.display} is saturated in units {join(units)}")
            )
            head = f"{where} {who}"
        else:
            head = f"{where} {who} is saturated"
        spoken = (
            f"{head}: {slope}, so a small change in the input would barely move {self.h}, "
            "and almost no gradient gets back through"
        )
        return Said(self._who(spoken), f"saturated {where.lower()}", "saturation")

    def settles(self, fact: Fact) -> Said:
        f = self.f
        k = fact.steps[0]
        spoken = (
            f"From step {k} {self.h} stays at {f.num(fact.value('value'))}: with the input constant, "
            "the cell has reached a fixed point"
        )
        return Said(self._who(spoken), f"{self.h} settles at {f.screen(fact.value('value'))}", "settles")

    def sign(self, fact: Fact) -> Said:
        f = self.f
        low, at = f.num(fact.value("min")), int(fact.value("min_step"))
        if fact.steps == (at,):
            spoken = f"{self.h} goes negative only at step {at}, down to {low}"
        elif fact.value("lows") > 1:  # the same low at several steps: no one step is the lowest
            spoken = f"{self.h} goes negative at {steps_phrase(fact.steps)}, down to {low}"
        else:
            spoken = f"{self.h} goes negative at {steps_phrase(fact.steps)}, down to {low} at step {at}"
        return Said(self._who(spoken), f"{self.h} goes down to {f.screen(fact.value('min'))}", "sign")

    def positive(self, fact: Fact) -> Said:
        f = self.f
        spoken = f"sigmoid never goes negative: h stays between 0 and 1, here around {f.num(fact.value('mean'))}"
        return Said(self._who(spoken), f"h stays in (0, 1), around {f.screen(fact.value('mean'))}", "positive")

    def trend(self, fact: Fact) -> Said | None:
        f, T = self.f, self.T
        if fact.detail == "undefined":
            return None
        if not self.scalar:
            last = f.vec([float(v) for v in self.traj.h[-1]])
            return Said(
                self._who(f"At step {T} the state is {last}"),
                f"{sym('h', T)} = ({', '.join(f.screen(float(v)) for v in self.traj.h[-1])})",
                "trend",
            )
        first, last = fact.value("first"), fact.value("last")
        what = self.h if self.scalar else "the size of the state"
        start = f.num(first)
        h0 = float(self.traj.params.h0[0])
        if f.digits(h0) != f.digits(0.0) and (h0 - first) * (first - last) >= 0:
            start = f"{sym('h', 0)} = {f.num(h0)}"  # it started before step 1, and went the same way from there
        if fact.detail == "climbs":
            spoken = f"Over {T} steps {what} climbs from {start} to {f.num(last)}"
        elif fact.detail == "falls":
            spoken = f"Over {T} steps {what} falls from {start} to {f.num(last)}"
        elif fact.detail == "steady":
            spoken = f"Over {T} steps {what} stays at {f.num(last)}"
        else:
            spoken = (
                f"Over {T} steps {what} swings between {f.num(fact.value('min'))} and {f.num(fact.value('max'))}, "
                f"ending at {f.num(last)}"
            )
        return Said(self._who(spoken), f"{sym('h', T) if self.scalar else 'state'} ends at {f.screen(last)}", "trend")

    def say(self, fact: Fact, facts: tuple[Fact, ...] = ()) -> Said | None:
        """The words for ``fact`` (``None`` for kinds that are not said on their own)."""
        survival = next((x for x in facts if x.kind == "survival"), None)
        table = {
            "survival": self.survival,
            "factor_bound": self.factor_bound,
            "oscillation": self.oscillation,
            "growth": self.growth,
            "explosion": self.explosion,
            "overflow": self.overflow,
            "dead": self.dead,
            "saturation": self.saturation,
            "settles": self.settles,
            "sign": self.sign,
            "positive": self.positive,
            "trend": self.trend,
        }
        if fact.kind == "impulse":
            return self.impulse(fact, survival)
        fn = table.get(fact.kind)
        return fn(fact) if fn is not None else None
