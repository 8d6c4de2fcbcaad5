"""Numerical core of the RNN explainer: sequences, activations, the forward pass and derived numbers.

Pure numpy; never imports manim. Everything a scene shows is computed here first.
Cell types (plain RNN, LSTM, GRU) are entries of :data:`CELLS` (:mod:`rnn_engine.cells`);
the plain RNN runs in :mod:`rnn_engine.forward`, the gated cells in :mod:`rnn_engine.gated`.
"""

from rnn_engine.activations import ACTIVATIONS, Activation, get_activation
from rnn_engine.cells import CELL_NAMES, CELLS, CellType, GateSpec, get_cell
from rnn_engine.facts import Fact, perturbation_facts, run_facts, survival_grade
from rnn_engine.formatting import format_number, format_significant, parse_number, screen_number
from rnn_engine.forward import (
    DEAD_THRESHOLD,
    EXPLODING_THRESHOLD,
    SATURATION_THRESHOLD,
    BatchTrajectory,
    RNNParams,
    Trajectory,
    run,
    run_batch,
    state_gap,
)
from rnn_engine.gated import (
    GATE_CLOSED_THRESHOLD,
    GATE_FIELDS,
    GATE_OPEN_THRESHOLD,
    GatedBatchTrajectory,
    GatedParams,
    GatedTrajectory,
    GateParams,
    ParamsError,
    run_gated,
    run_gated_batch,
)
from rnn_engine.sequences import (
    MAX_LENGTH,
    NORMALIZATIONS,
    SEQUENCE_DEFAULTS,
    SEQUENCE_KINDS,
    describe_sequence,
    generate,
    normalize,
)

__all__ = [
    "ACTIVATIONS",
    "CELLS",
    "CELL_NAMES",
    "DEAD_THRESHOLD",
    "EXPLODING_THRESHOLD",
    "GATE_CLOSED_THRESHOLD",
    "GATE_FIELDS",
    "GATE_OPEN_THRESHOLD",
    "MAX_LENGTH",
    "NORMALIZATIONS",
    "SATURATION_THRESHOLD",
    "SEQUENCE_DEFAULTS",
    "SEQUENCE_KINDS",
    "Activation",
    "BatchTrajectory",
    "CellType",
    "Fact",
    "GateParams",
    "GateSpec",
    "GatedBatchTrajectory",
    "GatedParams",
    "GatedTrajectory",
    "ParamsError",
    "RNNParams",
    "Trajectory",
    "describe_sequence",
    "format_number",
    "format_significant",
    "generate",
    "get_activation",
    "get_cell",
    "normalize",
    "perturbation_facts",
    "parse_number",
    "screen_number",
    "run",
    "run_batch",
    "run_facts",
    "run_gated",
    "run_gated_batch",
    "state_gap",
    "survival_grade",
]
