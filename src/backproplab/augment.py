r"""Data augmentation: seven transforms of an image batch, in NumPy only.

Every function takes ``images`` of shape (N, H, W) or (N, C, H, W) and returns a new float64
array of the same shape; the input is never modified. Only the last two axes (rows, columns)
are transformed, the same way for every image and channel. Pixels that the transform brings
in from outside the image are 0 ("zero fill"); nothing wraps around.

Coordinates follow ``imshow``: row 0 is at the top, so "down" means larger row indices and a
counter-clockwise rotation is counter-clockwise as displayed. Rotation, shear and zoom act
about the image's centre :math:`(c_y, c_x) = ((H - 1)/2, (W - 1)/2)` by *inverse mapping*:
each output pixel :math:`(r, c)` reads the input at

.. math::
    \begin{pmatrix} r_\text{in} \\ c_\text{in} \end{pmatrix}
    = \begin{pmatrix} c_y \\ c_x \end{pmatrix}
    + A \begin{pmatrix} r - c_y \\ c - c_x \end{pmatrix}

with bilinear interpolation between the four nearest pixels, a pixel outside the image
counting as 0. This is ``scipy.ndimage.affine_transform(image, A, offset, order=1,
mode="grid-constant", cval=0)``; the tests compare with SciPy, which this module does not
import.
"""

from __future__ import annotations

import numpy as np

from backproplab._types import ArrayLike
from backproplab._validate import as_float_array, as_int, as_scalar

#: The Gaussian kernel of ``blur`` reaches ``round(TRUNCATE * sigma)`` pixels from its centre
#: (SciPy's ``gaussian_filter`` default), where its weight has fallen below 0.04 % of the peak.
TRUNCATE = 4.0


def _images(images: ArrayLike, fn: str) -> np.ndarray:
    x = as_float_array(images, "images", fn, finite=True)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{fn}: images must be a batch of shape (N, H, W) or (N, C, H, W), got shape "
            f"{x.shape}" + (" (add a batch axis: images[None])" if x.ndim == 2 else "")
        )
    if 0 in x.shape[-2:]:
        raise ValueError(f"{fn}: images have no pixels (H, W) = {x.shape[-2:]}")
    return x


def _bilinear(x: np.ndarray, rr: np.ndarray, cc: np.ndarray) -> np.ndarray:
    """Sample every image of ``x`` at the (H, W) grid of real coordinates ``(rr, cc)``,
    bilinearly, with 0 outside the image."""
    H, W = x.shape[-2:]
    r0 = np.floor(rr).astype(np.intp)
    c0 = np.floor(cc).astype(np.intp)
    fr, fc = rr - r0, cc - c0
    out = np.zeros(x.shape)
    for r, wr in ((r0, 1 - fr), (r0 + 1, fr)):
        for c, wc in ((c0, 1 - fc), (c0 + 1, fc)):
            inside = (r >= 0) & (r < H) & (c >= 0) & (c < W)
            weight = np.where(inside, wr * wc, 0.0)
            out += weight * x[..., np.clip(r, 0, H - 1), np.clip(c, 0, W - 1)]
    return out


def _about_centre(x: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Inverse mapping ``in = centre + A (out - centre)`` with bilinear sampling."""
    H, W = x.shape[-2:]
    cy, cx = (H - 1) / 2, (W - 1) / 2
    u, v = np.meshgrid(np.arange(H) - cy, np.arange(W) - cx, indexing="ij")
    return _bilinear(x, cy + A[0, 0] * u + A[0, 1] * v, cx + A[1, 0] * u + A[1, 1] * v)


def translate(images: ArrayLike, dy: int, dx: int) -> np.ndarray:
    r"""Shift the content ``dy`` rows down and ``dx`` columns right, filling with zeros.

    .. math:: \text{out}[r, c] = \text{images}[r - d_y, c - d_x]
        \quad (0 \text{ where that is outside the image})

    Content pushed past the border is lost: nothing wraps around (unlike ``np.roll``).

    Parameters
    ----------
    images : array_like, shape (N, H, W) or (N, C, H, W)
    dy, dx : int
        Rows down and columns right; negative values move the content up or left. A shift
        of the whole height or width or more leaves an empty (zero) image.

    Returns
    -------
    out : ndarray, shape of ``images``
    """
    fn = "translate"
    x = _images(images, fn)
    dy = as_int(dy, "dy", fn)
    dx = as_int(dx, "dx", fn)
    H, W = x.shape[-2:]
    out = np.zeros(x.shape)
    if abs(dy) < H and abs(dx) < W:
        out[..., max(dy, 0) : H + min(dy, 0), max(dx, 0) : W + min(dx, 0)] = x[
            ..., max(-dy, 0) : H - max(dy, 0), max(-dx, 0) : W - max(dx, 0)
        ]
    return out


def rotate(images: ArrayLike, degrees: float) -> np.ndarray:
    r"""Rotate counter-clockwise (as displayed, row 0 at the top) about the image's centre.

    Each output pixel reads the input at its position turned back by the angle
    :math:`\theta`:

    .. math::
        r_\text{in} = c_y + \cos\theta\,(r - c_y) + \sin\theta\,(c - c_x), \qquad
        c_\text{in} = c_x - \sin\theta\,(r - c_y) + \cos\theta\,(c - c_x),

    interpolated bilinearly, 0 outside the input. The result equals
    ``scipy.ndimage.rotate(image, degrees, reshape=False, order=1, mode="grid-constant",
    cval=0)`` to rounding. SciPy's ``mode="constant"`` differs at the border: it does not
    interpolate between an edge pixel and the zeros beyond it. On a square image,
    ``rotate(images, 90)`` is ``np.rot90`` of each image (to rounding).

    Parameters
    ----------
    images : array_like, shape (N, H, W) or (N, C, H, W)
    degrees : float
        The angle :math:`\theta` in degrees; negative values turn clockwise.

    Returns
    -------
    out : ndarray, shape of ``images``
        Corners that the rotation brings in from outside the image are 0.
    """
    fn = "rotate"
    x = _images(images, fn)
    theta = np.deg2rad(as_scalar(degrees, "degrees", fn))
    cos, sin = np.cos(theta), np.sin(theta)
    return _about_centre(x, np.array([[cos, sin], [-sin, cos]]))


def shear(images: ArrayLike, factor: float) -> np.ndarray:
    r"""Shear horizontally about the centre: row :math:`r` moves
    :math:`k\,(c_y - r)` columns to the right.

    Rows above the centre move right and rows below move left, so a positive ``factor``
    :math:`k` slants a vertical stroke forward, like italic type (in the usual
    :math:`(x, y)` axes with :math:`y` up, :math:`x' = x + k y`). By inverse mapping,

    .. math:: r_\text{in} = r, \qquad c_\text{in} = c + k\,(r - c_y),

    interpolated bilinearly, 0 outside the input. When :math:`k (r - c_y)` is a whole
    number for every row (odd H and k = 1, say), each row is exactly a ``translate``-d row.

    Parameters
    ----------
    images : array_like, shape (N, H, W) or (N, C, H, W)
    factor : float
        The shear :math:`k`, columns per row; 0 leaves the images unchanged.

    Returns
    -------
    out : ndarray, shape of ``images``
    """
    fn = "shear"
    x = _images(images, fn)
    k = as_scalar(factor, "factor", fn)
    return _about_centre(x, np.array([[1.0, 0.0], [k, 1.0]]))


def zoom(images: ArrayLike, scale: float) -> np.ndarray:
    r"""Magnify (``scale > 1``) or shrink (``scale < 1``) about the centre, keeping the size.

    .. math::
        r_\text{in} = c_y + (r - c_y)/s, \qquad c_\text{in} = c_x + (c - c_x)/s,

    interpolated bilinearly. Zooming in cuts off the border of the content; zooming out
    leaves a border of zeros.

    Parameters
    ----------
    images : array_like, shape (N, H, W) or (N, C, H, W)
    scale : float > 0
        The magnification :math:`s`; 1 leaves the images unchanged.

    Returns
    -------
    out : ndarray, shape of ``images``
    """
    fn = "zoom"
    x = _images(images, fn)
    s = as_scalar(scale, "scale", fn, positive=True)
    return _about_centre(x, np.eye(2) / s)


def crop(images: ArrayLike, top: int, left: int, height: int, width: int) -> np.ndarray:
    r"""Cut out the ``height`` × ``width`` window at (``top``, ``left``) and resize it back
    to the full H × W, bilinearly.

    The resize maps the centres of the window's corner pixels onto the centres of the
    output's corner pixels ("align corners"):

    .. math::
        r_\text{in} = \text{top} + r\,\frac{\text{height} - 1}{H - 1}, \qquad
        c_\text{in} = \text{left} + c\,\frac{\text{width} - 1}{W - 1},

    so every output pixel reads only pixels inside the window, and an image that is linear
    in :math:`(r, c)` stays exactly linear. The full window ``crop(images, 0, 0, H, W)``
    returns the images unchanged.

    Parameters
    ----------
    images : array_like, shape (N, H, W) or (N, C, H, W)
    top, left : int >= 0
        The window's first row and column.
    height, width : int >= 1
        The window's size; it must fit: ``top + height <= H``, ``left + width <= W``.

    Returns
    -------
    out : ndarray, shape of ``images``
    """
    fn = "crop"
    x = _images(images, fn)
    H, W = x.shape[-2:]
    top = as_int(top, "top", fn, low=0)
    left = as_int(left, "left", fn, low=0)
    height = as_int(height, "height", fn, low=1)
    width = as_int(width, "width", fn, low=1)
    for start, size, name, total, axis in (
        (top, height, "top + height", H, "H"),
        (left, width, "left + width", W, "W"),
    ):
        if start + size > total:
            raise ValueError(
                f"{fn}: the window does not fit: {name} = {start} + {size} = {start + size} "
                f"but the images have {axis} = {total} (shape {x.shape})"
            )
    # linspace puts the last coordinate exactly on the window's last row and column, so
    # no weight leaks onto the pixels just outside the window.
    rr, cc = np.meshgrid(
        np.linspace(top, top + height - 1, H), np.linspace(left, left + width - 1, W), indexing="ij"
    )
    return _bilinear(x, rr, cc)


def _smooth(x: np.ndarray, kernel: np.ndarray, axis: int) -> np.ndarray:
    """Correlate every line of ``x`` along ``axis`` with the odd-length ``kernel``, zero fill."""
    radius = len(kernel) // 2
    n = x.shape[axis]
    widths = [(0, 0)] * x.ndim
    widths[axis] = (radius, radius)
    padded = np.moveaxis(np.pad(x, widths), axis, -1)
    out = sum(w * padded[..., j : j + n] for j, w in enumerate(kernel))
    return np.moveaxis(out, -1, axis)


def blur(images: ArrayLike, sigma: float) -> np.ndarray:
    r"""Gaussian blur with standard deviation ``sigma`` pixels, zero fill outside.

    The 2-D Gaussian is separable, so the images are filtered along the rows and then along
    the columns with the same 1-D kernel

    .. math::
        g_t = \frac{e^{-t^2 / (2\sigma^2)}}{\sum_{|t'| \le R} e^{-t'^2 / (2\sigma^2)}},
        \qquad |t| \le R = \lfloor 4\sigma + \tfrac12 \rfloor,

    whose weights sum to 1. Away from the border the total intensity is unchanged; near
    it, the part of the kernel that falls outside multiplies zeros, so mass is lost there.
    Equal to ``scipy.ndimage.gaussian_filter`` on the last two axes with
    ``mode="constant", cval=0, truncate=4.0``.

    Parameters
    ----------
    images : array_like, shape (N, H, W) or (N, C, H, W)
    sigma : float >= 0
        Width of the Gaussian in pixels; 0 returns a copy of the images.

    Returns
    -------
    out : ndarray, shape of ``images``
    """
    fn = "blur"
    x = _images(images, fn)
    sigma = as_scalar(sigma, "sigma", fn, low=0.0)
    if sigma == 0.0:
        return x.copy()
    radius = int(TRUNCATE * sigma + 0.5)
    t = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (t / sigma) ** 2)
    kernel /= kernel.sum()
    return _smooth(_smooth(x, kernel, -1), kernel, -2)


def flip(images: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Mirror the images: ``axis=-1`` left–right, ``axis=-2`` upside down.

    .. math:: \text{out}[r, c] = \text{images}[r, W - 1 - c] \quad (\text{axis} = -1)

    Parameters
    ----------
    images : array_like, shape (N, H, W) or (N, C, H, W)
    axis : int
        An image axis: -1 (columns) or -2 (rows), or the same axes counted from the front
        (2 or 1 for (N, H, W), 3 or 2 for (N, C, H, W)). Flipping the batch or channel axis
        is refused.

    Returns
    -------
    out : ndarray, shape of ``images``
        A new array (not a view of ``images``).
    """
    fn = "flip"
    x = _images(images, fn)
    axis = as_int(axis, "axis", fn)
    if axis not in (-1, -2, x.ndim - 1, x.ndim - 2):
        raise ValueError(
            f"{fn}: axis must be an image axis, -1 (left-right) or -2 (up-down), got {axis} "
            f"for images of shape {x.shape}"
        )
    return np.flip(x, axis).copy()
