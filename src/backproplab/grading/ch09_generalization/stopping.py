r"""Check of ch09's early-stopping rule: ``should_stop(val_losses, patience) -> bool``.

True exactly when the best validation loss so far (the lowest; the first one on ties; a NaN
never counts as best) is ``patience`` or more epochs before the last one:
``len(val_losses) - 1 - best >= patience``. Without any best (an empty list, or only NaN)
``best = -1``, as if it were before the first epoch: an empty list never stops, and
``patience`` NaN losses in a row from the start do.

The answer is a yes or a no, so on any one case several of the usual mistakes give the same
wrong answer. The check therefore runs every case first, then reports the first case that is
wrong and names the known mistake whose answers agree with the student's on *every* case. The
visible cases alone already tell all the known mistakes apart (``tests/checks`` asserts it).
"""

from __future__ import annotations

import numpy as np

from backproplab import training
from trustedgrading.checks import (
    Case,
    Mistake,
    call_student,
    describe,
    fail,
    register_custom,
)

from ._shared import _A

NAN, INF = float("nan"), float("inf")


def _cases(rng, hidden):
    yield Case(
        "best at epoch 2 of 5, patience 2: [1.0, 0.8, 0.7, 0.75, 0.72]",
        [1.0, 0.8, 0.7, 0.75, 0.72],
        2,
    )
    yield Case("still improving, patience 1: [1.0, 0.9, 0.8]", [1.0, 0.9, 0.8], 1)
    yield Case("best at epoch 0, patience 3: [0.5, 0.6, 0.55, 0.58]", [0.5, 0.6, 0.55, 0.58], 3)
    yield Case("a tie with the best, patience 2: [1.0, 0.6, 0.7, 0.6]", [1.0, 0.6, 0.7, 0.6], 2)
    yield Case("one epoch worse than the best, patience 2: [0.9, 0.8, 0.85]", [0.9, 0.8, 0.85], 2)
    yield Case(
        "a new best resets the count, patience 3: [1.0, 1.1, 0.9, 0.95, 0.8, 0.85]",
        [1.0, 1.1, 0.9, 0.95, 0.8, 0.85],
        3,
    )
    yield Case("a NaN after the best, patience 2: [2.0, 1.0, nan, 1.5]", [2.0, 1.0, NAN, 1.5], 2)
    yield Case("a NaN first, patience 2: [nan, 1.0, 1.1]", [NAN, 1.0, 1.1], 2)
    yield Case("no epochs yet: val_losses = [], patience 1 (nothing to stop: False)", [], 1)
    if hidden:
        yield Case("patience 1, the last epoch is worse: [0.3, 0.4]", [0.3, 0.4], 1)
        yield Case("a single epoch: [0.5], patience 1", [0.5], 1)
        yield Case("the best is the last epoch, patience 1: [0.9, 0.95, 0.7]", [0.9, 0.95, 0.7], 1)
        yield Case("a plateau: [0.5] * 6, patience 5", [0.5] * 6, 5)
        yield Case("a plateau: [0.5] * 6, patience 6", [0.5] * 6, 6)
        yield Case("a NaN first: [nan, 1.0, 1.2, 1.1], patience 2", [NAN, 1.0, 1.2, 1.1], 2)
        yield Case("diverged: [1.0, inf, inf], patience 2", [1.0, INF, INF], 2)
        yield Case("only NaN (diverged from the start), patience 3: [nan, nan, nan]", [NAN] * 3, 3)
        yield Case("only NaN, patience 3: [nan, nan]", [NAN] * 2, 3)
        yield Case(
            "patience longer than the history: [0.4, 0.5, 0.6], patience 10", [0.4, 0.5, 0.6], 10
        )
        yield Case(
            "a NumPy array: np.array([0.9, 0.5, 0.6, 0.7]), patience 2",
            np.array([0.9, 0.5, 0.6, 0.7]),
            2,
        )
        for k in range(6):
            curve = _noisy_curve(rng, int(rng.integers(8, 30)))
            patience = int(rng.integers(1, 6))
            yield Case(
                f"a noisy validation curve of {len(curve)} epochs, patience {patience} (#{k + 1})",
                curve,
                patience,
            )


def _noisy_curve(rng, epochs):
    """A validation loss that falls, then rises again (overfitting), with noise."""
    t = np.arange(epochs) / epochs
    curve = 1.0 / (1.0 + 8 * t) + 0.6 * t**2 + rng.normal(0.0, 0.02, size=epochs)
    return [round(float(v), 3) for v in curve]


# --- the known mistakes: each implements the rule with exactly one thing wrong ------------


def _best(losses, *, ties_last=False, skip_nan=True):
    """The best epoch as the notebook's loop finds it (-1 when there is none), with one of its
    rules changeable: the last lowest loss on ties, or a NaN allowed to be the best."""
    best = -1
    for epoch, loss in enumerate(losses):
        if skip_nan and np.isnan(loss):
            continue
        if best == -1 or loss < losses[best] or (ties_last and loss == losses[best]):
            best = epoch
    return best


def _waited(val_losses, **rule):
    """Epochs since the best one."""
    losses = list(val_losses)
    return len(losses) - 1 - _best(losses, **rule)


def _late(val_losses, patience):
    return _waited(val_losses) > patience


def _early(val_losses, patience):
    return _waited(val_losses) + 1 >= patience


def _versus_previous(val_losses, patience):
    losses = list(val_losses)
    if len(losses) <= patience:
        return False
    return all(not losses[i] < losses[i - 1] for i in range(len(losses) - patience, len(losses)))


def _last_of_ties(val_losses, patience):
    return _waited(val_losses, ties_last=True) >= patience


def _nan_is_best(val_losses, patience):
    if len(val_losses) == 0:
        return False
    return bool(len(val_losses) - 1 - int(np.argmin(np.asarray(val_losses, float))) >= patience)


def _nan_first_kept(val_losses, patience):
    return _waited(val_losses, skip_nan=False) >= patience


def _no_patience(val_losses, patience):
    return _waited(val_losses) >= 1


def _all_waits(val_losses, patience):
    best, waits = INF, 0
    for v in val_losses:
        if v < best:
            best = v
        else:
            waits += 1
    return waits >= patience


def _inverted(val_losses, patience):
    return _waited(val_losses) < patience


_MISTAKES = [
    Mistake(
        "off by one: it stops one epoch late (> patience instead of >= patience)",
        _late,
        "Stop as soon as the best epoch is patience epochs back: "
        "len(val_losses) - 1 - best >= patience.",
    ),
    Mistake(
        "off by one: it stops one epoch early (the best epoch itself is counted as a wait)",
        _early,
        "Count the epochs AFTER the best one: the last epoch's index is len(val_losses) - 1, so "
        "len(val_losses) - 1 - best >= patience.",
    ),
    Mistake(
        "each loss is compared with the previous epoch's instead of with the best so far",
        _versus_previous,
        "A noisy curve can go up and down without ever beating its best: measure the patience "
        "from the epoch of the lowest loss so far (the first lowest one).",
    ),
    Mistake(
        "a tie with the best counts as an improvement (the last lowest loss instead of the first)",
        _last_of_ties,
        "Only a strictly lower loss is progress: on ties take the FIRST epoch with the lowest "
        "loss (np.argmin does; or update the best only when loss < best).",
    ),
    Mistake(
        "a NaN loss is taken as the best (np.argmin returns the position of a NaN)",
        _nan_is_best,
        "A NaN loss is a diverged epoch, never the best: skip NaNs when you look for the best "
        "epoch (np.nanargmin, or compare with `loss < best`, which is False for NaN).",
    ),
    Mistake(
        "a NaN first loss stays the best (no loss is lower than NaN)",
        _nan_first_kept,
        "Skip NaN losses when you look for the best epoch: `loss < nan` is always False, so a "
        "NaN taken as the first best is never replaced.",
    ),
    Mistake(
        "patience is ignored: it stops as soon as the last loss is not the best",
        _no_patience,
        "Wait patience epochs without a new best before stopping: "
        "len(val_losses) - 1 - best >= patience.",
    ),
    Mistake(
        "every epoch without a new best is counted, not only those since the best",
        _all_waits,
        "A new best resets the count: count only the epochs after the best one.",
    ),
    Mistake(
        "the answer is inverted: True while the loss is still improving",
        _inverted,
        "Return True (stop) when the best is patience or more epochs back.",
    ),
]


def _answer(got, case):
    if not isinstance(got, (bool, np.bool_)):
        fail(
            f"should_stop should return True or False, but returned {describe(got)} on case "
            f'"{case.label}". Return the comparison itself (or bool(...)).'
        )
    return bool(got)


@register_custom(f"{_A}.should_stop", mistakes=_MISTAKES)
def _should_stop(student, rng, hidden):
    cases = list(_cases(rng, hidden))
    got = [_answer(call_student(student, *c.args, case=c.label), c) for c in cases]
    expected = [bool(training.should_stop(*c.args)) for c in cases]
    wrong = [i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if g != e]
    if not wrong:
        return
    case = cases[wrong[0]]
    lines = [
        f'should_stop gives a wrong answer on case "{case.label}": expected '
        f"{expected[wrong[0]]}, got {got[wrong[0]]}."
    ]
    if len(wrong) > 1:
        lines.append(f"  {len(wrong)} of the {len(cases)} cases are wrong.")
    named = [m for m in _MISTAKES if [_run(m, c) for c in cases] == got]
    if named:
        lines.append(f"  Likely mistake: {named[0].name}. {named[0].hint}")
    fail("\n".join(lines))


def _run(mistake, case):
    try:
        return bool(mistake.fn(*case.args))
    except Exception:
        return None
