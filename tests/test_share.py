"""The rule that deals a clip's plays to the workers of a split render (:mod:`scenes.share`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scenes.share import Share


def deal(plays: list[tuple[int, bool]], workers: int) -> list[int]:
    """Who draws each play, as the workers decide it while the scene plays."""
    owners = []
    for k in range(workers):
        share, cost, mine = Share(k, workers), 0.0, []
        for frames, held in plays:
            mine.append(share.draws(cost))
            cost += share.cost(frames, held)
        owners.append(mine)
    drawn_by = []
    for i in range(len(plays)):
        who = [k for k in range(workers) if owners[k][i]]
        assert len(who) == 1, f"play {i} is drawn by workers {who}"
        drawn_by.append(who[0])
    return drawn_by


@given(
    st.lists(st.tuples(st.integers(0, 400), st.booleans()), min_size=1, max_size=200),
    st.integers(1, 8),
)
def test_every_play_is_drawn_by_exactly_one_worker(plays: list[tuple[int, bool]], workers: int) -> None:
    deal(plays, workers)


def test_blocks_are_dealt_round_robin_by_cost_not_by_count() -> None:
    # A long pan (600 frames = 10 blocks) then 20 short plays of 30 frames (half a block each).
    plays = [(600, False)] + [(30, False)] * 20
    drawn_by = deal(plays, 2)
    assert drawn_by[0] == 0
    # After the pan the cost so far is 600 = block 10 (even: worker 0), then every block
    # of two short plays alternates.
    assert drawn_by[1:5] == [0, 0, 1, 1]


def test_held_frames_count_for_less() -> None:
    share = Share(0, 2, hold_weight=0.25)
    assert share.cost(100, held=True) == 25.0
    assert share.cost(100, held=False) == 100.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"worker": 2, "workers": 2}, "worker 2 of 2 does not exist"),
        ({"worker": 0, "workers": 0}, "worker 0 of 0 does not exist"),
        ({"worker": 0, "workers": 1, "block": 0.0}, "block must be a positive cost"),
        ({"worker": 0, "workers": 1, "hold_weight": -1.0}, "hold_weight must be >= 0"),
    ],
)
def test_impossible_shares_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Share(**kwargs)  # type: ignore[arg-type]
