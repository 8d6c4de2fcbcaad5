"""Benchmark: the vectorised engine against a per-set Python loop, for every cell type.

Both sides compute the same numbers through the public engine API: the forward pass
plus what a caller asks for. The loop builds each set's parameters and runs it
(``RNNParams.from_values`` + ``run``, ``GatedParams.from_values`` + ``run_gated``), as a
naive user would; the vectorised side is one ``run_batch`` / ``run_gated_batch``.

What is asked for (``--requests``; each is timed as its own workload):

``forward``
    The run itself (h; z and f'(z) for the RNN; c and every gate for the gated
    cells) and every per-step flag (RNN: saturated, dead, exploding, nonfinite;
    gated: gate closed/open, tanh saturated, exploding, nonfinite). Nothing
    ``(N, T, H, H)``-sized exists after it.
``gradients``
    ``forward`` plus the two gradient summaries the observations read: ``dh_T/dh_1``
    (``grad_first``) and ``dh_T/dx_k`` (``sensitivity_to_last``), both from one backward
    sweep that never holds an ``(N, T, H, H)`` array.
``full``
    ``gradients`` plus every per-step Jacobian and Jacobian product: ``backward_factors``
    and ``grad_to_last`` (gated cells also ``state_factors``, ``state_grad_to_last`` and,
    for the LSTM, ``cell_grad_to_last``). This is the old benchmark's workload; its
    ``(N, T, S, S)`` outputs must be written to memory, so the benchmark also times
    allocating and filling them once ("floor"), which bounds any vectorised version.

For ``forward`` and ``gradients`` the "floor" is the forward pass's arithmetic that no
arrangement avoids, arranged as the engine arranges it: per step the recurrent products
(RNN: ``W_h h`` with the sets along the contiguous axis; gated cells: chunks of sets that
stay in cache, one product of the row ``[h, x, 1]`` with each set's stacked
``[W_h; W_x; b]``, and for the GRU candidate one of ``h`` with its ``W_h``) and every
sigmoid and tanh evaluation (numpy has no vectorised float64 tanh on AVX2 machines; exp
costs several ns per number), with nothing else: no gate arithmetic, no flag, and no
output written to fresh memory. loop / floor ("bound") is the
ratio the engine would reach if all of that were free; vectorised / floor is what the
rest costs.

The loop baseline runs over a subset of the sets (``--loop-sets``) and is scaled
linearly to the full batch; per-set cost does not depend on the batch size, so the
scaling is exact up to noise. Vectorised and loop runs are interleaved and repeated,
and medians are reported, so that both sides see the same machine load.

Run from the repository root::

    python bench/bench_engine.py            # 10,000 sets x 64 steps, forward and gradients
    python bench/bench_engine.py --requests forward,gradients,full
    python bench/bench_engine.py --sets 2000 --repeats 3 --cells lstm
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

from rnn_engine import (  # noqa: E402
    GatedParams,
    RNNParams,
    get_cell,
    run,
    run_batch,
    run_gated,
    run_gated_batch,
)
from rnn_engine.gated import _forward_chunk  # noqa: E402  (the floor chunks as the engine does)

FORWARD = {
    "rnn": ("h", "z", "dh", "saturated", "dead", "exploding", "nonfinite"),
    "lstm": ("h", "c", "gates", "gate_closed", "gate_open", "saturated", "exploding", "nonfinite"),
    "gru": ("h", "gates", "gate_closed", "gate_open", "saturated", "exploding", "nonfinite"),
}
GRADIENTS = ("grad_first", "sensitivity_to_last")
FULL = {
    "rnn": ("backward_factors", "grad_to_last"),
    "lstm": ("state_factors", "backward_factors", "state_grad_to_last", "grad_to_last", "cell_grad_to_last"),
    "gru": ("state_factors", "backward_factors", "state_grad_to_last", "grad_to_last"),
}
REQUESTS = ("forward", "gradients", "full")


def requested(cell: str, request: str) -> tuple[str, ...]:
    names = FORWARD[cell]
    if request in ("gradients", "full"):
        names += GRADIENTS
    if request == "full":
        names += FULL[cell]
    return names


@dataclass(frozen=True)
class Case:
    cell: str
    hidden: int
    inputs: int = 1

    @property
    def name(self) -> str:
        return f"{self.cell} H={self.hidden}"

    @property
    def state(self) -> int:
        return self.hidden * (2 if get_cell(self.cell).has_cell_state else 1)


def make_params(case: Case, sets: int, seed: int) -> dict[str, object]:
    """Random parameter sets of order-1 scale, as the videos use."""
    rng = np.random.default_rng(seed)
    H, D = case.hidden, case.inputs

    def weights() -> dict[str, np.ndarray]:
        # Spectral radius around 1 (some sets contract, some expand): realistic workloads.
        return {
            "w_x": rng.normal(0.0, 1.0, (sets, H, D)),
            "w_h": rng.normal(0.0, 1.0 / np.sqrt(H), (sets, H, H)),
            "b": rng.normal(0.0, 0.3, (sets, H)),
        }

    if case.cell == "rnn":
        return {**weights(), "h0": np.zeros((sets, H))}
    cell = get_cell(case.cell)
    out: dict[str, object] = {"gates": {g: weights() for g in cell.gate_names}, "h0": np.zeros((sets, H))}
    if cell.has_cell_state:
        out["c0"] = np.zeros((sets, H))
    return out


def vectorised(case: Case, x: np.ndarray, p: dict, names: tuple[str, ...]) -> object:
    if case.cell == "rnn":
        batch = run_batch(x, p["w_x"], p["w_h"], p["b"], p["h0"], "tanh")
    else:
        batch = run_gated_batch(case.cell, x, p["gates"], p["h0"], p.get("c0"))
    for name in names:
        getattr(batch, name)
    return batch


def one_set(case: Case, x: np.ndarray, p: dict, i: int) -> object:
    if case.cell == "rnn":
        return run(x, RNNParams.from_values(p["w_x"][i], p["w_h"][i], p["b"][i], p["h0"][i], "tanh"))
    gates = {g: {k: v[i] for k, v in w.items()} for g, w in p["gates"].items()}
    c0 = p["c0"][i] if "c0" in p else None
    return run_gated(x, GatedParams.from_values(case.cell, gates, p["h0"][i], c0))


def loop(case: Case, x: np.ndarray, p: dict, names: tuple[str, ...], count: int) -> list[object]:
    out = []
    for i in range(count):
        traj = one_set(case, x, p, i)
        for name in names:
            getattr(traj, name)
        out.append(traj)
    return out


def compute_floor(case: Case, sets: int, steps: int) -> None:
    """The forward pass's products and activations alone, arranged as the engine arranges them."""
    H, D = case.hidden, case.inputs
    rng = np.random.default_rng(1)
    if case.cell == "rnn":
        # The RNN's engine keeps the sets along the contiguous axis: (H, H, N) @ (H, N), then tanh.
        w_cols = rng.normal(size=(H, H, sets))
        h_cols = rng.normal(size=(H, sets))
        z = np.empty((H, sets))
        for _ in range(steps):
            if H == 1:
                np.multiply(w_cols[0, 0], h_cols[0], out=z[0])
            else:
                np.einsum("ijn,jn->in", w_cols, h_cols, out=z)
            np.tanh(z, out=h_cols)
        return
    # Gated cells: chunks of sets that stay in cache; per step one product of the row
    # [h, x, 1] with each set's (H + D + 1, F H) matrix for the F gates that take W_h h whole
    # and, for the GRU candidate, one of h with its (H, H) W_h (for H = 1, elementwise
    # products); then every sigmoid (3 passes: the engine forms -z, so exp, + 1, reciprocal)
    # and tanh, gate-major, in place.
    spec = get_cell(case.cell)
    G = len(spec.gates)
    S = len(spec.gated_recurrence)
    F = G - S
    n_sigmoid, n_tanh = {"lstm": (3, 2), "gru": (2, 1)}[case.cell]  # LSTM's second tanh: tanh(c)
    chunk = _forward_chunk(sets, G, H)
    K = H + D + 1
    w = rng.normal(size=(sets, K, F * H)) if H > 1 else rng.normal(size=(G, sets, 1))
    w_r = rng.normal(size=(sets, H, S * H))
    for lo in range(0, sets, chunk):
        n = min(sets, lo + chunk) - lo
        row = rng.normal(size=(n, 1, K))
        out = np.empty((n, 1, F * H)) if H > 1 else np.empty((G, n, 1))
        rec = np.empty((n, 1, S * H))
        act = rng.normal(size=(n_sigmoid + n_tanh, n, H))
        for _ in range(steps):
            if H > 1:
                np.matmul(row, w[lo : lo + n], out=out)
                if S:
                    np.matmul(row[:, :, :H], w_r[lo : lo + n], out=rec)
            else:
                np.multiply(w[:, lo : lo + n], row[:, 0, :1], out=out)
            s = act[:n_sigmoid]
            np.exp(s, out=s)
            s += 1.0
            np.divide(1.0, s, out=s)
            np.tanh(act[n_sigmoid:], out=act[n_sigmoid:])


def output_floor(case: Case, sets: int, steps: int, arrays: int) -> None:
    """Allocate and write once the ``(N, T, S, S)`` outputs a ``full`` request hands out:
    no arithmetic at all, just the memory any vectorised version must produce."""
    for _ in range(arrays):
        np.empty((sets, steps, case.state, case.state)).fill(1.0)


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _arrays(value: object) -> dict[str, np.ndarray]:
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: np.asarray(v) for k, v in value.items()}  # type: ignore[attr-defined]
    return {"": np.asarray(value)}


def _first_sets(p: dict, n: int) -> dict:
    return {k: _first_sets(v, n) if isinstance(v, dict) else v[:n] for k, v in p.items()}


def check_same(case: Case, x: np.ndarray, p: dict) -> None:
    """Both paths must compute the same numbers, or the comparison means nothing (checked on 3 sets)."""
    names = requested(case.cell, "full")
    p = _first_sets(p, 3)
    batch = vectorised(case, x, p, ())
    for i in range(3):
        traj = one_set(case, x, p, i)
        for name in names:
            got, want = getattr(batch, name), getattr(traj, name)
            for key, b in _arrays(want).items():
                a = _arrays(got)[key][i]
                scale = float(np.nanmax(np.abs(b))) if b.dtype.kind == "f" and b.size else 1.0
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12 * scale, err_msg=f"{case.name} {name} {key}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=10_000, help="parameter sets in the batch (default 10000)")
    ap.add_argument("--steps", type=int, default=64, help="timesteps (default 64)")
    ap.add_argument("--loop-sets", type=int, default=300, help="sets the loop baseline runs; scaled to --sets")
    ap.add_argument("--repeats", type=int, default=5, help="interleaved repetitions per side (median reported)")
    ap.add_argument("--cells", default="rnn,lstm,gru", help="comma-separated cells (default rnn,lstm,gru)")
    ap.add_argument("--hidden", default="1,8", help="comma-separated hidden sizes (default 1,8)")
    ap.add_argument("--requests", default="forward,gradients", help=f"comma-separated, from {', '.join(REQUESTS)}")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    loop_sets = min(args.loop_sets, args.sets)
    cells = args.cells.split(",")
    requests = args.requests.split(",")
    for r in requests:
        if r not in REQUESTS:
            ap.error(f"unknown request {r!r}; expected one of {', '.join(REQUESTS)}")

    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cpu(s), "
        f"{args.sets} sets x {args.steps} steps, loop over {loop_sets} sets scaled x{args.sets / loop_sets:g}, "
        f"median of {args.repeats} interleaved repeats"
    )
    x = np.sin(np.arange(args.steps) * 2 * np.pi / 16).reshape(-1, 1)
    rows = []
    for cell in cells:
        for hidden in (int(h) for h in args.hidden.split(",")):
            case = Case(cell, hidden)
            params = make_params(case, args.sets, args.seed)
            check_same(case, x, params)
            for request in requests:
                names = requested(cell, request)
                run_vec = functools.partial(vectorised, case, x, params, names)
                run_loop = functools.partial(loop, case, x, params, names, loop_sets)
                if request == "full":
                    # two distinct (N, T, S, S) arrays: the one-step Jacobians and their products
                    # (the H x H blocks a gated cell hands out are views of them)
                    run_floor = functools.partial(output_floor, case, args.sets, args.steps, 2)
                else:
                    run_floor = functools.partial(compute_floor, case, args.sets, args.steps)
                run_vec()  # warm-up: first touch of fresh memory is several times slower on this VM
                vec_times, loop_times, floor_times = [], [], []
                for _ in range(args.repeats):
                    vec_times.append(timed(run_vec))
                    loop_times.append(timed(run_loop) * args.sets / loop_sets)
                    floor_times.append(timed(run_floor))
                vec, lp, fl = (statistics.median(v) for v in (vec_times, loop_times, floor_times))
                rows.append((case.name, request, vec, min(vec_times), max(vec_times), lp, fl))

    print()
    header = f"{'case':<11} {'request':<10} {'vectorised ms':>14} {'(min..max)':>14} {'loop ms':>9} {'ratio':>7}"
    print(header + f" {'floor ms':>9} {'bound':>6}")
    for name, request, vec, vmin, vmax, lp, fl in rows:
        spread = f"{vmin * 1e3:.0f}..{vmax * 1e3:.0f}"
        floor = f"{fl * 1e3:>9.0f} {lp / fl:>5.0f}x"
        print(f"{name:<11} {request:<10} {vec * 1e3:>14.1f} {spread:>14} {lp * 1e3:>9.0f} {lp / vec:>6.0f}x {floor}")
    print()
    print(
        "floor: forward/gradients = the forward pass's products and sigmoid/tanh evaluations alone, arranged\n"
        "as the engine arranges them (no gate arithmetic, flags or fresh output memory); full = allocating and\n"
        "filling once the (N, T, S, S) arrays it hands out, with no arithmetic. loop / floor ('bound') is the\n"
        "ratio if everything else were free."
    )
    print(
        "caveat: wall-clock times on a shared 2-core machine (other processes may run, and fresh memory\n"
        "is slow to fault in on this VM); ratios come from the same run, but vary between runs."
    )
    for request in requests:
        picked = [r for r in rows if r[1] == request]
        met = [r for r in picked if r[5] / r[2] >= 50]
        verdict = "met for all" if len(met) == len(picked) else f"met for {len(met)} of {len(picked)}"
        ratios = ", ".join(f"{r[0]} {r[5] / r[2]:.0f}x" for r in picked)
        print(f"target ratio >= 50x, request {request!r}: {verdict} ({ratios})")
    for r in rows:
        if r[0] == "rnn H=1":
            ms = r[2] * 1e3
            print(
                f"target rnn scalar batch < 100 ms, request {r[1]!r}: {'met' if ms < 100 else 'NOT met'} ({ms:.1f} ms)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
