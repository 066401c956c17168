"""Checks of ch04's ``iterate_minibatches``, judged by properties: any shuffle drawn from
``rng`` is correct (see the package's docstring)."""

from __future__ import annotations

import numpy as np

from trustedgrading.checks import Mistakes, call_student, fail, register_custom

from ._shared import _A

# --- iterate_minibatches --------------------------------------------------------------------


def _batches(student, X, y, batch_size, rng, shuffle, case, **kwargs):
    """Call the student's function and collect its batches as a list of (X_b, y_b)."""
    pass_shuffle = {} if shuffle is None else {"shuffle": shuffle}

    def collect(X, y, batch_size, rng, **options):
        return list(student(X, y, batch_size, rng, **options))

    got = call_student(collect, X, y, batch_size, rng, case=case, **pass_shuffle)
    for i, item in enumerate(got):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            fail(
                f"iterate_minibatches must yield pairs (X_batch, y_batch); item {i} is "
                f'{type(item).__name__} on case "{case}".'
            )
        for name, value, full in (("X_batch", item[0], X), ("y_batch", item[1], y)):
            if type(value) is not np.ndarray:
                fail(
                    f"iterate_minibatches yielded {name} as a {type(value).__name__} in batch "
                    f'{i + 1} on case "{case}"; yield NumPy arrays (index X and y with an '
                    "array of indices)."
                )
            if value.shape[1:] != full.shape[1:] or value.dtype != full.dtype:
                fail(
                    f"iterate_minibatches yielded {name} of shape {value.shape} and dtype "
                    f'{value.dtype} in batch {i + 1} on case "{case}"; each batch keeps the '
                    f"other axes and the dtype of the input ({full.shape[1:]}, {full.dtype})."
                )
        if len(item[0]) != len(item[1]):
            fail(
                f"iterate_minibatches yielded batch {i + 1} with {len(item[0])} rows of X but "
                f'{len(item[1])} of y on case "{case}".'
            )
    return [(b[0], b[1]) for b in got]


def _ids(X, y, batches, case):
    """Example ids of each batch; fail if X and y rows were separated."""
    ids = []
    for i, (X_b, y_b) in enumerate(batches):
        from_x = X_b.reshape(len(X_b), -1)[:, 0].astype(np.int64)
        from_y = y_b.reshape(len(y_b), -1)[:, 0].astype(np.int64)
        if not np.array_equal(from_x, from_y):
            fail(
                f'In batch {i + 1} on case "{case}", the rows of X_batch and y_batch belong to '
                "different examples: shuffle X and y with the same permutation (index both "
                "with the same index array)."
            )
        ids.append(from_x)
    return ids


def _expect_partition(ids, N, sizes, case):
    got_sizes = [len(b) for b in ids]
    if got_sizes != sizes:
        shown = got_sizes if len(got_sizes) <= 12 else [*got_sizes[:6], "...", *got_sizes[-3:]]
        expected = sizes if len(sizes) <= 12 else [*sizes[:6], "...", *sizes[-3:]]
        hint = ""
        if sum(got_sizes) < N:
            hint = " The last, smaller batch is missing: keep the remainder as a final batch."
        elif len(got_sizes) == 1 and len(sizes) > 1:
            hint = " Cut the examples into consecutive chunks of batch_size."
        fail(
            f'iterate_minibatches gave batches of sizes {shown} on case "{case}", expected '
            f"{expected}.{hint}"
        )
    flat = np.concatenate(ids) if ids else np.array([], dtype=np.int64)
    if not np.array_equal(np.sort(flat), np.arange(N)):
        repeated = len(flat) - len(np.unique(flat))
        fail(
            f'On case "{case}", the batches do not use each example exactly once ({repeated} '
            "repeated): shuffle one permutation of all N indices, then cut it into batches "
            "(do not draw each batch at random)."
        )
    return flat


def _data(N, rng, *, shape=(3,), y_kind="int"):
    """X whose first column is the example id; y the same id (int) or an id column."""
    X = rng.normal(size=(N, *shape))
    X.reshape(N, -1)[:, 0] = np.arange(N)
    if y_kind == "int":
        y = np.arange(N)
    else:
        y = np.zeros((N, 2))
        y[:, 0] = np.arange(N)
        y[:, 1] = rng.normal(size=N)
    return X, y


def _minibatch_run(student, X, y, B, seed, shuffle, case, sizes):
    rng = None if seed is None else np.random.default_rng(seed)
    batches = _batches(student, X, y, B, rng, shuffle, case)
    order = _expect_partition(_ids(X, y, batches, case), len(X), sizes, case)
    for X_b, _ in batches:
        ids = X_b.reshape(len(X_b), -1)[:, 0].astype(np.int64)
        if not np.array_equal(X_b, X[ids]):
            fail(f'On case "{case}", a batch of X holds values that are not rows of X.')
    return order


def _expect_shuffled(student, X, y, B, case, sizes):
    first = _minibatch_run(student, X, y, B, 11, None, case, sizes)
    again = _minibatch_run(student, X, y, B, 11, True, case + " (same seed again)", sizes)
    if np.array_equal(first, np.arange(len(X))):
        fail(
            f'On case "{case}" (shuffle=True, the default), the examples came out in their '
            "original order: shuffle them with rng (e.g. idx = rng.permutation(N))."
        )
    if not np.array_equal(first, again):
        fail(
            f'On case "{case}", two calls with generators seeded alike gave different batches: '
            "draw the shuffle from the rng argument (rng.permutation), not from np.random."
        )
    other = _minibatch_run(student, X, y, B, 12, True, case + " (another seed)", sizes)
    if np.array_equal(first, other):
        fail(
            f'On case "{case}", generators with different seeds gave the same batches: draw '
            "the shuffle from the rng argument, not from a generator of your own."
        )


def _sizes(N, B):
    B = N if B is None else min(B, N)
    return [B] * (N // B) + ([N % B] if N % B else [])


def _cut(X, y, batch_size, ix, iy, *, drop_last=False):
    """Batches of ``X[ix]`` and ``y[iy]``, for the known mistakes: ``batch_size`` rows each."""
    B = len(X) if batch_size is None else batch_size
    for start in range(0, len(X) - B + 1 if drop_last else len(X), B):
        yield X[ix[start : start + B]], y[iy[start : start + B]]


_MINIBATCH_MISTAKES = Mistakes()


@_MINIBATCH_MISTAKES.add(
    "dropped the last, smaller batch",
    hint="1,000 examples at 256 give 256, 256, 256 and a last batch of 232.",
)
def _minibatch_dropped_last(X, y, batch_size, rng, shuffle=True):
    idx = rng.permutation(len(X)) if shuffle else np.arange(len(X))
    yield from _cut(X, y, batch_size, idx, idx, drop_last=True)


@_MINIBATCH_MISTAKES.add(
    "shuffled X and y with separate permutations",
    hint="Draw one permutation and index X and y with it, so rows stay paired.",
)
def _minibatch_separate_shuffles(X, y, batch_size, rng, shuffle=True):
    ix = rng.permutation(len(X)) if shuffle else np.arange(len(X))
    iy = rng.permutation(len(X)) if shuffle else np.arange(len(X))
    yield from _cut(X, y, batch_size, ix, iy)


@_MINIBATCH_MISTAKES.add(
    "shuffled with np.random instead of rng",
    hint="Use the rng argument (rng.permutation), so the batches are reproducible.",
)
def _minibatch_global_rng(X, y, batch_size, rng, shuffle=True):
    # The mistake itself: the global generator instead of rng.
    idx = np.random.permutation(len(X)) if shuffle else np.arange(len(X))  # noqa: NPY002
    yield from _cut(X, y, batch_size, idx, idx)


@_MINIBATCH_MISTAKES.add(
    "drew every batch at random (with replacement)",
    hint="An epoch uses each example once: permute once, then cut into batches.",
)
def _minibatch_with_replacement(X, y, batch_size, rng, shuffle=True):
    B = len(X) if batch_size is None else batch_size
    for _ in range(-(-len(X) // B)):
        idx = rng.integers(0, len(X), size=min(B, len(X)))
        yield X[idx], y[idx]


@register_custom(f"{_A}.iterate_minibatches", mistakes=_MINIBATCH_MISTAKES)
def _iterate_minibatches(student, rng, hidden):
    X, y = _data(1000, rng)
    _expect_shuffled(student, X, y, 256, "1,000 examples, batch_size = 256", [256, 256, 256, 232])
    case = "10 examples, batch_size = 4, shuffle = False"
    X10, y10 = _data(10, rng)
    order = _minibatch_run(student, X10, y10, 4, 5, False, case, [4, 4, 2])
    if not np.array_equal(order, np.arange(10)):
        fail(f'On case "{case}", the batches must keep the original order: {order.tolist()}.')
    _minibatch_run(student, X10, y10, None, 5, True, "10 examples, batch_size = None", [10])
    _expect_shuffled(student, X10, y10, 1, "10 examples, batch_size = 1 (SGD)", [1] * 10)
    if not hidden:
        return
    Xi, yi = _data(30, rng, shape=(1, 2, 2))
    _expect_shuffled(student, Xi, yi, 8, "30 images (N, 1, 2, 2), batch_size = 8", _sizes(30, 8))
    Xo, yo = _data(17, rng, y_kind="rows")
    _expect_shuffled(
        student, Xo, yo, 5, "17 examples, y of shape (17, 2), batch_size = 5", _sizes(17, 5)
    )
    _minibatch_run(student, X10, y10, 32, 3, True, "10 examples, batch_size = 32 > N", [10])
    Xp, yp = _data(12, rng)
    order = _minibatch_run(
        student, Xp, yp, 12, 3, False, "12 examples, batch_size = 12, shuffle = False", [12]
    )
    if not np.array_equal(order, np.arange(12)):
        fail("With shuffle=False and one batch, the batch must hold the examples in order.")
    Xs, ys = _data(1, rng)
    _minibatch_run(student, Xs, ys, 4, 3, True, "a single example", [1])
    case = "7 examples, batch_size = 3, shuffle = False, rng = None"
    X7, y7 = _data(7, rng)
    order = _minibatch_run(student, X7, y7, 3, None, False, case, [3, 3, 1])
    if not np.array_equal(order, np.arange(7)):
        fail(f'On case "{case}", the batches must keep the original order: {order.tolist()}.')
    _expect_shuffled(student, X, y, 100, "1,000 examples, batch_size = 100", [100] * 10)
