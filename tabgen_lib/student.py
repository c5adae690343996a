"""Write student versions of the course notebooks.

In the instructors' notebooks each exercise solution is a code cell tagged
``solution`` that defines one or more functions.  The student version keeps every
function's signature and docstring and replaces its body with ``...`` and
``raise NotImplementedError``; the check cells that follow stay as they are, so a
student runs the check and is told whether the answer is right.  The markdown cells
that open and close a solution in the book (``solution-start`` / ``solution-end``)
are dropped, and all outputs are cleared.

Command line::

    python -m tabgen_lib.student notebooks student
"""

from __future__ import annotations

import ast
import copy
import json
import re
import sys
from pathlib import Path

__all__ = ["SOLUTION_TAG", "CHECK_TAG", "make_stub", "student_notebook", "write_student_versions"]

SOLUTION_TAG = "solution"
CHECK_TAG = "check"
_SOLUTION_MARKUP = re.compile(r"^\s*(:::+|```+)\s*\{solution-(start|end)\}")


def make_stub(source: str) -> str:
    """Turn a solution cell's source into a stub with the same function signatures.

    Imports at the top of the cell are kept.  Every other top-level statement must be a
    function definition, so that the exercise is a function the check can call.

    Examples
    --------
    >>> print(make_stub("def double(x):\\n    'Return 2x.'\\n    return 2 * x\\n"))
    def double(x):
        'Return 2x.'
        ...  # your code here
        raise NotImplementedError("Exercise: complete `double`.")
    """
    if not isinstance(source, str):
        raise TypeError("source must be the cell's code as a string.")
    tree = ast.parse(source)
    lines = source.splitlines()
    if not any(isinstance(n, ast.FunctionDef) for n in tree.body):
        raise ValueError("A solution cell must define at least one function for its check.")
    pieces = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            pieces.append("\n".join(lines[node.lineno - 1 : node.end_lineno]))
        elif isinstance(node, ast.FunctionDef):
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            body = node.body
            has_doc = (
                isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            )
            head_end = body[0].end_lineno if has_doc else body[0].lineno - 1
            header = lines[start - 1 : head_end]
            if not header:
                raise ValueError(
                    f"Line {node.lineno}: put the body of `{node.name}` on its own lines."
                )
            while not has_doc and header[-1].strip().startswith("#") or not header[-1].strip():
                header.pop()  # comments before the first statement belong to the solution
            indent = " " * body[0].col_offset
            header += [
                f"{indent}...  # your code here",
                f'{indent}raise NotImplementedError("Exercise: complete `{node.name}`.")',
            ]
            pieces.append("\n".join(header))
        else:
            raise ValueError(
                f"Line {node.lineno}: a solution cell may hold only imports and function "
                "definitions (put other code in the function, or in a cell before it)."
            )
    return "\n\n\n".join(pieces)


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def student_notebook(nb: dict) -> dict:
    """Return a student copy of a notebook (as loaded JSON): stubs, no solution markup.

    Examples
    --------
    >>> nb = {"cells": [
    ...     {"cell_type": "markdown", "metadata": {}, "source": ":::{solution-start} ex"},
    ...     {"cell_type": "code", "metadata": {"tags": ["solution"]}, "outputs": [],
    ...      "execution_count": 1, "source": "def f(x):\\n    return x"}]}
    >>> cells = student_notebook(nb)["cells"]
    >>> len(cells), cells[0]["metadata"]["tags"]
    (1, ['exercise'])
    """
    out = copy.deepcopy(nb)
    cells = []
    for cell in out["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and _SOLUTION_MARKUP.match(text):
            continue
        if cell["cell_type"] == "code":
            if SOLUTION_TAG in _tags(cell):
                cell["source"] = make_stub(text)
                cell["metadata"]["tags"] = [t for t in _tags(cell) if t != SOLUTION_TAG] + [
                    "exercise"
                ]
            cell["outputs"] = []
            cell["execution_count"] = None
        cells.append(cell)
    out["cells"] = cells
    return out


def write_student_versions(src: str | Path, dest: str | Path) -> list[Path]:
    """Write a student version of every notebook in ``src`` into ``dest``; return the paths.

    Each records its chapter (the source's file name without ``.ipynb``) in its metadata,
    ``{"tabgen": {"chapter": ...}}``, for :mod:`tabgen_lib.grading`.

    Examples
    --------
    >>> write_student_versions("notebooks", "student")  # doctest: +SKIP
    [PosixPath('student/04_linear_regression.ipynb')]
    """
    src, dest = Path(src), Path(dest)
    if not src.is_dir():
        raise ValueError(f"{src} is not a folder of notebooks.")
    notebooks = sorted(src.glob("*.ipynb"))
    if not notebooks:
        raise ValueError(f"No notebooks (*.ipynb) found in {src}.")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        student = student_notebook(json.loads(path.read_text(encoding="utf-8")))
        # the chapter travels with the notebook, whatever a student renames it to
        # (tabgen_lib.grading reads it)
        student.setdefault("metadata", {})["tabgen"] = {"chapter": path.stem}
        target = dest / path.name
        text = json.dumps(student, indent=1, ensure_ascii=False) + "\n"
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m tabgen_lib.student NOTEBOOK_DIR OUTPUT_DIR", file=sys.stderr)
        return 2
    for path in write_student_versions(*args):
        print("wrote", path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
