"""The command-line contract: exit codes, one-line errors, no Manim for validate/trace."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))
BAD = sorted((ROOT / "tests" / "data" / "bad").glob("*"))


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "render.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_validate_accepts_every_shipped_config() -> None:
    res = cli("validate", *map(str, CONFIGS))
    assert res.returncode == 0, res.stderr
    assert res.stdout.count(": ok (") == len(CONFIGS)


def test_validate_refuses_each_bad_config_with_one_line_naming_it() -> None:
    assert len(BAD) >= 25
    res = cli("validate", *map(str, BAD))
    assert res.returncode == 2, res.stdout
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert "Traceback" not in res.stderr
    assert len(lines) == len(BAD), res.stderr  # exactly one line per bad file
    for path, line in zip(BAD, lines, strict=True):
        assert line.startswith(f"{path}:"), line


def test_validate_mixed_good_and_bad_exits_2_and_reports_only_the_bad(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sequence:\n  kind: sine\nrnn:\n  activation: tahn\n")
    res = cli("validate", str(CONFIGS[0]), str(bad))
    assert res.returncode == 2
    assert res.stderr.strip() == (f"{bad}:4:15: rnn.activation: " + res.stderr.split("rnn.activation: ", 1)[1].strip())
    assert "did you mean 'tanh'" in res.stderr


def test_validate_and_trace_do_not_import_manim() -> None:
    code = (
        "import sys; sys.argv=['render.py','trace','configs/default.yaml','--json'];"
        "from explainer.cli import main; import io, contextlib;"
        "buf=io.StringIO();\n"
        "with contextlib.redirect_stdout(buf): rc=main()\n"
        "assert rc==0; assert 'manim' not in sys.modules, 'manim imported'"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_script_prints_every_passage_with_its_take_without_manim() -> None:
    code = (
        "import sys; sys.argv=['render.py','script','configs/default.yaml'];"
        "from explainer.cli import main; import io, contextlib;"
        "buf=io.StringIO();\n"
        "with contextlib.redirect_stdout(buf): rc=main()\n"
        "assert rc==0; assert 'manim' not in sys.modules, 'manim imported'\n"
        "print(buf.getvalue())"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    from explainer.config import load_config
    from explainer.runs import build_runs
    from explainer.words import build_script, take_name

    cfg = load_config(ROOT / "configs/default.yaml")
    script = build_script(cfg, build_runs(cfg))
    for i, p in enumerate(script.passages):
        assert f"Take: `{take_name(i, p.name)}.wav`" in res.stdout
        assert p.text in res.stdout
    bad = cli("script", "tests/data/bad/memory_step_is_the_last.yaml")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and not bad.stdout


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _check_gated_trace(run: dict[str, Any]) -> None:
    """Recompute an LSTM or GRU run from its printed weights, as torch.nn.LSTM / nn.GRU define them."""
    cell = run["cell"]
    names = {"lstm": ["input", "forget", "candidate", "output"], "gru": ["reset", "update", "candidate"]}[cell]
    assert set(run) >= {"label", "cell", "gate_weights", "h0", "x", "h", "gates"}
    assert list(run["gates"]) == names and list(run["gate_weights"]) == names
    assert ("c" in run) == (cell == "lstm") and "z" not in run
    x = np.array(run["x"], dtype=float)
    x = x.reshape(len(x), -1)
    h = np.array(run["h"], dtype=float).reshape(len(x), -1)
    H = h.shape[1]

    def weights(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w = run["gate_weights"][name]
        wx = np.array(w["w_x"], dtype=float)
        wx = wx.reshape(H, -1) if wx.ndim else np.full((H, x.shape[1]), float(wx))
        wh = np.array(w["w_h"], dtype=float)
        wh = wh.reshape(H, H) if wh.ndim else float(wh) * np.eye(H)
        return wx, wh, np.broadcast_to(np.array(w["b"], dtype=float), (H,))

    W = {name: weights(name) for name in names}
    prev = np.broadcast_to(np.array(run["h0"], dtype=float), (H,)).copy()
    c = np.broadcast_to(np.array(run.get("c0", 0.0), dtype=float), (H,)).copy()
    for t in range(len(x)):
        if cell == "lstm":
            pre = {n: W[n][0] @ x[t] + W[n][1] @ prev + W[n][2] for n in names}
            g = {
                "input": _sigmoid(pre["input"]),
                "forget": _sigmoid(pre["forget"]),
                "candidate": np.tanh(pre["candidate"]),
                "output": _sigmoid(pre["output"]),
            }
            c = g["forget"] * c + g["input"] * g["candidate"]
            new = g["output"] * np.tanh(c)
            np.testing.assert_allclose(np.array(run["c"], dtype=float).reshape(len(x), H)[t], c, rtol=1e-12, atol=1e-12)
        else:
            r = _sigmoid(W["reset"][0] @ x[t] + W["reset"][1] @ prev + W["reset"][2])
            u = _sigmoid(W["update"][0] @ x[t] + W["update"][1] @ prev + W["update"][2])
            n = np.tanh(W["candidate"][0] @ x[t] + W["candidate"][2] + r * (W["candidate"][1] @ prev))
            g = {"reset": r, "update": u, "candidate": n}
            new = (1.0 - u) * n + u * prev
        for name in names:
            shown = np.array(run["gates"][name], dtype=float).reshape(len(x), H)[t]
            np.testing.assert_allclose(shown, g[name], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(h[t], new, rtol=1e-12, atol=1e-12)
        prev = new


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_trace_json_matches_the_recurrence_for_every_shipped_config(path: Path) -> None:
    """Recompute h_t = f(W_x x_t + W_h h_(t-1) + b) independently from the printed numbers."""
    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z))}
    res = cli("trace", str(path), "--json")
    assert res.returncode == 0, (path, res.stderr)
    data = json.loads(res.stdout)
    assert data["runs"], path
    for run in data["runs"]:
        if run["cell"] != "rnn":
            _check_gated_trace(run)
            continue
        assert set(run) >= {"label", "cell", "activation", "w_x", "w_h", "b", "h0", "x", "z", "h"}
        x = np.array(run["x"], dtype=float)
        z = np.array(run["z"], dtype=float)
        h = np.array(run["h"], dtype=float)
        if not (np.isfinite(h).all() and np.isfinite(z).all()):
            continue  # overflow runs are checked by the engine tests
        x = x.reshape(len(x), -1)
        H = 1 if h.ndim == 1 else h.shape[1]
        h2 = h.reshape(len(h), H)
        w_x = np.array(run["w_x"], dtype=float)
        w_x = w_x.reshape(H, -1) if w_x.ndim else np.full((H, 1), float(w_x))
        w_h = np.array(run["w_h"], dtype=float).reshape(H, H)
        b = np.broadcast_to(np.array(run["b"], dtype=float), (H,))
        prev = np.broadcast_to(np.array(run["h0"], dtype=float), (H,))
        f = acts[run["activation"]]
        for t in range(len(x)):
            zt = w_x @ x[t] + w_h @ prev + b
            np.testing.assert_allclose(z.reshape(len(z), H)[t], zt, rtol=1e-12, atol=1e-12)
            prev = f(zt)
            np.testing.assert_allclose(h2[t], prev, rtol=1e-12, atol=1e-12)


def test_trace_text_shows_every_step(tmp_path: Path) -> None:
    res = cli("trace", str(ROOT / "configs" / "default.yaml"))
    assert res.returncode == 0
    rows = [ln for ln in res.stdout.splitlines() if ln.strip() and ln.split()[0].isdigit()]
    assert [int(r.split()[0]) for r in rows] == list(range(1, len(rows) + 1))
    assert len(rows) >= 2


def test_trace_json_is_valid_even_when_the_state_overflows(tmp_path: Path) -> None:
    cfg = tmp_path / "boom.yaml"
    cfg.write_text("sequence: {kind: exponential, length: 512, base: 10}\nrnn: {activation: relu, w_x: 1, w_h: 3}\n")
    res = cli("trace", str(cfg), "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)  # strict JSON: NaN/Infinity would fail json.loads? no -> check text
    assert "Infinity" not in res.stdout and "NaN" not in res.stdout
    h = data["runs"][0]["h"]
    assert len(h) == 512
    assert any(v is None or (isinstance(v, str)) or (isinstance(v, float) and math.isinf(v)) for v in h[-5:])


def test_render_of_a_bad_config_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sequence: {kind: sine}\nrnn: {w_h: yes}\n")
    out = tmp_path / "out"
    res = cli("render", str(bad), "-o", str(out))
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1
    assert "rnn.w_h" in res.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "args", [[], ["render"], ["frobnicate"], ["render", "x.yaml", "-q", "z"], ["render", "x.yaml", "--format", "avi"]]
)
def test_usage_errors_exit_2_on_one_line(args: list[str]) -> None:
    res = cli(*args)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert res.stderr.strip()


def test_missing_config_file_is_one_line_exit_2(tmp_path: Path) -> None:
    res = cli("validate", str(tmp_path / "nope.yaml"))
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1
    assert "nope.yaml" in res.stderr


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "scene: compare\nsequence: {kind: sine, length: 40}\n",
            ":2:32: sequence.length: scene 'compare' shows at most 32",
        ),
        (
            "scene: memory\nsequence: {kind: sine}\nrnn: {w_h: [[1, 0], [0, 1]], w_x: [[1], [1]]}\n",
            ":3:12: rnn.w_h: scene 'memory' shows a scalar hidden state (H = 1); this config has H = 2",
        ),
        ("sequence: {kind: sine, length: 200}\n", ":1:32: sequence.length: scene 'unrolled' shows at most 128 steps"),
    ],
)
def test_validate_refuses_what_the_scene_cannot_draw_but_trace_computes_it(
    tmp_path: Path, text: str, where: str
) -> None:
    cfg = tmp_path / "big.yaml"
    cfg.write_text(text)
    res = cli("validate", str(cfg))
    assert res.returncode == 2
    assert res.stderr.startswith(f"{cfg}{where}"), res.stderr
    assert cli("trace", str(cfg), "--json").returncode == 0
