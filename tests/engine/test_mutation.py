"""One answer to "did the call change its argument?" (``trustedgrading.mutation.unchanged``).

The check framework (in the grader) and the sandboxed child (which sends back only what a call
changed) both use this function; these cases pin what it calls a change.
"""

import copy

import numpy as np
import pytest

from trustedgrading.mutation import unchanged


def changed_by(value, change):
    """``unchanged(deep copy before, value after change(value))``."""
    before = copy.deepcopy(value)
    change(value)
    return unchanged(before, value)


def _set(index, new):
    def change(value):
        value[index] = new

    return change


def _noop(value):
    pass


@pytest.mark.parametrize(
    ("value", "change"),
    [
        (np.zeros(3), _set(0, 1.0)),
        (np.zeros((2, 2)), lambda x: setattr(x, "shape", (4,))),
        (np.zeros(2), lambda x: x.resize(3, refcheck=False)),
        ([1.0, 2.0], _set(0, 5.0)),
        ([1.0, 2.0], lambda x: x.append(3.0)),
        ([1, 2], _set(0, 1.0)),  # an int became a float
        ([True], _set(0, 1)),  # a bool became an int
        ([np.float64(1.0)], _set(0, 1.0)),  # a NumPy scalar became a Python float
        ([np.ones(2)], _set(0, np.ones(3))),
        ((np.zeros(2), np.zeros(3)), lambda t: t[1].__setitem__(0, -9.0)),
        ({"lr": 0.1}, _set("lr", 0.5)),
        ({"W": np.ones(2)}, lambda d: d.update(extra=5)),
        ({"W": np.ones(2)}, lambda d: d.pop("W")),
        ([np.float64(np.nan)], _set(0, np.float64(0.0))),
        ([None], _set(0, 0)),
        (["a"], _set(0, "b")),
    ],
    ids=[
        "array entry",
        "array reshaped",
        "array resized",
        "number in a list",
        "list appended",
        "int to float",
        "bool to int",
        "NumPy scalar to float",
        "array replaced by another shape",
        "array in a tuple",
        "number in a dict",
        "key added",
        "key removed",
        "NaN to zero",
        "None to zero",
        "string",
    ],
)
def test_a_change_is_seen(value, change):
    assert not changed_by(value, change)


@pytest.mark.parametrize(
    "value",
    [
        np.array([np.nan, 1.0]),
        np.array(np.nan),
        float("nan"),
        [float("nan"), np.float64("nan"), complex(np.nan, 0)],
        {"a": [np.zeros(2), (1, "x", None)]},
        np.random.default_rng(3),
        [len, lambda z: z],
        object(),
    ],
    ids=[
        "NaN array",
        "0-d NaN",
        "NaN float",
        "NaN scalars",
        "nested",
        "rng",
        "callables",
        "object",
    ],
)
def test_nothing_done_is_no_change(value):
    assert changed_by(value, _noop)


def test_an_rng_that_was_drawn_from_changed_unless_that_is_allowed():
    rng = np.random.default_rng(3)
    before = copy.deepcopy(rng)
    rng.standard_normal()
    assert not unchanged(before, rng)
    assert unchanged(before, rng, rng_may_advance=True)
    assert not unchanged([before, np.zeros(1)], [rng, np.ones(1)], rng_may_advance=True)
    assert unchanged({"rng": before}, {"rng": rng}, rng_may_advance=True)


def test_a_generator_with_array_state_is_compared_without_error():
    rng = np.random.Generator(np.random.MT19937(1))
    before = copy.deepcopy(rng)
    assert unchanged(before, rng)
    rng.random()
    assert not unchanged(before, rng)


def test_an_array_subclass_is_compared_through_its_data():
    class Lying(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(self), dtype=bool)

    x = np.zeros(3).view(Lying)
    before = copy.deepcopy(x)
    x[0] = 1.0
    assert not unchanged(before, x)
    assert not unchanged(np.zeros(3), np.zeros(3).view(Lying))  # another type
