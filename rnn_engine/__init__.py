"""Numerical core of the RNN explainer: sequences, activations, the forward pass and derived numbers.

Pure numpy; never imports manim. Everything a scene shows is computed here first.
"""

from rnn_engine.activations import ACTIVATIONS, Activation, get_activation
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
    "DEAD_THRESHOLD",
    "EXPLODING_THRESHOLD",
    "MAX_LENGTH",
    "NORMALIZATIONS",
    "SATURATION_THRESHOLD",
    "SEQUENCE_DEFAULTS",
    "SEQUENCE_KINDS",
    "Activation",
    "BatchTrajectory",
    "Fact",
    "RNNParams",
    "Trajectory",
    "describe_sequence",
    "format_number",
    "format_significant",
    "generate",
    "get_activation",
    "normalize",
    "perturbation_facts",
    "parse_number",
    "screen_number",
    "run",
    "run_batch",
    "run_facts",
    "state_gap",
    "survival_grade",
]
