"""Student versions: every stub fails its check, every solution passes, and they match."""

import ast
import json

import pytest

from tabgen_lib import checks
from tabgen_lib.student import (
    CHECK_TAG,
    SOLUTION_TAG,
    main,
    make_stub,
    student_notebook,
    write_student_versions,
)

from .conftest import NOTEBOOKS


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _exercises(nb):
    """Pairs (solution cell source, the check cell that follows it)."""
    pairs, pending = [], None
    for cell in nb["cells"]:
        if SOLUTION_TAG in _tags(cell):
            assert pending is None, "a solution cell must be followed by its check cell"
            pending = "".join(cell["source"])
        elif CHECK_TAG in _tags(cell):
            assert pending is not None, "a check cell must follow a solution cell"
            pairs.append((pending, "".join(cell["source"])))
            pending = None
    assert pending is None, "the last solution cell has no check cell"
    return pairs


def _exercise_ids():
    out = []
    for path in NOTEBOOKS:
        for i, _ in enumerate(_exercises(_load(path))):
            out.append(pytest.param(path, i, id=f"{path.stem}-ex{i + 1}"))
    return out


def _signatures(source):
    tree = ast.parse(source)
    return [
        (node.name, ast.dump(node.args), ast.get_docstring(node))
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    ]


def _run(solution_source, check_source):
    namespace = {"checks": checks}
    exec(compile(solution_source, "<solution>", "exec"), namespace)
    exec(compile(check_source, "<check>", "exec"), namespace)


def test_every_notebook_with_exercises_has_checks():
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        assert _exercises(_load(path)), f"{path.name} has no checked exercise"


@pytest.mark.parametrize(("path", "index"), _exercise_ids())
def test_solution_passes_and_stub_fails(path, index):
    solution, check = _exercises(_load(path))[index]
    _run(solution, check)  # the instructors' solution passes its check
    stub = make_stub(solution)
    with pytest.raises(checks.ExerciseCheckError, match="not implemented yet"):
        _run(stub, check)
    assert _signatures(stub) == _signatures(solution)  # same names, arguments, docstrings


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_student_notebook_hides_solutions_and_keeps_checks(path):
    nb = _load(path)
    student = student_notebook(nb)
    sources = ["".join(c["source"]) for c in student["cells"]]
    assert not any("{solution-" in s for s in sources)
    assert not any(SOLUTION_TAG in _tags(c) for c in student["cells"])
    stubs = [c for c in student["cells"] if "exercise" in _tags(c)]
    solutions = [c for c in nb["cells"] if SOLUTION_TAG in _tags(c)]
    assert len(stubs) == len(solutions)
    assert all("raise NotImplementedError" in "".join(c["source"]) for c in stubs)
    checks_before = [c["source"] for c in nb["cells"] if CHECK_TAG in _tags(c)]
    checks_after = [c["source"] for c in student["cells"] if CHECK_TAG in _tags(c)]
    assert checks_before == checks_after
    assert all(not c.get("outputs") for c in student["cells"] if c["cell_type"] == "code")


def test_make_stub_rules():
    with pytest.raises(ValueError, match="at least one function"):
        make_stub("x = 1\n")
    with pytest.raises(ValueError, match="only imports and function"):
        make_stub("def f():\n    return 1\n\nx = f()\n")
    with pytest.raises(TypeError):
        make_stub(None)
    with pytest.raises(ValueError, match="own lines"):
        make_stub("def f(): return 1\n")
    stub = make_stub("@staticmethod\ndef f(a, *, b=2):\n    # hint\n    return a + b\n")
    assert stub.startswith("@staticmethod\ndef f(a, *, b=2):\n    ...")
    assert "hint" not in stub


def test_command_line_writes_student_notebooks(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {"tags": [SOLUTION_TAG]},
                "outputs": [1],
                "execution_count": 3,
                "source": "def f():\n    return 1\n",
            },
            {"cell_type": "markdown", "metadata": {}, "source": ":::{solution-end}\n:::"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (src / "01_x.ipynb").write_text(json.dumps(nb))
    assert main([str(src), str(tmp_path / "out")]) == 0
    written = _load(tmp_path / "out" / "01_x.ipynb")
    assert len(written["cells"]) == 1
    # the chapter is recorded, for tabgen_lib.grading, whatever the file is renamed to
    assert written["metadata"] == {"tabgen": {"chapter": "01_x"}}
    assert written["cells"][0]["outputs"] == []
    assert "wrote" in capsys.readouterr().out
    assert main(["only-one-argument"]) == 2


def test_write_student_versions_errors(tmp_path):
    with pytest.raises(ValueError, match="not a folder"):
        write_student_versions(tmp_path / "nope", tmp_path / "out")
    with pytest.raises(ValueError, match="No notebooks"):
        write_student_versions(tmp_path, tmp_path / "out")
