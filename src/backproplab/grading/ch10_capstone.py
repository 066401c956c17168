r"""Checks for the ch10_capstone exercise: a CNN from the student's own layers.

The thresholds of the training check are module constants, so that the book page (which
glues them) and the grader cannot disagree:

- :data:`FULL_MARKS_ACCURACY`: the held-out accuracy that earns the training check's full
  marks;
- :data:`TRAIN_SECONDS`: the time one call of the student's ``train_cnn`` may take.

They are chosen from the reference solution (``docs/decisions.md``, "Capstone grading"): it
reaches the accuracy on every seed tried within half the time.
"""

from __future__ import annotations

FULL_MARKS_ACCURACY = 0.95
"""Held-out accuracy at which the training check gives full marks (partial credit below)."""

TRAIN_SECONDS = 10.0
"""Wall-clock seconds one call of the student's ``train_cnn`` may take in the grader."""
