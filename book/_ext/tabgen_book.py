"""Local Sphinx extension of the tabgen book.

1. Serve MathJax 3 from the built book instead of a CDN.

Readers may be offline, and a privacy course should not make their browsers call third
parties.  The MathJax files come from the PyPI package ``django-static-mathjax`` (the
official MathJax 3 distribution, installed with the book's dependencies).  At build time
its ``es5`` folder is copied to ``_build/mathjax-extra/mathjax``, which is added to
``html_extra_path`` so it lands at ``<site>/mathjax/``; ``mathjax_path`` points there.
(``_static`` is the wrong place: Jupyter Book adds every ``.js`` under it to every page.)

2. Drop inline scripts that appear twice on a page.  sphinx-thebe (always loaded by
Jupyter Book 1) registers its ``const THEBE_JS_URL = ...`` snippet each time Sphinx
reads the sources, and the book reads them twice (the bibliography makes it re-read
citing pages); a second ``const`` declaration is a JavaScript error in every browser.
"""

from __future__ import annotations

import shutil
from importlib.util import find_spec
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError

ENTRY = "tex-chtml.js"


def _mathjax_es5() -> Path:
    spec = find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "MathJax is missing: install the book's dependencies "
            "(pip install -e '.[book]', which brings django-static-mathjax)."
        )
    es5 = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    if not (es5 / ENTRY).is_file():
        raise ConfigError(f"MathJax files not found in {es5}: reinstall django-static-mathjax.")
    return es5


def _setup_mathjax(app: Sphinx, config) -> None:
    extra = Path(app.outdir).parent / "mathjax-extra"
    target = extra / "mathjax"
    if not (target / ENTRY).is_file():
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(_mathjax_es5(), target)
    config.html_extra_path = [*config.html_extra_path, str(extra)]
    # A relative mathjax_path is resolved against _static/; go one level up to the site root.
    config.mathjax_path = f"../mathjax/{ENTRY}"


def _dedupe_inline_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # Sphinx registers the same snippet once with filename None and once with "".
        attributes = getattr(script, "attributes", {})
        key = (str(getattr(script, "filename", script) or ""), sorted(attributes.items()))
        if repr(key) in seen:
            continue
        seen.add(repr(key))
        unique.append(script)
    context["script_files"] = unique


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _setup_mathjax)
    app.connect("html-page-context", _dedupe_inline_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
