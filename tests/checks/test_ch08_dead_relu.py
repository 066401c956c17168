"""The ch08 exercise's own reference, ``kill_and_rescue``, which is not part of backproplab."""

import numpy as np
import pytest

from backproplab.grading import CheckFailed, check, known_mistakes
from backproplab.grading.ch08_dead_relu import kill_and_rescue

# x = I, so z = W + b row by row: unit 0 sees (W[0,0], W[1,0]) + b[0], unit 1 likewise
X = np.eye(2)
W = np.array([[1.0, 2.0], [1.0, -1.0]])
B = np.zeros(2)
DW = np.array([[1.0, 0.0], [1.0, 0.0]])
DB = np.zeros(2)


@pytest.mark.parametrize(
    ("bias", "expected"),
    [
        # lr 2 takes unit 0 to z = (-1, -1): dead; lr 0.5 to (0.5, 0.5): alive.
        # bias 1 lifts it to exactly (0, 0), still dead; bias 1.5 to (0.5, 0.5), alive.
        (1.0, [0.0, 0.5, 0.0, 0.5]),
        (1.5, [0.0, 0.5, 0.0, 0.0]),
    ],
)
def test_kill_and_rescue_by_hand(bias, expected):
    inputs = [a.copy() for a in (X, W, B, DW, DB)]
    got = kill_and_rescue(*inputs, 2.0, 0.5, bias)
    assert got.shape == (4,)
    np.testing.assert_array_equal(got, expected)
    for before, after in zip((X, W, B, DW, DB), inputs, strict=True):
        np.testing.assert_array_equal(before, after)


def test_handing_in_the_reference_scores_zero():
    # it is built on backproplab, so the delegation guard must refuse it
    with pytest.raises(CheckFailed, match="must not use backproplab"):
        check("ch08_dead_relu.kill_and_rescue", kill_and_rescue)


@pytest.mark.parametrize("assignment", ["ch03_losses", "ch08_dead_relu"])
def test_every_check_knows_at_least_five_mistakes(assignment):
    table = {k: v for k, v in known_mistakes().items() if k.startswith(assignment + ".")}
    assert len(table) >= 3
    assert all(len(mistakes) >= 5 for mistakes in table.values()), table
