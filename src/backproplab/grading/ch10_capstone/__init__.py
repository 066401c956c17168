r"""Checks for the ch10_capstone exercise: a CNN from the student's own layers.

Four graded functions, in the notebook's order:

- ``maxpool2d_backward(dout, cache)`` and ``conv2d_backward(dout, cache)`` (``layers``): one
  right answer each, compared with ``backproplab.conv`` on the notebook's caches, with named
  mistakes;
- ``predict(params, X)`` and ``train_cnn(X, y, rng)`` (``training``): the student's network,
  trained and judged on held-out digits by custom checks that call both functions, with partial
  credit for the training.

The thresholds of the training check are module constants, which the book page glues, so that
the page and the grader cannot disagree: :data:`FULL_MARKS_ACCURACY` (the held-out accuracy
that earns full marks) and :data:`TRAIN_SECONDS` (the time one training may take). They are
chosen from the reference solution (``docs/decisions.md``, "Capstone grading"): it reaches the
accuracy on every seed tried within half the time.
"""

# Importing the parts registers their checks, in the notebook's order (graded_functions).
from . import layers, training  # noqa: F401
from .training import (
    CHANCE_ACCURACY,
    FULL_MARKS_ACCURACY,
    NOT_LEARNING_ACCURACY,
    TEST_FRACTION,
    TRAIN_SECONDS,
)

__all__ = [
    "CHANCE_ACCURACY",
    "FULL_MARKS_ACCURACY",
    "NOT_LEARNING_ACCURACY",
    "TEST_FRACTION",
    "TRAIN_SECONDS",
]
