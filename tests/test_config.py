"""Config loading and validation: the example configs, the bad-input corpus, overrides, round trips.

Expected positions in ``BAD`` were worked out by reading each file in
``tests/data/bad/`` (1-based line and column of the offending token), not copied
from the loader's output; the comment on each entry says where the spot is.
"""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from explainer.config import (
    COMMAND_LINE,
    ConfigError,
    check_renderable,
    from_dict,
    load_config,
    load_config_bytes,
    load_config_text,
    parse_override,
    with_overrides,
)
from rnn_engine import ACTIVATIONS, NORMALIZATIONS, SEQUENCE_DEFAULTS, SEQUENCE_KINDS

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))
BAD_DIR = ROOT / "tests" / "data" / "bad"

# file -> (line, col or None, field path, substring of the message)
BAD: dict[str, tuple[int, int | None, str, str]] = {
    # --- reading: bytes, syntax, documents
    "syntax_error.yaml": (4, 11, "", "mapping values are not allowed"),  # second ':' in "  w_h: 0.8: 0.9"
    "tab_indent.yaml": (2, 1, "", "'\\t'"),  # the tab that starts line 2
    "empty.yaml": (1, 1, "", "empty"),
    "comments_only.yaml": (1, 1, "", "empty"),
    "not_mapping_list.yaml": (1, 1, "", "top level must be a mapping"),
    "not_mapping_scalar.yaml": (1, 1, "", "top level must be a mapping"),
    "multi_document.yaml": (3, 1, "", "more than one YAML document"),  # the '---' line
    "binary_garbage.yaml": (1, 1, "", "not valid UTF-8"),  # first byte is 0xff
    "latin1.yaml": (1, 11, "", "not valid UTF-8"),  # the Latin-1 e-acute after "title: Caf"
    "nul_bytes.yaml": (2, 11, "", "NUL"),  # after "  kind: si"
    "utf16.yaml": (1, 1, "", "UTF-16"),
    "control_char.yaml": (1, 12, "", "U+0007"),  # after "title: bell"
    "deep_nesting.yaml": (4, 38, "", "nested more than 32"),  # 31st '[' (depth 33: root, rnn, then '['s), col 8 + 30
    "int_too_long.yaml": (4, 8, "rnn.w_h", "cannot read"),
    # --- safety: tags, aliases, merge keys, keys
    "python_tag.yaml": (3, 6, "rnn", "Python-specific"),  # the '!!python/...' tag after "rnn: "
    "unknown_tag.yaml": (3, 6, "rnn", "'!cell'"),
    "alias_bomb.yaml": (2, 8, "", "aliases"),  # first '*a' on line 2, after "b: &b ["
    "merge_key.yaml": (4, 3, "rnn", "merge keys"),
    "non_string_key.yaml": (3, 1, "", "quote it"),
    # --- duplicate keys at several depths (at the second occurrence)
    "duplicate_top.yaml": (4, 1, "scene", "duplicate key 'scene'"),
    "duplicate_nested.yaml": (6, 3, "rnn.w_x", "duplicate key 'w_x'"),
    "duplicate_in_list.yaml": (9, 7, "compare.values[1].x", "duplicate key 'x'"),
    # --- unknown keys and enum words, with suggestions
    "unknown_top_key.yaml": (1, 1, "sceen", "did you mean 'scene'"),
    "unknown_nested_key.yaml": (4, 3, "rnn.activaton", "did you mean 'activation'"),
    "unknown_key_no_match.yaml": (4, 3, "style.colour_scheme", "valid keys here: theme"),
    "bad_activation.yaml": (4, 15, "rnn.activation", "did you mean 'tanh'"),
    "bad_kind.yaml": (2, 9, "sequence.kind", "did you mean 'fibonacci'"),
    "bad_theme.yaml": (4, 10, "style.theme", "did you mean 'dark'"),
    "bad_quality.yaml": (4, 12, "output.quality", "expected one of l, m, h, p, k"),
    # --- structure
    "missing_sequence.yaml": (1, 1, "sequence", "required"),  # nearest node: the top-level mapping
    "missing_kind.yaml": (2, 3, "sequence.kind", "required"),  # nearest node: the sequence mapping
    "section_not_mapping.yaml": (1, 11, "sequence", "expected a mapping"),
    "null_value.yaml": (1, 7, "title", "no value"),  # the empty value right after "title:"
    # --- types and ranges
    "bool_as_number.yaml": (4, 8, "rnn.w_h", "boolean"),
    "bool_in_matrix.yaml": (6, 8, "rnn.w_h[1][0]", "boolean"),
    "string_number.yaml": (4, 8, "rnn.w_x", "remove the quotes"),
    "inf_weight.yaml": (4, 8, "rnn.w_h", "finite"),
    "nan_param.yaml": (3, 10, "sequence.phase", "finite"),
    "length_out_of_range.yaml": (3, 11, "sequence.length", "at most 512"),
    "length_not_integer.yaml": (3, 11, "sequence.length", "whole number"),
    "step_seconds_range.yaml": (4, 17, "style.step_seconds", "at least 0.25"),
    "precision_range.yaml": (4, 14, "style.precision", "at most 4"),
    "title_too_long.yaml": (1, 8, "title", "at most 100"),
    # --- shapes
    "wh_ragged.yaml": (6, 7, "rnn.w_h[1]", "equal length"),
    "wh_not_square.yaml": (5, 7, "rnn.w_h[0]", "square"),
    "wx_rows_mismatch.yaml": (5, 8, "rnn.w_x", "one row per hidden unit"),
    "wx_cols_mismatch.yaml": (7, 7, "rnn.w_x[0]", "D = 2"),
    "wx_flat_list.yaml": (5, 8, "rnn.w_x", "list of rows"),
    "b_length_mismatch.yaml": (5, 6, "rnn.b", "H = 2"),
    "vector_inputs_scalar_wx.yaml": (5, 8, "rnn.w_x", "D = 2"),
    # --- sequences
    "custom_ragged.yaml": (6, 7, "sequence.values[2]", "same length"),
    "custom_mixed.yaml": (3, 15, "sequence.values[1]", "mixes"),
    "custom_missing_values.yaml": (2, 3, "sequence.values", "needs 'values'"),
    "custom_length_mismatch.yaml": (3, 11, "sequence.length", "has 3 entries"),
    "param_wrong_kind.yaml": (3, 3, "sequence.base", "sine takes amplitude, period, phase"),
    "values_on_preset.yaml": (3, 3, "sequence.values", "only for kind 'custom'"),
    "base_not_positive.yaml": (3, 9, "sequence.base", "greater than 0"),
    "period_zero.yaml": (3, 11, "sequence.period", "greater than 0"),
    "normalize_overflow.yaml": (5, 14, "sequence.normalize", "overflows"),
    # --- compare / weights
    "compare_bad_field.yaml": (5, 10, "compare.field", "did you mean 'rnn.w_h'"),
    "compare_bad_value.yaml": (8, 7, "compare.values[1]", "did you mean 'relu'"),
    "compare_too_many.yaml": (11, 7, "compare.values[4]", "at most 4"),
    "compare_too_few.yaml": (6, 11, "compare.values", "2 to 4"),
    "compare_repeated_value.yaml": (6, 20, "compare.values[2]", "repeats"),  # 1.0 repeats 1
    "compare_panel_shape.yaml": (10, 7, "compare.values[1]", "rnn.b"),  # the 2 x 2 W_h meets a 1-entry b
    "weights_activation_field.yaml": (5, 10, "compare.field", "scene 'weights'"),
    "weights_without_compare.yaml": (1, 8, "scene", "needs a 'compare' section"),
    # --- output and memory
    "output_name_dotdot.yaml": (4, 9, "output.name", "'..'"),
    "output_name_slash.yaml": (4, 9, "output.name", "path separator"),
    "output_name_absolute.yaml": (4, 9, "output.name", "absolute path"),
    "memory_delta_and_drop.yaml": (6, 3, "memory.delta", "drop"),
    "memory_step_out_of_range.yaml": (6, 17, "memory.perturb_step", "only 8 steps"),
    "memory_step_is_the_last.yaml": (6, 17, "memory.perturb_step", "no later step"),
}

LINE_RE = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+): (?:(?P<field>[\w.\[\]]+): )?(?P<msg>[^\n]+)$")


def _error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value


def test_bad_corpus_is_complete() -> None:
    on_disk = {p.name for p in BAD_DIR.iterdir()}
    assert on_disk == set(BAD), "every bad file needs an expectation, and every expectation a file"
    assert len(BAD) >= 30


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_config_is_reported_at_its_line_and_field(name: str) -> None:
    line, col, field, needle = BAD[name]
    err = _error(BAD_DIR / name)
    text = str(err)
    assert "\n" not in text
    m = LINE_RE.match(text)
    assert m, text
    assert m["file"] == str(BAD_DIR / name)
    assert (err.line, int(m["line"])) == (line, line), text
    if col is not None:
        assert (err.col, int(m["col"])) == (col, col), text
    assert err.field == field, text
    assert (m["field"] or "") == field, text
    assert needle in err.message, text


def test_too_large_file_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * 200_000)  # 2 MB of comments
    err = _error(big)
    assert (err.line, err.col) == (1, 1)
    assert "too large" in err.message


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    err = _error(tmp_path / "nope.yaml")
    assert str(err).startswith(f"{tmp_path / 'nope.yaml'}:1:1: cannot read")


def test_errors_and_configs_survive_pickling() -> None:
    # Batch workers run in other processes: configs go there, errors come back.
    with pytest.raises(ConfigError) as info:
        load_config(BAD_DIR / "bad_activation.yaml")
    err = pickle.loads(pickle.dumps(info.value))
    assert (str(err), err.line, err.field) == (str(info.value), 4, "rnn.activation")
    cfg = load_config(ROOT / "configs" / "default.yaml")
    again = pickle.loads(pickle.dumps(cfg))
    assert again == cfg and again.source == cfg.source
    assert with_overrides(again, {"rnn.w_h": 1.5}).rnn.w_h == 1.5


def test_all_problems_are_collected_in_document_order() -> None:
    text = "sequence:\n  kind: sine\n  length: 0\nrnn:\n  activation: tahn\n  w_h: true\n"
    with pytest.raises(ConfigError) as info:
        load_config_text(text, "x.yaml")
    errs = info.value.errors
    assert [(e.line, e.field) for e in errs] == [(3, "sequence.length"), (5, "rnn.activation"), (6, "rnn.w_h")]
    assert errs[0] is info.value


# ----------------------------------------------------------------------------- good configs


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_example_config_loads(path: Path) -> None:
    cfg = load_config(path)
    assert cfg.source == path
    assert cfg.name == path.stem  # no example sets output.name: the stem is the default
    assert cfg.title.strip()


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_to_dict_round_trips(path: Path) -> None:
    cfg = load_config(path)
    data = cfg.to_dict()
    json.dumps(data, allow_nan=False)  # plain JSON data
    again = from_dict(json.loads(json.dumps(data)))
    assert again == cfg
    assert hash(again) == hash(cfg)
    assert again.to_dict() == data


def test_examples_cover_every_kind_and_scene() -> None:
    cfgs = [load_config(p) for p in CONFIGS]
    assert {c.sequence.kind for c in cfgs} == set(SEQUENCE_KINDS)
    assert {c.scene for c in cfgs} == {"unrolled", "compare", "weights", "memory", "gradients"}
    assert {c.rnn.activation for c in cfgs} == set(ACTIVATIONS)
    assert any(c.hidden_size > 1 for c in cfgs)
    assert any(c.steps == 64 for c in cfgs)
    assert any(c.style.theme == "light" for c in cfgs)
    assert sum(c.steps <= 12 for c in cfgs) > len(cfgs) // 2
    grads = {(c.rnn.activation, c.rnn.w_h) for c in cfgs if c.scene == "gradients"}
    assert "sigmoid" in {a for a, _ in grads}
    assert any(a == "relu" and w > 1 for a, w in grads)


def test_default_config_is_the_main_explainer() -> None:
    cfg = load_config(ROOT / "configs" / "default.yaml")
    assert cfg.scene == "unrolled"
    assert (cfg.sequence.kind, cfg.sequence.length) in {("sine", 8), ("fibonacci", 8)}
    assert cfg.sequence.normalize != "none"
    assert (cfg.rnn.activation, cfg.rnn.w_x, cfg.rnn.w_h, cfg.rnn.b) == ("tanh", 0.5, 0.8, 0.1)


def test_named_examples() -> None:
    weights = load_config(ROOT / "configs" / "weights_wh.yaml")
    assert weights.compare is not None
    assert weights.compare.field == "rnn.w_h" and weights.compare.values == (0.5, 1.0, 1.5)
    assert weights.sequence.values == (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    relu = load_config(ROOT / "configs" / "relu_exponential.yaml")
    assert (relu.rnn.activation, relu.sequence.kind, relu.sequence.normalize) == ("relu", "exponential", "none")


def test_config_modules_do_not_import_manim() -> None:
    code = "import explainer.config, explainer.runs, sys; assert 'manim' not in sys.modules, 'manim imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# ----------------------------------------------------------------------------- defaults and rules


def test_defaults_from_the_schema() -> None:
    cfg = load_config_text("sequence:\n  kind: sine\n")
    assert cfg.scene == "unrolled"
    assert cfg.title == "How an RNN remembers"
    seq = cfg.sequence
    assert (seq.length, seq.normalize, seq.values) == (8, "none", None)
    assert seq.params == {"amplitude": 1.0, "period": 8.0, "phase": 0.0}
    assert (cfg.rnn.activation, cfg.rnn.w_x, cfg.rnn.w_h, cfg.rnn.b, cfg.rnn.h0) == ("tanh", 0.5, 0.8, 0.0, 0.0)
    assert cfg.compare is None
    assert (cfg.memory.perturb_step, cfg.memory.delta, cfg.memory.drop) == (1, 1.0, False)
    s = cfg.style
    assert (s.theme, s.step_seconds, s.fast_after, s.fast_step_seconds, s.precision) == ("dark", 2.0, 4, 0.6, 2)
    assert (cfg.output.quality, cfg.output.format) == ("h", "mp4")
    assert cfg.source is None and cfg.name == "rnn_explainer"


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("linear", {"start": 1.0, "step": 1.0}),
        ("alternating", {"a": 1.0, "b": -1.0}),
        ("exponential", {"base": 2.0}),
        ("fibonacci", {}),
    ],
)
def test_kind_parameter_defaults(kind: str, params: dict[str, float]) -> None:
    assert load_config_text(f"sequence: {{kind: {kind}}}\n").sequence.params == params


def test_compare_defaults_for_compare_scene() -> None:
    cfg = load_config_text("scene: compare\nsequence: {kind: sine}\n")
    assert cfg.compare is not None
    assert (cfg.compare.field, cfg.compare.values) == ("rnn.activation", ("tanh", "relu", "sigmoid"))


def test_compare_on_a_scene_without_panels_is_refused_after_its_values_are_checked() -> None:
    # A scene whose registry entry has no compare_fields takes no compare section (it used to be
    # ignored without a word); a bad value inside it is still reported first, at the value.
    with pytest.raises(ConfigError, match=r"compare\.values\[1\]: expected one of tanh"):
        load_config_text("sequence: {kind: sine}\ncompare: {field: rnn.activation, values: [tanh, 7]}\n")
    for scene in ("unrolled", "memory", "gradients"):
        with pytest.raises(ConfigError, match=rf"^<string>:2:1: compare: scene '{scene}' takes no compare section"):
            load_config_text(f"scene: {scene}\ncompare: {{field: rnn.w_h, values: [1, 2]}}\nsequence: {{kind: sine}}\n")


def test_custom_length_comes_from_values_and_vectors_give_d() -> None:
    cfg = load_config_text(
        "sequence:\n  kind: custom\n  values: [[1, 0], [0, 1], [1, 1]]\nrnn:\n  w_x: [[0.5, -0.5]]\n"
    )
    assert (cfg.steps, cfg.input_size, cfg.hidden_size) == (3, 2, 1)
    assert cfg.sequence.values == ((1.0, 0.0), (0.0, 1.0), (1.0, 1.0))


def test_scalar_w_x_with_vector_state_is_allowed() -> None:
    cfg = load_config_text("sequence: {kind: sine}\nrnn:\n  w_x: 0.5\n  w_h: [[0.5, 0], [0, 0.5]]\n  b: [0.1, 0.2]\n")
    assert (cfg.hidden_size, cfg.rnn.w_x, cfg.rnn.b) == (2, 0.5, (0.1, 0.2))


def test_hidden_size_up_to_64() -> None:
    def matrix(n: int) -> str:
        rows = ("[" + ", ".join("0.1" if i == j else "0" for j in range(n)) + "]" for i in range(n))
        return "[" + ", ".join(rows) + "]"

    # 64 units pass the schema (the engine and `trace` handle them) but no scene draws
    # them: check_renderable names the field.
    cfg = load_config_text(f"sequence: {{kind: sine}}\nrnn: {{w_h: {matrix(64)}}}\n")
    assert cfg.hidden_size == 64
    expected = r"^<string>:2:12: rnn\.w_h: scene 'unrolled' shows at most 4 hidden units; .*H = 64"
    with pytest.raises(ConfigError, match=expected):
        check_renderable(cfg)
    check_renderable(load_config_text(f"sequence: {{kind: sine}}\nrnn: {{w_h: {matrix(4)}}}\n"))
    with pytest.raises(ConfigError, match="at most 64"):
        load_config_text(f"sequence: {{kind: sine}}\nrnn: {{w_h: {matrix(65)}}}\n")


def test_yaml_number_spellings() -> None:
    cfg = load_config_text("sequence: {kind: sine}\nrnn: {w_x: 1e-3, w_h: 2.5E+1, b: -7}\nmemory: {drop: yes}\n")
    assert (cfg.rnn.w_x, cfg.rnn.w_h, cfg.rnn.b, cfg.memory.drop) == (0.001, 25.0, -7.0, True)


def test_integer_fields_refuse_booleans() -> None:
    with pytest.raises(ConfigError, match=r"sequence\.length: expected a whole number, got the boolean true"):
        load_config_text("sequence: {kind: sine, length: true}\n")


def test_config_is_frozen() -> None:
    cfg = load_config_text("sequence: {kind: sine}\n")
    with pytest.raises(ValidationError):
        cfg.scene = "memory"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        cfg.rnn.w_h = 2.0  # type: ignore[misc]


def test_equality_is_by_content_not_source(tmp_path: Path) -> None:
    text = "sequence: {kind: sine}\noutput: {name: same}\n"
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(text)
    b.write_text(text)
    assert load_config(a) == load_config(b)
    assert load_config(a) != load_config_text(text.replace("sine", "linear"))


def test_default_name_is_a_safe_version_of_the_stem(tmp_path: Path) -> None:
    path = tmp_path / "my sweep (v2).yaml"
    path.write_text("sequence: {kind: sine}\n")
    assert load_config(path).name == "my_sweep__v2_"


# ----------------------------------------------------------------------------- overrides


def test_overrides_layer_after_the_file() -> None:
    path = ROOT / "configs" / "default.yaml"
    cfg = load_config(path, {"output.quality": "l", "rnn.w_h": 1.5, "style.theme": "light"})
    assert (cfg.output.quality, cfg.rnn.w_h, cfg.style.theme) == ("l", 1.5, "light")
    assert cfg.rnn.w_x == 0.5  # untouched keys keep the file's values
    assert cfg.source == path


def test_override_errors_name_the_command_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(ROOT / "configs" / "default.yaml", {"output.quality": "x"})
    assert str(info.value) == f"{COMMAND_LINE}: output.quality: expected one of l, m, h, p, k; got the text 'x'"
    assert info.value.line is None


def test_override_of_unknown_section_suggests() -> None:
    expected = r"^<command line>: outptu: unknown key 'outptu' \(did you mean 'output'\?\)$"
    with pytest.raises(ConfigError, match=expected):
        load_config_text("sequence: {kind: sine}\n", overrides={"outptu.quality": "l"})


def test_override_errors_keep_file_positions_for_the_rest() -> None:
    # The override makes H = 2; the error is in the file's b (line 3), so it points there.
    with pytest.raises(ConfigError) as info:
        text = "sequence: {kind: sine}\nrnn:\n  b: [0.1, 0.2, 0.3]\n"
        load_config_text(text, "f.yaml", {"rnn.w_h": [[1, 0], [0, 1]]})
    assert (info.value.file, info.value.line, info.value.field) == ("f.yaml", 3, "rnn.b")


@pytest.mark.parametrize("bad", ["rnn..w_h", ".rnn", "rnn.w_h.", "1rnn", ""])
def test_override_paths_must_be_dotted_names(bad: str) -> None:
    with pytest.raises(ConfigError, match="dotted field path"):
        load_config_text("sequence: {kind: sine}\n", overrides={bad: 1})


def test_override_inside_a_scalar_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"sequence\.kind\.x: 'sequence\.kind' is not a mapping"):
        load_config_text("sequence: {kind: sine}\n", overrides={"sequence.kind.x": 1})


def test_with_overrides_returns_a_new_validated_config() -> None:
    base = load_config_text("sequence: {kind: sine, period: 4}\nrnn: {w_h: 0.5}\n", "base.yaml")
    derived = with_overrides(with_overrides(base, {"rnn.w_h": 1.5}), {"rnn.activation": "relu"})
    assert (base.rnn.w_h, base.rnn.activation) == (0.5, "tanh")
    assert (derived.rnn.w_h, derived.rnn.activation) == (1.5, "relu")
    assert derived.sequence.period == 4.0
    with pytest.raises(ConfigError, match=r"^sweep\.yaml: rnn\.w_h: expected a number"):
        with_overrides(base, {"rnn.w_h": "big"}, origin="sweep.yaml")


def test_overriding_the_kind_drops_the_old_kinds_parameters() -> None:
    base = load_config_text("sequence: {kind: sine, period: 4, amplitude: 2}\n")
    fib = with_overrides(base, {"sequence.kind": "fibonacci"})
    assert (fib.sequence.kind, fib.sequence.params) == ("fibonacci", {})
    lin = with_overrides(base, {"sequence.start": 3, "sequence.kind": "linear"})
    assert lin.sequence.params == {"start": 3.0, "step": 1.0}


def test_override_none_restores_the_default() -> None:
    base = load_config_text("sequence: {kind: sine, period: 4}\n")
    assert with_overrides(base, {"sequence.period": None}).sequence.period == 8.0


def test_parse_override() -> None:
    assert parse_override("rnn.w_h=1.5") == ("rnn.w_h", 1.5)
    assert parse_override("rnn.activation = relu") == ("rnn.activation", "relu")
    assert parse_override("rnn.w_x=[[1], [0]]") == ("rnn.w_x", [[1], [0]])
    for bad in ("rnn.w_h", "rnn.w_h=", "=3", "rnn.w_h=[1,"):
        with pytest.raises(ConfigError):
            parse_override(bad)


# ----------------------------------------------------------------------------- fuzzing


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(raw: bytes) -> None:
    try:
        load_config_bytes(raw, "fuzz.yaml")
    except ConfigError as exc:
        assert "\n" not in str(exc)


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([*SEQUENCE_KINDS, *NORMALIZATIONS, *ACTIVATIONS, "rnn.w_h", "compare", "../x", ""]),
)
_KEYS = st.sampled_from(
    [
        "scene",
        "sequence",
        "rnn",
        "compare",
        "memory",
        "style",
        "output",
        "title",
        "kind",
        "length",
        "values",
        "w_x",
        "w_h",
        "b",
        "h0",
        "field",
        "drop",
        "delta",
        "name",
        "bogus",
        *SEQUENCE_DEFAULTS["sine"],
    ]
)
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=12
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_arbitrary_data_gives_config_or_config_error(data: dict) -> None:
    try:
        cfg = from_dict(data)
    except ConfigError as exc:
        assert "\n" not in str(exc) and exc.message
    else:
        assert from_dict(cfg.to_dict()) == cfg
