"""Grade submitted student notebooks: run each one, read its check cells, write a gradebook.

Command line::

    python -m tabgen_lib.grading SUBMISSIONS --out gradebook.csv [--timeout 600] [--jobs 2]

**Where the submissions are.** ``SUBMISSIONS`` holds either one folder per student, named
by the student's id, with the notebooks as they were handed out
(``alice/04_linear_regression.ipynb``, subfolders allowed: nbgrader's
``submitted/<student>/...`` layout), or, for a single chapter, one notebook per student,
named by the id (``alice.ipynb``: otter-grader's layout). A notebook's chapter is
``--assignment`` when given, else its file name, else the ``tabgen`` entry of its metadata
that the student versions carry (:mod:`tabgen_lib.student`). The instructors' notebooks
(``--source``, default ``notebooks``) say which exercises each chapter has.

**What is graded.** An exercise is a check cell of the instructors' notebook: a code cell
tagged ``check`` that calls ``checks.check_<name>(...)``, which prints ``Correct! ...`` or
raises. In a submission, the exercise's check cell is the code cell with the same source
(whitespace at its ends aside). Failing that, a cell tagged ``check`` that calls the same
check, or any cell that does, is the check cell *modified* by the student: it is flagged
"check modified" and the instructors' source runs in its place, as nbgrader overwrites the
read-only cells of a submission. With no such cell the exercise fails: "check cell missing".

**How it runs.** Each notebook runs in a kernel of its own (``python3``, through nbclient),
every cell even after an error, in a temporary copy of its folder -- a notebook that deletes
files deletes copies -- with the grader's own ``tabgen_lib`` first on the kernel's path.
The outputs stored in the submission are cleared first: a saved ``Correct!`` proves nothing.
The time limit holds for the whole notebook. When it is reached, or when the kernel dies,
the run stops there and every exercise not yet checked fails with the reason; a file that is
not a notebook fails every exercise of its chapter. The copy is not a sandbox: code can still
reach, by absolute path, any file the grader can. Run work you do not trust in a container
or as a user of its own.

**The gradebook** (CSV) has one row per student: for every exercise ``<chapter>/<check>``
a column with ``pass`` or ``fail``; ``total`` (exercises passed) and ``possible``; for every
exercise a column ``<chapter>/<check> message``, the first line of the check's output or
error; and ``notes``, on what went wrong with a whole notebook.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pandas as pd

from .seed_sweep import check_cells
from .student import CHECK_TAG
from .validation import check_int

__all__ = [
    "MISSING",
    "MODIFIED",
    "chapter_of",
    "exercises",
    "find_submissions",
    "grade",
    "grade_notebook",
    "prepare",
    "read_submission",
]

MISSING = "check cell missing"
MODIFIED = "check modified (the original was run)"
PASS, FAIL = "pass", "fail"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


# ---------------------------------------------------------------------------- exercises


def exercises(nb) -> dict[str, str]:
    """The exercises of an instructors' notebook: check name -> source of its check cell.

    A check cell is a code cell tagged ``check`` (:data:`tabgen_lib.student.CHECK_TAG`),
    named after the check it calls, as :func:`tabgen_lib.seed_sweep.check_cells` labels it.
    Cells that assert the chapter's own claims are not exercises.

    Examples
    --------
    >>> new = nbformat.v4
    >>> nb = new.new_notebook(cells=[
    ...     new.new_code_cell("assert 1 + 1 == 2"),
    ...     new.new_code_cell("checks.check_mse(mse)", metadata={"tags": ["check"]})])
    >>> exercises(nb)
    {'check_mse': 'checks.check_mse(mse)'}
    """
    found: dict[str, str] = {}
    for index, label in check_cells(nb).items():
        cell = nb.cells[index]
        if CHECK_TAG not in _tags(cell):
            continue
        base = label.removeprefix("exercise check").strip() or f"cell {index}"
        name, copies = base, 1
        while name in found:  # the same check twice: number the repeats
            copies += 1
            name = f"{base} #{copies}"
        found[name] = cell.source
    return found


def prepare(submission, checks: dict[str, str]):
    """The notebook to run, and where each exercise's check cell is in it.

    Returns ``(notebook, found)``: a copy of ``submission`` with its outputs cleared and every
    modified check cell given back the instructors' source, and for each name of ``checks``
    (as :func:`exercises` returns them) the pair (index of its check cell or ``None``,
    whether the student modified it).

    Examples
    --------
    >>> new = nbformat.v4
    >>> sub = new.new_notebook(cells=[new.new_code_cell("checks.check_mse(lambda a, b: 0)")])
    >>> nb, found = prepare(sub, {"check_mse": "checks.check_mse(mse)", "check_pack": "..."})
    >>> found
    {'check_mse': (0, True), 'check_pack': (None, False)}
    >>> nb.cells[0].source
    'checks.check_mse(mse)'
    """
    nb = copy.deepcopy(submission)
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    for i in code:
        nb.cells[i].outputs = []
        nb.cells[i].execution_count = None
    found, taken = {}, set()
    for name, source in checks.items():
        pattern = rf"\bchecks\.{re.escape(name)}\b"
        calls = [i for i in code if re.search(pattern, nb.cells[i].source)]
        candidates = (  # best first
            [i for i in code if nb.cells[i].source.strip() == source.strip()],  # unchanged
            [i for i in calls if CHECK_TAG in _tags(nb.cells[i])],  # modified, still tagged
            calls,  # modified, and its tag lost
        )
        index = next((i for group in candidates for i in group if i not in taken), None)
        modified = index is not None and nb.cells[index].source.strip() != source.strip()
        if index is not None:
            taken.add(index)
            nb.cells[index].source = source
        found[name] = (index, modified)
    return nb, found


# ---------------------------------------------------------------------------- one notebook


def read_submission(path: str | Path):
    """``(notebook, None)``, or ``(None, what is wrong)`` for a file that is not a notebook.

    Examples
    --------
    >>> import tempfile
    >>> broken = Path(tempfile.mkdtemp()) / "alice.ipynb"
    >>> _ = broken.write_text('{"cells": [')
    >>> read_submission(broken)[1]
    'not a valid notebook: Notebook does not appear to be JSON: \\'{"cells": [\\''
    """
    try:
        nb = nbformat.reads(Path(path).read_text(encoding="utf-8"), as_version=4)
        nbformat.validate(nb)
    except (ValueError, KeyError, TypeError, AttributeError, nbformat.ValidationError) as error:
        return None, f"not a valid notebook: {_first_line(str(error)) or type(error).__name__}"
    return nb, None


def _kernel_env() -> dict[str, str]:
    """The grader's environment, with its own ``tabgen_lib`` first and no progress bars."""
    library = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (library, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, "TQDM_DISABLE": "1"}


def _execute(nb, cwd: Path, timeout: int) -> tuple[set[int], str | None]:
    """Run ``nb`` in a new kernel in ``cwd``: the cells that completed, and what stopped it."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    completed: set[int] = set()
    deadline = None

    def time_left(cell) -> float:
        # nbclient's limit is per cell: give each cell what is left of the notebook's. The
        # clock starts with the first cell, once the kernel has started.
        nonlocal deadline
        if deadline is None:
            deadline = time.monotonic() + timeout
        return max(1.0, deadline - time.monotonic())

    client = NotebookClient(
        nb,
        kernel_name="python3",
        allow_errors=True,  # a failed exercise must not hide the next one
        timeout_func=time_left,
        shutdown_kernel="immediate",
        on_cell_executed=lambda cell, cell_index, execute_reply: completed.add(cell_index),
        resources={"metadata": {"path": str(cwd)}},
    )
    try:
        client.execute(env=_kernel_env())
    except CellTimeoutError:
        return completed, f"time limit of {timeout} s reached"
    except DeadKernelError:
        return completed, "the kernel died"
    return completed, None


def _outcome(cell) -> tuple[bool, str]:
    """Whether an executed check cell passed, and its message."""
    error = next((o for o in cell.outputs if o.output_type == "error"), None)
    if error is not None:
        return False, _first_line(f"{error.ename}: {error.evalue}")
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    return True, _first_line(text) or "passed"


def grade_notebook(
    path: str | Path, checks: dict[str, str], timeout: int = 600, folder: str | Path | None = None
) -> dict:
    """Run the submission ``path`` and check it against ``checks`` (see :func:`exercises`).

    It runs in a temporary copy of ``folder`` (a folder that contains ``path``), or alone in
    a temporary folder. Returns ``{"results": {name: (passed, message)}, "problem": str or
    None}``, the problem being what went wrong with the whole notebook.
    """
    path = Path(path)
    timeout = check_int(timeout, "timeout")
    submission, problem = read_submission(path)
    if submission is None:
        return {
            "results": {name: (False, problem) for name in checks},
            "problem": problem,
        }
    nb, found = prepare(submission, checks)
    with tempfile.TemporaryDirectory(prefix="tabgen-grading-", ignore_cleanup_errors=True) as tmp:
        if folder is None:
            cwd = Path(tmp)
            shutil.copy2(path, cwd / path.name)
        else:
            folder = Path(folder)
            shutil.copytree(folder, Path(tmp) / folder.name, symlinks=True)
            cwd = Path(tmp) / folder.name / path.parent.relative_to(folder)
        completed, stop = _execute(nb, cwd, timeout)
    if stop is not None:
        left = [
            i
            for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and cell.source.strip() and i not in completed
        ]
        problem = f"{stop} in cell {left[0]} ({_first_line(nb.cells[left[0]].source)[:40]})"
    results = {}
    for name, (index, modified) in found.items():
        if index is None:
            results[name] = (False, MISSING)
        elif index not in completed:
            results[name] = (False, f"not run: {stop}")
        else:
            passed, message = _outcome(nb.cells[index])
            results[name] = (passed, f"{MODIFIED}: {message}" if modified else message)
    return {"results": results, "problem": problem}


# ---------------------------------------------------------------------------- a folder


def find_submissions(submissions: str | Path) -> list[tuple[str, Path, Path | None]]:
    """Every submitted notebook as ``(student, path, folder to copy or None)``.

    ``alice.ipynb`` is Alice's only notebook; every notebook under ``bob/`` is Bob's.
    Hidden files and folders (``.ipynb_checkpoints``) are skipped.
    """
    root = Path(submissions)
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder of submissions.")
    found = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            found.append((entry.stem, entry, None))
        elif entry.is_dir():
            for path in sorted(entry.rglob("*.ipynb")):
                if not any(part.startswith(".") for part in path.relative_to(entry).parts):
                    found.append((entry.name, path, entry))
    return found


def chapter_of(path: str | Path, chapters, assignment: str | None = None) -> str | None:
    """The chapter a submitted notebook answers, or ``None`` when it cannot be told.

    ``assignment`` when given; else the file's name (``04_linear_regression.ipynb``); else
    the ``tabgen.chapter`` entry of the notebook's metadata.

    Examples
    --------
    >>> chapter_of("alice/04_linear_regression.ipynb", ["04_linear_regression"])
    '04_linear_regression'
    """
    path = Path(path)
    if assignment is not None:
        return assignment
    if path.stem in chapters:
        return path.stem
    try:
        chapter = json.loads(path.read_text(encoding="utf-8"))["metadata"]["tabgen"]["chapter"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return chapter if chapter in chapters else None


def grade(
    submissions: str | Path,
    source: str | Path = "notebooks",
    timeout: int = 600,
    jobs: int = 1,
    assignment: str | None = None,
) -> pd.DataFrame:
    """Grade every notebook of ``submissions`` against the instructors' notebooks in ``source``.

    ``timeout`` is in seconds per notebook; ``jobs`` notebooks run at a time. Returns the
    gradebook as a table (the module's docstring describes its columns).
    """
    timeout = check_int(timeout, "timeout")
    jobs = check_int(jobs, "jobs")
    chapters = {
        path.stem: exercises(nbformat.read(path, as_version=4))
        for path in sorted(Path(source).glob("*.ipynb"))
    }
    if not chapters:
        raise ValueError(f"No instructors' notebooks (*.ipynb) found in {source}.")
    if assignment is not None and assignment not in chapters:
        raise ValueError(f"assignment {assignment!r} is not one of {sorted(chapters)}.")
    tasks = [
        (student, path, folder, chapter_of(path, chapters, assignment))
        for student, path, folder in find_submissions(submissions)
    ]
    if not tasks:
        raise ValueError(f"No submitted notebooks (*.ipynb) found in {submissions}.")

    def run(task):
        student, path, folder, chapter = task
        if chapter is None:
            return None
        return grade_notebook(path, chapters[chapter], timeout=timeout, folder=folder)

    graded = {chapter for *_, chapter in tasks if chapter is not None}
    columns = [f"{c}/{name}" for c in chapters if c in graded for name in chapters[c]]
    results = {student: {} for student, *_ in tasks}  # student -> column -> (passed, message)
    notes = {student: [] for student in results}
    with ThreadPoolExecutor(max_workers=jobs) as pool:  # each run waits on its own kernel
        for (student, path, _, chapter), outcome in zip(tasks, pool.map(run, tasks), strict=True):
            where = path.relative_to(Path(submissions)).as_posix()
            if outcome is None:
                unknown = "which chapter? name the file after it, or pass --assignment"
                notes[student].append(f"{where}: {unknown}")
                continue
            if any(column.startswith(f"{chapter}/") for column in results[student]):
                notes[student].append(f"{where}: a second notebook of {chapter}; this one counts")
            if outcome["problem"]:
                notes[student].append(f"{where}: {outcome['problem']}")
            for name, result in outcome["results"].items():
                results[student][f"{chapter}/{name}"] = result
            passed = sum(ok for ok, _ in outcome["results"].values())
            print(f"{student} {where}: {passed}/{len(outcome['results'])} passed", flush=True)
    rows = []
    for student, done in results.items():
        cells = {column: done.get(column, (False, "not submitted")) for column in columns}
        rows.append(
            {"student": student}
            | {column: PASS if passed else FAIL for column, (passed, _) in cells.items()}
            | {"total": sum(passed for passed, _ in cells.values()), "possible": len(columns)}
            | {f"{column} message": message for column, (_, message) in cells.items()}
            | {"notes": "; ".join(notes[student])}
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", help="one folder per student, or one notebook each")
    parser.add_argument("--out", default="gradebook.csv", help="the gradebook (CSV) to write")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per notebook")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks at a time (default 1)")
    parser.add_argument("--source", default="notebooks", help="the instructors' notebooks")
    parser.add_argument(
        "--assignment", help="the chapter of every notebook, e.g. 04_linear_regression"
    )
    args = parser.parse_args(argv)
    try:
        gradebook = grade(args.submissions, args.source, args.timeout, args.jobs, args.assignment)
    except (TypeError, ValueError) as error:
        parser.error(str(error))
    gradebook.to_csv(args.out, index=False)
    print(f"Gradebook of {len(gradebook)} students written to {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover - command-line entry
    sys.exit(main())
