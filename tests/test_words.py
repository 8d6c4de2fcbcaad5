"""The words: spoken forms of numbers, caption cues, and what each scene's script says.

Captions are parsed back with the real ``srt`` and ``webvtt-py`` packages, not our own reader.
"""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pytest
import srt
import webvtt

from explainer.config import load_config_text
from explainer.runs import build_runs
from explainer.words import build_script, script_markdown, take_name
from explainer.words.captions import (
    MAX_CPS,
    MAX_LINE,
    MAX_LINES,
    MIN_CUE,
    cue_texts,
    place_cues,
    srt_text,
    vtt_text,
    wrap,
)
from explainer.words.forms import Forms, article, join, sentence, steps_phrase, sym
from scenes.script import Clause, Passage

F = Forms(2)


# ----------------------------------------------------------------------------- forms


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (0.31, "0.31"),
        (0.5, "0.50"),
        (-0.35, "minus 0.35"),
        (1.34e154, "1.34 times 10 to the 154"),
        (3.1e-6, "3.10 times 10 to the minus 6"),
        (-1.818e-16, "0.00"),
        (math.inf, "infinity"),
        (math.nan, "not a number"),
    ],
)
def test_numbers_are_said_at_the_screens_precision_without_e_notation(value: float, said: str) -> None:
    assert F.num(value) == said


@pytest.mark.parametrize(
    ("ratio", "said"),
    [
        (0.45, "45 %"),
        (0.012, "1.2 %"),
        (0.0059, "about 6 in 1,000"),
        (3.7e-7, "about 4 in 10 million"),
        (2e-5, "about 2 in 100,000"),
        (4e-6, "about 4 in a million"),
        (0.0, "nothing"),
        (1e-14, "less than 1 in a trillion"),
    ],
)
def test_what_is_left_is_said_as_a_share(ratio: float, said: str) -> None:
    assert F.share(ratio) == said


def test_gains_steps_lists_articles_and_symbols() -> None:
    assert [F.times(r) for r in (1.83, 42.3, 2345.0, 1e40)] == [
        "about 1.8 times",
        "about 42 times",
        "about 2,300 times",
        "about 10 to the 40 times",
    ]
    assert steps_phrase([5, 6, 7]) == "steps 5 to 7" and steps_phrase([7, 8]) == "steps 7 and 8"
    assert steps_phrase([2, 4, 6]) == "steps 2, 4 and 6" and steps_phrase([3]) == "step 3"
    assert join(["a", "b", "c"]) == "a, b and c" and join(["a"]) == "a"
    assert [article(w) for w in ("alternating", "Fibonacci", "exponential", "sine", "RNN", "unit")] == [
        "an",
        "a",
        "an",
        "a",
        "an",
        "a",
    ]
    assert sym("h", 3) == "h₃" and sym("W", "x") == "Wₓ" and sym("h", "t-1") == "hₜ₋₁"
    assert sentence("tanh is flat") == "Tanh is flat." and sentence("h₃ is 0.31") == "h₃ is 0.31."


# ----------------------------------------------------------------------------- captions


def test_wrap_never_splits_around_an_equals_sign_and_balances_two_lines() -> None:
    text = "Then tanh barely bends it: h₃ = 0.31, up from 0.22 at step 2."
    lines = wrap(text)
    assert len(lines) == 2 and all(len(line) <= MAX_LINE for line in lines)
    assert not any(line.endswith(("=", "h₃")) or line.startswith("=") for line in lines)
    assert abs(len(lines[0]) - len(lines[1])) <= 14


def test_cues_respect_the_reading_rules_when_parsed_by_real_srt_and_vtt_readers() -> None:
    clauses = tuple(
        Clause(t)
        for t in (
            "Step 3.",
            "The input 0.10, times Wₓ, gives 0.05.",
            "The memory 0.22, times Wₕ, gives 0.18: most of z is memory.",
            "With the bias 0.10, z₃ is 0.32.",
            "Then tanh barely bends it: h₃ is 0.31, up from 0.22.",
        )
    )
    from explainer.words.captions import time_passage

    passage = time_passage(Passage("step_03", "t = 3", ("step_03",), clauses), 15.0)
    cues = place_cues(passage, 10.0, 10.0 + passage.seconds)
    parsed = list(srt.parse(srt_text(cues)))
    assert len(parsed) == len(cues) >= 3
    said = " ".join(" ".join(c.content.split("\n")) for c in parsed)
    assert said == " ".join(c.text for c in clauses)  # every word, in order, nothing else
    for c in parsed:
        seconds = (c.end - c.start).total_seconds()
        lines = c.content.split("\n")
        assert len(lines) <= MAX_LINES and all(len(line) <= MAX_LINE for line in lines)
        assert seconds >= MIN_CUE - 1e-3
        assert len(c.content) / seconds <= MAX_CPS + 1e-6
    vtt = webvtt.from_buffer(io.StringIO(vtt_text(cues)))
    assert [c.text for c in vtt] == [c.content for c in parsed]


def test_a_long_clause_is_cut_at_its_commas_not_mid_phrase() -> None:
    cues = cue_texts(
        (Clause("Each takes its input xₜ and the state from the step before, and passes its new state on."),)
    )
    assert len(cues) == 2
    assert " ".join(cues[0].lines).endswith("before,")


# ----------------------------------------------------------------------------- scripts


def _script(text: str):
    cfg = load_config_text(text)
    runs = build_runs(cfg)
    return cfg, runs, build_script(cfg, runs)


def test_the_unrolled_step_passage_says_the_engines_terms_in_order() -> None:
    cfg, runs, script = _script(
        "sequence: {kind: fibonacci, length: 6, normalize: maxabs}\nrnn: {w_x: 0.5, w_h: 0.8, b: 0.1}\n"
    )
    traj = runs[0].trajectory
    for t in range(4):
        p = script.passage_of(f"step_{t + 1:02d}")
        assert p is not None and p.sections == (f"step_{t + 1:02d}",)
        text = p.text
        prev = traj.h_prev(t)[0]
        expected = [F.digits(traj.x[t, 0]), F.digits(traj.input_term[t, 0])]
        if F.digits(prev) != "0.00":
            expected += [F.digits(prev), F.digits(traj.memory_term[t, 0])]
        # The first step names the bias; the later ones say the same, shorter.
        expected += [F.digits(traj.params.b[0])] if t == 0 else []
        expected += [F.digits(traj.z[t, 0]), F.digits(traj.h[t, 0])]
        numbers = re.findall(r"\d+\.\d+", text)
        assert numbers[: len(expected)] == expected, text
        assert [c.beat for c in p.clauses] == ["focus", "input", "memory", "total", "activation"]
    fast = script.passage_of("step_05")
    assert fast is not None and fast.sections == ("step_05", "step_06") and fast.text.startswith("Steps 5 and 6:")
    assert script.sections() == ("title", "inputs", "network", *(f"step_{k:02d}" for k in range(1, 7)), "summary")


@pytest.mark.parametrize(
    ("values", "before", "said"),
    [
        ([0.49, 0.59, 0.71, 0.82], 0.40, "climbs through 0.49, 0.59 and 0.71 to 0.82"),
        ([0.76], 0.66, "climbs to 0.76"),
        ([0.80, 0.97], 0.52, "climbs to 0.80, then 0.97"),
        # A dip and a rise is not "climbs", even when the two values shown rise.
        ([0.47, 0.77], 0.57, "falls to 0.47, then climbs to 0.77"),
        # Rising first from the value before the group, then falling.
        ([0.881, 0.8805, 0.83, 0.71], 0.83, "climbs to 0.88, holds there, then falls to 0.71"),
        ([0.0, 0.0, 0.14, 0.59], 0.0, "stays at 0.00, then climbs to 0.59"),
        # Looking the same on screen is not holding when the value halves.
        ([0.012, 0.0061, 4.4e-4], 0.02, "falls from 0.012 to 4.40 times 10 to the minus 4"),
        ([0.83, -0.83, 0.83], -0.83, "keeps flipping sign: 0.83, minus 0.83 and 0.83"),
        ([0.86, 0.86, 0.86], 0.86, "stays at 0.86"),
    ],
)
def test_a_fast_group_says_how_h_moves_on_from_the_step_before(values: list[float], before: float, said: str) -> None:
    from explainer.words.common import trend_words

    assert trend_words(F, values, before) == said


def test_the_fast_groups_of_a_wave_never_say_climbs_over_a_fall() -> None:
    """Every 'climbs X, Y and Z' / 'falls X, Y and Z' of a 64-step sine run is true from the step before."""
    _, runs, script = _script("sequence: {kind: sine, length: 64, period: 16}\nrnn: {w_x: 0.8, w_h: 0.7}\n")
    h = runs[0].trajectory.h[:, 0]
    checked = 0
    for p in script.passages:
        m = re.match(r"Steps (\d+) to (\d+): h (climbs|falls) (?!to)", p.text)
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        steps = np.diff(h[a - 2 : b])
        assert (steps >= 0).all() if m.group(3) == "climbs" else (steps <= 0).all(), p.text
        checked += 1
    legs = [p.text for p in script.passages if ", then " in p.text]
    assert checked > 0 and legs  # both kinds of group occur in this run


def test_a_negative_dip_names_its_lowest_step_only_when_there_is_one() -> None:
    _, _, script = _script(
        "sequence: {kind: custom, values: [0.5, -1, 2, 0, 0.3, 1]}\nrnn: {w_x: 0.6, w_h: 0.9, b: 0}\n"
    )
    assert "h goes negative only at step 2, down to minus 0.33." in script.passage_of("summary").text
    _, _, script = _script("sequence: {kind: sine, length: 64, period: 16}\nrnn: {w_x: 0.8, w_h: 0.7}\n")
    summary = script.passage_of("summary").text
    assert "down to minus 0.88." in summary and "at step 45" not in summary


def test_a_nearly_linear_tanh_is_not_said_to_squash() -> None:
    _, runs, script = _script("sequence: {kind: sine, length: 5, amplitude: 0.1}\nrnn: {w_x: 0.5, w_h: 0.5}\n")
    texts = " ".join(script.passage_of(f"step_{k:02d}").text for k in range(1, 5))
    assert "barely bends" in texts and "squash" not in texts


def test_the_default_closing_no_longer_calls_a_99_percent_loss_survival() -> None:
    _, runs, script = _script(
        "sequence: {kind: fibonacci, length: 8, normalize: maxabs}\nrnn: {w_x: 0.5, w_h: 0.8, b: 0.1}\n"
    )
    summary = script.passage_of("summary").text
    assert "survives" not in summary and "still shapes" not in summary
    # 1.2 % after seven steps back at about 0.53 per step: vanishing, in the words of every lecture on it.
    assert "1.2 %" in summary and "the gradient vanishes" in summary


def test_exploding_relu_says_exploding() -> None:
    _, _, script = _script(
        "scene: gradients\nsequence: {kind: linear, length: 10, normalize: maxabs}\n"
        "rnn: {activation: relu, w_x: 0.5, w_h: 1.5, b: 0.1}\n"
    )
    assert "exploding gradient" in script.passage_of("closing").text


def test_weights_latch_is_memory_kept_not_forgotten() -> None:
    _, _, script = _script(
        "scene: weights\nsequence: {kind: custom, values: [1, 0, 0, 0, 0, 0, 0, 0]}\n"
        "rnn: {w_x: 1.0, b: 0.0}\ncompare: {field: rnn.w_h, values: [0.5, 1.0, 1.5]}\n"
    )
    closing = script.passage_of("closing").text
    assert "forgotten" not in closing
    # W_h = 1.5 holds h at a fixed point: it keeps which way x₁ pushed, not its size, and says so
    # with the gradient that gets back (smaller than at W_h = 0.5), never that "the trace survives".
    assert re.search(r"Wₕ = 1.50, h locks at 0.86, a value the loop holds on its own", closing)
    assert "which way x₁ pushed it, not how hard" in closing and "about 2 in 1,000 of the gradient" in closing
    assert "Wₕ = 1.50, the trace of x₁ survives" not in closing
    assert re.search(r"Wₕ = 0.50, the trace of x₁ vanishes", closing)
    assert re.search(r"Wₕ = 1.00, the trace of x₁ survives: it keeps 51 %", closing)


def test_memory_scene_speaks_about_the_input_that_was_changed() -> None:
    _, _, script = _script(
        "scene: memory\nsequence: {kind: sine, length: 10}\nrnn: {w_x: 1.0, w_h: 0.8}\nmemory: {perturb_step: 2}\n"
    )
    closing = script.passage_of("closing").text
    assert "x₂" in closing and "x₁" not in closing and "step 2" in closing


def test_a_change_that_does_nothing_is_said_to_do_nothing() -> None:
    _, _, script = _script(
        "scene: memory\nsequence: {kind: custom, values: [1, -5, 1, 1]}\n"
        "rnn: {activation: relu, w_x: 1.0, w_h: 0.5}\nmemory: {perturb_step: 2, delta: 1}\n"
    )
    assert "had no effect at all" in script.passage_of("closing").text


def test_sigmoid_gradient_says_why_it_vanishes() -> None:
    _, _, script = _script(
        "scene: gradients\nsequence: {kind: sine, length: 10}\nrnn: {activation: sigmoid, w_x: 1.0, w_h: 1.0}\n"
    )
    closing = script.passage_of("closing").text
    assert "at most a quarter" in closing and "vanishes" in closing


def test_negative_w_h_oscillation_is_said() -> None:
    _, _, script = _script(
        "sequence: {kind: custom, values: [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]}\nrnn: {w_h: -2.0}\n"
    )
    summary = script.passage_of("summary").text
    assert "flips sign" in summary and "negative" in summary


def test_the_script_page_lists_every_passage_with_its_take() -> None:
    cfg, _, script = _script("sequence: {kind: sine, length: 5}\n")
    page = script_markdown(cfg.title, script)
    for i, p in enumerate(script.passages):
        assert f"`{take_name(i, p.name)}.wav`" in page and p.text in page
    assert take_name(0, "title") == "01_title"


def test_numbers_in_every_passage_are_engine_numbers_at_screen_precision() -> None:
    # Every fixed-point number said (0.31, minus 0.35) is some engine value of the clip at 2 decimals.
    _, runs, script = _script(
        "sequence: {kind: alternating, length: 8}\nrnn: {w_x: 0.7, w_h: -0.6, b: 0.05, h0: 0.2}\n"
    )
    traj = runs[0].trajectory
    p = traj.params
    pool = np.concatenate(
        [a.ravel() for a in (traj.x, traj.z, traj.h, traj.input_term, traj.memory_term, p.w_x, p.w_h, p.b, p.h0)]
    )
    from rnn_engine.facts import run_facts

    facts = [v for f in run_facts(traj) for _, v in f.values]
    known = {F.digits(v) for v in (*pool, *facts)} | {F.digits(-v) for v in (*pool, *facts)}
    for passage in script.passages:
        text = passage.text.replace("minus ", "-")
        for number in re.findall(r"-?\d+\.\d\d\b", text):
            assert number in known, (number, passage.name, passage.text)


# ----------------------------------------------------------------------------- what a voice reads


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("h₃ is 0.31.", "h 3 is point three one."),
        ("Wₓ is 0.50 and Wₕ is minus 0.80", "W x is point five and W h is minus point eight"),
        ("the state hₜ₋₁", "the state h t minus 1"),
        ("∂h₁₀/∂hₜ is a product", "d h 10 by d h t is a product"),
        ("1.2 % of it, h₀ = 0.00", "1 point two percent of it, h 0 equals 0"),
        ("tanh, ReLU and an RNN", "tan h, relu and an R N N"),
        ("3.10 times 10 to the minus 6", "3 point one times 10 to the minus 6"),
    ],
)
def test_the_voice_reads_symbols_and_numbers_as_words(written: str, said: str) -> None:
    from explainer.words.speech import to_speech

    assert to_speech(written) == said


def test_every_passage_of_the_corpus_reads_without_symbols_left() -> None:
    from explainer.words.speech import to_speech

    _, _, script = _script("sequence: {kind: sine, length: 6}\nrnn: {w_h: -0.9, b: 0.2}\n")
    for p in script.passages:
        for c in p.clauses:
            said = to_speech(c.text)
            assert not re.search(r"[₀-₉ₓₕₜₖ₋∂×·=%]", said), said
