r"""Measurements that tell whether a network is learning (chapters 7 and 8).

- :func:`gradient_norms`: one gradient norm per layer, to watch gradients vanish (or explode)
  toward the first layers.
- :func:`dead_relu_fraction`: the share of ReLU units that output 0 on every example, and so
  receive no gradient at all.
- :func:`update_ratio`: :math:`\lVert \Delta w \rVert / \lVert w \rVert`, CS231n's rule of thumb
  being about :math:`10^{-3}` per step.

Norms are Euclidean over all entries (Frobenius for matrices) and computed with rescaling, so
that huge exploding gradients give a finite norm or ``inf``, never an overflow warning.
"""

from __future__ import annotations

import numpy as np

from backproplab._types import ArrayLike
from backproplab._validate import as_float_array, layer_count, non_empty, same_shape


def _norm(a: np.ndarray) -> float:
    """Euclidean norm of all entries, scaled by max|a| so that squaring cannot overflow.

    A norm beyond the float64 range (entries near 1e308) is ``inf``: the final product is a
    Python float multiplication, which overflows to ``inf`` without a NumPy warning.
    """
    if a.size == 0:
        return 0.0
    scale = float(np.max(np.abs(a)))
    if scale == 0.0 or np.isinf(scale):
        return scale
    return scale * float(np.sqrt(np.sum(np.square(a / scale))))


def gradient_norms(grads: dict[str, np.ndarray]) -> np.ndarray:
    r"""Euclidean norm of each layer's parameter gradients.

    Layer :math:`l` owns ``W{l}`` and ``b{l}`` (the convention of
    :mod:`backproplab.network`); its entry is the norm of all its parameter gradients taken
    together, as if ``dW_l`` and ``db_l`` were one flattened vector:

    .. math:: g_l = \sqrt{\lVert dW_l \rVert_F^2 + \lVert db_l \rVert_2^2}

    We include the bias so that the number is the size of the layer's whole gradient step;
    the bias is a small share of a layer's parameters, so the curve hardly differs from
    :math:`\lVert dW_l \rVert_F` alone.

    Parameters
    ----------
    grads : dict[str, array_like]
        Keys ``"W1", "b1", ..., "WL", "bL"`` with no gap: every layer 1..L needs both its
        ``W`` and its ``b``. Shapes are free (``W`` may be a conv kernel). ``inf`` entries
        give an ``inf`` norm; NaN raises ``ValueError``.

    Returns
    -------
    norms : ndarray of float64, shape (L,)
        ``norms[l - 1]`` is :math:`g_l`; ``inf`` (with no warning) if it exceeds the float64
        range.
    """
    fn = "gradient_norms"
    n_layers = layer_count(grads, "grads", fn)
    norms = np.empty(n_layers)
    for layer in range(1, n_layers + 1):
        parts = [
            _norm(as_float_array(grads[f"{k}{layer}"], f"grads['{k}{layer}']", fn)) for k in "Wb"
        ]
        # The norm of the two part-norms is the norm of all entries; _norm rescales, where
        # np.hypot warns when the result overflows.
        norms[layer - 1] = _norm(np.array(parts))
    return norms


def dead_relu_fraction(pre_activations: ArrayLike) -> float:
    r"""Fraction of ReLU units that are dead on a set of examples.

    Unit :math:`j` is dead when its pre-activation is non-positive for every example, so its
    ReLU outputs 0 and passes back zero gradient everywhere:

    .. math:: \text{dead} = \frac{1}{M} \sum_{j=1}^{M}
              \mathbb{1}\left[\, z_{nj} \le 0 \ \text{for all } n \,\right]

    A unit that fires (:math:`z_{nj} > 0`) for even one example is alive.

    Parameters
    ----------
    pre_activations : array_like, shape (N, M)
        Pre-activations :math:`z` of one layer for N examples (N >= 1) and M units (M >= 1).

    Returns
    -------
    fraction : float
        In [0, 1].
    """
    fn = "dead_relu_fraction"
    z = as_float_array(pre_activations, "pre_activations", fn)
    if z.ndim != 2:
        raise ValueError(
            f"{fn}: pre_activations must be 2-D (N, M) = (examples, units) for one layer, "
            f"got shape {z.shape}; for a single example use z[None, :]"
        )
    non_empty(z, "pre_activations", fn)
    return float(np.mean(np.all(z <= 0, axis=0)))


def update_ratio(w: ArrayLike, update: ArrayLike) -> float:
    r"""Size of a parameter update relative to the parameter.

    .. math:: r = \frac{\lVert \Delta w \rVert}{\lVert w \rVert}

    with Euclidean (Frobenius) norms over all entries. A healthy learning rate gives
    :math:`r \approx 10^{-3}`; much larger and training is unstable, much smaller and it
    crawls.

    Parameters
    ----------
    w : array_like, any shape
        The parameter before the update; must not be all zeros.
    update : array_like, same shape as ``w``
        The step applied to it, e.g. :math:`-\eta\, dw` for plain SGD.

    Returns
    -------
    ratio : float

    Raises
    ------
    ValueError
        If the shapes differ, if ``w`` is empty, or if ``w`` is all zeros: the ratio is then
        undefined (returning ``inf`` would hide the real problem of an all-zero
        initialisation).
    """
    fn = "update_ratio"
    w = as_float_array(w, "w", fn, finite=True)
    update = as_float_array(update, "update", fn, finite=True)
    same_shape(w, update, ("w", "update"), fn)
    non_empty(w, "w", fn)
    if not np.any(w):
        raise ValueError(f"{fn}: w is all zeros, so the ratio ||update|| / ||w|| is undefined")
    # one common scale for both norms, so entries near 1e308 cannot make it inf / inf = nan
    scale = max(float(np.max(np.abs(w))), float(np.max(np.abs(update))))
    return _norm(update / scale) / _norm(w / scale)
