"""Benchmark: how fast configs are answered (loading the examples, refusing hostile files).

Prints wall-clock figures and peak memory; these used to be asserts in the test suite,
where a busy machine made them fail for the wrong reason. Run from the repository root::

    python bench/bench_config.py

Hostile files are generated here, each under the 1 MiB size limit: 90,000 keys, a
500,000-item list, 60,000 values spread over many small lists, deep nesting, an alias
bomb, a file over the limit, a sweep whose ``base:`` is 5,000 characters. The largest
valid config (512 steps of 64-component inputs) is loaded with libyaml's event parser
and with the pure-Python fallback, side by side.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

import explainer.config.reader as reader  # noqa: E402
from explainer.config import ConfigError, load_config  # noqa: E402
from explainer.sweep import load_sweep  # noqa: E402


def _median_ms(fn: Callable[[], object], repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def _refuse(load: Callable[[Path], object], path: Path) -> None:
    try:
        load(path)
    except ConfigError:
        return
    raise AssertionError(f"{path} was accepted")


def _hostile(folder: Path) -> dict[str, tuple[Callable[[Path], object], Path]]:
    files: dict[str, str] = {
        "90000 keys": "sequence: {kind: sine}\n" + "".join(f"k{i}: 1\n" for i in range(90_000)),
        "500000-item list": "sequence: {kind: custom, values: [" + ",".join(["1"] * 500_000) + "]}\n",
        "60000 values in small lists": "sequence: {kind: sine}\nx:\n"
        + "".join("  - [" + ", ".join(["0"] * 60) + "]\n" for _ in range(1000)),
        "nesting 1000 deep": "sequence: {kind: sine}\nrnn: {w_h: " + "[" * 1000 + "]" * 1000 + "}\n",
        "alias bomb": "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "2 MB of comments": "# padding\n" * 200_000,
    }
    out: dict[str, tuple[Callable[[Path], object], Path]] = {}
    for i, (name, text) in enumerate(files.items()):
        path = folder / f"hostile{i}.yaml"
        path.write_text(text, encoding="utf-8")
        out[name] = (load_config, path)
    (folder / "sine.yaml").write_text("sequence: {kind: sine}\n", encoding="utf-8")
    sweep = folder / "long_base.yaml"
    sweep.write_text("base: " + "a" * 5000 + ".yaml\ngrid: {rnn.w_h: [1, 2]}\n", encoding="utf-8")
    out["sweep base of 5000 characters"] = (load_sweep, sweep)
    return out


def _largest_valid(folder: Path) -> Path:
    row = "[" + ", ".join(["0.125"] * 64) + "]"
    w_x = "[" + ", ".join([row] * 4) + "]"
    text = "sequence:\n  kind: custom\n  values:\n" + "".join(f"    - {row}\n" for _ in range(512))
    text += f"rnn:\n  w_x: {w_x}\n  w_h: [[0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 0.5, 0], [0, 0, 0, 0.5]]\n"
    path = folder / "largest.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    configs = sorted((ROOT / "configs").glob("*.yaml"))
    load_config(configs[0])  # imports done
    every = _median_ms(lambda: [load_config(p) for p in configs])
    print(f"load all {len(configs)} example configs: {every:7.1f} ms  (target < 500 ms)")
    bad = ROOT / "tests" / "data" / "bad"
    for name in ("alias_bomb.yaml", "deep_nesting.yaml"):
        path = bad / name
        if path.exists():
            print(f"refuse {name:<31} {_median_ms(lambda p=path: _refuse(load_config, p)):7.1f} ms  (target < 1000 ms)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, (load, path) in _hostile(folder).items():
            size = path.stat().st_size / 1e6
            ms = _median_ms(lambda lo=load, p=path: _refuse(lo, p))
            mb = _peak_mb(lambda lo=load, p=path: _refuse(lo, p))
            print(f"refuse {name:<31} {ms:7.1f} ms  peak {mb:6.1f} MB  ({size:.2f} MB file; target < 1000 ms)")
        largest = _largest_valid(folder)
        fast = _median_ms(lambda: load_config(largest), repeats=3)
        mb = _peak_mb(lambda: load_config(largest))
        original = reader._EVENT_LOADER
        reader._EVENT_LOADER = yaml.SafeLoader
        try:
            slow = _median_ms(lambda: load_config(largest), repeats=3)
        finally:
            reader._EVENT_LOADER = original
        kb = largest.stat().st_size / 1e3
        print(
            f"load the largest valid config ({kb:.0f} kB, 512 x 64 inputs): libyaml {fast:7.1f} ms "
            f"(peak {mb:.1f} MB), pure Python {slow:7.1f} ms: {slow / fast:.1f}x"
        )


if __name__ == "__main__":
    main()
