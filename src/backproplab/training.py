r"""Mini-batches and a generic training loop.

Vocabulary (SYLLABUS ch. 4): an *iteration* is one update on one mini-batch; an *epoch* is one
pass over all :math:`N` examples, i.e. :math:`\lceil N / B \rceil` iterations for batch size
:math:`B`. ``batch_size=None`` is batch gradient descent (one iteration per epoch) and
``batch_size=1`` is stochastic gradient descent.

``train`` knows nothing about networks: it takes a dict of parameter arrays and a function
``loss_and_grads(params, X_batch, y_batch) -> (loss, grads)``, and updates every parameter with
its own optimizer state. Any object with ``init(w) -> state`` and
``update(w, dw, state) -> (w, state)`` works as the optimizer (see
``backproplab.optimizers``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from backproplab._types import ArrayLike, LossAndGrads, OptimizerLike
from backproplab._validate import (
    as_float_array,
    as_int,
    as_labels,
    check_optimizer,
    check_rng,
    non_empty,
)

__all__ = ["accuracy", "iterate_minibatches", "train"]


def iterate_minibatches(
    X: ArrayLike,
    y: ArrayLike,
    batch_size: int | None,
    rng: np.random.Generator | None,
    shuffle: bool = True,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    r"""Yield the mini-batches of one epoch, each example exactly once.

    Parameters
    ----------
    X : array_like, shape (N, ...)
        Inputs, one example per row.
    y : array_like, shape (N, ...)
        Targets; any dtype (integer labels stay integers).
    batch_size : int or None
        :math:`B \ge 1`. ``None`` gives one full batch; ``1`` gives single examples (SGD).
        A ``B`` larger than ``N`` also gives one full batch.
    rng : numpy.random.Generator or None
        Used for the shuffle, and only for it: one ``rng.permutation(N)`` per epoch. May be
        ``None`` only when ``shuffle=False``.
    shuffle : bool
        Visit the examples in a random order (the usual choice); otherwise in order.

    Yields
    ------
    X_batch, y_batch : ndarray, shapes (B, ...) and (B, ...)
        Copies, so writing into a batch never changes ``X`` or ``y``. The last batch holds the
        remaining :math:`N - B\lfloor (N-1)/B \rfloor` examples when :math:`B` does not divide
        :math:`N` (1,000 examples at 256: 256, 256, 256, 232).

    Raises
    ------
    ValueError
        ``X`` and ``y`` have different numbers of examples, ``X`` is empty, or ``batch_size < 1``.
    TypeError
        ``rng`` is not a Generator although ``shuffle=True``.

    Notes
    -----
    The arguments are checked when the function is called, not at the first ``next()``.
    """
    fn = "iterate_minibatches"
    X, y, N = _examples(X, y, fn)
    B = N if batch_size is None else as_int(batch_size, "batch_size", fn, low=1)
    if not isinstance(shuffle, bool):
        raise TypeError(f"{fn}: shuffle must be True or False, got {shuffle!r}")
    rng = check_rng(rng, fn, optional=not shuffle)
    return _batches(X, y, N, B, rng if shuffle else None)


def _batches(
    X: np.ndarray, y: np.ndarray, N: int, B: int, rng: np.random.Generator | None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    order = rng.permutation(N) if rng is not None else np.arange(N)
    for start in range(0, N, B):
        idx = order[start : start + B]
        yield X[idx], y[idx]  # fancy indexing copies


def train(
    params: Mapping[str, ArrayLike],
    loss_and_grads: LossAndGrads,
    X: ArrayLike,
    y: ArrayLike,
    optimizer: OptimizerLike,
    epochs: int,
    batch_size: int | None,
    rng: np.random.Generator | None,
    *,
    shuffle: bool = True,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    r"""Minimise a loss over mini-batches with any optimizer, without touching the inputs.

    For each epoch and each mini-batch :math:`(X_b, y_b)`:

    .. math::

        (L, \nabla) = \text{loss\_and\_grads}(\theta, X_b, y_b), \qquad
        (\theta_k, s_k) \leftarrow \text{update}(\theta_k, \nabla_k, s_k)
        \ \text{for every key } k

    Parameters
    ----------
    params : dict of str -> array_like
        Initial parameters, e.g. ``{"W1": ..., "b1": ...}``. Not modified.
    loss_and_grads : callable
        ``loss_and_grads(params, X_batch, y_batch) -> (loss, grads)`` with ``loss`` a scalar
        (the mean over the batch) and ``grads`` a dict with the same keys and shapes as
        ``params``.
    X, y : array_like, shape (N, ...)
        Training data, as for ``iterate_minibatches``.
    optimizer : object with ``init`` and ``update``
        E.g. ``make_optimizer("adam", lr=1e-2)``. Each parameter gets its own state.
    epochs : int
        Number of passes over the data, ``>= 0``.
    batch_size : int or None
        As for ``iterate_minibatches``.
    rng : numpy.random.Generator or None
        Shuffles the examples each epoch; ``None`` only with ``shuffle=False``.
    shuffle : bool, keyword-only
        Passed to ``iterate_minibatches``.

    Returns
    -------
    params : dict of str -> ndarray
        New arrays after training (float64), same keys.
    history : dict
        ``"loss"``: ndarray (epochs * iterations_per_epoch,), the batch loss at every iteration,
        measured before that iteration's update; ``"epoch_loss"``: ndarray (epochs,), the mean
        of the batch losses of each epoch weighted by batch size (the mean loss per example
        over the epoch, while the parameters were moving).

    Raises
    ------
    ValueError
        The loss or a gradient becomes NaN or infinite, or a parameter diverges: the message
        names the epoch and iteration and suggests a smaller learning rate. Also for grads
        whose keys or shapes do not match ``params``.
    """
    fn = "train"
    if not isinstance(params, Mapping) or not params:
        raise TypeError(
            f"{fn}: params must be a non-empty dict of arrays, e.g. {{'W': W, 'b': b}}; "
            f"got {type(params).__name__}"
        )
    params = {k: np.array(as_float_array(v, k, fn, finite=True)) for k, v in params.items()}
    if not callable(loss_and_grads):
        raise TypeError(f"{fn}: loss_and_grads must be callable, got {type(loss_and_grads)}")
    check_optimizer(optimizer, fn)
    epochs = as_int(epochs, "epochs", fn, low=0)
    X, y, _ = _examples(X, y, fn)
    # Validate the batching arguments once, up front, rather than at the first epoch.
    iterate_minibatches(X, y, batch_size, rng, shuffle)

    states = {k: optimizer.init(p.copy()) for k, p in params.items()}
    losses, epoch_losses = [], []
    iteration = 0
    for epoch in range(1, epochs + 1):
        total, count = 0.0, 0
        for X_b, y_b in iterate_minibatches(X, y, batch_size, rng, shuffle):
            iteration += 1
            where = f"epoch {epoch}, iteration {iteration}"
            loss, grads = _loss_and_grads(loss_and_grads, params, X_b, y_b, where)
            _check_grads(grads, params, where)
            # Overflow in an update means divergence; it is reported below as an error
            # with advice, instead of as a RuntimeWarning.
            with np.errstate(over="ignore", invalid="ignore"):
                for k in params:
                    p_new, states[k] = optimizer.update(params[k].copy(), grads[k], states[k])
                    p_new = np.asarray(p_new, dtype=np.float64)
                    if p_new.shape != params[k].shape:
                        raise ValueError(
                            f"{fn}: optimizer.update returned {k!r} of shape {p_new.shape} "
                            f"but the parameter has shape {params[k].shape} ({where})"
                        )
                    if not np.all(np.isfinite(p_new)):
                        raise ValueError(_diverged(f"parameter {k!r} became non-finite", where))
                    params[k] = p_new
            losses.append(loss)
            total += loss * len(X_b)
            count += len(X_b)
        epoch_losses.append(total / count)
    return params, {"loss": np.array(losses), "epoch_loss": np.array(epoch_losses)}


def _examples(X: ArrayLike, y: ArrayLike, fn: str) -> tuple[np.ndarray, np.ndarray, int]:
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"{fn}: X and y need a first axis of examples; got shapes {X.shape} and {y.shape}"
        )
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{fn}: X has shape {X.shape} but y has shape {y.shape}; they must have the same "
            f"number of examples (first dimension)"
        )
    non_empty(X, "X", fn)
    return X, y, X.shape[0]


def _loss_and_grads(
    loss_and_grads: LossAndGrads,
    params: dict[str, np.ndarray],
    X_b: np.ndarray,
    y_b: np.ndarray,
    where: str,
) -> tuple[float, Any]:
    # Weights that are finite but huge overflow in the forward pass; the layers then refuse
    # the non-finite activations. That is divergence too, and is reported as such.
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            out = loss_and_grads(dict(params), X_b, y_b)
    except ValueError as error:
        if "non-finite" not in str(error):
            raise
        raise ValueError(_diverged(f"the forward pass overflowed ({error})", where)) from error
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"train: loss_and_grads must return (loss, grads) ({where})")
    loss, grads = out
    arr = np.asarray(loss)
    if arr.dtype.kind not in "biuf" or arr.size != 1:
        raise TypeError(
            f"train: loss_and_grads must return a scalar real loss, got {type(loss).__name__} "
            f"of shape {arr.shape} ({where})"
        )
    loss = float(arr.reshape(()))
    if not np.isfinite(loss):
        raise ValueError(_diverged(f"loss became {loss}", where))
    return loss, grads


def _check_grads(grads: object, params: dict[str, np.ndarray], where: str) -> None:
    if not isinstance(grads, Mapping) or set(grads) != set(params):
        got = sorted(grads) if isinstance(grads, Mapping) else type(grads).__name__
        raise ValueError(
            f"train: grads must be a dict with the same keys as params {sorted(params)}, "
            f"got {got} ({where})"
        )
    for k, p in params.items():
        g = np.asarray(grads[k])
        if g.shape != p.shape:
            raise ValueError(
                f"train: grads[{k!r}] has shape {g.shape} but params[{k!r}] has shape "
                f"{p.shape} ({where})"
            )
        if g.dtype.kind in "biuf" and not np.all(np.isfinite(g)):
            raise ValueError(_diverged(f"gradient {k!r} became non-finite", where))


def _diverged(what: str, where: str) -> str:
    return (
        f"train: {what} at {where}; training diverged. The learning rate is probably too "
        "large: try a smaller one (e.g. 10 times smaller)."
    )


def accuracy(scores: ArrayLike, y: ArrayLike) -> float:
    r"""Fraction of examples whose highest score is the true class.

    .. math:: \text{acc} = \frac{1}{N} \sum_n [\arg\max_k s_{nk} = y_n]

    Parameters
    ----------
    scores : array_like, shape (N, K)
        Logits or probabilities (the argmax is the same).
    y : array_like of int, shape (N,)
        True class labels.
    """
    fn = "accuracy"
    scores = as_float_array(scores, "scores", fn, ndim=2)
    non_empty(scores, "scores", fn)
    y = as_labels(y, "y", fn)
    if y.shape != (scores.shape[0],):
        raise ValueError(
            f"{fn}: scores has shape {scores.shape} but y has shape {y.shape}; "
            f"expected integer labels of shape ({scores.shape[0]},)"
        )
    return float(np.mean(np.argmax(scores, axis=1) == y))
