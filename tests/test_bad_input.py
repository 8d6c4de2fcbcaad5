"""The one-line error promise, reproducer by reproducer: each bad file and the exact line it must print.

Every case runs the command line in this process (:func:`explainer.cli.main`), so the
exit code and stderr are what a user sees, with warnings turned into errors (the README
promises that overflow never warns). Each expected line was written from the file's text
(positions counted by hand, 1-based), not copied from the loader's output.

The cases come from fuzzing (~160,000 generated configs) and real faults; the issue
"every bad input gets its one clean line" lists them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.constructor import SafeConstructor

import explainer.config.reader as reader
from explainer.cli import main
from rnn_engine import RNNParams, run
from rnn_engine.facts import run_facts

pytestmark = pytest.mark.filterwarnings("error")

#: FILE:LINE:COL: [field: ]message, on one line, nothing that is not printable.
LINE_RE = re.compile(r"^[^\n]+:\d+:\d+: [^\n]+$")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    """The single line on stderr (fails unless there is exactly one, printable, with no traceback)."""
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    line = err[:-1]
    assert line.isprintable(), repr(line)
    assert "Traceback" not in line
    return line


# ----------------------------------------------------------------------------- configs

# id -> (file text, what must follow "FILE:" on the one line)
CONFIGS: dict[str, tuple[str | bytes, str]] = {
    # Escapes put newlines, carriage returns, ANSI escapes and NULs into keys and values.
    "newline-in-key": (
        'sequence: {kind: sine}\n"rnn\\nx": 1\n',
        "2:1: 'rnn\\nx': unknown key 'rnn\\nx' (did you mean 'rnn'?)",
    ),
    "carriage-return-in-value": (
        'sequence: {kind: sine}\nrnn: {activation: "si\\rne"}\n',
        "2:19: rnn.activation: expected one of tanh, relu, sigmoid; got the text 'si\\rne'",
    ),
    "ansi-escape-in-value": (
        'sequence: {kind: sine}\nrnn: {activation: "\\e[31mred"}\n',
        "2:19: rnn.activation: text '\\x1b[31mred' contains U+001B (a control character); "
        "only printable characters are allowed",
    ),
    "next-line-and-line-separator": (
        'sequence: {kind: sine}\nrnn: {activation: "a\\x85b\\Lc"}\n',
        "2:19: rnn.activation: expected one of tanh, relu, sigmoid; got the text 'a\\x85b\\u2028c'",
    ),
    "nul-in-value": (
        'sequence: {kind: sine}\nrnn: {activation: "ta\\0nh"}\n',
        "2:19: rnn.activation: text 'ta\\x00nh' contains U+0000 (a control character); "
        "only printable characters are allowed",
    ),
    "delete-in-value": (
        'sequence: {kind: sine}\nrnn: {activation: "tanh\\x7f"}\n',
        "2:19: rnn.activation: text 'tanh\\x7f' contains U+007F (a control character); "
        "only printable characters are allowed",
    ),
    "uri-escaped-tag": (
        "sequence: {kind: sine}\nrnn: !%00g7 {}\n",
        "2:6: rnn: YAML tag '!%00g7' is not supported here (only plain numbers, text, true/false, lists, mappings)",
    ),
    "newline-in-output-name": (
        'sequence: {kind: sine}\noutput: {name: "a\\nb"}\n',
        "2:16: output.name: 'a\\nb' is not a valid name: 1 to 64 characters, letters, digits, '.', '_' or '-', "
        "starting with a letter or digit",
    ),
    "line-separator-in-title": (
        'title: "one\\Ltwo"\nsequence: {kind: sine}\n',
        "1:8: title: must be a single line",
    ),
    # Errors of the YAML library itself: exit 2 and a position (the escape's first hex digit),
    # never "error: ValueError".
    "escape-beyond-unicode": (
        'title: "\\U00110000"\nsequence: {kind: sine}\n',
        "1:11: YAML syntax error: found invalid Unicode character escape code "
        "(while parsing a quoted scalar at line 1)",
    ),
    # Accepted by validate, fatal at render: a lone surrogate (Python's encoder) or a NUL (Pango) in text.
    "surrogate-in-title": (
        'title: "\\ud800"\nsequence: {kind: sine}\n',
        "1:11: YAML syntax error: found invalid Unicode character escape code "
        "(while parsing a quoted scalar at line 1)",
    ),
    "surrogate-in-output-name": (
        'sequence: {kind: sine}\noutput: {name: "\\ud800"}\n',
        "2:19: YAML syntax error: found invalid Unicode character escape code "
        "(while parsing a quoted scalar at line 2)",
    ),
    "nul-in-title": (
        'title: "a\\0b"\nsequence: {kind: sine}\n',
        "1:8: title: text 'a\\x00b' contains U+0000 (a control character); only printable characters are allowed",
    ),
    # A misspelt required key: the unknown key, at its line, with the suggestion.
    "misspelt-required-key": (
        "title: Hi\nsequense: {kind: sine}\n",
        "2:1: sequense: unknown key 'sequense' (did you mean 'sequence'?)",
    ),
    "misspelt-required-nested-key": (
        "sequence:\n  kidn: sine\n",
        "2:3: sequence.kidn: unknown key 'kidn' (did you mean 'kind'?)",
    ),
    # Numbers YAML 1.1 reads unlike everyone else.
    "sexagesimal": (
        "sequence: {kind: sine, length: 1:30}\n",
        "1:32: sequence.length: '1:30' is a base-60 number in YAML 1.1 (read as 90); "
        "write the number in decimal, or quote it to mean text",
    ),
    "hexadecimal": (
        "sequence: {kind: sine, length: 0x10}\n",
        "1:32: sequence.length: '0x10' is a hexadecimal number in YAML 1.1 (read as 16); "
        "write the number in decimal, or quote it to mean text",
    ),
    "octal": (
        "sequence: {kind: sine, length: 010}\n",
        "1:32: sequence.length: '010' is an octal number in YAML 1.1 (read as 8); "
        "write the number in decimal, or quote it to mean text",
    ),
    "binary": (
        "sequence: {kind: sine}\nrnn: {w_h: 0b11}\n",
        "2:12: rnn.w_h: '0b11' is a binary number in YAML 1.1 (read as 3); "
        "write the number in decimal, or quote it to mean text",
    ),
    # Encodings.
    "utf32-with-bom": ("sequence: {kind: sine}\n".encode("utf-32"), "1:1: file is UTF-32 encoded; save it as UTF-8"),
    "utf16-without-bom": (
        "sequence: {kind: sine}\n".encode("utf-16-le"),
        "1:1: file looks UTF-16 encoded (no byte order mark); save it as UTF-8",
    ),
    # A compare section on a scene that shows one run is not silently ignored.
    "compare-on-unrolled": (
        "sequence: {kind: sine}\ncompare: {field: rnn.activation, values: [tanh, relu]}\n",
        "2:1: compare: scene 'unrolled' takes no compare section (only compare, weights do); "
        "remove it, or use one of those",
    ),
    # Overflow never warns: the error, and nothing before it.
    "overflowing-linear-under-zscore": (
        "sequence: {kind: linear, start: -1.7e308, step: 1.7e308, normalize: zscore}\n",
        "1:69: sequence.normalize: cannot normalise: x_3 overflows to infinity; "
        "shorten the sequence, shrink its parameters or use normalize: none",
    ),
    # Files that are not ours are named by kind, never echoed.
    "not-a-mapping": (
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n",
        "1:1: the top level must be a mapping of keys such as scene:, sequence:, rnn:; got text",
    ),
    "no-key-of-ours": (
        "network:\n  wifis: {home: {password: hunter2}}\n",
        "1:1: this is not an explainer config: no top-level key is one of "
        "title, scene, sequence, rnn, compare, memory, style, output, narration, slides",
    ),
    # Gated cells (rnn.cell: lstm | gru): keys that do not apply are refused, saying why.
    "lstm-with-activation": (
        "sequence: {kind: sine}\nrnn: {cell: lstm, activation: relu}\n",
        "2:19: rnn.activation: does not apply to the LSTM cell: its gates use sigmoid and its candidate tanh, "
        "fixed by the cell; remove it",
    ),
    "lstm-with-plain-w_h": (
        "sequence: {kind: sine}\nrnn:\n  cell: lstm\n  w_h: 0.9\n",
        "4:3: rnn.w_h: does not apply to the LSTM cell: each gate has its own: give it under rnn.gates.<gate>.w_h; "
        "remove it",
    ),
    "gates-with-plain-cell": (
        "sequence: {kind: sine}\nrnn: {gates: {forget: {b: 1}}}\n",
        "2:7: rnn.gates: the plain RNN cell has no gates; set cell: lstm or cell: gru to use gates, or remove it",
    ),
    "gru-gate-misspelt": (
        "sequence: {kind: sine}\nrnn:\n  cell: gru\n  gates:\n    updte: {b: 2}\n",
        "5:5: rnn.gates.updte: is not a gate of the GRU; its gates are reset, update, candidate "
        "(did you mean 'update'?)",
    ),
    "gru-with-c0": (
        "sequence: {kind: sine}\nrnn: {cell: gru, c0: 0.5}\n",
        "2:18: rnn.c0: the GRU has no cell state (only the LSTM has c); remove c0",
    ),
    "lstm-gate-key-misspelt": (
        "sequence: {kind: sine}\nrnn: {cell: lstm, gates: {forget: {bias: 1}}}\n",
        "2:36: rnn.gates.forget.bias: unknown key 'bias'; valid keys here: w_x, w_h, b",
    ),
    "lstm-gate-sizes-disagree": (
        "sequence: {kind: sine}\nrnn:\n  cell: lstm\n  gates:\n    input: {b: [0, 0, 0]}\n"
        "    forget: {w_h: [[1, 0], [0, 1]]}\n",
        "6:19: rnn.gates.forget.w_h: has size 2 but rnn.gates.input.b has H = 3; all gates and states share H",
    ),
    "lstm-number-w_x-with-vector-inputs": (
        "sequence: {kind: custom, values: [[1, 0], [0, 1]]}\nrnn: {cell: lstm, gates: {output: {w_x: 0.5}}}\n",
        "2:26: rnn.gates: (input.w_x) is not given (the default is a number) but the inputs have D = 2 "
        "components; give an H x D = 1 x 2 matrix (a list of 1 row of 2 numbers)",
    ),
    "lstm-written-number-w_x-with-vector-inputs": (
        "sequence: {kind: custom, values: [[1, 0], [0, 1]]}\nrnn:\n  cell: lstm\n  gates:\n    input: {w_x: 0.5}\n",
        "5:18: rnn.gates.input.w_x: is a single number but the inputs have D = 2 components; "
        "give an H x D = 1 x 2 matrix (a list of 1 row of 2 numbers)",
    ),
    "compare-cells-value-misspelt": (
        "scene: compare\ncompare: {field: rnn.cell, values: [rnn, lstmm]}\nsequence: {kind: sine}\n",
        "2:42: compare.values[1]: expected one of rnn, lstm, gru; got the text 'lstmm' (did you mean 'lstm'?)",
    ),
    "compare-cells-with-a-gated-base": (
        "scene: compare\ncompare: {field: rnn.cell, values: [rnn, lstm]}\nsequence: {kind: sine}\nrnn: {cell: lstm}\n",
        "4:13: rnn.cell: is the base of a comparison of cells, whose panels set it; leave it out (or cell: rnn)",
    ),
    "compare-activations-of-a-gru": (
        "scene: compare\nsequence: {kind: sine}\nrnn: {cell: gru}\n",
        "3:13: rnn.cell: scene 'compare' draws gated cells only side by side with the others "
        "(compare.field: rnn.cell); for one gated cell use scene: unrolled",
    ),
    "compare-cells-gate-misspelt": (
        "scene: compare\ncompare: {field: rnn.cell, values: [rnn, gru]}\nsequence: {kind: sine}\n"
        "rnn: {gates: {updte: {b: 1}}}\n",
        "4:15: rnn.gates.updte: is not a gate of any cell; the gates are input, forget, candidate, output, "
        "reset, update (did you mean 'update'?)",
    ),
    "gated-cell-in-memory-scene": (
        "scene: memory\nsequence: {kind: sine}\nrnn: {cell: lstm}\n",
        "3:13: rnn.cell: scene 'memory' draws the plain RNN only (cell: rnn); the LSTM is drawn by scene: unrolled, "
        "gradients, "
        "or beside the others by scene: compare with compare.field: rnn.cell",
    ),
}


def big_mapping(n: int) -> str:
    return "sequence: {kind: sine}\n" + "".join(f"k{i}: 1\n" for i in range(n))


def big_list(n: int) -> str:
    return "sequence: {kind: custom, values: [" + ",".join("1" for _ in range(n)) + "]}\n"


def many_values(rows: int) -> str:
    row = "[" + ", ".join("0" for _ in range(60)) + "]"
    return "sequence: {kind: sine}\nextra:\n" + "".join(f"  - {row}\n" for _ in range(rows))


# Heavy files under the size limit, refused by shape at the first node past the limit.
SHAPES: dict[str, tuple[str, str]] = {
    # Key n of the top-level mapping is on line n (line 1 is sequence:): key 257 is the first too many.
    "90000-keys": (big_mapping(90_000), "257:1: a mapping has more than 256 keys; a config needs far fewer"),
    # Entry k of the list starts at column 35 + 2 (k - 1) ("sequence: {kind: custom, values: [" is 34
    # characters, then "1," per entry): entry 1025 is the first too many.
    "500000-item-list": (
        big_list(500_000),
        f"1:{35 + 2 * 1024}: sequence.values: a list has more than 1024 entries; a config needs far fewer",
    ),
}


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "expected"), list(CONFIGS.values()), ids=list(CONFIGS))
def test_bad_config_prints_its_exact_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | bytes, expected: str
) -> None:
    path = write(tmp_path / "c.yaml", text)
    code, out, err = cli(capsys, "validate", str(path))
    assert (code, out) == (2, "")
    assert one_line(err) == f"{path}:{expected}"


@pytest.mark.parametrize("name", ["90000-keys", "500000-item-list"])
def test_heavy_files_are_refused_by_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    text, expected = SHAPES[name]
    path = write(tmp_path / "c.yaml", text)
    assert len(text.encode()) <= reader.MAX_BYTES  # under the size limit: the shape refuses it
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 2
    assert one_line(err) == f"{path}:{expected}"


def test_too_many_values_in_all_is_refused_at_the_value_past_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = many_values(1000)
    path = write(tmp_path / "c.yaml", text)
    # Values before the rows: the root mapping, "sequence", its mapping, "kind", "sine", "extra"
    # and the list of rows = 7. Then each row is a list (at its "[") and 60 numbers ("0, " each).
    after_prefix = reader.MAX_NODES + 1 - 7  # the first value too many, counted from the first row
    row, index_in_row = divmod(after_prefix - 1, 61)  # index 0 is the row's "[", k the k-th number
    line = 3 + row  # row 0 is on line 3
    col = 5 if index_in_row == 0 else 6 + 3 * (index_in_row - 1)  # "  - [" puts "[" at 5, number 1 at 6
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 2
    assert one_line(err) == (
        f"{path}:{line}:{col}: the file holds more than {reader.MAX_NODES} values; a config needs far fewer"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # PyYAML's own scanner fails with "ValueError: chr() arg not in range(0x110000)"; both
        # parsers point at the escape's first hex digit (column 11).
        (
            'title: "\\U00110000"\nsequence: {kind: sine}\n',
            "1:11: YAML syntax error: an escape names no Unicode character",
        ),
        # It lets lone surrogates through (libyaml does not); the text check refuses them.
        (
            'title: "\\ud800"\nsequence: {kind: sine}\n',
            "1:8: title: text '\\ud800' contains U+D800 (a lone surrogate, not a character); "
            "only printable characters are allowed",
        ),
        (
            "sequence: {kind: sine}\nrnn: !%00g7 {}\n",
            "2:6: rnn: YAML tag '!%00g7' is not supported here (only plain numbers, text, true/false, lists, mappings)",
        ),
    ],
    ids=["escape-beyond-unicode", "surrogate", "uri-escaped-tag"],
)
def test_the_pure_python_parser_gives_clean_lines_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    monkeypatch.setattr(reader, "_EVENT_LOADER", yaml.SafeLoader)  # PyYAML without libyaml
    path = write(tmp_path / "c.yaml", text)
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 2
    assert one_line(err) == f"{path}:{expected}"


def test_numbers_that_read_the_same_in_every_yaml_are_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "c.yaml", "sequence: {kind: sine, length: 007}\nrnn: {w_h: 1_0.5, b: -0}\n")
    code, out, err = cli(capsys, "validate", str(path))
    assert (code, err) == (0, "")
    assert "sine x 7" in out


def test_huge_numbers_neither_warn_in_trace_nor_in_the_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lin = write(tmp_path / "lin.yaml", "sequence: {kind: linear, start: 1e308, step: 1e308}\n")
    mem = write(
        tmp_path / "mem.yaml",
        "scene: memory\nsequence: {kind: linear, start: 1e308, step: 0}\nmemory: {delta: 1.7e308}\n",
    )
    for path in (lin, mem):
        code, out, err = cli(capsys, "trace", str(path))
        assert (code, err) == (0, ""), err
        assert "overflow" in out  # the overflowed inputs are shown, not warned about


def test_an_all_nan_run_is_not_called_a_vanishing_gradient() -> None:
    # z_1 = 10 * 1e308 + (-10) * 1e308 = inf - inf = NaN: every state is NaN.
    traj = run([[1e308], [1.0], [1.0]], RNNParams.from_values(10.0, -10.0, 0.0, 1e308, "relu"))
    assert all(v != v for v in traj.h.ravel())  # NaN throughout
    kinds = [f.kind for f in run_facts(traj)]
    assert "overflow" in kinds
    assert not {"survival", "impulse"} & set(kinds), kinds


# ----------------------------------------------------------------------------- sweeps

BASE = "sequence: {kind: sine, length: 3}\noutput: {name: sine, quality: l}\n"

# id -> (sweep text, the line after "SWEEP:")
SWEEPS: dict[str, tuple[str, str]] = {
    "empty-grid": ("base: sine.yaml\ngrid:\n", "2:6: grid: has no value; give one, or remove the key"),
    "empty-variants": (
        "base: sine.yaml\ngrid: {rnn.w_h: [1, 2]}\nvariants:\n",
        "3:10: variants: has no value; give one, or remove the key",
    ),
    "empty-name": (
        "name:\nbase: sine.yaml\ngrid: {rnn.w_h: [1, 2]}\n",
        "1:6: name: has no value; give one, or remove the key",
    ),
    "empty-file": ("", "1:1: the file is empty; a sweep needs base: and grid: and/or variants:"),
    "base-name-too-long": (
        "base: " + "a" * 5000 + ".yaml\ngrid: {rnn.w_h: [1, 2]}\n",
        "1:7: base: config file '" + "a" * 57 + "...' cannot be opened: File name too long",
    ),
    "base-etc-passwd": (
        "base: /etc/passwd\ngrid: {rnn.w_h: [1, 2]}\n",
        "1:7: base: '/etc/passwd' is not a config file: a base config is a .yaml or .yml file",
    ),
    "base-climbs-to-etc-shadow": (
        "base: ../../../../etc/shadow\ngrid: {rnn.w_h: [1, 2]}\n",
        "1:7: base: '../../../../etc/shadow' is not a config file: a base config is a .yaml or .yml file",
    ),
    "base-link-to-etc-passwd": (
        "base: passwd.yaml\ngrid: {rnn.w_h: [1, 2]}\n",
        "1:7: base: 'passwd.yaml' is not a config file: a base config is a .yaml or .yml file "
        "(it is a link to '/etc/passwd')",
    ),
    "control-character-in-grid-key": (
        'base: sine.yaml\ngrid: {"rnn\\e[31m": [1, 2]}\n',
        "2:8: grid: text 'rnn\\x1b[31m' contains U+001B (a control character); only printable characters are allowed",
    ),
    "newline-in-grid-key": (
        'base: sine.yaml\ngrid: {"rnn\\nw_h": [1, 2]}\n',
        "2:8: grid.'rnn\\nw_h': 'rnn\\nw_h' is not a dotted field path such as rnn.w_h",
    ),
}


@pytest.mark.parametrize(("text", "expected"), list(SWEEPS.values()), ids=list(SWEEPS))
def test_bad_sweep_prints_its_exact_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    write(tmp_path / "sine.yaml", BASE)
    (tmp_path / "passwd.yaml").symlink_to("/etc/passwd")
    path = write(tmp_path / "s.yaml", text)
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, "batch", str(path), "-o", str(out))
    assert (code, stdout) == (2, "")
    assert one_line(err) == f"{path}:{expected}"
    assert not out.exists()


def test_a_base_that_is_not_an_explainer_config_is_not_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = write(tmp_path / "netplan.yaml", "network:\n  wifis: {home: {password: hunter2}}\n")
    path = write(tmp_path / "s.yaml", "base: netplan.yaml\ngrid: {rnn.w_h: [1, 2]}\n")
    code, _, err = cli(capsys, "batch", str(path), "-o", str(tmp_path / "out"))
    assert code == 2
    assert one_line(err) == (
        f"{secret}:1:1: this is not an explainer config: no top-level key is one of "
        "title, scene, sequence, rnn, compare, memory, style, output, narration, slides"
    )
    assert "hunter2" not in err and "network" not in err and "wifis" not in err


def test_a_surrogate_in_a_sweep_grid_is_refused_before_any_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # With libyaml the escape itself is refused; the pure-Python parser lets it through to the text check.
    monkeypatch.setattr(reader, "_EVENT_LOADER", yaml.SafeLoader)
    write(tmp_path / "sine.yaml", BASE)
    path = write(tmp_path / "s.yaml", 'base: sine.yaml\ngrid: {title: [a, "\\ud800"]}\n')
    out = tmp_path / "out"
    code, _, err = cli(capsys, "batch", str(path), "-o", str(out))
    assert code == 2
    assert one_line(err) == (
        f"{path}:2:19: grid.title[1]: text '\\ud800' contains U+D800 (a lone surrogate, not a character); "
        "only printable characters are allowed"
    )
    assert not out.exists()


def test_a_file_name_with_control_characters_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "bad\x1b[31m.yaml", "sequence: {kind: sinus}\n")
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 2
    shown = str(path).replace("\x1b", "\\x1b")
    assert one_line(err).startswith(f"{shown}:1:18: sequence.kind: expected one of")


def test_warnings_are_errors_here() -> None:
    # The module's filter is what makes "and no warning" checkable: a warning fails the test.
    import warnings

    with pytest.raises(RuntimeWarning):
        warnings.warn("overflow", RuntimeWarning, stacklevel=1)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet="0123456789+-.eE_x:", max_size=10))
def test_the_reader_reads_plain_numbers_as_the_yaml_resolver_types_them(text: str) -> None:
    # The reader decides common numbers without PyYAML's resolver (faster); the answer must be the same.
    tag = reader._RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    if not tag.endswith((":int", ":float")) or reader._not_decimal(text) is not None:
        return
    construct = SafeConstructor().construct_yaml_int if tag.endswith(":int") else SafeConstructor().construct_yaml_float
    expected = construct(yaml.ScalarNode(tag, text))
    got = reader.parse_yaml(f"v: {text}\n").data["v"]
    assert type(got) is type(expected) and got == expected, (text, got, expected)
