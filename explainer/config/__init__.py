"""Validated explainer configs: a YAML file becomes a frozen, typed :class:`Config`.

One concept per module:

=================  ===========================================================
``reader``         safe YAML with a position for every key and value
``errors``         :class:`ConfigError` (one line: ``FILE:LINE:COL: field: message``), wording helpers
``values``         parsers for numbers, vectors, matrices, custom inputs, choices
``schema``         the pydantic models (models only; they never call the loader)
``locate``         pydantic errors worded for people and placed in the YAML
``load``           layering (defaults, file, overrides), loading, panels, scene limits
=================  ===========================================================

Every problem becomes a :class:`ConfigError` whose ``str`` is one line::

    configs/x.yaml:7:15: rnn.activation: expected one of tanh, relu, sigmoid; got 'tahn' (did you mean 'tanh'?)
    <command line>: output.quality: expected one of l, m, h, p, k; got 'x'

Rules worth knowing:

- Explicit ``null`` (or an empty value, ``key:``) is refused everywhere: leave a key
  out to get its default.
- Kind-specific sequence parameters (``start``, ``period``, ...) are only accepted
  for their kind; missing ones get the engine's defaults (``SEQUENCE_DEFAULTS``).
- Shapes: ``H`` comes from ``w_h`` (1 if a number); ``w_x`` is a number (only when the
  inputs are scalar, D = 1; broadcast down a column when H > 1) or an ``H x D``
  matrix; ``b`` and ``h0`` are a number (broadcast) or a list of ``H``.
- ``compare.values`` are each validated as the field they replace, and each panel's
  whole config must be valid. Substituting ``sequence.kind`` keeps the sequence's
  length and normalisation and those parameters the new kind accepts, and drops the
  rest (the same rule applies to a ``sequence.kind`` override).
- An override value of ``None`` removes the key (back to its default).
"""

from explainer.config.errors import COMMAND_LINE, ConfigError
from explainer.config.load import (
    check_renderable,
    from_dict,
    load_config,
    load_config_bytes,
    load_config_text,
    parse_override,
    with_overrides,
)
from explainer.config.schema import (
    THEMES,
    CompareConfig,
    Config,
    MemoryConfig,
    NarrationConfig,
    OutputConfig,
    RNNConfig,
    SequenceConfig,
    StyleConfig,
)
from explainer.config.values import ACTIVATION_NAMES, MAX_HIDDEN, MAX_INPUT

__all__ = [
    "ACTIVATION_NAMES",
    "COMMAND_LINE",
    "MAX_HIDDEN",
    "MAX_INPUT",
    "THEMES",
    "CompareConfig",
    "Config",
    "ConfigError",
    "MemoryConfig",
    "NarrationConfig",
    "OutputConfig",
    "RNNConfig",
    "SequenceConfig",
    "StyleConfig",
    "check_renderable",
    "from_dict",
    "load_config",
    "load_config_bytes",
    "load_config_text",
    "parse_override",
    "with_overrides",
]
