"""What ch09's checks share: the assignment id, and the known mistakes' outputs on a case."""

from __future__ import annotations

import copy

from trustedgrading.checks.context import quiet

_A = "ch09_generalization"


def mistake_outputs(mistakes, case):
    """``(Mistake, its output)`` for each mistake that runs on the case's inputs.

    A generator, so that :func:`~trustedgrading.checks.expect_close` runs the mistakes only
    when the student's output is wrong; a mistake that raises on the case is left out.
    """
    for mistake in mistakes:
        try:
            with quiet():
                wrong = mistake.fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except Exception:
            continue
        yield mistake, wrong
