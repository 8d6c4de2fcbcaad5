"""Bounded fuzzing of the config and sweep loaders through the command line, with fixed seeds.

Each generated file must be either accepted, or answered with exactly one printable line
``FILE:LINE:COL: ...`` on stderr and exit code 2: no traceback, no warning (warnings are
errors here), nothing written, within a generous time and memory bound per file. The bound
is a hang or blow-up detector (a hostile file once took 15 s and 468 MB), not a speed
target; ``bench/bench_config.py`` measures the speed.

The generators write YAML text themselves, so that what reaches the loader includes what
only text can hold: escapes (``"\\e[31m"``, ``"\\ud800"``, ``"\\U00110000"``), tags
(``!!python/object``, ``!%00g7``), anchors and aliases, YAML 1.1 numbers (``1:30``,
``0x10``, ``010``), huge and non-finite numbers, long lists, other encodings, and valid
shipped configs with random edits.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import resource
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import explainer.batch.command as command
from explainer.batch import BatchReport
from explainer.cli import main

pytestmark = pytest.mark.filterwarnings("error")

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "configs").glob("*.yaml"))]

#: Per generated file: far above what any takes (milliseconds), far below a hang.
SECONDS_BOUND = 10.0
MEGABYTES_BOUND = 300

PLAIN = [
    *("sine", "linear", "custom", "fibonacci", "exponential", "tanh", "relu", "sigmoid", "zscore", "maxabs"),
    *("compare", "memory", "gradients", "weights", "unrolled", "rnn.w_h", "rnn.activation", "sequence.kind"),
    *("0", "1", "2", "8", "-1", "0.5", "1.5", "3", "512", "513", "1e308", "-1.7e308", "1.7e308", "1e-320"),
    *(".inf", "-.inf", ".nan", "1:30", "0x10", "010", "0b11", "007", "1_000", "yes", "no", "null", "~"),
    *("2001-12-14", "<<", "=HYPERLINK(1)", "x" * 120, "9" * 5000, "a b", "../x", "/etc/passwd"),
]
QUOTED = [
    *('"\\n"', '"rnn\\nx"', '"si\\rne"', '"\\e[31m"', '"\\x85"', '"a\\Lb"', '"\\0"', '"\\x7f"', '"\\ud800"'),
    *('"\\U00110000"', '"\\U0001F600"', "'it''s'", '"a\\tb"', '"\\u202e"', '"\\x1b]0;title\\x07"', "''", '""'),
]
TAGGED = [
    *("!!int 1", "!!float x", "!!python/object:os.system ''", "!%00g7 1", "! 1", "!!binary aGk="),
    *("!!set {a}", "!!str 1", "!!timestamp 2001-01-01", "!!bool maybe", "!!null x", "!!int 0x1F"),
]
ANCHORS = ["&a 1", "*a", "&b [1, 2]", "*b"]
KEYS = [
    *("title", "scene", "sequence", "rnn", "compare", "memory", "style", "output", "kind", "length", "values"),
    *("normalize", "start", "step", "base", "period", "amplitude", "phase", "a", "b", "activation", "w_x", "w_h"),
    *("h0", "field", "perturb_step", "delta", "drop", "theme", "fast_step_seconds", "precision", "name"),
    *("quality", "format", "sequense", "<<", '"rnn\\nx"', '"\\e[1m"', "? [a]", "1", "null"),
]

scalars = st.sampled_from(PLAIN + QUOTED + TAGGED + ANCHORS)
keys = st.sampled_from(KEYS)
long_lists = st.integers(0, 1500).map(lambda n: "[" + ", ".join(["1"] * n) + "]")


def _flow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(keys, children), max_size=4).map(
            lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"
        ),
    )


values = st.one_of(st.recursive(scalars, _flow, max_leaves=10), long_lists)
block_docs = st.lists(st.tuples(keys, values), max_size=8).map(lambda kv: "".join(f"{k}: {v}\n" for k, v in kv))


@st.composite
def edited_configs(draw: st.DrawFn) -> str:
    """A shipped config with a few random edits: inserted fragments, deleted spans."""
    text = draw(st.sampled_from(SHIPPED))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = (
                text[:at]
                + draw(st.one_of(values, st.sampled_from([": ", "\n", "  ", "- ", "---\n", "\t"])))
                + text[at:]
            )
        else:
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
    return text


@st.composite
def encoded(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> bytes:
    text = draw(texts)
    how = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1"]))
    return text.encode(how, "surrogatepass" if how.startswith("utf") else "replace")


config_files = encoded(st.one_of(block_docs, edited_configs(), values))

_counter = itertools.count()


def run_cli(args: list[str]) -> tuple[int, str, str, float, float]:
    """``main(args)`` with stdout and stderr captured; also its wall time and peak memory growth (MB)."""
    out, err = io.StringIO(), io.StringIO()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    seconds = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    return code, out.getvalue(), err.getvalue(), seconds, grown


def check_promise(files: list[Path], code: int, out: str, err: str, seconds: float, grown: float) -> bool:
    """The promise for one run; True if it was accepted. ``files``: what the line may name (the first is the input)."""
    sample = files[0].read_bytes()[:200]
    assert seconds < SECONDS_BOUND, f"{seconds:.1f} s for {sample!r}"
    assert grown < MEGABYTES_BOUND, f"{grown:.0f} MB more for {sample!r}"
    if code == 0:
        assert err == "", err
        return True
    assert code == 2, (code, err, sample)
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    line = err[:-1]
    assert line.isprintable(), repr(line)
    names = "|".join(re.escape(str(f)) for f in files)
    assert re.match(rf"^(?:{names}):\d+:\d+: \S", line), line
    return False


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(raw=config_files)
def test_fuzzed_configs_keep_the_promise(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / f"c{next(_counter)}.yaml"
    path.write_bytes(raw)
    code, out, err, seconds, grown = run_cli(["validate", str(path)])
    if check_promise([path], code, out, err, seconds, grown):
        assert out.startswith(f"{path}: ok ("), out
        # What validate accepts, the engine computes without a warning.
        code, _, err, seconds, _ = run_cli(["trace", str(path), "--json"])
        assert (code, err) == (0, ""), err
        assert seconds < SECONDS_BOUND


# ----------------------------------------------------------------------------- sweeps

BASE = "sequence: {kind: sine, length: 3}\noutput: {name: sine, quality: l}\n"
PATHS = [
    *("rnn.w_h", "rnn.activation", "sequence.kind", "sequence.length", "title", "output.name", "rnn", "memory"),
    *("rnn.w_hh", "sequence", "style.theme", "scene", "compare.values", '"rnn\\nw_h"', '"\\e[31m"', "1x", "a..b"),
]
BASES = [
    *("sine.yaml", "missing.yaml", "/etc/passwd", "../../../../etc/shadow", "passwd.yaml", "netplan.yaml"),
    *('"a\\nb.yaml"', '"\\0.yaml"', "a" * 5000 + ".yaml", "{sequence: {kind: sine}}", "[1, 2]", "''"),
]

#: Mostly plausible values, so that many generated sweeps are valid and reach the jobs' validation.
PLAUSIBLE = st.sampled_from(["0.5", "1.5", "2", "-1", "0", "tanh", "relu", "sine", "linear", "3", "1e308"])
NAMED_PATHS = st.sampled_from(["rnn.w_h", "rnn.b", "rnn.activation", "sequence.kind", "sequence.length", "title"])


def _mapping(pairs: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"


good_grids = st.dictionaries(NAMED_PATHS, st.lists(PLAUSIBLE, min_size=1, max_size=3), min_size=1, max_size=2).map(
    lambda grid: _mapping([(k, "[" + ", ".join(v) + "]") for k, v in grid.items()])
)
other_grids = st.one_of(
    st.lists(st.tuples(st.sampled_from(PATHS), st.lists(scalars, max_size=3)), max_size=3).map(
        lambda kv: _mapping([(k, "[" + ", ".join(v) + "]") for k, v in kv])
    ),
    values,
    st.just(""),
)
good_variants = st.lists(
    st.lists(st.tuples(st.sampled_from(["rnn.b", "rnn.h0", "name", "style.theme"]), PLAUSIBLE), min_size=1, max_size=2)
    .map(dict)
    .map(lambda d: _mapping(list(d.items()))),
    min_size=1,
    max_size=3,
).map(lambda xs: "[" + ", ".join(xs) + "]")
other_variants = st.one_of(
    st.lists(st.lists(st.tuples(st.sampled_from([*PATHS, "name"]), scalars), max_size=3).map(_mapping), max_size=3).map(
        lambda xs: "[" + ", ".join(xs) + "]"
    ),
    values,
    st.just(""),
)


def _weighted(draw: st.DrawFn, good: st.SearchStrategy[str], other: st.SearchStrategy[str], tenths: int) -> str:
    """``good`` in ``tenths`` of ten draws, else ``other``: many sweeps are valid, the rest fail anywhere."""
    return draw(good if draw(st.integers(0, 9)) < tenths else other)


@st.composite
def sweep_docs(draw: st.DrawFn) -> str:
    parts = []
    if draw(st.booleans()):
        parts.append(f"name: {_weighted(draw, st.just('my_sweep'), scalars, 7)}\n")
    if draw(st.integers(0, 9)):
        parts.append(f"base: {_weighted(draw, st.just('sine.yaml'), st.one_of(st.sampled_from(BASES), values), 7)}\n")
    if draw(st.integers(0, 9)):
        parts.append(f"grid: {_weighted(draw, good_grids, other_grids, 7)}\n")
    if draw(st.integers(0, 3)) == 0:
        parts.append(f"variants: {_weighted(draw, good_variants, other_variants, 6)}\n")
    return "".join(draw(st.permutations(parts)))


@pytest.fixture
def no_rendering(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The batch command up to the point where it would render: a loaded sweep is only recorded."""
    started: list[str] = []

    def stand_in(sweep: object, out_dir: Path, **kwargs: object) -> BatchReport:
        started.append(getattr(sweep, "name"))  # noqa: B009 - any sweep object
        return BatchReport(getattr(sweep, "name"), Path(out_dir), (), 0.0)  # noqa: B009

    monkeypatch.setattr(command, "run_sweep", stand_in)
    return started


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=sweep_docs())
def test_fuzzed_sweeps_keep_the_promise(tmp_path: Path, no_rendering: list[str], text: str) -> None:
    folder = tmp_path / f"s{next(_counter)}"
    folder.mkdir()
    (folder / "sine.yaml").write_text(BASE, encoding="utf-8")
    (folder / "netplan.yaml").write_text("network:\n  wifis: {home: {password: hunter2}}\n", encoding="utf-8")
    (folder / "passwd.yaml").symlink_to("/etc/passwd")
    path = folder / "sweep.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    out = folder / "out"
    code, stdout, err, seconds, grown = run_cli(["batch", str(path), "-o", str(out)])
    # A line names the sweep, or a base file that is invalid on its own.
    accepted = check_promise([path, folder / "sine.yaml", folder / "netplan.yaml"], code, stdout, err, seconds, grown)
    assert "hunter2" not in err and "root:" not in err  # nothing of a file that is not ours
    assert not out.exists()  # nothing written, accepted or not (the stand-in renders nothing)
    if accepted:
        assert no_rendering and stdout.startswith("0 clips")
