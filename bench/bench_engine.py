"""Benchmark: the vectorised engine (``run_batch``) against a per-set Python loop.

Both sides compute the same numbers through the public engine API: the forward
pass and the derived arrays (``backward_factors``, ``grad_to_last``,
``sensitivity_to_last`` and the four per-step flags). The loop calls
``RNNParams.from_values`` + ``run`` once per parameter set, as a naive user would.

The loop baseline runs over a subset of the sets (``--loop-sets``) and is scaled
linearly to the full batch; per-set cost does not depend on the batch size, so the
scaling is exact up to noise. Vectorised and loop runs are interleaved and
repeated, and medians are reported, so that both sides see the same machine load.

Run from the repository root::

    python bench/bench_engine.py            # defaults: 10,000 sets x 64 steps
    python bench/bench_engine.py --sets 2000 --repeats 3
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnn_engine import RNNParams, run, run_batch  # noqa: E402

DERIVED = ("backward_factors", "grad_to_last", "sensitivity_to_last", "saturated", "dead", "exploding", "nonfinite")


@dataclass(frozen=True)
class Case:
    name: str
    hidden: int
    inputs: int
    activation: str


CASES = (Case("scalar H=1", 1, 1, "tanh"), Case("vector H=8", 8, 1, "tanh"))


def make_params(case: Case, sets: int, seed: int) -> tuple[np.ndarray, ...]:
    """Random parameter sets of order-1 scale, as the videos use."""
    rng = np.random.default_rng(seed)
    H, D = case.hidden, case.inputs
    w_x = rng.normal(0.0, 1.0, (sets, H, D))
    # Spectral radius around 1 (some sets contract, some expand): realistic workloads.
    w_h = rng.normal(0.0, 1.0 / np.sqrt(H), (sets, H, H))
    b = rng.normal(0.0, 0.3, (sets, H))
    h0 = np.zeros((sets, H))
    return w_x, w_h, b, h0


def vectorised(x: np.ndarray, params: tuple[np.ndarray, ...], activation: str) -> object:
    batch = run_batch(x, *params, activation)
    for name in DERIVED:
        getattr(batch, name)
    return batch


def loop(x: np.ndarray, params: tuple[np.ndarray, ...], activation: str, count: int) -> list[object]:
    w_x, w_h, b, h0 = params
    out = []
    for i in range(count):
        traj = run(x, RNNParams.from_values(w_x[i], w_h[i], b[i], h0[i], activation))
        for name in DERIVED:
            getattr(traj, name)
        out.append(traj)
    return out


def output_floor(case: Case, sets: int, steps: int) -> None:
    """Allocate and write once the two (N, T, H, H) outputs (backward factors and
    grad_to_last): no arithmetic at all, just the memory any vectorised version
    must produce. For H = 8 it bounds the achievable ratio."""
    for _ in range(2):
        np.empty((sets, steps, case.hidden, case.hidden)).fill(1.0)


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def check_same(x: np.ndarray, params: tuple[np.ndarray, ...], activation: str) -> None:
    """Both paths must compute the same numbers, or the comparison means nothing."""
    batch = run_batch(x, *params, activation)
    trajs = loop(x, params, activation, 5)
    for i, traj in enumerate(trajs):
        for name in ("h", "z", "dh", *DERIVED):
            a, b = np.asarray(getattr(batch, name)[i]), np.asarray(getattr(traj, name))
            scale = float(np.nanmax(np.abs(b))) if a.dtype.kind == "f" and b.size else 1.0
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12 * scale, err_msg=name)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=10_000, help="parameter sets in the batch (default 10000)")
    ap.add_argument("--steps", type=int, default=64, help="timesteps (default 64)")
    ap.add_argument("--loop-sets", type=int, default=500, help="sets the loop baseline runs; scaled to --sets")
    ap.add_argument("--repeats", type=int, default=5, help="interleaved repetitions per side (median reported)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    loop_sets = min(args.loop_sets, args.sets)

    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cpu(s), "
        f"{args.sets} sets x {args.steps} steps, loop over {loop_sets} sets scaled x{args.sets / loop_sets:g}, "
        f"median of {args.repeats} interleaved repeats"
    )
    x = np.sin(np.arange(args.steps) * 2 * np.pi / 16).reshape(-1, 1)
    rows = []
    for case in CASES:
        params = make_params(case, args.sets, args.seed)
        xc = np.repeat(x, case.inputs, axis=1)
        check_same(xc, params, case.activation)
        vec_times, loop_times, floor_times = [], [], []
        run_vec = functools.partial(vectorised, xc, params, case.activation)
        run_loop = functools.partial(loop, xc, params, case.activation, loop_sets)
        run_floor = functools.partial(output_floor, case, args.sets, args.steps)
        run_vec()  # warm-up: first touch of fresh memory is several times slower on this VM
        for _ in range(args.repeats):
            vec_times.append(timed(run_vec))
            loop_times.append(timed(run_loop) * args.sets / loop_sets)
            floor_times.append(timed(run_floor))
        vec, lp, fl = (statistics.median(v) for v in (vec_times, loop_times, floor_times))
        rows.append((case.name, vec, min(vec_times), max(vec_times), lp, lp / vec, fl))

    print()
    print(f"{'case':<12} {'vectorised ms':>14} {'(min..max)':>16} {'loop ms':>10} {'ratio':>8} {'floor ms':>9}")
    for name, vec, vmin, vmax, lp, ratio, fl in rows:
        spread = f"{vmin * 1e3:.0f}..{vmax * 1e3:.0f}"
        print(f"{name:<12} {vec * 1e3:>14.1f} {spread:>16} {lp * 1e3:>10.0f} {ratio:>7.0f}x {fl * 1e3:>9.1f}")
    print()
    print(
        "floor = time to allocate and fill the two (N, T, H, H) outputs once (backward_factors, grad_to_last),\n"
        "with no arithmetic: no vectorised version can beat it, so loop / floor bounds the ratio."
    )
    print(
        "caveat: wall-clock times on a shared 2-core machine (other processes may run, and fresh memory\n"
        "is slow to fault in on this VM); ratios come from the same run, but vary between runs."
    )
    scalar = rows[0]
    ratios = ", ".join(f"{r[0]} {r[5]:.0f}x (bound {r[4] / r[6]:.0f}x)" for r in rows)
    print(f"target ratio >= 50x: {ratios}")
    print(f"target scalar batch < 100 ms: {'met' if scalar[1] < 0.1 else 'NOT met'} ({scalar[1] * 1e3:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
