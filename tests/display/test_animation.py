"""backproplab.display.animation.to_html: offline, reproducible, accessible and size-limited."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.animation import FuncAnimation

from backproplab.display import animation


def moving_dot(speed=1.0, frames=4):
    """A tiny animation: a dot moving right by ``speed`` per frame."""
    fig, ax = plt.subplots(figsize=(1.5, 1), dpi=40)
    ax.set_xlim(0, 10)
    (dot,) = ax.plot([0], [0], "o")

    def draw(i):
        dot.set_xdata([speed * i])
        return (dot,)

    return FuncAnimation(fig, draw, frames=frames)


def test_output_needs_no_network_and_no_icon_font():
    page = animation.to_html(moving_dot(), alt="a dot moving right")
    assert not re.search(r"https?://|//cdn", page)
    assert "font-awesome" not in page and 'class="fa ' not in page
    assert page.startswith('<figure class="bpl-animation"') and page.endswith("</figure>")
    # Every frame is embedded in the page itself.
    assert page.count("data:image/png;base64,") == 4


def test_player_buttons_show_unicode_glyphs():
    page = animation.to_html(moving_dot(), alt="a dot moving right")
    play = re.search(r'<button title="Play"[^>]*>\s*(\S+)\s*</button>', page)
    backwards = re.search(r'<button title="Play backwards"[^>]*>\s*(\S+)\s*</button>', page)
    assert play[1] == "\u25b6" and backwards[1] == "\u25c0"


def test_button_glyphs_come_from_blocks_that_common_fonts_cover():
    # ASCII, the minus sign, arrows, box drawing and geometric shapes; not the media-control
    # symbols (U+23E9..), which many systems without an emoji font show as empty boxes.
    page = animation.to_html(moving_dot(), alt="a dot moving right")
    labels = re.findall(r"<button [^>]*>\s*(\S+)\s*</button>", page)
    assert len(labels) == 9
    common = ("\u2212", *map(chr, range(0x21, 0x7F)), *map(chr, range(0x2190, 0x2200)))
    common += tuple(map(chr, range(0x2500, 0x2600)))
    assert {char for label in labels for char in label} <= set(common)


def test_equal_animations_give_identical_html():
    first = animation.to_html(moving_dot(), alt="a dot moving right")
    second = animation.to_html(moving_dot(), alt="a dot moving right")
    assert first == second


def player_ids(page):
    return set(re.findall(r'id="_anim_img([0-9a-f]+)"', page))


def test_different_animations_get_different_ids():
    slow = animation.to_html(moving_dot(speed=1.0), alt="a slow dot")
    fast = animation.to_html(moving_dot(speed=2.0), alt="a fast dot")
    (slow_id,), (fast_id,) = player_ids(slow), player_ids(fast)
    assert slow_id != fast_id
    # Each page uses its own id throughout: no id of the other animation leaks in.
    assert fast_id not in slow and slow_id not in fast
    assert len(set(re.findall(r"anim([0-9a-f]{32})", slow))) == 1


def test_the_same_frames_twice_on_a_page_stay_apart_when_described_differently():
    one = animation.to_html(moving_dot(), alt="first showing")
    two = animation.to_html(moving_dot(), alt="second showing")
    assert player_ids(one) != player_ids(two)


def test_alt_text_labels_the_figure_and_the_frame_escaped():
    page = animation.to_html(moving_dot(), alt='  loss "curve" <falling> & flat  ')
    escaped = "loss &quot;curve&quot; &lt;falling&gt; &amp; flat"
    assert f'aria-label="{escaped}"' in page
    assert re.search(rf'<img id="_anim_img[0-9a-f]+" alt="{escaped}"', page)


@pytest.mark.parametrize("alt", ["", "   ", None, 3])
def test_alt_text_is_required(alt):
    anim = moving_dot()
    with pytest.raises(ValueError, match="alt text"):
        animation.to_html(anim, alt=alt)
    anim.to_jshtml()  # render it, or matplotlib warns that it was never drawn
    plt.close(anim._fig)


def test_too_large_an_animation_is_refused_with_the_sizes():
    with pytest.raises(ValueError, match=r"0\.\d\d MB, over the 0\.00 MB limit"):
        animation.to_html(moving_dot(), alt="a dot", max_bytes=1_000)


def test_the_default_limit_is_two_megabytes():
    assert animation.MAX_BYTES == 2_000_000
    page = animation.to_html(moving_dot(), alt="a dot")
    size = len(page.encode())
    assert size < animation.MAX_BYTES
    assert animation.to_html(moving_dot(), alt="a dot", max_bytes=size) == page


def test_unknown_default_mode_is_refused():
    anim = moving_dot()
    with pytest.raises(ValueError, match="default_mode must be 'loop', 'once' or 'reflect'"):
        animation.to_html(anim, alt="a dot", default_mode="bounce")
    anim.to_jshtml()
    plt.close(anim._fig)


@pytest.mark.parametrize("mode", ["loop", "once", "reflect"])
def test_default_mode_selects_the_repetition_button(mode):
    page = animation.to_html(moving_dot(), alt="a dot", default_mode=mode)
    checked = re.findall(r'<input type="radio" name="state" value="(\w+)"[^>]*\n?\s*checked>', page)
    assert checked == [mode]


def test_the_figure_is_closed_afterwards():
    anim = moving_dot()
    number = anim._fig.number
    animation.to_html(anim, alt="a dot")
    assert not plt.fignum_exists(number)


def test_frames_show_the_animation_not_one_still():
    page = animation.to_html(moving_dot(frames=3), alt="a dot")
    frames = re.findall(r'frames\[\d+\] = "data:image/png;base64,([^"]+)"', page)
    assert len(frames) == 3 and len(set(frames)) == 3
    assert all(len(frame) > 100 for frame in frames)
