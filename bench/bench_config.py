"""Benchmark: how fast configs are answered (loading the examples, refusing hostile files).

Prints wall-clock figures; these used to be asserts in the test suite, where a busy
machine made them fail for the wrong reason. Run from the repository root::

    python bench/bench_config.py
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from explainer.config import ConfigError, load_config  # noqa: E402


def _median_ms(fn: Callable[[], object], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _refuse(path: Path) -> None:
    try:
        load_config(path)
    except ConfigError:
        return
    raise AssertionError(f"{path} was accepted")


def main() -> None:
    configs = sorted((ROOT / "configs").glob("*.yaml"))
    load_config(configs[0])  # imports done
    every = _median_ms(lambda: [load_config(p) for p in configs])
    print(f"load all {len(configs)} example configs: {every:7.1f} ms  (target < 500 ms)")
    bad = ROOT / "tests" / "data" / "bad"
    for name in ("alias_bomb.yaml", "deep_nesting.yaml", "too_large.yaml"):
        path = bad / name
        if path.exists():
            print(f"refuse {name:<24} {_median_ms(lambda p=path: _refuse(p)):7.1f} ms  (target < 1000 ms)")


if __name__ == "__main__":
    main()
