"""Sweep files: expansion (grid, variants, both), clip names, duplicates, and error positions.

Nothing here renders. Expected line/column positions are found by searching the YAML
text the test wrote, not copied from the loader's output.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from explainer.config import ConfigError
from explainer.naming import NAME_RE
from explainer.sweep import MAX_JOBS, clip_name, load_sweep, load_sweep_text, sanitize_name

ROOT = Path(__file__).resolve().parent.parent

BASE = """\
title: Sine wave
sequence: {kind: sine, length: 3}
rnn: {activation: tanh, w_x: 0.5, w_h: 0.8}
memory: {perturb_step: 3}
output: {name: sine, quality: l}
"""


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def where(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the ``nth`` occurrence of ``needle`` in ``text``."""
    text = textwrap.dedent(text)
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return write(tmp_path, "configs/sine.yaml", BASE)


# ----------------------------------------------------------------------------- expansion


def test_grid_is_the_cartesian_product_in_order(tmp_path: Path, base: Path) -> None:
    sweep_path = write(
        tmp_path,
        "sweeps/acts.yaml",
        """\
        base: ../configs/sine.yaml
        grid:
          rnn.activation: [tanh, relu]
          rnn.w_h: [0.5, 1.5, 2]
        """,
    )
    sweep = load_sweep(sweep_path)
    assert sweep.name == "acts"
    assert sweep.source == sweep_path
    assert sweep.fields == ("rnn.activation", "rnn.w_h")
    expected = [(a, w) for a in ("tanh", "relu") for w in (0.5, 1.5, 2)]
    assert [(j.config.rnn.activation, j.config.rnn.w_h) for j in sweep.jobs] == expected
    assert [dict(j.params) for j in sweep.jobs] == [{"rnn.activation": a, "rnn.w_h": w} for a, w in expected]
    assert [j.name for j in sweep.jobs] == [f"sine-activation_{a}-w_h_{w}" for a, w in expected]
    for job in sweep.jobs:
        assert job.config.output.name == job.name == job.config.name
        # Everything not varied comes from the base.
        assert job.config.title == "Sine wave"
        assert job.config.sequence.length == 3
        assert job.config.rnn.w_x == 0.5
        assert job.config.output.quality == "l"
        assert job.variant is None


def test_variants_named_unnamed_and_nested(tmp_path: Path, base: Path) -> None:
    sweep_path = write(
        tmp_path,
        "sweeps/v.yaml",
        """\
        name: biases
        base: ../configs/sine.yaml
        variants:
          - name: positive
            rnn.b: 0.25
          - rnn: {b: -0.25, h0: 0.5}
        """,
    )
    sweep = load_sweep(sweep_path)
    assert sweep.name == "biases"
    assert [j.name for j in sweep.jobs] == ["sine-positive", "sine-b_-0.25-h0_0.5"]
    assert [j.variant for j in sweep.jobs] == ["positive", None]
    assert (sweep.jobs[0].config.rnn.b, sweep.jobs[0].config.rnn.h0) == (0.25, 0.0)
    # A nested mapping sets fields one by one: w_h and activation stay the base's.
    second = sweep.jobs[1].config.rnn
    assert (second.b, second.h0, second.w_h, second.activation) == (-0.25, 0.5, 0.8, "tanh")
    assert dict(sweep.jobs[1].params) == {"rnn.b": -0.25, "rnn.h0": 0.5}
    assert sweep.fields == ("rnn.b", "rnn.h0")


def test_variants_crossed_with_grid(tmp_path: Path, base: Path) -> None:
    sweep_path = write(
        tmp_path,
        "both.yaml",
        """\
        base: configs/sine.yaml
        variants:
          - {name: relu, rnn.activation: relu}
          - {name: sigm, rnn.activation: sigmoid}
        grid:
          rnn.w_h: [0.5, 1.0]
          sequence.length: [3, 4]
        """,
    )
    sweep = load_sweep(sweep_path)
    assert len(sweep) == 2 * 2 * 2
    got = [(j.variant, j.config.rnn.activation, j.config.rnn.w_h, j.config.sequence.length) for j in sweep.jobs]
    assert got == [(v, a, w, n) for v, a in (("relu", "relu"), ("sigm", "sigmoid")) for w in (0.5, 1.0) for n in (3, 4)]
    assert sweep.jobs[0].name == "sine-relu-w_h_0.5-length_3"
    assert sweep.jobs[-1].name == "sine-sigm-w_h_1-length_4"
    assert dict(sweep.jobs[-1].params) == {"rnn.activation": "sigmoid", "rnn.w_h": 1.0, "sequence.length": 4}
    assert sweep.fields == ("rnn.activation", "rnn.w_h", "sequence.length")


def test_mapping_grid_values_merge_into_the_base_section(tmp_path: Path, base: Path) -> None:
    sweep = load_sweep(
        write(
            tmp_path,
            "s.yaml",
            """\
        base: configs/sine.yaml
        grid:
          sequence: [{kind: linear, step: 2}, {kind: alternating}]
        """,
        )
    )
    lin, alt = (j.config.sequence for j in sweep.jobs)
    # length 3 is kept from the base; sine's own parameters are dropped with the kind.
    assert (lin.kind, lin.length, lin.step) == ("linear", 3, 2.0)
    assert (alt.kind, alt.length) == ("alternating", 3)
    assert [j.name for j in sweep.jobs] == ["sine-sequence_linear_2", "sine-sequence_alternating"]


def test_inline_base_takes_the_sweep_name_unless_it_names_itself(tmp_path: Path) -> None:
    text = """\
        base:
          sequence: {kind: linear, length: 2}
        grid:
          rnn.w_h: [0.5]
        """
    sweep = load_sweep(write(tmp_path, "my sweep.yaml", text))
    assert sweep.name == "my-sweep"  # the stem, sanitised
    assert [j.name for j in sweep.jobs] == ["my-sweep-w_h_0.5"]
    named = load_sweep_text(textwrap.dedent(text).replace("length: 2}", "length: 2}\n  output: {name: lin}"))
    assert [j.name for j in named.jobs] == ["lin-w_h_0.5"]
    assert named.source is None


def test_loading_a_sweep_does_not_import_manim(tmp_path: Path, base: Path) -> None:
    sweep_path = write(tmp_path, "s.yaml", "base: configs/sine.yaml\ngrid: {rnn.w_h: [0.5, 1.5]}\n")
    code = (
        "import sys; from explainer.sweep import load_sweep; "
        f"s = load_sweep({str(sweep_path)!r}); assert len(s.jobs) == 2; "
        "print('manim' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- names


def test_clip_name_example_and_rule() -> None:
    assert clip_name("sine", [("rnn.activation", "relu"), ("rnn.w_h", 1.5)]) == "sine-activation_relu-w_h_1.5"
    assert clip_name("sine", [("rnn.w_h", 2.0)]) == "sine-w_h_2"
    assert clip_name("sine", [("rnn.w_h", [[1, 0], [0, 1]])]) == "sine-w_h_2x2_1_0_0_1"
    assert clip_name("sine", [("rnn.b", 0.1)], variant="small") == "sine-small-b_0.1"
    # A label shared by two varied fields is spelled out in full.
    assert clip_name("s", [("rnn.b", 1), ("sequence.b", 2)]) == "s-rnn.b_1-sequence.b_2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a b/c", "a-b-c"),
        ("..hidden", "hidden"),
        ("x..y", "x.y"),
        ("über", "ber"),
        ("!!!", "clip"),
    ],
)
def test_sanitize_name(text: str, expected: str) -> None:
    assert sanitize_name(text) == expected
    assert NAME_RE.fullmatch(expected)


def test_long_names_are_cut_with_a_distinguishing_hash() -> None:
    a = sanitize_name("x" * 80 + "a")
    b = sanitize_name("x" * 80 + "b")
    assert len(a) == len(b) == 64
    assert a != b
    assert a.startswith("x" * 40) and NAME_RE.fullmatch(a) and NAME_RE.fullmatch(b)
    assert sanitize_name("x" * 80 + "a") == a  # deterministic


def test_long_grid_names_stay_valid_and_unique(tmp_path: Path, base: Path) -> None:
    sweep = load_sweep(
        write(
            tmp_path,
            "s.yaml",
            """\
        base: configs/sine.yaml
        grid:
          sequence.length: [3, 4]
          rnn.w_h: [0.123456789012345, 0.123456789012346]
          rnn.w_x: [0.987654321098765]
          rnn.b: [0.555555555555555]
        """,
        )
    )
    names = [j.name for j in sweep.jobs]
    assert len(set(names)) == 4
    assert all(NAME_RE.fullmatch(n) for n in names)
    assert any(len(n) == 64 for n in names)


# ----------------------------------------------------------------------------- errors


def check_error(
    exc: ConfigError, path: Path, text: str, field: str, needle: str, nth: int = 0, contains: str = ""
) -> None:
    line, col = where(text, needle, nth)
    assert (exc.file, exc.line, exc.col, exc.field) == (str(path), line, col, field), str(exc)
    assert str(exc).startswith(f"{path}:{line}:{col}: {field}: " if field else f"{path}:{line}:{col}: ")
    assert "\n" not in str(exc)
    assert contains in exc.message


BAD_SWEEPS = [
    pytest.param(
        "base: sine.yaml\ngird:\n  rnn.w_h: [1]\n", "gird", "gird", 0, "did you mean 'grid'", id="unknown-top-key"
    ),
    pytest.param(
        "base: sine.yaml\ngrid:\n  rnn.w_h: [0.5, 1.5, x]\n",
        "grid.rnn.w_h[2]",
        "x]",
        0,
        "expected a number",
        id="grid-value-type",
    ),
    pytest.param(
        "base: sine.yaml\ngrid:\n  rnn.activation: [tanh, tahn]\n",
        "grid.rnn.activation[1]",
        "tahn",
        0,
        "did you mean 'tanh'",
        id="grid-value-choice",
    ),
    pytest.param(
        "base: sine.yaml\ngrid:\n  rnn.w_hh: [1, 2]\n",
        "grid.rnn.w_hh",
        "rnn.w_hh",
        0,
        "did you mean 'w_h'",
        id="grid-unknown-field",
    ),
    pytest.param(
        "base: sine.yaml\ngrid:\n  rnn.w_h: 0.5\n", "grid.rnn.w_h", "0.5", 0, "non-empty list", id="grid-not-a-list"
    ),
    pytest.param(
        "base: sine.yaml\ngrid:\n  rnn.w_h: []\n", "grid.rnn.w_h", "[]", 0, "non-empty list", id="grid-empty-list"
    ),
    pytest.param(
        "base: sine.yaml\ngrid:\n  output.name: [a, b]\n",
        "grid.output.name",
        "output.name",
        0,
        "variant's 'name:'",
        id="grid-output-name",
    ),
    pytest.param(
        "base: sine.yaml\ngrid:\n  rnn: [{w_h: 1}]\n  rnn.w_h: [2]\n",
        "grid.rnn.w_h",
        "rnn.w_h",
        0,
        "overlaps",
        id="grid-overlap",
    ),
    pytest.param(
        "base: sine.yaml\ngrid:\n  rnn.w_h: [1, 1.0]\n",
        "grid.rnn.w_h[1]",
        "1.0",
        0,
        "made twice",
        id="duplicate-grid-names",
    ),
    pytest.param(
        "base: sine.yaml\nvariants:\n  - {name: a, rnn.b: 1}\n  - {name: a, rnn.b: 2}\n",
        "variants[1].name",
        "a,",
        1,
        "made twice",
        id="duplicate-variant-names",
    ),
    pytest.param(
        "base: sine.yaml\nvariants:\n  - name: bad name\n    rnn.b: 1\n",
        "variants[0].name",
        "bad name",
        0,
        "not a valid name",
        id="variant-bad-name",
    ),
    pytest.param(
        "base: sine.yaml\nvariants:\n  - rnn.b\n",
        "variants[0]",
        "rnn.b",
        0,
        "expected a mapping",
        id="variant-not-mapping",
    ),
    pytest.param(
        "base: sine.yaml\nvariants:\n  - rnn: {w_h: 1, activaton: relu}\n",
        "variants[0].rnn.activaton",
        "activaton",
        0,
        "did you mean 'activation'",
        id="variant-unknown-field",
    ),
    pytest.param(
        "base: sine.yaml\nvariants:\n  - rnn.b: [1, 2]\n", "variants[0].rnn.b", "[1, 2]", 0, "H = 1", id="variant-shape"
    ),
    pytest.param(
        "base: sine.yaml\nvariants:\n  - {rnn.w_h: 2}\ngrid:\n  rnn.w_h: [1]\n",
        "variants[0].rnn.w_h",
        "rnn.w_h",
        0,
        "also varied by grid",
        id="variant-grid-clash",
    ),
    pytest.param("base: sine.yaml\nvariants: []\n", "variants", "[]", 0, "non-empty list", id="variants-empty"),
    pytest.param("grid:\n  rnn.w_h: [1]\n", "", "grid", 0, "needs 'base:'", id="no-base"),
    pytest.param(
        "base: nowhere.yaml\ngrid:\n  rnn.w_h: [1]\n", "base", "nowhere", 0, "not found", id="base-missing-file"
    ),
    pytest.param(
        "base: [1, 2]\ngrid:\n  rnn.w_h: [1]\n", "base", "[1, 2]", 0, "file path or an inline", id="base-wrong-type"
    ),
    pytest.param(
        "base:\n  sequence: {kind: sinus}\ngrid:\n  rnn.w_h: [1]\n",
        "base.sequence.kind",
        "sinus",
        0,
        "did you mean 'sine'",
        id="inline-base-invalid",
    ),
    pytest.param(
        "base:\n  sequence: {kind: sine}\n  rnn: {w_hx: 1}\ngrid:\n  rnn.w_h: [1]\n",
        "base.rnn.w_hx",
        "w_hx",
        0,
        "unknown key",
        id="inline-base-unknown-key",
    ),
    pytest.param(
        "base: sine.yaml\ngrid:\n  sequence.length: [4, 2]\n",
        "grid.sequence.length[1]",
        "2]",
        0,
        "with sequence.length = 2: memory.perturb_step",
        id="cross-field-rule",
    ),
    pytest.param("base: sine.yaml\n", "", "base", 0, "grid:", id="nothing-varied"),
    pytest.param(
        "name: bad/name\nbase: sine.yaml\ngrid: {rnn.w_h: [1]}\n",
        "name",
        "bad/name",
        0,
        "not a valid name",
        id="bad-sweep-name",
    ),
    pytest.param("base: sine.yaml\ngrid:\n  rnn.w_h: [1, 2]]\n", "", "]\n", 0, "YAML syntax error", id="yaml-syntax"),
    pytest.param("base: sine.yaml\nv: &v [1]\ngrid:\n  rnn.w_h: *v\n", "", "*v", 0, "aliases", id="yaml-alias"),
    pytest.param("- base: sine.yaml\n", "", "-", 0, "a sweep file is a mapping", id="top-level-list"),
]


@pytest.mark.parametrize(("text", "field", "needle", "nth", "contains"), BAD_SWEEPS)
def test_bad_sweeps_point_at_the_sweep_line(
    tmp_path: Path, text: str, field: str, needle: str, nth: int, contains: str
) -> None:
    write(tmp_path, "sine.yaml", BASE)
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_sweep(path)
    check_error(info.value, path, text, field, needle, nth, contains)


def test_too_many_jobs_is_refused_before_validating_them(tmp_path: Path) -> None:
    write(tmp_path, "sine.yaml", BASE)
    side = int(MAX_JOBS**0.5) + 1
    values = ", ".join(str(i) for i in range(side))
    text = f"base: sine.yaml\ngrid:\n  rnn.w_h: [{values}]\n  rnn.w_x: [{values}]\n"
    path = write(tmp_path, "big.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_sweep(path)
    check_error(info.value, path, text, "grid", "rnn.w_h", contains=f"expands to {side * side} clips")


def test_invalid_base_file_is_reported_in_the_base_file(tmp_path: Path) -> None:
    bad_base = "sequence:\n  kind: sine\n  lenght: 3\n"
    base_path = write(tmp_path, "b.yaml", bad_base)
    write(tmp_path, "s.yaml", "base: b.yaml\ngrid: {rnn.w_h: [1]}\n")
    with pytest.raises(ConfigError) as info:
        load_sweep(tmp_path / "s.yaml")
    check_error(info.value, base_path, bad_base, "sequence.lenght", "lenght", contains="did you mean 'length'")


def test_bad_sweep_exits_2_with_one_line_and_renders_nothing(tmp_path: Path) -> None:
    write(tmp_path, "sine.yaml", BASE)
    text = "base: sine.yaml\ngrid:\n  rnn.w_h: [0.5, x]\n"
    path = write(tmp_path, "bad.yaml", text)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "render.py"), "batch", str(path), "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    line, col = where(text, "x]")
    assert proc.stderr == f"{path}:{line}:{col}: grid.rnn.w_h[1]: expected a number, got the text 'x'\n"
    assert not out.exists()


def test_every_example_sweep_loads() -> None:
    sweeps = sorted((ROOT / "configs" / "sweeps").glob("*.yaml"))
    assert sweeps, "configs/sweeps/ has no example sweeps"
    for path in sweeps:
        sweep = load_sweep(path)
        assert len(sweep.jobs) >= 2, path
        assert len({j.name for j in sweep.jobs}) == len(sweep.jobs)
