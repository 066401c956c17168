r"""Checks of ch09's augmentations: ``translate(images, dy, dx)`` and ``rotate(images, degrees)``.

Both take a batch (N, H, W) or (N, C, H, W), return float64 of the same shape, fill with zeros
what comes from outside the image, and never modify their input.

- ``translate``: the content moves ``dy`` rows down and ``dx`` columns right,
  :math:`\text{out}[\dots, r, c] = \text{images}[\dots, r - d_y, c - d_x]` (0 outside). The
  images are non-square, so swapped shifts show; the shifts include 0 (where ``a[:-0]`` is
  empty), negative values, and shifts as large as the image or larger (all zeros).
- ``rotate``: counter-clockwise as displayed (row 0 at the top) about the centre
  :math:`((H-1)/2, (W-1)/2)`, by inverse mapping: output pixel :math:`(r, c)` takes the
  bilinear interpolation of the input at

  .. math::
      r_s = c_y + (r - c_y)\cos\theta + (c - c_x)\sin\theta, \qquad
      c_s = c_x + (c - c_x)\cos\theta - (r - c_y)\sin\theta,

  where pixels outside the image count as 0 (so a point just outside an edge pixel is a
  blend of it and 0). The visible cases are a single bright pixel turned by 90° (where the
  direction and the centre show), an odd angle on non-square images (where nearest-neighbour
  and a centre at (H/2, W/2) show) and a batch with channels.
"""

from __future__ import annotations

import numpy as np

from backproplab import augment
from trustedgrading.checks import Case, Mistake

from ._shared import _compared

# --- translate ----------------------------------------------------------------------------


def _dot(shape, row, col):
    image = np.zeros(shape)
    image[..., row, col] = 1.0
    return image


def _translate_cases(rng, hidden):
    yield Case(
        "one 5x6 image, a single 1 at (row 2, column 2); dy = 1, dx = 2",
        _dot((1, 5, 6), 2, 2),
        1,
        2,
    )
    yield Case("3 images 6x7, dy = -2, dx = 1", rng.random((3, 6, 7)), -2, 1)
    yield Case(
        "a (2, 3, 5, 8) batch with channels, dy = 2, dx = -3", rng.random((2, 3, 5, 8)), 2, -3
    )
    if hidden:
        yield Case("dy = 0, dx = 0: a copy", rng.random((2, 4, 5)), 0, 0)
        yield Case("dy = 0, dx = 3", rng.random((2, 4, 6)), 0, 3)
        yield Case("dy = -1, dx = 0", rng.random((2, 5, 3)), -1, 0)
        yield Case("both negative, dy = -3, dx = -2", rng.random((1, 6, 6)), -3, -2)
        yield Case("a shift as large as the image: dy = 4 on 4 rows", rng.random((2, 4, 5)), 4, 1)
        yield Case(
            "a shift larger than the image: dx = -9 on 6 columns", rng.random((2, 5, 6)), 1, -9
        )
        yield Case("8x8 images, dy = 1, dx = -1", rng.random((10, 8, 8)), 1, -1)
        yield Case("a single 1x1 image, dy = 1, dx = 0", np.array([[[2.5]]]), 1, 0)
        yield Case(
            "shifts given as NumPy integers, dy = 2, dx = 2",
            rng.random((2, 2, 5, 5)),
            np.int64(2),
            np.int64(2),
        )


def _shift_axes(images, dy, dx, axes):
    moved = np.moveaxis(images, axes, (-2, -1))
    return np.moveaxis(augment.translate(moved, dy, dx), (-2, -1), axes)


def _positive_slices(images, dy, dx):
    out = np.zeros(images.shape)
    out[..., dy:, dx:] = images[..., :-dy, :-dx]
    return out


_TRANSLATE_MISTAKES = [
    Mistake(
        "the content wraps around (np.roll) instead of being filled with zeros",
        lambda images, dy, dx: np.roll(images, (dy, dx), axis=(-2, -1)),
        "What leaves the image at one edge must not come back at the other: start from "
        "np.zeros(images.shape) and copy the part of the image that stays inside.",
    ),
    Mistake(
        "dy and dx are swapped",
        lambda images, dy, dx: augment.translate(images, dx, dy),
        "dy counts rows (the second-to-last axis, down) and dx counts columns (the last axis, "
        "right).",
    ),
    Mistake(
        "the content moves the wrong way (up and left for positive dy, dx)",
        lambda images, dy, dx: augment.translate(images, -dy, -dx),
        "out[r, c] = images[r - dy, c - dx]: a positive dy moves the content DOWN by dy rows, "
        "a positive dx moves it right.",
    ),
    Mistake(
        "dy moves the content up (rows counted upwards)",
        lambda images, dy, dx: augment.translate(images, -dy, dx),
        "Row 0 is the top of an image, so a positive dy moves the content down: "
        "out[r, c] = images[r - dy, c - dx].",
    ),
    Mistake(
        "the shift is applied to the first two axes instead of the last two",
        lambda images, dy, dx: _shift_axes(images, dy, dx, (0, 1)),
        "images is a batch (N, H, W) or (N, C, H, W): rows and columns are the LAST two axes; "
        "index them as images[..., rows, columns].",
    ),
    Mistake(
        "the slices are written for positive shifts only (out[dy:] = images[:-dy])",
        _positive_slices,
        "For a negative shift the slices change sides, and images[:-0] is empty. Use "
        "max(dy, 0) and H - max(-dy, 0)-style bounds (and the same for dx), or shift with "
        "index arrays and a mask.",
    ),
]

_compared(augment, "translate", _translate_cases, _TRANSLATE_MISTAKES)


# --- rotate -------------------------------------------------------------------------------


def _rotate_cases(rng, hidden):
    yield Case("2 images 7x9, 30 degrees", rng.random((2, 7, 9)), 30)
    yield Case(
        "one 5x5 image, a single 1 right of the centre at (row 2, column 4); 90 degrees",
        _dot((1, 5, 5), 2, 4),
        90,
    )
    yield Case("a (2, 3, 6, 6) batch with channels, -45 degrees", rng.random((2, 3, 6, 6)), -45)
    if hidden:
        yield Case("0 degrees: a copy", rng.random((2, 5, 6)), 0)
        yield Case("180 degrees", rng.random((2, 4, 7)), 180)
        yield Case("-90 degrees on 4x6 images", rng.random((3, 4, 6)), -90)
        yield Case("17.5 degrees on 8x8 images", rng.random((5, 8, 8)), 17.5)
        yield Case(
            "a constant image turned by 45 degrees: zeros come in at the corners",
            np.ones((1, 7, 7)),
            45,
        )
        yield Case("400 degrees (a full turn and 40 more)", rng.random((1, 6, 5)), 400)
        yield Case("360 degrees", rng.random((2, 5, 5)), 360)
        yield Case("-10 degrees on an odd-sized (3, 9, 5) batch", rng.random((3, 9, 5)), -10)
        yield Case("a 1x1 image", np.array([[[3.0]]]), 33)


def _sources(shape, degrees, *, centre=None, radians=False):
    """Where each output pixel's value comes from (inverse mapping): source rows and columns."""
    H, W = shape[-2:]
    theta = degrees if radians else np.deg2rad(degrees)
    cy, cx = ((H - 1) / 2, (W - 1) / 2) if centre is None else centre(H, W)
    r, c = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    rows = cy + (r - cy) * np.cos(theta) + (c - cx) * np.sin(theta)
    cols = cx + (c - cx) * np.cos(theta) - (r - cy) * np.sin(theta)
    return rows, cols


def _bilinear(images, rows, cols):
    """Bilinear samples of ``images`` at (rows, cols); pixels outside the image count as 0."""
    H, W = images.shape[-2:]
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    fr, fc = rows - r0, cols - c0
    out = np.zeros(images.shape)
    for dr, dc in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        rr, cc = r0 + dr, c0 + dc
        weight = (fr if dr else 1 - fr) * (fc if dc else 1 - fc)
        inside = (rr >= 0) & (rr < H) & (cc >= 0) & (cc < W)
        pixel = images[..., np.clip(rr, 0, H - 1), np.clip(cc, 0, W - 1)]
        out += weight * np.where(inside, pixel, 0.0)
    return out


def _sampled(images, rows, cols, to_int):
    """``images`` at the integer positions ``to_int(rows), to_int(cols)``; 0 outside."""
    H, W = images.shape[-2:]
    rr, cc = to_int(rows).astype(int), to_int(cols).astype(int)
    inside = (rr >= 0) & (rr < H) & (cc >= 0) & (cc < W)
    return np.where(inside, images[..., np.clip(rr, 0, H - 1), np.clip(cc, 0, W - 1)], 0.0)


def _rotated(images, degrees, **where):
    return _bilinear(images, *_sources(images.shape, degrees, **where))


def _forward_mapping(images, degrees):
    H, W = images.shape[-2:]
    theta = np.deg2rad(degrees)
    cy, cx = (H - 1) / 2, (W - 1) / 2
    r, c = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    to_r = np.rint(cy + (r - cy) * np.cos(theta) - (c - cx) * np.sin(theta)).astype(int)
    to_c = np.rint(cx + (c - cx) * np.cos(theta) + (r - cy) * np.sin(theta)).astype(int)
    inside = (to_r >= 0) & (to_r < H) & (to_c >= 0) & (to_c < W)
    out = np.zeros(images.shape)
    out[..., to_r[inside], to_c[inside]] = images[..., r[inside], c[inside]]
    return out


def _edge_cut(images, degrees):
    rows, cols = _sources(images.shape, degrees)
    H, W = images.shape[-2:]
    inside = (rows >= 0) & (rows <= H - 1) & (cols >= 0) & (cols <= W - 1)
    return augment.rotate(images, degrees) * inside


_ROTATE_MISTAKES = [
    Mistake(
        "the image turns clockwise",
        lambda images, degrees: augment.rotate(images, -degrees),
        "A positive angle turns the content counter-clockwise as displayed (row 0 at the top), "
        "as scipy.ndimage.rotate does. Rows grow downwards, so the usual maths formula (y up) "
        "changes sign: the source row is c_y + (r - c_y) cos t + (c - c_x) sin t.",
    ),
    Mistake(
        "the image turns about its top-left corner instead of its centre",
        lambda images, degrees: _rotated(images, degrees, centre=lambda H, W: (0.0, 0.0)),
        "Rotate about the centre (c_y, c_x) = ((H - 1) / 2, (W - 1) / 2): subtract it before "
        "rotating the coordinates and add it back after.",
    ),
    Mistake(
        "the centre is (H / 2, W / 2) instead of ((H - 1) / 2, (W - 1) / 2)",
        lambda images, degrees: _rotated(images, degrees, centre=lambda H, W: (H / 2, W / 2)),
        "Pixels are at 0, 1, ..., H - 1, so the middle of the image is at (H - 1) / 2.",
    ),
    Mistake(
        "nearest neighbour instead of bilinear interpolation",
        lambda images, degrees: _sampled(images, *_sources(images.shape, degrees), np.rint),
        "A source point usually falls between four pixels: blend them with the weights "
        "(1 - fr)(1 - fc), (1 - fr) fc, fr (1 - fc) and fr fc, where fr, fc are the fractional "
        "parts of the source row and column.",
    ),
    Mistake(
        "the source coordinates are truncated to integers (no interpolation)",
        lambda images, degrees: _sampled(images, *_sources(images.shape, degrees), np.trunc),
        "Interpolate between the four pixels around the source point (bilinear) instead of "
        "cutting its coordinates to integers.",
    ),
    Mistake(
        "the angle is used as radians",
        lambda images, degrees: _rotated(images, degrees, radians=True),
        "degrees is in degrees: convert with np.deg2rad(degrees) before np.cos and np.sin.",
    ),
    Mistake(
        "forward mapping: each input pixel is pushed to its rotated position (holes appear)",
        _forward_mapping,
        "Map backwards: for each OUTPUT pixel, compute where it comes from in the input (the "
        "rotation by -t) and interpolate there. Every output pixel then gets a value, with no "
        "holes and no pixel written twice.",
    ),
    Mistake(
        "points just outside the image are set to 0 instead of interpolated with the zero border",
        _edge_cut,
        "Treat the pixels outside the image as 0 and interpolate as everywhere else: a source "
        "point between an edge pixel and the outside is a blend of that pixel and 0.",
    ),
]

_compared(augment, "rotate", _rotate_cases, _ROTATE_MISTAKES)
