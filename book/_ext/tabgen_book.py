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

3. Offer every chapter's student version.  The launch buttons open the notebook a page
was built from, solutions included; under the title of every notebook page a note links
to its student version, ``student/<chapter>.ipynb`` (written by ``make student``, kept in
sync by ``tests/test_student_sync.py``), in Colab, with the repository, branch and Colab
address the launch buttons use. The role ``{student-colab}`04_linear_regression``` writes
the same link anywhere (the instructor guide lists them all).
"""

from __future__ import annotations

import posixpath
import shutil
from importlib.util import find_spec
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ENTRY = "tex-chtml.js"
#: The folder of the student versions, at the top of the repository.
STUDENT_FOLDER = "student"


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


def student_colab_url(docname: str, theme_options: dict) -> str:
    """The Colab address of the student version of the notebook page ``docname``.

    Built as sphinx-book-theme builds its Colab launch button, from the same options.

    Examples
    --------
    >>> options = {"repository_url": "https://github.com/org/course",
    ...            "launch_buttons": {"colab_url": "https://colab.research.google.com"}}
    >>> student_colab_url("notebooks/04_linear_regression", options)
    'https://colab.research.google.com/github/org/course/blob/main/student/04_linear_regression.ipynb'
    """
    repository = theme_options["repository_url"].removeprefix("https://github.com/").strip("/")
    branch = theme_options.get("repository_branch") or "main"
    colab = theme_options["launch_buttons"]["colab_url"].strip("/")
    name = posixpath.basename(docname)
    return f"{colab}/github/{repository}/blob/{branch}/{STUDENT_FOLDER}/{name}.ipynb"


def _has_student_version(srcdir, chapter: str, location) -> bool:
    if (Path(srcdir) / STUDENT_FOLDER / f"{chapter}.ipynb").is_file():
        return True
    logger.warning(
        f"{STUDENT_FOLDER}/{chapter}.ipynb is missing: run `make student`", location=location
    )
    return False


def _add_student_version_note(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    if not (Path(app.srcdir) / f"{docname}.ipynb").is_file():
        return  # a Markdown page: no notebook, no student version
    if not _has_student_version(app.srcdir, posixpath.basename(docname), docname):
        return
    link = nodes.reference(
        "", "Open it in Colab", refuri=student_colab_url(docname, app.config.html_theme_options)
    )
    text = (
        ": the exercises without their solutions, with the checks that tell you whether your "
        "answer is right. The launch buttons at the top open this page's notebook, solutions "
        "included."
    )
    note = nodes.admonition(
        "",
        nodes.title(text="Student version"),
        nodes.paragraph("", "", link, nodes.Text(text)),
        classes=["tip", "student-version"],
    )
    page = doctree.next_node(nodes.section) or doctree  # under the title, if there is one
    page.insert(1 if len(page) and isinstance(page[0], nodes.title) else 0, note)


def _student_colab_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{student-colab}`04_linear_regression```: that chapter's student version in Colab."""
    env = inliner.document.settings.env
    chapter = text.strip()
    _has_student_version(env.srcdir, chapter, (env.docname, lineno))
    url = student_colab_url(chapter, env.config.html_theme_options)
    return [nodes.reference(rawtext, f"{chapter}.ipynb", refuri=url)], []


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _setup_mathjax)
    app.connect("doctree-read", _add_student_version_note)
    app.add_role("student-colab", _student_colab_role)
    app.connect("html-page-context", _dedupe_inline_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
