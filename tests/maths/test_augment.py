"""Tests for backproplab.augment: hand cases, properties of each transform, SciPy as the oracle
of the interpolating ones (the module itself is NumPy only), purity and bad input."""

import numpy as np
import pytest
import scipy.ndimage
from hypothesis import given
from hypothesis import strategies as st

from backproplab import augment as aug

# Each transform with arguments that change a 7 x 9 image, for the tests every one must pass.
TRANSFORMS = {
    "translate": lambda x: aug.translate(x, 2, -3),
    "rotate": lambda x: aug.rotate(x, 30.0),
    "shear": lambda x: aug.shear(x, 0.4),
    "zoom": lambda x: aug.zoom(x, 1.3),
    "crop": lambda x: aug.crop(x, 1, 2, 4, 5),
    "blur": lambda x: aug.blur(x, 1.0),
    "flip": lambda x: aug.flip(x, -1),
}


def read_only(a):
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


def images(rng, shape=(3, 7, 9)):
    return rng.normal(size=shape)


def per_image(f, x):
    """Apply a 2-D function to every (H, W) image of a batch, as a reference."""
    return np.stack([f(im) for im in x.reshape(-1, *x.shape[-2:])]).reshape(x.shape)


def scipy_about_centre(x, A):
    """SciPy's inverse mapping in = centre + A (out - centre), bilinear, zero outside."""
    centre = (np.array(x.shape[-2:]) - 1) / 2
    return per_image(
        lambda im: scipy.ndimage.affine_transform(
            im, A, centre - A @ centre, order=1, mode="grid-constant", cval=0.0
        ),
        x,
    )


# --- every transform -------------------------------------------------------------------------


@pytest.mark.parametrize("name", TRANSFORMS)
@pytest.mark.parametrize("shape", [(3, 7, 9), (2, 3, 7, 9)])
def test_shape_dtype_and_no_mutation(name, shape, rng):
    x = read_only(images(rng, shape))
    before = x.copy()
    out = TRANSFORMS[name](x)
    assert out.shape == shape and out.dtype == np.float64
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x)
    assert not np.array_equal(out, x)  # the arguments above do change the images


@pytest.mark.parametrize("name", TRANSFORMS)
def test_channels_and_images_are_transformed_alike(name, rng):
    # (N, C, H, W) is the same as transforming each (H, W) image on its own.
    x = images(rng, (2, 3, 7, 9))
    expected = per_image(lambda im: TRANSFORMS[name](im[None])[0], x)
    np.testing.assert_array_equal(TRANSFORMS[name](x), expected)


@pytest.mark.parametrize("name", TRANSFORMS)
def test_integer_images_are_accepted(name):
    x = np.arange(63, dtype=np.uint8).reshape(1, 7, 9)
    np.testing.assert_array_equal(TRANSFORMS[name](x), TRANSFORMS[name](x.astype(float)))


@pytest.mark.parametrize("name", TRANSFORMS)
def test_bad_images_are_named(name):
    f = TRANSFORMS[name]
    with pytest.raises(ValueError, match=r"\(N, H, W\) or \(N, C, H, W\), got shape \(7, 9\).*"):
        f(np.zeros((7, 9)))
    with pytest.raises(ValueError, match=r"got shape \(1, 1, 1, 7, 9\)"):
        f(np.zeros((1, 1, 1, 7, 9)))
    with pytest.raises(ValueError, match=r"images contains a non-finite value \(nan\)"):
        f(np.full((1, 7, 9), np.nan))
    with pytest.raises(TypeError, match=r"images must hold real numbers, got dtype complex"):
        f(np.zeros((1, 7, 9), dtype=complex))
    with pytest.raises(ValueError, match=r"images have no pixels"):
        f(np.zeros((1, 0, 9)))


def test_images_as_a_list_and_the_2d_hint():
    np.testing.assert_array_equal(aug.flip([[[1, 2, 3]]]), [[[3.0, 2.0, 1.0]]])
    with pytest.raises(ValueError, match=r"add a batch axis: images\[None\]"):
        aug.flip(np.zeros((3, 3)))


# --- translate -------------------------------------------------------------------------------


def test_translate_hand_value():
    x = np.arange(1.0, 13.0).reshape(1, 3, 4)
    # one row down and one column left: row 0 and the last column fill with zeros
    expected = [[[0, 0, 0, 0], [2, 3, 4, 0], [6, 7, 8, 0]]]
    np.testing.assert_array_equal(aug.translate(x, 1, -1), expected)
    np.testing.assert_array_equal(aug.translate(x, 0, 0), x)


@given(
    st.integers(-9, 9),
    st.integers(-9, 9),
    st.sampled_from([(2, 5, 7), (1, 2, 6, 4), (1, 1, 1)]),
)
def test_translate_there_and_back_restores_the_interior(dy, dx, shape):
    x = np.random.default_rng(abs(dy) * 10 + abs(dx)).uniform(1.0, 2.0, size=shape)  # no zeros
    back = aug.translate(aug.translate(x, dy, dx), -dy, -dx)
    H, W = shape[-2:]
    # The pixels whose shifted position is inside the image survive the round trip ...
    rows = slice(max(0, -dy), max(0, min(H, H - dy)))
    cols = slice(max(0, -dx), max(0, min(W, W - dx)))
    np.testing.assert_array_equal(back[..., rows, cols], x[..., rows, cols])
    # ... and everything else was pushed out and is now 0.
    lost = np.ones(shape, dtype=bool)
    lost[..., rows, cols] = False
    np.testing.assert_array_equal(back[lost], 0.0)


def test_translate_never_wraps_around(rng):
    x = rng.uniform(1.0, 2.0, size=(2, 5, 6))
    out = aug.translate(x, -2, 3)
    np.testing.assert_array_equal(out[..., -2:, :], 0.0)  # nothing comes back at the bottom
    np.testing.assert_array_equal(out[..., :, :3], 0.0)  # nor at the left
    np.testing.assert_array_equal(out[..., :3, 3:], x[..., 2:, :3])
    assert not np.array_equal(out, np.roll(x, (-2, 3), axis=(-2, -1)))
    # A shift of the whole height or width or more leaves nothing.
    for dy, dx in ((5, 0), (0, -6), (100, 100)):
        np.testing.assert_array_equal(aug.translate(x, dy, dx), 0.0)


def test_translate_errors():
    x = np.zeros((1, 3, 3))
    with pytest.raises(TypeError, match=r"translate: dy must be an integer, got 1\.5"):
        aug.translate(x, 1.5, 0)
    with pytest.raises(TypeError, match=r"translate: dx must be an integer"):
        aug.translate(x, 0, "1")
    np.testing.assert_array_equal(aug.translate(x, np.int64(1), 0), x)  # NumPy ints are fine


# --- rotate ----------------------------------------------------------------------------------


def test_rotate_by_zero_is_the_identity(rng):
    x = images(rng, (2, 3, 6, 9))
    np.testing.assert_array_equal(aug.rotate(x, 0), x)
    np.testing.assert_allclose(aug.rotate(x, 360), x, atol=1e-12)


def test_rotate_by_90_is_counter_clockwise_as_displayed(rng):
    # A pixel at the top centre of a 7 x 7 image goes to the left centre (counter-clockwise
    # with row 0 at the top), and the whole image is np.rot90 of it, which turns the same way.
    x = np.zeros((1, 7, 7))
    x[0, 0, 3] = 1.0
    out = aug.rotate(x, 90)
    expected = np.zeros((1, 7, 7))
    expected[0, 3, 0] = 1.0
    np.testing.assert_allclose(out, expected, atol=1e-12)
    y = images(rng, (3, 7, 7))
    np.testing.assert_allclose(aug.rotate(y, 90), np.rot90(y, axes=(-2, -1)), atol=1e-12)
    np.testing.assert_allclose(aug.rotate(y, -90), np.rot90(y, k=-1, axes=(-2, -1)), atol=1e-12)
    np.testing.assert_allclose(aug.rotate(y, 180), y[..., ::-1, ::-1], atol=1e-12)


@pytest.mark.parametrize("degrees", [7.0, -33.0, 45.0, 123.4, 271.0])
@pytest.mark.parametrize("shape", [(2, 7, 7), (2, 8, 8), (1, 2, 6, 9)])
def test_rotate_matches_scipy_grid_constant(degrees, shape, rng):
    x = images(rng, shape)
    expected = per_image(
        lambda im: scipy.ndimage.rotate(
            im, degrees, reshape=False, order=1, mode="grid-constant", cval=0.0
        ),
        x,
    )
    np.testing.assert_allclose(aug.rotate(x, degrees), expected, rtol=0, atol=1e-12)


def test_scipy_constant_mode_is_not_the_same_rotation(rng):
    # Why the docstring names "grid-constant": SciPy's "constant" does not interpolate
    # between an edge pixel and the zeros outside, so the borders differ.
    x = rng.uniform(1.0, 2.0, size=(1, 7, 7))
    constant = scipy.ndimage.rotate(x[0], 30, reshape=False, order=1, mode="constant")
    assert np.abs(aug.rotate(x, 30)[0] - constant).max() > 0.1


def test_rotate_keeps_a_constant_disc_and_zero_fills_the_corners():
    x = np.full((1, 9, 9), 3.0)
    out = aug.rotate(x, 45)[0]
    r, c = np.indices((9, 9)) - 4
    inside = r**2 + c**2 <= 3.5**2  # every read lands inside the image, within the 9 x 9
    np.testing.assert_allclose(out[inside], 3.0)
    np.testing.assert_array_equal(out[[0, 0, -1, -1], [0, -1, 0, -1]], 0.0)


def test_rotate_errors():
    with pytest.raises(ValueError, match=r"rotate: degrees must be finite, got inf"):
        aug.rotate(np.zeros((1, 3, 3)), np.inf)
    with pytest.raises(TypeError, match=r"rotate: degrees must be a real number"):
        aug.rotate(np.zeros((1, 3, 3)), "90")


# --- shear -----------------------------------------------------------------------------------


def test_shear_with_whole_shifts_is_a_translate_per_row(rng):
    # H = 5 (centre row 2) and k = 1: row r moves 2 - r columns right, exactly.
    x = images(rng, (2, 5, 8))
    out = aug.shear(x, 1.0)
    for r in range(5):
        np.testing.assert_array_equal(out[:, r], aug.translate(x[:, r : r + 1], 0, 2 - r)[:, 0])
    np.testing.assert_array_equal(aug.shear(x, 0.0), x)


@pytest.mark.parametrize("factor", [0.25, -0.6, 1.7])
def test_shear_matches_scipy(factor, rng):
    x = images(rng, (2, 7, 9))
    A = np.array([[1.0, 0.0], [factor, 1.0]])
    np.testing.assert_allclose(aug.shear(x, factor), scipy_about_centre(x, A), atol=1e-12)


def test_shear_errors():
    with pytest.raises(ValueError, match=r"shear: factor must be finite"):
        aug.shear(np.zeros((1, 3, 3)), np.nan)


# --- zoom ------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [0.5, 0.8, 1.5, 3.0])
def test_zoom_matches_scipy(scale, rng):
    x = images(rng, (1, 2, 7, 8))
    expected = scipy_about_centre(x, np.eye(2) / scale)
    np.testing.assert_allclose(aug.zoom(x, scale), expected, atol=1e-12)


def test_zoom_properties(rng):
    x = images(rng, (2, 9, 9))
    np.testing.assert_array_equal(aug.zoom(x, 1.0), x)
    # Zooming in reads only inside the image: a constant image stays constant.
    np.testing.assert_allclose(aug.zoom(np.full((1, 9, 9), 2.0), 1.7), 2.0)
    # Halving reads rows 4 + 2 (r - 4): output rows 0, 1, 7, 8 read outside, so are 0,
    # and the centre pixel stays where it is.
    half = aug.zoom(x, 0.5)
    for edge in (np.s_[..., :2, :], np.s_[..., -2:, :], np.s_[..., :, :2], np.s_[..., :, -2:]):
        np.testing.assert_array_equal(half[edge], 0.0)
    np.testing.assert_array_equal(half[:, 4, 4], x[:, 4, 4])
    np.testing.assert_allclose(half[:, 2, 2], x[:, 0, 0])


def test_zoom_errors():
    for scale in (0.0, -1.0):
        with pytest.raises(ValueError, match=r"zoom: scale must be > 0"):
            aug.zoom(np.zeros((1, 3, 3)), scale)


# --- crop ------------------------------------------------------------------------------------


def test_crop_of_the_whole_image_is_the_identity(rng):
    x = images(rng, (2, 3, 7, 9))
    np.testing.assert_array_equal(aug.crop(x, 0, 0, 7, 9), x)


def test_crop_then_resize_keeps_a_linear_image_linear():
    # f(r, c) = 2r - 3c + 1 on 5 x 9. The window rows 1..3 (height 3) spread over 5 rows,
    # columns 2..6 (width 5) over 9: output (i, j) reads (1 + i (3-1)/(5-1), 2 + j (5-1)/(9-1))
    # = (1 + i/2, 2 + j/2), and bilinear interpolation is exact on a linear function.
    r, c = np.indices((5, 9))
    x = (2.0 * r - 3.0 * c + 1.0)[None]
    i, j = np.indices((5, 9))
    expected = 2.0 * (1 + i / 2) - 3.0 * (2 + j / 2) + 1.0
    np.testing.assert_allclose(aug.crop(x, 1, 2, 3, 5)[0], expected, rtol=0, atol=1e-12)


def test_crop_reads_only_the_window(rng):
    x = images(rng, (2, 8, 8))
    outside = x.copy()
    outside[..., :2, :] = 99.0  # change everything outside rows 2..6, columns 1..5
    outside[..., 7:, :] = -99.0
    outside[..., :, :1] = 99.0
    outside[..., :, 6:] = 99.0
    np.testing.assert_array_equal(aug.crop(outside, 2, 1, 5, 5), aug.crop(x, 2, 1, 5, 5))
    # The corners of the window land exactly on the corners of the output.
    out = aug.crop(x, 2, 1, 5, 5)
    np.testing.assert_array_equal(
        out[..., [0, 0, -1, -1], [0, -1, 0, -1]], x[..., [2, 2, 6, 6], [1, 5, 1, 5]]
    )


def test_crop_of_one_pixel_fills_the_image_with_it(rng):
    x = images(rng, (2, 5, 5))
    np.testing.assert_array_equal(aug.crop(x, 3, 1, 1, 1), np.broadcast_to(x[:, 3:4, 1:2], x.shape))


def test_crop_errors():
    x = np.zeros((1, 6, 8))
    with pytest.raises(ValueError, match=r"top \+ height = 3 \+ 4 = 7 but the images have H = 6"):
        aug.crop(x, 3, 0, 4, 4)
    with pytest.raises(ValueError, match=r"left \+ width = 5 \+ 4 = 9 but the images have W = 8"):
        aug.crop(x, 0, 5, 2, 4)
    with pytest.raises(ValueError, match=r"crop: top must be >= 0, got -1"):
        aug.crop(x, -1, 0, 2, 2)
    with pytest.raises(ValueError, match=r"crop: width must be >= 1, got 0"):
        aug.crop(x, 0, 0, 2, 0)
    with pytest.raises(TypeError, match=r"crop: height must be an integer"):
        aug.crop(x, 0, 0, 2.5, 2)


# --- blur ------------------------------------------------------------------------------------


def test_blur_with_sigma_zero_is_the_identity(rng):
    x = images(rng)
    out = aug.blur(x, 0.0)
    np.testing.assert_array_equal(out, x)
    assert out is not x


@pytest.mark.parametrize("sigma", [0.3, 0.8, 1.5, 3.0])
@pytest.mark.parametrize("shape", [(2, 7, 9), (1, 2, 8, 8)])
def test_blur_matches_scipy_gaussian_filter(sigma, shape, rng):
    x = images(rng, shape)
    sigmas = (0,) * (len(shape) - 2) + (sigma, sigma)  # only the image axes
    expected = scipy.ndimage.gaussian_filter(x, sigmas, mode="constant", cval=0.0, truncate=4.0)
    np.testing.assert_allclose(aug.blur(x, sigma), expected, rtol=0, atol=1e-12)


def test_blur_of_an_impulse_is_a_separable_normalised_gaussian():
    # sigma = 1 reaches R = 4 pixels; the 13 x 13 image leaves room on every side.
    x = np.zeros((1, 13, 13))
    x[0, 6, 6] = 1.0
    out = aug.blur(x, 1.0)[0]
    g = np.exp(-0.5 * np.arange(-4, 5) ** 2)
    g /= g.sum()
    expected = np.zeros((13, 13))
    expected[2:11, 2:11] = np.outer(g, g)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-15)


def test_blur_preserves_mass_in_the_interior_and_loses_it_at_the_border(rng):
    # Content at least R = 4 sigma pixels from every edge keeps its total to rounding ...
    x = np.zeros((3, 16, 16))
    x[:, 5:11, 5:11] = rng.uniform(size=(3, 6, 6))
    np.testing.assert_allclose(aug.blur(x, 1.0).sum(axis=(-2, -1)), x.sum(axis=(-2, -1)))
    # ... while at the border the kernel's outer part falls on the zero fill.
    edge = np.zeros((1, 16, 16))
    edge[0, 0, 8] = 1.0
    lost = 1.0 - aug.blur(edge, 1.0).sum()
    # Half the kernel's weight beyond the edge row, i.e. sum over t >= 1 of g_t, goes.
    g = np.exp(-0.5 * np.arange(-4, 5) ** 2)
    assert lost == pytest.approx(g[5:].sum() / g.sum(), rel=1e-12)


def test_blur_errors():
    with pytest.raises(ValueError, match=r"blur: sigma must be >= 0"):
        aug.blur(np.zeros((1, 3, 3)), -0.5)
    with pytest.raises(ValueError, match=r"blur: sigma must be finite"):
        aug.blur(np.zeros((1, 3, 3)), np.inf)


# --- flip ------------------------------------------------------------------------------------


def test_flip_hand_value():
    x = np.array([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]])
    np.testing.assert_array_equal(aug.flip(x), [[[3, 2, 1], [6, 5, 4]]])
    np.testing.assert_array_equal(aug.flip(x, -2), [[[4, 5, 6], [1, 2, 3]]])
    np.testing.assert_array_equal(aug.flip(x, 2), aug.flip(x, -1))  # counted from the front


@pytest.mark.parametrize("axis", [-1, -2])
@pytest.mark.parametrize("shape", [(2, 5, 6), (2, 3, 5, 6)])
def test_flip_twice_is_the_identity(axis, shape, rng):
    x = images(rng, shape)
    np.testing.assert_array_equal(aug.flip(aug.flip(x, axis), axis), x)


def test_flip_returns_a_new_array(rng):
    x = images(rng)
    before = x.copy()
    out = aug.flip(x)
    out[:] = 0.0
    np.testing.assert_array_equal(x, before)


def test_flip_errors():
    with pytest.raises(ValueError, match=r"axis must be an image axis.*got 0"):
        aug.flip(np.zeros((2, 3, 3)), 0)  # the batch axis
    with pytest.raises(
        ValueError, match=r"axis must be an image axis.*got 1 for images of shape \(2, 1, 3, 3\)"
    ):
        aug.flip(np.zeros((2, 1, 3, 3)), 1)  # the channel axis
    with pytest.raises(TypeError, match=r"flip: axis must be an integer"):
        aug.flip(np.zeros((2, 3, 3)), -1.0)
