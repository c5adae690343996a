"""An exercise's function never takes a name that the rest of its notebook uses.

A student runs the exercise cell (in the student version: a stub that raises
``NotImplementedError``) and later re-runs an earlier cell. If the exercise's function had
the name of a library function that the notebook imports (``pack``, ``gradient_penalty``,
...), the earlier cell would now call the student's function -- or the stub -- instead.
So the functions that solution cells define must be bound nowhere else in the notebook:
not imported, not assigned, not defined by another cell.
"""

from __future__ import annotations

import ast
import json

import pytest

from tabgen_lib.student import SOLUTION_TAG

from .conftest import NOTEBOOKS


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name a piece of code binds: imports, definitions, assignments."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def shadowed(cells: list[dict]) -> set[str]:
    """Names of exercise functions that other code cells of the notebook also bind."""
    exercise, elsewhere = set(), set()
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            exercise |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        else:
            elsewhere |= _bound_names(tree)
    return exercise & elsewhere


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_exercise_functions_shadow_no_name_of_the_notebook(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    clash = shadowed(cells)
    assert not clash, (
        f"{path.name}: exercise functions {sorted(clash)} have the name of something the "
        "notebook imports or defines elsewhere; re-running that code after the exercise "
        "would call the student's function. Rename the exercise's function (e.g. my_pack)."
    )


def test_finds_an_exercise_that_shadows_an_import():
    cells = [
        {"cell_type": "code", "metadata": {}, "source": "from lib import pack\nx = pack(1)"},
        {"cell_type": "code", "metadata": {"tags": [SOLUTION_TAG]}, "source": "def pack(x):\n"},
        {"cell_type": "code", "metadata": {"tags": [SOLUTION_TAG]}, "source": "def my_f(x):\n"},
    ]
    cells[1]["source"] += "    return x\n"
    cells[2]["source"] += "    return x\n"
    assert shadowed(cells) == {"pack"}
