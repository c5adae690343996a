"""What the course publishes for students and instructors agrees with notebooks/.

student/ holds the student version of every notebook and is committed, so that a Colab link
can open it straight from the repository; `make student` writes it from notebooks/, and these
tests fail as soon as the two disagree (as tests/test_notebooks.py does for the setup cells).
Every chapter page links to its student version (book/_ext), and the instructor guide
(book/instructor.md) lists every exercise and every student version.
"""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from jupyter_book.config import get_final_config

from tabgen_lib.student import write_student_versions

from .conftest import NOTEBOOKS, ROOT

STUDENT = ROOT / "student"
GUIDE = ROOT / "book" / "instructor.md"
TIERS = ("Warm-up", "Core", "Challenge")
_spec = importlib.util.spec_from_file_location("tabgen_book", ROOT / "book/_ext/tabgen_book.py")
tabgen_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tabgen_book)


def _theme_options() -> dict:
    """The html_theme_options Jupyter Book gives Sphinx for this repository's _config.yml."""
    config, _ = get_final_config(
        user_yaml=ROOT / "_config.yml",
        sourcedir=ROOT,
        cli_config={"latex_individualpages": False},
    )
    return config["html_theme_options"]


def test_student_folder_is_up_to_date(tmp_path):
    write_student_versions(ROOT / "notebooks", tmp_path)
    expected = {p.name: p.read_bytes() for p in sorted(tmp_path.glob("*.ipynb"))}
    committed = {p.name: p.read_bytes() for p in sorted(STUDENT.glob("*.ipynb"))}
    outdated = [name for name, text in expected.items() if committed.get(name) != text]
    extra = sorted(set(committed) - set(expected))
    assert not outdated and not extra, (
        f"student/ is out of date with notebooks/ (outdated or missing: {outdated}; no "
        f"longer in notebooks/: {extra}): run `make student`"
    )


def test_student_folder_is_committed_and_not_in_the_book():
    ignored = {line.strip().strip("/") for line in (ROOT / ".gitignore").read_text().splitlines()}
    assert "student" not in ignored, "student/ is published: keep it out of .gitignore"
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "student" in config["exclude_patterns"], "the book shows the instructors' notebooks"


def test_setup_cell_finds_the_library_from_student_folder():
    # The setup cell's fallback outside Colab is sys.path.insert(0, ".."), run in the
    # notebook's folder; -S leaves out site-packages, where the library is also installed.
    code = (
        "import sys, importlib.util; sys.path.insert(0, '..'); "
        "print(importlib.util.find_spec('tabgen_lib').origin)"
    )
    found = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=STUDENT, capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()).resolve() == ROOT / "tabgen_lib" / "__init__.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_colab_link_of_each_chapter_opens_its_student_version(path):
    url = tabgen_book.student_colab_url(f"notebooks/{path.stem}", _theme_options())
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repository = config["repository"]["url"].removeprefix("https://github.com/")
    assert url == (
        f"https://colab.research.google.com/github/{repository}/blob/"
        f"{config['repository']['branch']}/student/{path.name}"
    )
    assert (STUDENT / path.name).is_file()


def _page(title="Chapter four"):
    document = new_document("<test>", get_default_settings(Parser))
    section = nodes.section("", nodes.title(text=title), nodes.paragraph(text="Text."))
    document += section
    return document, section


def _app(srcdir, docname):
    """What the extension reads of Sphinx's application while a page is read."""
    return SimpleNamespace(
        env=SimpleNamespace(docname=docname),
        srcdir=str(srcdir),
        config=SimpleNamespace(html_theme_options=_theme_options()),
    )


def test_chapter_pages_get_a_note_under_their_title():
    document, section = _page()
    tabgen_book._add_student_version_note(_app(ROOT, f"notebooks/{NOTEBOOKS[0].stem}"), document)
    note = section[1]
    assert isinstance(section[0], nodes.title) and "student-version" in note["classes"]
    assert note[0].astext() == "Student version"
    link = note.next_node(nodes.reference)
    assert link["refuri"].endswith(f"/blob/main/student/{NOTEBOOKS[0].name}")
    assert link.astext() == "Open it in Colab"
    assert section[2].astext() == "Text."


def test_markdown_pages_and_missing_student_versions_get_no_note(tmp_path, caplog):
    document, section = _page()
    tabgen_book._add_student_version_note(_app(ROOT, "book/intro"), document)
    assert len(section) == 2
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_x.ipynb").write_text("{}")
    tabgen_book._add_student_version_note(_app(tmp_path, "notebooks/01_x"), document)
    assert len(section) == 2
    assert "student/01_x.ipynb is missing: run `make student`" in caplog.text


def test_student_colab_role_links_a_chapter(caplog):
    env = SimpleNamespace(
        srcdir=str(ROOT),
        docname="book/instructor",
        config=SimpleNamespace(html_theme_options=_theme_options()),
    )
    inliner = SimpleNamespace(document=SimpleNamespace(settings=SimpleNamespace(env=env)))
    role = tabgen_book._student_colab_role
    [link], messages = role("student-colab", "raw", NOTEBOOKS[0].stem, 3, inliner)
    assert messages == [] and link.astext() == NOTEBOOKS[0].name
    assert link["refuri"].endswith(f"/blob/main/student/{NOTEBOOKS[0].name}")
    assert caplog.text == ""
    role("student-colab", "raw", "99_nothing", 4, inliner)
    assert "student/99_nothing.ipynb is missing" in caplog.text


# ---------------------------------------------------------------------------- the guide

_EXERCISE = re.compile(r"^:::+\{exercise\}[ \t]*(.*)\n:label:[ \t]*(\S+)", re.M)
_REF = re.compile(r"\{ref\}`(?:[^`<]*<)?(ex-[\w-]+)>?`")


def _exercises() -> dict[str, str]:
    """Label -> title of every labelled exercise of the notebooks (those with a check)."""
    found = {}
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                for title, label in _EXERCISE.findall("".join(cell["source"])):
                    found[label] = title.strip()
    return found


def _guide_tiers() -> dict[str, str]:
    """Label -> column of the guide's table of exercises ("Warm-up", "Core", "Challenge")."""
    lines = GUIDE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Chapter | Warm-up |"))
    columns = [cell.strip() for cell in lines[start].strip("|").split("|")]
    tiers = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        for column, cell in zip(columns, line.strip("|").split("|"), strict=True):
            tiers.update(dict.fromkeys(_REF.findall(cell), column))
    return tiers


def test_instructor_guide_lists_every_exercise_in_its_tier():
    exercises, tiers = _exercises(), _guide_tiers()
    assert exercises, "no exercise found in the notebooks"
    assert sorted(tiers) == sorted(exercises), (
        "book/instructor.md: the table of tiers must list every exercise of the notebooks "
        f"(missing: {sorted(set(exercises) - set(tiers))}; "
        f"gone: {sorted(set(tiers) - set(exercises))})"
    )
    for label, title in exercises.items():
        named = next((tier for tier in TIERS if title.startswith(f"{tier}:")), None)
        if named is not None:
            assert tiers[label] == named, f"{label}: {named} in its chapter, {tiers[label]} here"


def test_instructor_guide_links_every_student_version():
    text = GUIDE.read_text(encoding="utf-8")
    linked = re.findall(r"\{student-colab\}`(\w+)`", text)
    assert linked == [p.stem for p in NOTEBOOKS], "book/instructor.md: one link per chapter"
    assert "{nb-exec-table}" in text, "the run times come from the build, never typed"
