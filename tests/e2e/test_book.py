"""The book builds with warnings as errors, every page is there, and it works offline.

The build runs once per session (a few minutes from scratch, well under a minute with the
notebooks cached) into the repository's own ``_build``, so it shares jupyter-cache with
``make book``. Two variables redirect it, for trying the tests on another copy of the book:
``BACKPROPLAB_BOOK_SOURCE`` (the book's root folder, default: this repository) and
``BACKPROPLAB_BOOK_OUTPUT`` (the folder that receives ``_build``, default: the source).
``tests/e2e/test_book_browser.py`` reuses the same build through ``support.book.build_book``.
"""

import functools
import math
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pytest
import support
from support.book import SOURCE, build_book

pytestmark = [pytest.mark.book, pytest.mark.xdist_group(name="book")]

# myst-nb marks a failed cell's output with these classes.
ERROR_OUTPUT = re.compile(r'class="[^"]*\boutput (?:traceback|error)\b')
CHAPTER = re.compile(r"book/(ch\d\d_\w+)")
# Attributes whose URL the browser fetches by itself, as opposed to a link the reader follows.
FETCHED = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)""")
MATHJAX = "_static/mathjax/tex-chtml.js"


def toc_pages():
    return support.toc_pages(SOURCE)


def chapter_pages():
    """``(page, exercise id)`` for every chapter in the table of contents."""
    return [(page, match[1]) for page in toc_pages() if (match := CHAPTER.fullmatch(page))]


@pytest.fixture(scope="module")
def html():
    html_dir, failure = build_book()
    if failure:
        pytest.fail(failure)
    return html_dir


def built_pages(html_dir):
    """Every HTML page of the site (not the theme's own files)."""
    return sorted(
        page
        for page in html_dir.rglob("*.html")
        if not {"_static", "_sources", "_downloads", "reports"} & set(page.parts)
    )


class PageParser(HTMLParser):
    """The ids and the URL-carrying attributes of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.urls = []  # (tag, attribute, value)
        self.styles = []  # inline CSS: <style> bodies and style attributes
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name"):
                self.ids.add(value)
            elif name in ("href", "src", "srcset", "poster", "data") or (
                tag == "link" and name == "href"
            ):
                self.urls.append((tag, name, value))
            elif name == "style":
                self.styles.append(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


@functools.cache
def parse(page):
    parser = PageParser()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def srcset_urls(value):
    return [candidate.split()[0] for candidate in value.split(",") if candidate.strip()]


def test_every_page_in_the_toc_has_html(html):
    pages = toc_pages()
    assert "book/intro" in pages
    missing = [page for page in pages if not (html / f"{page}.html").is_file()]
    assert not missing, f"pages in _toc.yml without HTML: {missing}"
    assert (html / "index.html").is_file()


def test_no_page_shows_a_failed_cell(html):
    pages = built_pages(html)
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "Traceback" not in text, f"{page.relative_to(html)} shows a traceback"
        assert not ERROR_OUTPUT.search(text), f"{page.relative_to(html)} shows an error output"


def test_intro_shows_the_computed_number_of_combinations(html):
    combinations = 1000**25
    exponent = len(str(combinations)) - 1
    assert combinations == 10**exponent
    intro = (html / "book" / "intro.html").read_text(encoding="utf-8")
    # dollarmath leaves inline maths as \( ... \) for MathJax.
    assert rf"\(10^{{{exponent}}}\)" in intro

    ages_of_universe = combinations / 93e15 / (365.25 * 24 * 3600) / 13.8e9
    assert rf"\times 10^{{{math.floor(math.log10(ages_of_universe))}}}\)" in intro


def test_notation_page_shows_the_table_but_not_its_check(html):
    notation = (html / "book" / "notation.html").read_text(encoding="utf-8")
    tables = re.findall(r"<table.*?</table>", notation, flags=re.DOTALL)
    assert tables, "the notation table was not rendered"
    learning_rate = re.compile(r">lr<.*argument of .*>sgd_update<.* in .*>optimizers<", re.DOTALL)
    assert any(learning_rate.search(row) for table in tables for row in table.split("<tr"))
    assert "inspect.signature" not in notation  # the check's input is removed


def test_every_chapter_has_an_exercise_section_with_its_notebook(html):
    chapters = chapter_pages()
    assert chapters, "no chapter (book/chNN_name) in _toc.yml"
    problems = []
    for page, exercise in chapters:
        path = html / f"{page}.html"
        text = path.read_text(encoding="utf-8")
        heading = re.search(r'<section id="[^"]*">\s*<h2>Exercise\b', text)
        if not heading:
            problems.append(f"{page}: no '## Exercise' section")
            continue
        # The download role copies the notebook to _downloads/<hash>/<id>.ipynb, although
        # exercises/ is excluded from the pages.
        links = re.findall(
            rf'<a class="reference download internal"[^>]*href="([^"]*/{exercise}\.ipynb)"',
            text[heading.start() :],
        )
        if not links:
            problems.append(f"{page}: the Exercise section has no download link to {exercise}")
            continue
        release = SOURCE / "exercises" / exercise / f"{exercise}.ipynb"
        for link in links:
            target = path.parent / unquote(link)
            if not target.is_file():
                problems.append(f"{page}: download link {link} leads nowhere")
            elif not release.is_file() or target.read_bytes() != release.read_bytes():
                problems.append(f"{page}: {link} is not exercises/{exercise}/{exercise}.ipynb")
    assert not problems, "\n".join(problems)


def test_every_relative_link_and_anchor_resolves(html):
    """Every relative href/src of every page names an existing file, and its #anchor an id."""
    broken = []
    for page in built_pages(html):
        for tag, attribute, value in parse(page).urls:
            urls = srcset_urls(value) if attribute == "srcset" else [value]
            for url in urls:
                parts = urlsplit(url)
                if parts.scheme or parts.netloc or url.startswith("//"):
                    continue  # another host, or data:, mailto:, javascript:
                target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
                where = f"{page.relative_to(html)}: <{tag} {attribute}={url!r}>"
                if not target.exists():
                    broken.append(f"{where}: no such file")
                elif target.is_dir() and not (target / "index.html").is_file():
                    broken.append(f"{where}: a folder without index.html")
                elif parts.fragment and target.suffix == ".html":
                    if unquote(parts.fragment) not in parse(target).ids:
                        broken.append(f"{where}: no id {parts.fragment!r} in {target.name}")
    assert not broken, f"{len(broken)} broken links:\n" + "\n".join(broken)


def test_no_page_loads_anything_from_another_host(html):
    """Scripts, styles, images and fonts all come from the build: the book works offline."""
    loaded = []  # (where, url)
    for page in built_pages(html):
        name = page.relative_to(html)
        parsed = parse(page)
        for tag, attribute, value in parsed.urls:
            if attribute in FETCHED.get(tag, ()):  # not a hyperlink the reader may follow
                urls = srcset_urls(value) if attribute == "srcset" else [value]
                loaded += [(f"{name}: <{tag} {attribute}>", url) for url in urls]
        for style in parsed.styles:
            loaded += [(f"{name}: inline style", url) for url in CSS_URL.findall(style)]
    for css in (html / "_static").rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        loaded += [(f"{css.relative_to(html)}: url()", url) for url in CSS_URL.findall(text)]
    assert loaded
    remote = [f"{where} {url}" for where, url in loaded if REMOTE.match(url.strip())]
    assert not remote, "loaded from the network:\n" + "\n".join(remote)


def test_maths_is_typeset_by_the_books_own_mathjax(html):
    assert (html / MATHJAX).is_file(), f"{MATHJAX} missing: sphinx-mathjax-offline did not run"
    fonts = list((html / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    assert fonts, "MathJax's fonts were not copied"
    for page in built_pages(html):
        text = page.read_text(encoding="utf-8")
        if r"\(" not in text and r"\[" not in text:
            continue
        scripts = [value for tag, attribute, value in parse(page).urls if tag == "script"]
        mathjax = [src for src in scripts if "mathjax" in src.lower()]
        assert mathjax, f"{page.relative_to(html)} has maths but loads no MathJax"
        for src in mathjax:
            assert not REMOTE.search(src), f"{page.relative_to(html)} loads MathJax from {src}"
            target = (page.parent / urlsplit(src).path).resolve()
            assert target == (html / MATHJAX).resolve(), f"{page.relative_to(html)}: {src}"
