"""What the ch05 mutation bank cannot express: the notebook and the check agree on formats."""

import numpy as np
from support.solutions import solution_namespace

from backproplab import network
from backproplab.grading import ch05_backprop


def test_notebook_caches_have_the_format_the_check_builds(rng):
    # The student's mlp_backward is fed caches built by the check from the reference forward;
    # they must look exactly like those of the notebook's own mlp_forward.
    mlp_forward = solution_namespace("ch05_backprop")["mlp_forward"]
    params = network.init_mlp([3, 5, 4, 2], rng)
    x = rng.normal(size=(6, 3))
    out, notebook_caches = mlp_forward(params, x)
    ref_out, ref_caches = network.mlp_forward(params, x)
    check_caches = ch05_backprop._plain_caches(ref_caches)
    np.testing.assert_allclose(out, ref_out)
    assert len(notebook_caches) == len(check_caches) == 3
    for mine, theirs in zip(notebook_caches, check_caches, strict=True):
        assert type(mine) is type(theirs) is tuple and len(mine) == len(theirs) == 2
        for a, b in zip(mine[0], theirs[0], strict=True):
            np.testing.assert_allclose(a, b)
        assert (mine[1] is None) == (theirs[1] is None)
        if mine[1] is not None:
            assert len(mine[1]) == len(theirs[1]) == 1
            np.testing.assert_allclose(mine[1][0], theirs[1][0])


def test_kink_case_has_pre_activations_exactly_zero(rng):
    # the `z >= 0` mistake is only visible where some z is exactly 0
    _, _, caches = ch05_backprop._mlp_case(rng, [3, 5, 2], 3, "kink", zero_rows=2)
    assert np.any(caches[0].z == 0.0)
