"""Shared cases for the tests of backproplab.conv (tests/maths/test_conv_*.py): tolerances, the
two forward/backward pairs, the syllabus's hand-computed example and the gradient check."""

import numpy as np
import pytest

from backproplab.conv import (
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
)
from backproplab.gradcheck import relative_error

GRAD_TOL = 1e-7
EXACT_TOL = 1e-12

CONV_PAIRS = [
    pytest.param(conv2d_forward, conv2d_backward, id="vectorised"),
    pytest.param(conv2d_forward_naive, conv2d_backward_naive, id="naive"),
]


def as_image(a):
    """A 2-D array as a batch of one single-channel image (1, 1, H, W)."""
    return np.asarray(a, dtype=float)[None, None]


def assert_gradient_matches(numerical, analytic):
    """The one check every backward must pass (and a wrong backward must fail)."""
    err = relative_error(numerical, analytic)
    assert err < GRAD_TOL, f"relative error {err:.3e} >= {GRAD_TOL}"


# The syllabus case: X 3x3, F 2x2, O = X ⋆ F 2x2.
X3 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
F2 = np.array([[1.0, 2.0], [3.0, 4.0]])
O_HAND = np.array(
    [
        [1 * 1 + 2 * 2 + 4 * 3 + 5 * 4, 2 * 1 + 3 * 2 + 5 * 3 + 6 * 4],
        [4 * 1 + 5 * 2 + 7 * 3 + 8 * 4, 5 * 1 + 6 * 2 + 8 * 3 + 9 * 4],
    ],
    dtype=float,
)
