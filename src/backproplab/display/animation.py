"""Animations that play in a static web page, with no kernel and no network.

Matplotlib's ``to_jshtml`` embeds every frame as a PNG with a small JavaScript player, which is
what a reader of the built book needs. Two things in its output do not suit an offline,
reproducible book, and :func:`to_html` mends both:

- the player's buttons use Font Awesome icons loaded from a CDN; offline that link fails (a
  console error) and the buttons are blank, so the icons are replaced by plain Unicode glyphs;
- every call draws a random element id, so the page would change on every build; the id is
  replaced by a hash of the player and its alt text, which also keeps two animations on one
  page apart.

This module draws nothing itself and is never imported by the maths modules.
"""

from __future__ import annotations

import hashlib
import html
import re

import matplotlib.pyplot as plt

MAX_BYTES = 2_000_000
"""Largest animation :func:`to_html` accepts: a page should stay light on a slow connection."""

_FONT_AWESOME_LINK = re.compile(r"<link[^>]*font-awesome[^>]*>\s*", re.IGNORECASE)
_ICON = re.compile(r'<i class="fa (fa-[a-z-]+)( fa-flip-horizontal)?"></i>')
# Glyphs from blocks that common fonts (DejaVu Sans, Segoe UI Symbol, Apple Symbols) cover:
# arrows, box drawing and geometric shapes. The media-control symbols (U+23E9..U+23FA) would
# look better but show as empty boxes wherever no emoji font is installed.
_GLYPHS = {
    "fa-minus": "\u2212",
    "fa-plus": "+",
    "fa-fast-backward": "\u21e4",
    "fa-step-backward": "\u2502\u25c0",
    "fa-play": "\u25b6",
    "fa-pause": "\u25ae\u25ae",
    "fa-step-forward": "\u25b6\u2502",
    "fa-fast-forward": "\u21e5",
}
# to_jshtml suffixes every element id with one random uuid hex, first seen on the <img>.
_PLAYER_ID = re.compile(r"_anim_img([0-9a-f]{32})")


def _glyph(match):
    name, flipped = match.group(1), match.group(2)
    if name not in _GLYPHS:
        raise ValueError(f"to_html: no glyph for the player icon {name!r}")
    return "\u25c0" if (name == "fa-play" and flipped) else _GLYPHS[name]


def to_html(anim, alt, *, default_mode="loop", max_bytes=MAX_BYTES):
    """Render a matplotlib animation as self-contained HTML for a static page.

    The figure is closed afterwards, so a notebook cell shows the animation only, not also
    its last frame as a still image.

    Parameters
    ----------
    anim : matplotlib.animation.Animation
        The animation to render (usually a ``FuncAnimation``).
    alt : str
        What the animation shows, for readers who cannot see it (``aria-label``).
    default_mode : {"loop", "once", "reflect"}
        What the player does when it reaches the last frame.
    max_bytes : int
        Refuse an animation larger than this (default 2 MB): lower the dpi or the frame count.

    Returns
    -------
    str
        HTML: a ``<figure class="bpl-animation">`` holding matplotlib's player; display it
        with ``IPython.display.HTML``.
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("to_html: give alt text that says what the animation shows")
    if default_mode not in ("loop", "once", "reflect"):
        raise ValueError(
            f"to_html: default_mode must be 'loop', 'once' or 'reflect', got {default_mode!r}"
        )
    try:
        player = anim.to_jshtml(default_mode=default_mode)
    finally:
        plt.close(anim._fig)
    player = _FONT_AWESOME_LINK.sub("", player)
    player = _ICON.sub(_glyph, player)
    found = _PLAYER_ID.search(player)
    if found is None:
        raise ValueError(
            "to_html: matplotlib's player has no _anim_img id; was its template changed?"
        )
    uuid = found.group(1)
    alt = html.escape(alt.strip())
    digest = hashlib.sha256((alt + player.replace(uuid, "")).encode()).hexdigest()[:32]
    player = player.replace(uuid, digest)
    # The frame itself carries the description too, for readers who land on the image.
    player = player.replace(
        f'<img id="_anim_img{digest}"', f'<img id="_anim_img{digest}" alt="{alt}"'
    )
    page = f'<figure class="bpl-animation" role="group" aria-label="{alt}">\n{player}\n</figure>'
    size = len(page.encode())
    if size > max_bytes:
        raise ValueError(
            f"to_html: the animation is {size / 1e6:.2f} MB, over the {max_bytes / 1e6:.2f} MB "
            "limit; use fewer frames or a lower dpi"
        )
    return page
