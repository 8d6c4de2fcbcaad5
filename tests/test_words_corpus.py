"""A corpus of generated configs (every scene, activation, sequence kind and normalisation, H = 1..4),
their scripts read against the rules a demanding lecturer would apply, violations counted.

Rules, per passage:

- captions: at most two lines of at most 42 characters, on screen at least 1 s, at most
  20 characters a second (timed as a silent clip times them);
- speakable as written: no e-notation, no ``<=``/``>=``, no ``..``, no ASCII subscripts
  (``x_2``), no "plus minus", no "a" before a vowel sound, no float noise, no "nan"/"None";
- numbers at the screen's precision (two decimals here), percentages and gains aside;
- one verdict: a single run's gradient is given one grade, never two different ones.

The count printed is the number of violations; it must be 0.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from typing import Any

from explainer.config import ConfigError, check_renderable, from_dict
from explainer.runs import build_runs
from explainer.words import build_script
from explainer.words.captions import MAX_CPS, MAX_LINE, MAX_LINES, MIN_CUE, place_cues
from explainer.words.common import sequence_words
from rnn_engine.formatting import format_number

KINDS = ("fibonacci", "linear", "alternating", "exponential", "sine", "custom")
NORMS = ("none", "maxabs", "minmax", "zscore")
ACTS = ("tanh", "relu", "sigmoid")
SCENES = ("unrolled", "compare", "weights", "memory", "gradients")

_BAD = [
    ("e-notation", re.compile(r"\d[eE][-+]?\d")),
    ("<= or >=", re.compile(r"<=|>=")),
    ("'..'", re.compile(r"\d\.\.\d|\w\.\.")),
    ("ASCII subscript", re.compile(r"\b[A-Za-z]_[A-Za-z0-9(]")),
    ("plus minus", re.compile(r"plus (minus|-)\b|\+ ?-")),
    ("'a' before a vowel", re.compile(r"\ba (?=[aeiAEI]|o(?!ne)|u(?!n[io]))")),
    ("float noise", re.compile(r"\d\.\d{5,}")),
    ("nan / None", re.compile(r"\b(nan|None|NaN)\b")),
    ("double space", re.compile(r"  ")),
]
_VERDICT = re.compile(r"(?:gradient|\bit)\W+(vanishes|shrinks|survives|grows|explodes|is blocked)\b")


def _sequence(rng: random.Random, kind: str, length: int, D: int) -> dict[str, Any]:
    seq: dict[str, Any] = {"kind": kind, "normalize": rng.choice(NORMS)}
    if kind == "custom":
        vals = [[round(rng.uniform(-2, 2), 2) for _ in range(D)] for _ in range(length)]
        seq["values"] = [v[0] for v in vals] if D == 1 else vals
        if rng.random() < 0.2 and D == 1:  # an impulse
            seq["values"] = [1.0] + [0.0] * (length - 1)
    else:
        seq["length"] = length
        if kind == "linear":
            seq.update(start=round(rng.uniform(-2, 2), 1), step=round(rng.uniform(-1, 1), 2) or 0.5)
        elif kind == "exponential":
            seq["base"] = rng.choice([0.5, 1.5, 2.0, 3.0])
        elif kind == "sine":
            seq.update(amplitude=rng.choice([0.5, 1.0, 2.0]), period=rng.choice([4, 6, 8, 12]))
    if kind == "exponential" and seq["normalize"] == "none" and length > 12:
        seq["normalize"] = "maxabs"
    return seq


def corpus(n: int = 240, seed: int = 20261202) -> list[dict[str, Any]]:
    """``n`` configs as plain data, the same every run."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        scene = SCENES[i % len(SCENES)]
        act = ACTS[(i // len(SCENES)) % len(ACTS)]
        kind = KINDS[(i // (len(SCENES) * len(ACTS))) % len(KINDS)]
        H = rng.choice([1, 2, 3, 4]) if scene == "unrolled" else 1
        D = rng.choice([1, 2]) if (scene == "unrolled" and kind == "custom") else 1
        length = rng.choice([3, 5, 8, 12, 20]) if scene != "unrolled" else rng.choice([4, 8, 16, 40])
        cfg: dict[str, Any] = {"scene": scene, "sequence": _sequence(rng, kind, length, D)}
        if H == 1 and D == 1:
            rnn: dict[str, Any] = {
                "activation": act,
                "w_x": round(rng.uniform(-1.5, 1.5), 2),
                "w_h": round(rng.uniform(-1.6, 1.6), 2),
                "b": round(rng.uniform(-0.5, 0.5), 2),
                "h0": rng.choice([0.0, 0.0, round(rng.uniform(-1, 1), 2)]),
            }
        else:
            rnn = {
                "activation": act,
                "w_x": [[round(rng.uniform(-1, 1), 2) for _ in range(D)] for _ in range(H)],
                "w_h": [[round(rng.uniform(-0.9, 0.9), 2) for _ in range(H)] for _ in range(H)],
                "b": [round(rng.uniform(-0.3, 0.3), 2) for _ in range(H)],
            }
        cfg["rnn"] = rnn
        if scene == "compare":
            field = rng.choice(["rnn.activation", "rnn.w_h", "sequence.kind", "rnn.b"])
            values = {
                "rnn.activation": ["tanh", "relu", "sigmoid"],
                "rnn.w_h": [0.5, 1.0, 1.5],
                "sequence.kind": ["sine", "alternating", "fibonacci"],
                "rnn.b": [-0.3, 0.0, 0.3],
            }[field]
            cfg["compare"] = {"field": field, "values": values}
        elif scene == "weights":
            cfg["compare"] = {"field": rng.choice(["rnn.w_h", "rnn.w_x", "rnn.h0"]), "values": [0.5, 1.0, 1.5]}
        elif scene == "memory":
            cfg["memory"] = (
                {"perturb_step": rng.randint(1, length), "drop": True}
                if rng.random() < 0.3
                else {"perturb_step": rng.randint(1, length), "delta": rng.choice([-1.0, 0.5, 1.0, 2.0])}
            )
        if scene == "gradients" and length < 2:
            cfg["sequence"]["length"] = 5
        out.append(cfg)
    return out


def violations(data: dict[str, Any]) -> list[str]:
    """What is wrong with the words of one config (empty: nothing)."""
    try:
        cfg = from_dict(data)
        check_renderable(cfg)
    except ConfigError:
        return []  # not a renderable config (e.g. an overflowing sequence): nothing is said
    runs = build_runs(cfg)
    script = build_script(cfg, runs)
    found = []
    # Sequence parameters are said as the header on screen writes them (start 0.5, period 8).
    seq_phrase = sequence_words(cfg)
    for p in script.passages:
        text = p.text.replace(seq_phrase, "the sequence")
        # The change of the memory scene is said as its label on screen writes it (x₃ + 0.5).
        text = re.sub(r"(raised|lowered) by [\d.]+", r"\1 by it", text)
        for label, pattern in _BAD:
            m = pattern.search(text)
            if m:
                found.append(f"{p.name}: {label}: ...{text[max(0, m.start() - 30) : m.end() + 30]}...")
        for m in re.finditer(r"(?<![\d.])\d+\.(\d+)\b(?! %| times)", text):
            # The screen's precision; below 0.1, two significant digits (at most two decimals more).
            value, decimals = float(m.group(0)), len(m.group(1))
            if value >= 0.1 and decimals != cfg.style.precision:
                found.append(f"{p.name}: number {m.group(0)} not at {cfg.style.precision} decimals")
            elif value < 0.1 and format_number(value, cfg.style.precision) != m.group(0):
                found.append(f"{p.name}: number {m.group(0)} not as the screen writes it")
        for cue in place_cues(p, 0.0, p.seconds):
            seconds = cue.end - cue.start
            if len(cue.lines) > MAX_LINES or any(len(line) > MAX_LINE for line in cue.lines):
                found.append(f"{p.name}: cue too long: {cue.lines}")
            if seconds < MIN_CUE - 1e-6:
                found.append(f"{p.name}: cue shown {seconds:.2f} s: {cue.text!r}")
            elif cue.chars / seconds > MAX_CPS + 1e-6:
                found.append(f"{p.name}: cue at {cue.chars / seconds:.1f} characters a second: {cue.text!r}")
    if len(runs) == 1:
        grades = {
            m.group(1)
            for p in script.passages
            for s in p.text.split(". ")
            if "gradient" in s
            for m in _VERDICT.finditer(s)
        }
        if len(grades) > 1:
            found.append(f"two verdicts about one gradient: {sorted(grades)}")
    return found


def test_generated_configs_break_no_reading_rule() -> None:
    per_rule: Counter[str] = Counter()
    examples: list[str] = []
    configs = corpus()
    checked = 0
    for data in configs:
        found = violations(data)
        checked += 1
        for v in found:
            per_rule[v.split(":")[1].strip() if ":" in v else v] += 1
        examples += found[:2]
    print(f"\n{checked} configs, {sum(per_rule.values())} violations: {dict(per_rule)}")
    assert sum(per_rule.values()) == 0, "\n".join(examples[:20])


def test_the_corpus_covers_every_scene_activation_and_sequence() -> None:
    configs = corpus()
    assert {c["scene"] for c in configs} == set(SCENES)
    assert {c["rnn"]["activation"] for c in configs} == set(ACTS)
    assert {c["sequence"]["kind"] for c in configs} == set(KINDS)
    assert {len(c["rnn"]["w_h"]) if isinstance(c["rnn"]["w_h"], list) else 1 for c in configs} == {1, 2, 3, 4}


def gated_corpus(n: int = 60) -> list[dict[str, Any]]:
    """LSTM and GRU configs as plain data (unrolled H = 1..4, gradients, comparisons of cells), the same every run."""
    rng = random.Random(13)
    out: list[dict[str, Any]] = []
    for i in range(n):
        cell = ("lstm", "gru")[i % 2]
        scene = ("unrolled", "unrolled", "gradients", "compare")[i % 4]
        length = rng.choice([2, 3, 5, 8, 12, 20, 32])
        kind = rng.choice(KINDS[:-1]) if i % 3 else "custom"
        seq: dict[str, Any] = {"kind": kind, "length": length}
        if kind == "custom":
            seq = {"kind": "custom", "values": [1.0] + [0.0] * (length - 1)}
        H = rng.choice([1, 1, 2, 4]) if scene == "unrolled" else 1
        keep = "forget" if cell == "lstm" else "update"
        gates: dict[str, Any] = {keep: {"b": rng.choice([0.0, 1.0, 2.0, 4.0]), "w_x": rng.choice([-4.0, 0.5, 1.0])}}
        if H > 1:
            gates[keep]["w_h"] = [[0.5 if r == c else 0.1 for c in range(H)] for r in range(H)]
        rnn: dict[str, Any] = {"cell": cell, "gates": gates, "h0": rng.choice([0.0, 0.3, -0.2])}
        cfg: dict[str, Any] = {
            "scene": scene,
            "sequence": seq,
            "rnn": rnn,
            "style": {"fast_after": rng.choice([1, 2, 4]), "precision": rng.choice([2, 2, 3])},
        }
        if scene == "compare":
            rnn.pop("cell")
            cfg["compare"] = {"field": "rnn.cell", "values": rng.choice([["rnn", "lstm", "gru"], ["lstm", "gru"]])}
        out.append(cfg)
    return out


def test_gated_configs_break_no_reading_rule() -> None:
    """The LSTM and GRU clips' words obey the same reading rules as the plain cell's."""
    examples: list[str] = []
    said = 0
    for data in gated_corpus():
        found = violations(data)
        said += 1
        examples += found[:2]
    print(f"\n{said} gated configs, {len(examples)} violations")
    assert not examples, "\n".join(examples[:20])
