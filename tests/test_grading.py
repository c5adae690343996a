"""The grading command on tiny fake notebooks: each kind of submission, and the gradebook."""

import csv
import hashlib

import nbformat
import pytest

from tabgen_lib import grading
from tabgen_lib.grading import (
    MISSING,
    MODIFIED,
    chapter_of,
    exercises,
    find_submissions,
    grade,
    main,
    prepare,
    read_submission,
)
from tabgen_lib.student import CHECK_TAG, SOLUTION_TAG, student_notebook

from .conftest import ROOT

NEW = nbformat.v4
CHAPTER = "01_toy"

# The toy chapter's checks, defined in the notebook itself: importing the real
# tabgen_lib.checks (and torch) would cost seconds per kernel.
CHECKS = """\
import types


def _check_double(f):
    assert f(2) == 4, f"double(2) should be 4, got {f(2)}"
    print("Correct! double(2) == 4.")


def _check_square(f):
    assert f(3) == 9, f"square(3) should be 9, got {f(3)}"
    print("Correct! square(3) == 9.\\nA second line.")


checks = types.SimpleNamespace(check_double=_check_double, check_square=_check_square)"""

DOUBLE_CHECK = "checks.check_double(double)"
SQUARE_CHECK = "checks.check_square(square)"


def _instructors():
    return NEW.new_notebook(
        cells=[
            NEW.new_markdown_cell("# A toy chapter"),
            NEW.new_code_cell(CHECKS),
            NEW.new_code_cell('assert 2 + 2 == 4, "a claim of the chapter"'),
            NEW.new_code_cell(
                "def double(x):\n    'Twice x.'\n    return 2 * x",
                metadata={"tags": [SOLUTION_TAG]},
            ),
            NEW.new_code_cell(DOUBLE_CHECK, metadata={"tags": [CHECK_TAG]}),
            NEW.new_code_cell(
                "def square(x):\n    'x squared.'\n    return x * x",
                metadata={"tags": [SOLUTION_TAG]},
            ),
            NEW.new_code_cell(SQUARE_CHECK, metadata={"tags": [CHECK_TAG]}),
        ]
    )


def _student(double="2 * x", square="x * x", before_square=None, edit=None):
    """A student's notebook: the student version with the two answers filled in."""
    nb = nbformat.from_dict(student_notebook(_instructors()))
    nb.cells[3].source = f"def double(x):\n    return {double}"
    nb.cells[5].source = f"def square(x):\n    return {square}"
    if before_square is not None:
        nb.cells.insert(5, NEW.new_code_cell(before_square))
    if edit is not None:
        edit(nb)
    return nb


def _write(path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _digest(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture()
def source(tmp_path):
    _write(tmp_path / "source" / f"{CHAPTER}.ipynb", _instructors())
    return tmp_path / "source"


# ---------------------------------------------------------------------------- without kernels


def test_exercises_are_the_tagged_check_cells():
    nb = _instructors()
    assert exercises(nb) == {"check_double": DOUBLE_CHECK, "check_square": SQUARE_CHECK}
    nb.cells.append(NEW.new_code_cell(DOUBLE_CHECK, metadata={"tags": [CHECK_TAG]}))
    nb.cells.append(NEW.new_code_cell("print('done')", metadata={"tags": [CHECK_TAG]}))
    names = list(exercises(nb))
    assert names == ["check_double", "check_square", "check_double #2", "cell 8"]


def test_prepare_finds_unchanged_modified_and_missing_checks():
    checks = exercises(_instructors())

    def edit(nb):
        nb.cells[4].source = "checks.check_double(lambda x: 2 * x)  # cheat"
        nb.cells[4].metadata["tags"] = []  # and the tag lost: found by the call
        nb.cells[6].source = "\n" + SQUARE_CHECK + "\n\n"  # only whitespace changed
        nb.cells[6].outputs = [NEW.new_output("stream", text="Correct! (saved)")]
        nb.cells[6].execution_count = 4

    nb, found = prepare(_student(edit=edit), checks)
    assert found == {"check_double": (4, True), "check_square": (6, False)}
    assert nb.cells[4].source == DOUBLE_CHECK  # the original runs
    assert nb.cells[6].outputs == [] and nb.cells[6].execution_count is None

    def delete(nb):
        del nb.cells[6]

    assert prepare(_student(edit=delete), checks)[1]["check_square"] == (None, False)


def test_prepare_prefers_the_tagged_cell_over_a_scratch_call():
    checks = {"check_double": DOUBLE_CHECK}

    def edit(nb):
        nb.cells.insert(2, NEW.new_code_cell("checks.check_double(print)  # trying"))
        nb.cells[5].source = "checks.check_double(double)  # mine"

    nb, found = prepare(_student(edit=edit), checks)
    assert found == {"check_double": (5, True)}
    assert nb.cells[2].source.endswith("# trying")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"cells": [', "Notebook does not appear to be JSON"),
        ("{}", "could not be converted"),
        ("[]", "'list' object has no attribute 'get'"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "missing an expected key"),
    ],
)
def test_read_submission_reports_what_is_not_a_notebook(tmp_path, text, message):
    path = tmp_path / "x.ipynb"
    path.write_text(text)
    nb, problem = read_submission(path)
    assert nb is None and problem.startswith("not a valid notebook: ") and message in problem
    path.write_bytes(b"\xff\xfe\x00")
    assert read_submission(path)[1].startswith("not a valid notebook: ")


def test_find_submissions_and_chapter_of(tmp_path):
    _write(tmp_path / "bob" / "week1" / f"{CHAPTER}.ipynb", _student())
    _write(tmp_path / "bob" / ".ipynb_checkpoints" / f"{CHAPTER}-checkpoint.ipynb", _student())
    tagged = _student()
    tagged.metadata["tabgen"] = {"chapter": CHAPTER}
    _write(tmp_path / "alice.ipynb", tagged)
    _write(tmp_path / "carol.ipynb", _student())
    (tmp_path / "notes.txt").write_text("not a notebook")
    _write(tmp_path / ".ipynb_checkpoints" / "carol-checkpoint.ipynb", _student())
    found = find_submissions(tmp_path)
    assert [(s, p.relative_to(tmp_path).as_posix(), f) for s, p, f in found] == [
        ("alice", "alice.ipynb", None),
        ("bob", f"bob/week1/{CHAPTER}.ipynb", tmp_path / "bob"),
        ("carol", "carol.ipynb", None),
    ]
    chapters = [CHAPTER, "02_other"]
    assert chapter_of(found[0][1], chapters) == CHAPTER  # from the metadata
    assert chapter_of(found[1][1], chapters) == CHAPTER  # from the file name
    assert chapter_of(found[2][1], chapters) is None
    assert chapter_of(found[2][1], chapters, assignment="02_other") == "02_other"
    assert chapter_of(tmp_path / "missing.ipynb", chapters) is None
    with pytest.raises(ValueError, match="not a folder"):
        find_submissions(tmp_path / "alice.ipynb")


def test_grade_rejects_bad_arguments(tmp_path, source):
    _write(tmp_path / "subs" / "alice.ipynb", _student())
    with pytest.raises(ValueError, match="No instructors' notebooks"):
        grade(tmp_path / "subs", source=tmp_path / "subs" / "none")
    with pytest.raises(ValueError, match="assignment '02_x' is not one of"):
        grade(tmp_path / "subs", source=source, assignment="02_x")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No submitted notebooks"):
        grade(tmp_path / "empty", source=source)
    with pytest.raises(TypeError, match="timeout"):
        grade(tmp_path / "subs", source=source, timeout=1.5)
    with pytest.raises(ValueError, match="jobs"):
        grade(tmp_path / "subs", source=source, jobs=0)
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path / "nowhere"), "--source", str(source)])
    assert stop.value.code == 2


def test_kernels_import_the_graders_library():
    env = grading._kernel_env()
    assert env["PYTHONPATH"].split(":")[0] == str(ROOT)
    assert env["TQDM_DISABLE"] == "1"


# ---------------------------------------------------------------------------- with kernels


def test_gradebook_of_a_class(tmp_path, source, capsys):
    subs = tmp_path / "submissions"
    # alice: right, and her answer reads a file of her folder (a copy of which she gets)
    _write(subs / "alice" / f"{CHAPTER}.ipynb", _student(double="int(open('k.txt').read()) * x"))
    (subs / "alice" / "k.txt").write_text("2")
    # bob: one wrong answer, one stub left
    bob = _student(double="3 * x")
    bob.cells[5].source = student_notebook(_instructors())["cells"][5]["source"]
    _write(subs / "bob" / f"{CHAPTER}.ipynb", bob)
    # carol: her kernel dies between the two checks
    _write(subs / "carol" / f"{CHAPTER}.ipynb", _student(before_square="import os\nos._exit(1)"))
    # dave: loops forever between the two checks
    _write(subs / "dave" / f"{CHAPTER}.ipynb", _student(before_square="while True:\n    pass"))
    # erin: deletes every file of her folder, her notebook included, then passes
    wipe = "import os, shutil\nshutil.rmtree('data')\nfor f in os.listdir('.'):\n    os.remove(f)"
    _write(subs / "erin" / f"{CHAPTER}.ipynb", _student(before_square=wipe))
    (subs / "erin" / "data").mkdir()
    (subs / "erin" / "data" / "rows.csv").write_text("a,b\n1,2\n")
    # frank: a notebook cut short by a bad upload
    (subs / "frank").mkdir()
    (subs / "frank" / f"{CHAPTER}.ipynb").write_text('{"cells": [{"cell_type": "co')

    # grace: makes the check of her wrong answer pass, and deletes the other check
    def cheat(nb):
        nb.cells[4].source = "checks.check_double(lambda x: 2 * x)"
        del nb.cells[6]

    _write(subs / "grace" / f"{CHAPTER}.ipynb", _student(double="3 * x", edit=cheat))
    # heidi: one notebook named by her id; the chapter comes from its metadata. Saved outputs
    # claim success: they are cleared before the run.
    heidi = _student(square="x + x")
    heidi.metadata["tabgen"] = {"chapter": CHAPTER}
    heidi.cells[6].outputs = [NEW.new_output("stream", text="Correct! square(3) == 9.")]
    _write(subs / "heidi.ipynb", heidi)
    # ivan: one notebook, and no way to tell its chapter
    _write(subs / "ivan.ipynb", _student())
    before = _digest(subs)

    out = tmp_path / "gradebook.csv"
    args = [str(subs), "--out", str(out), "--source", str(source), "--timeout", "5"]
    assert main([*args, "--jobs", "3"]) == 0
    assert _digest(subs) == before, "a notebook changed the submissions"
    printed = capsys.readouterr().out
    assert "alice alice/01_toy.ipynb: 2/2 passed" in printed and "9 students" in printed

    with out.open(newline="") as f:
        reader = csv.DictReader(f)
        rows = {row["student"]: row for row in reader}
    assert reader.fieldnames == [
        "student",
        "01_toy/check_double",
        "01_toy/check_square",
        "total",
        "possible",
        "01_toy/check_double message",
        "01_toy/check_square message",
        "notes",
    ]
    assert list(rows) == [
        "alice",
        "bob",
        "carol",
        "dave",
        "erin",
        "frank",
        "grace",
        "heidi",
        "ivan",
    ]

    def grades(student):
        row = rows[student]
        return (
            row["01_toy/check_double"],
            row["01_toy/check_double message"],
            row["01_toy/check_square"],
            row["01_toy/check_square message"],
            row["total"],
            row["possible"],
        )

    double_ok = ("pass", "Correct! double(2) == 4.")
    square_ok = ("pass", "Correct! square(3) == 9.")
    assert grades("alice") == (*double_ok, *square_ok, "2", "2")
    assert rows["alice"]["notes"] == ""
    assert grades("bob") == (
        "fail",
        "AssertionError: double(2) should be 4, got 6",
        "fail",
        "NotImplementedError: Exercise: complete `square`.",
        "0",
        "2",
    )
    assert grades("carol") == (*double_ok, "fail", "not run: the kernel died", "1", "2")
    assert rows["carol"]["notes"] == "carol/01_toy.ipynb: the kernel died in cell 5 (import os)"
    assert grades("dave") == (
        *double_ok,
        "fail",
        "not run: time limit of 5 s reached",
        "1",
        "2",
    )
    assert rows["dave"]["notes"] == (
        "dave/01_toy.ipynb: time limit of 5 s reached in cell 5 (while True:)"
    )
    assert grades("erin") == (*double_ok, *square_ok, "2", "2")
    invalid = "not a valid notebook: Notebook does not appear to be JSON"
    assert rows["frank"]["01_toy/check_double"] == rows["frank"]["01_toy/check_square"] == "fail"
    assert rows["frank"]["01_toy/check_double message"].startswith(invalid)
    assert rows["frank"]["notes"].startswith(f"frank/01_toy.ipynb: {invalid}")
    assert grades("grace") == (
        "fail",
        f"{MODIFIED}: AssertionError: double(2) should be 4, got 6",
        "fail",
        MISSING,
        "0",
        "2",
    )
    assert grades("heidi") == (
        *double_ok,
        "fail",
        "AssertionError: square(3) should be 9, got 6",
        "1",
        "2",
    )
    assert grades("ivan") == ("fail", "not submitted", "fail", "not submitted", "0", "2")
    assert rows["ivan"]["notes"] == (
        "ivan.ipynb: which chapter? name the file after it, or pass --assignment"
    )


def test_a_second_notebook_of_a_chapter_is_noted(tmp_path, source):
    subs = tmp_path / "subs"
    _write(subs / "alice" / "a" / f"{CHAPTER}.ipynb", _student(double="3 * x"))
    _write(subs / "alice" / "b" / f"{CHAPTER}.ipynb", _student())
    book = grade(subs, source=source, timeout=30)
    assert book.loc[0, "total"] == 2  # the later one counts
    assert (
        book.loc[0, "notes"] == "alice/b/01_toy.ipynb: a second notebook of 01_toy; this one counts"
    )
