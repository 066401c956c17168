r"""Checks of ch09's inverted dropout: ``dropout_forward(x, p, rng, train=True) -> (out, cache)``
and ``dropout_backward(dout, cache) -> dx``.

The mask is fixed by the notebook: ``keep = rng.random(x.shape) >= p``, drawn once from the
rng the function is given, so the student's function and the reference, each called with a
copy of the case's generator, draw the same mask. ``out`` is then compared entry by entry, and
the cache must be ``(keep, p)`` (``(None, p)`` at inference, where nothing is drawn).

The visible cases use :math:`p \ne 0.5`, where the usual scale factors differ: :math:`1/(1-p)`
(right), 1, :math:`p`, :math:`1/p` and :math:`1-p`. A wrong result that is a dropout of its
input, scaled by :math:`1/(1-p)` but with another mask, is recognised as one: a mask drawn
another way (``np.random``, a new generator, ``< p``) in the forward pass, a fresh mask
instead of the cached one in the backward pass.
"""

from __future__ import annotations

import copy

import numpy as np

from backproplab import regularization
from trustedgrading.checks import (
    Case,
    CheckFailed,
    Mistake,
    Mistakes,
    call_student,
    check_case,
    describe,
    fail,
)
from trustedgrading.checks.context import quiet

from ._shared import _each_case


def _generator(rng):
    """A generator of its own for one case, seeded from the check's rng (so salted too)."""
    return np.random.default_rng(int(rng.integers(2**63)))


def _keep(x, p, rng):
    return rng.random(np.shape(x)) >= p


def _other_mask(got, base, keep, p):
    """The fraction of ``base``'s entries that ``got`` keeps, when ``got`` is ``base`` scaled
    by 1/(1 − p) on some entries and 0 on the others, but those are not the entries of
    ``keep``; otherwise None."""
    if type(got) is not np.ndarray or got.shape != base.shape or keep is None:
        return None
    live = base != 0
    if not live.any():
        return None
    with quiet():
        kept = live & (got != 0)
        scaled = np.allclose(got[kept], base[kept] / (1 - p), rtol=1e-7, atol=0.0)
        if not scaled or np.any(got[~live] != 0) or np.array_equal(kept, keep & live):
            return None
    return float(kept.sum() / live.sum())


def _check_with_mask_hint(student, reference, case, outputs, mistakes, mask, advice):
    """``check_case``; when a wrong result is a dropout of its input with another mask than
    ``mask = (base, keep, p)``, the failure says so (``advice(fraction kept, p)``)."""
    try:
        return check_case(student, reference, case, outputs=outputs, mistakes=mistakes)
    except CheckFailed as failure:
        if "Likely mistake" in str(failure):
            raise
        try:  # the result itself, to look at its mask (only ever on a failing case)
            got = call_student(student, *case.args, case=case.label, **case.kwargs)
        except CheckFailed:
            raise failure from None
        out = got[0] if isinstance(got, (tuple, list)) and len(got) == len(outputs) else got
        fraction = _other_mask(out, *mask)
        if fraction is None:
            raise failure from None
        fail(f"{failure}\n  {advice(fraction, mask[2])}")


# The kept units' scale is 1 / (1 - p). The wrong ones, in the order both passes name them.
_WRONG_SCALES = (lambda p: p, lambda p: 1 / p, lambda p: 1.0, lambda p: 1 - p)


def _wrong_scales(wrong, texts):
    """A table of mistakes that starts with the wrong scales: ``wrong(factor)`` is the pass
    that scales what it keeps by ``factor(p)``; ``texts`` gives each one's (name, hint)."""
    return Mistakes(
        Mistake(name, wrong(factor), hint)
        for factor, (name, hint) in zip(_WRONG_SCALES, texts, strict=True)
    )


# --- dropout_forward ----------------------------------------------------------------------


def _forward_case(rng, label, shape, p, **train):
    return Case(label, rng.normal(size=shape), p, _generator(rng), **train)


def _forward_cases(rng, hidden):
    yield _forward_case(rng, "x (4, 5), p = 0.2", (4, 5), 0.2)
    yield _forward_case(rng, "x (3, 6), p = 0.75", (3, 6), 0.75)
    yield _forward_case(rng, "inference (train=False), p = 0.3", (3, 4), 0.3, train=False)
    if hidden:
        yield _forward_case(rng, "p = 0: nothing is dropped", (3, 5), 0.0)
        yield _forward_case(rng, "p = 0.5, x (6, 10)", (6, 10), 0.5)
        yield _forward_case(rng, "a single example (1, 8), p = 0.1", (1, 8), 0.1)
        yield _forward_case(rng, "a vector x (7,), p = 0.3", 7, 0.3)
        yield _forward_case(rng, "feature maps (2, 3, 4, 4), p = 0.4", (2, 3, 4, 4), 0.4)
        yield _forward_case(rng, "a large batch (64, 32), p = 0.6", (64, 32), 0.6)
        yield _forward_case(rng, "p = 0.9: about one unit in ten survives", (20, 10), 0.9)
        yield _forward_case(rng, "train=True passed by name, p = 0.25", (5, 3), 0.25, train=True)
        yield _forward_case(
            rng,
            "inference on feature maps (2, 3, 4, 4), p = 0.5",
            (2, 3, 4, 4),
            0.5,
            train=False,
        )
        yield _forward_case(rng, "inference with p = 0.8", (4, 6), 0.8, train=False)


def _scaled(factor):
    """Dropout whose kept entries are multiplied by ``factor(p)`` (the right one: 1/(1 − p))."""

    def wrong(x, p, rng, train=True):
        return x * _keep(x, p, rng) * factor(p) if train else x.copy()

    return wrong


_FORWARD_MISTAKES = _wrong_scales(
    _scaled,
    [
        (
            "the kept units are multiplied by p instead of divided by (1 - p)",
            "Inverted dropout divides what it keeps by the keep probability 1 - p: "
            "out = x * keep / (1 - p).",
        ),
        (
            "the kept units are divided by p instead of (1 - p)",
            "p is the probability of DROPPING a unit; a unit is kept with probability 1 - p, so "
            "divide by (1 - p).",
        ),
        (
            "the kept units are not scaled (no 1 / (1 - p))",
            "Divide the kept activations by 1 - p: then E[out] = (1 - p) * x / (1 - p) = x, so the "
            "next layer sees the same expected activation in training as at inference.",
        ),
        (
            "the kept units are multiplied by (1 - p) instead of divided by it",
            "Multiplying by 1 - p is what the original dropout does at TEST time. Inverted "
            "dropout divides by 1 - p during training instead: out = x * keep / (1 - p).",
        ),
    ],
)


@_FORWARD_MISTAKES.add(
    "the mask keeps a unit with probability p (rng.random(x.shape) < p)",
    hint="p is the drop probability: keep = rng.random(x.shape) >= p keeps each unit with "
    "probability 1 - p.",
)
def _mask_below_p(x, p, rng, train=True):
    return x * (rng.random(x.shape) < p) / (1 - p) if train else x.copy()


@_FORWARD_MISTAKES.add(
    "the mask is drawn as rng.random(x.shape) < 1 - p",
    hint="That keeps each unit with the right probability, but it is not the mask this course "
    "draws: use exactly keep = rng.random(x.shape) >= p, so that the same generator gives "
    "the same mask (and your results match the checks' and the book's).",
)
def _mask_below_one_minus_p(x, p, rng, train=True):
    return x * (rng.random(x.shape) < 1 - p) / (1 - p) if train else x.copy()


@_FORWARD_MISTAKES.add(
    "dropout is applied at inference too (train=False is ignored)",
    hint="With train=False nothing is dropped: return a copy of x and draw no random numbers "
    "(inverted dropout needs no rescaling at test time).",
)
def _always_drop(x, p, rng, train=True):
    return x * _keep(x, p, rng) / (1 - p)


@_FORWARD_MISTAKES.add(
    "x is multiplied by (1 - p) at inference",
    hint="That is the rule of the original, non-inverted dropout. Inverted dropout already "
    "divided by 1 - p in training, so at inference out is x itself.",
)
def _test_time_scaling(x, p, rng, train=True):
    return x * _keep(x, p, rng) / (1 - p) if train else x * (1 - p)


@_FORWARD_MISTAKES.add(
    "one mask row is shared by every example (drawn with the shape of one row)",
    hint="Draw one independent keep/drop decision per entry: rng.random(x.shape).",
)
def _one_mask_per_row(x, p, rng, train=True):
    return x * (rng.random(x.shape[-1]) >= p) / (1 - p) if train else x.copy()


def _forward_mask_advice(fraction, p):
    inverted = ""
    if abs(p - 0.5) > 0.15 and abs(fraction - p) < abs(fraction - (1 - p)):
        inverted = (
            f" It keeps about {fraction:.0%} of them, near p = {p:g}: p is the probability of "
            "dropping a unit, so keep a unit when the random number is >= p."
        )
    return (
        f"Your out is x / (1 - p) on {fraction:.0%} of the entries and 0 elsewhere, but those "
        "are not the entries where keep = rng.random(x.shape) >= p." + inverted + " Draw the "
        "mask exactly so, once, from the rng argument (not np.random, not a new generator): the "
        "same generator then gives the same mask."
    )


def _check_cache(cache, keep, p, case):
    where = f'on case "{case.label}"'
    if not isinstance(cache, (tuple, list)) or len(cache) != 2:
        fail(
            f"dropout_forward's cache should be the pair (keep, p), but it is {describe(cache)} "
            f"{where}. dropout_backward reads keep, p = cache."
        )
    got_keep, got_p = cache
    if keep is None:
        if got_keep is not None:
            fail(
                f"dropout_forward's cache at inference (train=False) should be (None, p): no "
                f"mask was drawn, but cache[0] is {describe(got_keep)} {where}."
            )
    elif not isinstance(got_keep, np.ndarray) or got_keep.shape != keep.shape:
        fail(
            f"dropout_forward's cache[0] should be the mask keep, an array of shape {keep.shape} "
            f"(True where a unit is kept), but it is {describe(got_keep)} {where}."
        )
    else:
        mask = np.ndarray.view(got_keep, np.ndarray)
        if mask.dtype.kind in "biuf" and 0 < p and np.array_equal(mask, keep / (1 - p)):
            fail(
                f"dropout_forward's cache[0] holds the scaled mask keep / (1 - p) {where}. Store "
                "the mask itself (keep = rng.random(x.shape) >= p): dropout_backward divides by "
                "1 - p."
            )
        if mask.dtype.kind not in "biuf" or not np.array_equal(mask, keep):
            fail(
                f"dropout_forward's cache[0] is not the mask used for out {where}: store keep, "
                "the boolean array with True where a unit is kept."
            )
    try:
        same_p = float(got_p) == p
    except (TypeError, ValueError):
        same_p = False
    if not same_p:
        fail(
            f"dropout_forward's cache[1] should be p = {p:g}, the drop probability, but it is "
            f"{got_p!r} {where}."
        )


@_each_case("dropout_forward", _forward_cases, _FORWARD_MISTAKES)
def _dropout_forward(student, case):
    x, p, generator = case.args
    keep = _keep(x, p, copy.deepcopy(generator)) if case.kwargs.get("train", True) else None
    _, cache = _check_with_mask_hint(
        student,
        regularization.dropout_forward,
        case,
        ("out", None),
        _FORWARD_MISTAKES,
        (x, keep, p),
        _forward_mask_advice,
    )
    _check_cache(cache, keep, p, case)


# --- dropout_backward ---------------------------------------------------------------------


def _backward_case(rng, label, shape, p, *, inference=False, keep=None):
    dout = rng.normal(size=shape)
    if not inference and keep is None:
        keep = rng.random(shape) >= p
    return Case(label, dout, (None if inference else keep, p))


def _backward_cases(rng, hidden):
    yield _backward_case(rng, "dout (5, 6), p = 0.3", (5, 6), 0.3)
    yield _backward_case(rng, "dout (3, 6), p = 0.6", (3, 6), 0.6)
    yield _backward_case(
        rng, "inference: the cache is (None, 0.3), so dx = dout", (3, 4), 0.3, inference=True
    )
    if hidden:
        yield _backward_case(rng, "p = 0: every unit was kept", (3, 5), 0.0)
        yield _backward_case(rng, "p = 0.5, dout (6, 10)", (6, 10), 0.5)
        yield _backward_case(rng, "a single example (1, 8), p = 0.1", (1, 8), 0.1)
        yield _backward_case(rng, "feature maps (2, 3, 4, 4), p = 0.4", (2, 3, 4, 4), 0.4)
        yield _backward_case(
            rng,
            "every unit dropped (keep all False), p = 0.9",
            (2, 3),
            0.9,
            keep=np.zeros((2, 3), bool),
        )
        yield _backward_case(rng, "a large batch (64, 32), p = 0.75", (64, 32), 0.75)
        yield _backward_case(
            rng,
            "inference on feature maps: cache (None, 0.5)",
            (2, 3, 4, 4),
            0.5,
            inference=True,
        )


def _backward_scaled(factor):
    def wrong(dout, cache):
        keep, p = cache
        return dout * keep * factor(p)

    return wrong


_BACKWARD_MISTAKES = _wrong_scales(
    _backward_scaled,
    [
        (
            "dx is multiplied by p instead of divided by (1 - p)",
            "The forward pass computed out = x * keep / (1 - p), so dout/dx = keep / (1 - p).",
        ),
        (
            "dx is divided by p instead of (1 - p)",
            "p is the drop probability; the forward pass divided by the keep probability 1 - p, "
            "and so does the backward pass.",
        ),
        (
            "the backward pass ignores the scale 1 / (1 - p)",
            "The forward pass computed out = x * keep / (1 - p): the gradient carries the same "
            "factor, dx = dout * keep / (1 - p).",
        ),
        (
            "dx is multiplied by (1 - p) instead of divided by it",
            "The local derivative of out = x * keep / (1 - p) is keep / (1 - p): divide by 1 - p.",
        ),
    ],
)


@_BACKWARD_MISTAKES.add(
    "the mask is ignored: dx = dout / (1 - p) everywhere",
    hint="A dropped unit did not take part in the forward pass, so its gradient is 0: multiply "
    "by the cached mask, dx = dout * keep / (1 - p).",
)
def _mask_ignored(dout, cache):
    return dout / (1 - cache[1])


@_BACKWARD_MISTAKES.add(
    "the mask is inverted: the gradient flows through the dropped units",
    hint="keep is True where a unit was KEPT: dx = dout * keep / (1 - p).",
)
def _mask_inverted(dout, cache):
    keep, p = cache
    return dout * ~keep / (1 - p)


@_BACKWARD_MISTAKES.add(
    "dout is not multiplied in: dx = keep / (1 - p)",
    hint="Chain rule: dx = dout * (local derivative) = dout * keep / (1 - p).",
)
def _dout_forgotten(dout, cache):
    keep, p = cache
    return keep / (1 - p) + 0 * dout


def _backward_mask_advice(fraction, p):
    return (
        f"Your dx is dout / (1 - p) on {fraction:.0%} of the entries and 0 elsewhere, but not on "
        "the entries the cache's mask kept: did you draw a fresh mask? The backward pass must "
        "reuse the forward pass's mask, keep, p = cache. A unit dropped in the forward pass "
        "had no effect on the loss, so its gradient is 0; a kept one passes dout / (1 - p) back."
    )


@_each_case("dropout_backward", _backward_cases, _BACKWARD_MISTAKES)
def _dropout_backward(student, case):
    dout, (keep, p) = case.args
    _check_with_mask_hint(
        student,
        regularization.dropout_backward,
        case,
        ("dx",),
        _BACKWARD_MISTAKES,
        (dout, keep, p),
        _backward_mask_advice,
    )
