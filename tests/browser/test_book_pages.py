"""Open every page of the built book in a real browser and check what a reader sees."""

import json

import pytest
import yaml

from ..conftest import ROOT, toc_files

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


PAGES = toc_files()
pytestmark = pytest.mark.browser

# Runs in the page once MathJax has typeset: what did not render?
AUDIT_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = [...document.images];
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  const math = [...document.querySelectorAll('.math')];
  return {
    title: document.title,
    images: images.length,
    brokenImages: images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
    math: math.length,
    unrenderedMath: math.filter(m => !m.querySelector('mjx-container'))
                        .map(m => m.textContent.slice(0, 80)),
    mathErrors: document.querySelectorAll('mjx-merror').length,
    mathjaxFrom: [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s)),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    figures: document.querySelectorAll('.cell_output img').length,
  };
}
"""


def _visit(browser, url):
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    response = page.goto(url, wait_until="networkidle")
    audit = page.evaluate(AUDIT_JS)
    page.close()
    return response, audit, problems


@pytest.mark.parametrize("doc", PAGES)
def test_page_renders_cleanly(browser, site, doc):
    response, audit, problems = _visit(browser, f"{site}/{doc}.html")
    assert response is not None and response.status == 200, f"{doc}.html is missing"
    assert problems == [], "\n".join(problems)
    assert audit["brokenImages"] == []
    assert audit["unrenderedMath"] == [] and audit["mathErrors"] == 0
    if audit["math"]:
        assert audit["mathjaxFrom"] and all(s.startswith(site) for s in audit["mathjaxFrom"]), (
            f"MathJax must come from the book itself, not {audit['mathjaxFrom']}"
        )


def test_index_redirects_to_the_intro(browser, site):
    page = browser.new_page()
    page.goto(f"{site}/index.html", wait_until="networkidle")
    assert page.url.endswith(f"{PAGES[0]}.html")
    page.close()


@pytest.mark.parametrize("doc", [p for p in PAGES if (ROOT / f"{p}.ipynb").is_file()])
def test_notebook_pages_have_launch_links(browser, site, doc):
    _, audit, _ = _visit(browser, f"{site}/{doc}.html")
    repo = CONFIG["repository"]["url"].removeprefix("https://github.com/")
    branch = CONFIG["repository"].get("branch", "main")
    colab = f"https://colab.research.google.com/github/{repo}/blob/{branch}/{doc}.ipynb"
    binder = [
        link
        for link in audit["links"]
        if link.startswith(f"https://mybinder.org/v2/gh/{repo}/{branch}?")
    ]
    assert colab in audit["links"], f"no Colab link to {doc}.ipynb"
    assert binder and all(link.endswith(f"{doc}.ipynb") for link in binder), binder
    name = doc.rsplit("/", 1)[-1]
    student = f"https://colab.research.google.com/github/{repo}/blob/{branch}/student/{name}.ipynb"
    assert student in audit["links"], f"{doc}: no link to its student version"


@pytest.mark.parametrize("doc", [p for p in PAGES if (ROOT / f"{p}.ipynb").is_file()])
def test_notebook_pages_show_their_figures(browser, site, doc):
    # Every chapter draws figures; none rendered means the kernel's plots never reached the page
    # (e.g. a non-inline matplotlib backend during the build).
    _, audit, _ = _visit(browser, f"{site}/{doc}.html")
    assert audit["figures"] > 0, f"{doc}: no figure in the executed notebook's outputs"


def test_every_page_of_the_toc_was_built(book_dir):
    missing = [p for p in PAGES if not (book_dir / f"{p}.html").is_file()]
    assert missing == [], f"pages in _toc.yml but not built: {json.dumps(missing)}"
