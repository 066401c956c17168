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

Chapter 9 adds what fights overfitting: a validation set measured after every epoch
(``val=``), early stopping with the best parameters restored (``patience=``, by the rule
``should_stop``), L2 weight decay (``weight_decay=``) and a per-epoch metric such as accuracy
(``metric=``). Without them, ``train`` behaves exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from backproplab._types import ArrayLike, LossAndGrads, Metric, OptimizerLike
from backproplab._validate import (
    as_array,
    as_float_array,
    as_int,
    as_labels,
    as_scalar,
    check_optimizer,
    check_rng,
    non_empty,
)
from backproplab.regularization import l2_grad, l2_penalty, weight_keys

__all__ = ["accuracy", "iterate_minibatches", "should_stop", "train"]


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
    val: tuple[ArrayLike, ArrayLike] | None = None,
    patience: int | None = None,
    weight_decay: float = 0.0,
    metric: Metric | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    r"""Minimise a loss over mini-batches with any optimizer, without touching the inputs.

    For each epoch and each mini-batch :math:`(X_b, y_b)`:

    .. math::

        (L, \nabla) = \text{loss\_and\_grads}(\theta, X_b, y_b), \qquad
        (\theta_k, s_k) \leftarrow \text{update}(\theta_k, \nabla_k + \lambda W_k, s_k)
        \ \text{for every key } k

    where the weight-decay term :math:`\lambda W_k` (``regularization.l2_grad``) is there
    only for the weights (keys starting with ``"W"``) and only when ``weight_decay > 0``.

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
    val : (X_val, y_val) or None, keyword-only
        Validation data, measured after every epoch with
        ``loss_and_grads(params, X_val, y_val)[0]`` (the data loss, without the penalty).
        Never trained on.
    patience : int >= 1 or None, keyword-only
        Early stopping (needs ``val``): stop after the epoch at which
        ``should_stop(val_losses, patience)`` first holds, and return the parameters of the
        epoch with the lowest validation loss (the first one on ties).
    weight_decay : float >= 0, keyword-only
        The L2 strength :math:`\lambda`: ``regularization.l2_grad(params, lam)`` is added to
        every gradient (coupled L2, weights only). ``params`` must then hold a weight.
    metric : callable or None, keyword-only
        ``metric(params, X, y) -> float`` (e.g. accuracy), measured after every epoch on the
        whole training set and, with ``val``, on the validation set.

    Returns
    -------
    params : dict of str -> ndarray
        New arrays after training (float64), same keys; with ``patience``, those of the best
        validation epoch.
    history : dict
        ``"loss"``: ndarray (epochs * iterations_per_epoch,), the batch loss at every iteration,
        measured before that iteration's update; ``"epoch_loss"``: ndarray (epochs,), the mean
        of the batch losses of each epoch weighted by batch size (the mean loss per example
        over the epoch, while the parameters were moving). Both are the data loss: the
        penalty is never included. Only with the matching argument, one entry per epoch run
        (fewer than ``epochs`` when training stopped early), measured at the end of the
        epoch: ``"val_loss"`` (``val``), ``"train_metric"`` and ``"val_metric"``
        (``metric``; the latter with ``val``), ``"penalty"`` = ``l2_penalty(params, lam)``
        (``weight_decay > 0``). With ``patience``: ``"best_epoch"``, the 1-based epoch whose
        parameters are returned, and ``"stopped_epoch"``, the last epoch run (``epochs``
        when the rule never fired; both 0 when ``epochs == 0``).

    Raises
    ------
    ValueError
        The loss (training or validation) or a gradient becomes NaN or infinite, or a
        parameter diverges: the message names the epoch and iteration and suggests a smaller
        learning rate. Also for grads whose keys or shapes do not match ``params``, for
        ``patience`` without ``val``, and for ``weight_decay > 0`` with no weight in
        ``params``.
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
    lam = as_scalar(weight_decay, "weight_decay", fn, low=0.0)
    if lam > 0 and not weight_keys(params):
        raise ValueError(
            f"{fn}: weight_decay={lam} but params has no weight to decay: L2 acts on the keys "
            f"that start with 'W' (W1, W2, ...), and params has {list(params)}"
        )
    monitor = _Monitor(loss_and_grads, X, y, _validation(val, X, fn), patience, metric, lam)

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
            if lam > 0:
                decay = l2_grad(params, lam)
                grads = {k: np.asarray(grads[k], dtype=np.float64) + decay[k] for k in params}
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
        if monitor.end_of_epoch(params, epoch):
            break
    return monitor.finish(params, {"loss": np.array(losses), "epoch_loss": np.array(epoch_losses)})


def _examples(
    X: ArrayLike, y: ArrayLike, fn: str, names: tuple[str, str] = ("X", "y")
) -> tuple[np.ndarray, np.ndarray, int]:
    X = np.asarray(X)
    y = np.asarray(y)
    x_name, y_name = names
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"{fn}: {x_name} and {y_name} need a first axis of examples; got shapes {X.shape} "
            f"and {y.shape}"
        )
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{fn}: {x_name} has shape {X.shape} but {y_name} has shape {y.shape}; they must "
            f"have the same number of examples (first dimension)"
        )
    non_empty(X, x_name, fn)
    return X, y, X.shape[0]


def _validation(val: object, X: np.ndarray, fn: str) -> tuple[np.ndarray, np.ndarray] | None:
    """``val`` as checked arrays ``(X_val, y_val)`` shaped like the training examples."""
    if val is None:
        return None
    if not isinstance(val, (tuple, list)) or len(val) != 2:
        raise TypeError(f"{fn}: val must be a pair (X_val, y_val), got {type(val).__name__}")
    X_val, y_val, _ = _examples(val[0], val[1], fn, names=("X_val", "y_val"))
    if X_val.shape[1:] != X.shape[1:]:
        raise ValueError(
            f"{fn}: X_val has shape {X_val.shape} but X has shape {X.shape}; validation "
            "examples must be shaped like the training examples"
        )
    return X_val, y_val


class _Monitor:
    """What ``train`` measures at the end of each epoch for its optional arguments (validation
    loss, metric, penalty, early stopping), kept apart from the optimisation loop."""

    def __init__(
        self,
        loss_and_grads: LossAndGrads,
        X: np.ndarray,
        y: np.ndarray,
        val: tuple[np.ndarray, np.ndarray] | None,
        patience: int | None,
        metric: Metric | None,
        lam: float,
    ) -> None:
        fn = "train"
        if patience is not None:
            if val is None:
                raise ValueError(
                    f"{fn}: patience={patience!r} needs validation data to watch: pass "
                    "val=(X_val, y_val)"
                )
            patience = as_int(patience, "patience", fn, low=1)
        if metric is not None and not callable(metric):
            raise TypeError(
                f"{fn}: metric must be callable as metric(params, X, y) -> float, "
                f"got {type(metric).__name__}"
            )
        self.loss_and_grads, self.X, self.y, self.val = loss_and_grads, X, y, val
        self.patience, self.metric, self.lam = patience, metric, lam
        wanted = {
            "val_loss": val is not None,
            "train_metric": metric is not None,
            "val_metric": metric is not None and val is not None,
            "penalty": lam > 0,
        }
        self.series: dict[str, list[float]] = {key: [] for key, on in wanted.items() if on}
        self.best: dict[str, np.ndarray] | None = None
        self.best_epoch = self.stopped_epoch = 0

    def _measure(self, params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
        value = np.asarray(self.metric(dict(params), X, y))
        if value.dtype.kind not in "biuf" or value.size != 1:
            raise TypeError(
                f"train: metric must return a real number, got {type(value).__name__} of "
                f"shape {value.shape}"
            )
        return float(value.reshape(()))

    def end_of_epoch(self, params: dict[str, np.ndarray], epoch: int) -> bool:
        """Record this epoch's measurements; True when early stopping says stop."""
        if self.metric is not None:
            self.series["train_metric"].append(self._measure(params, self.X, self.y))
        if self.lam > 0:
            self.series["penalty"].append(l2_penalty(params, self.lam))
        if self.val is None:
            return False
        X_val, y_val = self.val
        where = f"epoch {epoch}, on the validation set"
        loss, _ = _loss_and_grads(self.loss_and_grads, params, X_val, y_val, where)
        val_losses = self.series["val_loss"]
        val_losses.append(loss)
        if self.metric is not None:
            self.series["val_metric"].append(self._measure(params, X_val, y_val))
        if self.patience is None:
            return False
        self.stopped_epoch = epoch
        if _best_index(val_losses) == len(val_losses) - 1:
            self.best, self.best_epoch = {k: v.copy() for k, v in params.items()}, epoch
        return should_stop(val_losses, self.patience)

    def finish(
        self, params: dict[str, np.ndarray], history: dict[str, Any]
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The parameters to return and the history with the optional entries added."""
        history.update({key: np.array(values) for key, values in self.series.items()})
        if self.patience is not None:
            history["best_epoch"], history["stopped_epoch"] = self.best_epoch, self.stopped_epoch
            if self.best is not None:
                params = self.best
        return params, history


def _best_index(losses: list[float] | np.ndarray) -> int:
    """Index of the lowest loss, the first one on ties, ignoring NaN; -1 when there is none."""
    losses = np.asarray(losses, dtype=np.float64)
    if not np.any(~np.isnan(losses)):
        return -1
    return int(np.nanargmin(losses))


def should_stop(val_losses: ArrayLike, patience: int) -> bool:
    r"""The early-stopping rule: stop when the validation loss has not improved for
    ``patience`` epochs.

    With :math:`L^	ext{val}_0, \dots, L^	ext{val}_{T-1}` the validation losses so far and
    :math:`t^* = rg\min_t L^	ext{val}_t` the epoch of the best one (the first one on
    ties),

    .. math:: 	ext{stop} \iff (T - 1) - t^* \ge 	ext{patience}.

    A NaN loss never counts as best. When there is no best at all (an empty list, or only
    NaN), :math:`t^* = -1`, as if the best were before the first epoch: an empty list never
    stops, and a run of ``patience`` NaN losses does.

    Parameters
    ----------
    val_losses : array_like, shape (T,)
        The validation loss after each epoch so far, oldest first. NaN allowed.
    patience : int >= 1
        How many epochs without a new best to wait.

    Returns
    -------
    stop : bool

    Examples
    --------
    >>> should_stop([1.0, 0.5, 0.6, 0.7], patience=2)
    True
    >>> should_stop([1.0, 0.5, 0.6, 0.4], patience=2)
    False
    >>> should_stop([1.0, 0.5, 0.6, 0.5], patience=2)  # a tie is not an improvement
    True
    """
    fn = "should_stop"
    patience = as_int(patience, "patience", fn, low=1)
    losses = as_array(val_losses, "val_losses", fn)
    if losses.dtype.kind not in "biuf":
        raise TypeError(f"{fn}: val_losses must hold real numbers, got dtype {losses.dtype}")
    if losses.ndim != 1:
        raise ValueError(
            f"{fn}: val_losses must be a 1-D list of losses, one per epoch, got shape "
            f"{losses.shape}"
        )
    return len(losses) - 1 - _best_index(losses) >= patience


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
