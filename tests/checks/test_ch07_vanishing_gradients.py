"""What the ch07 mutation bank cannot express: the property bounds hold with margin."""

import numpy as np
import pytest
from support.solutions import solution_namespace


@pytest.mark.parametrize("seed", range(6))
def test_depth_experiment_bounds_hold_for_any_seed(seed):
    # The check asks for sigmoid ratio < 1e-5 and ReLU ratio in (0.05, 20); the reference
    # solution must clear them by a wide margin, whatever seed the check draws.
    depth_experiment = solution_namespace("ch07_vanishing_gradients")["depth_experiment"]
    for depth in (16, 20):
        sig, relu = depth_experiment(depth, np.random.default_rng(seed))
        assert sig[0] / sig[-2] < 1e-7
        assert 0.08 < relu[0] / relu[-2] < 12
