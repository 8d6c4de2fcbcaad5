"""Last-frame snapshots of the gated-cell scenes (854 x 480), compared with stored control data.

The LSTM and GRU walked through gate by gate, the cells compared, and the gradient along the
LSTM's cell state. Regenerate after an intended visual change with
``pytest tests/test_scene_gated_snapshots.py --set_test``, then look at the new frames before
committing them. The frames live in ``tests/control_data/scene_gated/``.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("manim")

from manim.utils.testing.frames_comparison import frames_comparison  # noqa: E402
from test_scene_concepts_snapshots import _bound, _same_cairo_as_control_data  # noqa: E402, F401

from explainer.config import from_dict  # noqa: E402
from explainer.runs import build_spec  # noqa: E402
from scenes.compare_cells import CellsCompareScene  # noqa: E402
from scenes.gated_gradients import GatedGradientsScene  # noqa: E402
from scenes.gated_unrolled import GatedUnrolledScene  # noqa: E402

__module_test__ = "scene_gated"

pytestmark = [pytest.mark.slow, pytest.mark.scene]

_SPIKE = {"kind": "custom", "values": [1, 0, 0, 0]}
_QUICK = {"step_seconds": 1.0, "fast_after": 1, "pacing": "animation"}


def _spec(data: dict[str, Any]) -> tuple[Any, Any]:
    spec = build_spec(from_dict(data))
    return spec, spec.runs


_LSTM = _bound(GatedUnrolledScene, *_spec({"sequence": _SPIKE, "rnn": {"cell": "lstm"}, "style": _QUICK}))
_GRU = _bound(
    GatedUnrolledScene,
    *_spec({"sequence": _SPIKE, "rnn": {"cell": "gru"}, "style": {**_QUICK, "theme": "light"}}),
)
_CELLS = _bound(
    CellsCompareScene,
    *_spec(
        {
            "scene": "compare",
            "compare": {"field": "rnn.cell", "values": ["rnn", "lstm", "gru"]},
            "sequence": {"kind": "custom", "values": [1, 0, 0, 0, 0, 0]},
            "style": _QUICK,
        }
    ),
)
_GRADIENTS = _bound(
    GatedGradientsScene,
    *_spec({"scene": "gradients", "sequence": {"kind": "sine", "length": 5}, "rnn": {"cell": "lstm"}, "style": _QUICK}),
)


@frames_comparison(base_scene=_LSTM)
def test_lstm_unrolled_last_frame(scene: Any) -> None:
    GatedUnrolledScene.construct(scene)


@frames_comparison(base_scene=_GRU)
def test_gru_unrolled_last_frame(scene: Any) -> None:
    GatedUnrolledScene.construct(scene)


@frames_comparison(base_scene=_CELLS)
def test_compare_cells_last_frame(scene: Any) -> None:
    CellsCompareScene.construct(scene)


@frames_comparison(base_scene=_GRADIENTS)
def test_gradients_lstm_last_frame(scene: Any) -> None:
    GatedGradientsScene.construct(scene)
