"""Run every chapter under several seeds and report which check cells hold for each.

A trained model's outcome changes with the seed and, for the same seed, with the CPU and
the library versions (other float kernels change a GAN's whole trajectory).  Each chapter
keeps its seed in one cell tagged ``parameters`` (papermill's convention), so this command
can run the chapter with other seeds; a claim that a check cell asserts must hold for all
of them.  Usage::

    python -m tabgen_lib.seed_sweep                       # every notebook, 5 seeds
    python -m tabgen_lib.seed_sweep notebooks/09_*.ipynb --seeds 42,0,1 --jobs 2

It prints a table (notebook, check cell, seeds passed), writes the details to
``--json`` and exits with status 1 when any check cell failed for any seed.  A *check
cell* is a code cell that asserts something (``assert`` in its source) or carries the tag
``check``.  Cells run with ``allow_errors``, so one failed claim does not hide the others;
a cell that fails only because an earlier one did is still counted as failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

__all__ = ["DEFAULT_SEEDS", "check_cells", "run_notebook", "sweep", "format_table"]

#: The chapters' own seed (42 in all but one) and four others.
DEFAULT_SEEDS = (42, 0, 1, 2, 7)
PARAMETERS_TAG = "parameters"


def _source(cell) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _assert_label(src: str) -> str:
    """The message of a cell's first assert, else its comment, else its expression."""
    line = re.search(r"^\s*assert\s+(.*)$", src, flags=re.M).group(1)
    code, _, comment = line.partition("  #")
    message = re.search(r",\s*f?[\"']([^\"']+)[\"']\s*$", code)
    if message:
        return message.group(1)[:60]
    return (comment.strip() or code.strip())[:60]


def check_cells(nb) -> dict[int, str]:
    """Map the index of every check cell of ``nb`` to a short label.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_code_cell("x = 1"),
    ...             nbformat.v4.new_code_cell('assert x == 1, "x is one"')]
    >>> check_cells(nb)
    {1: 'x is one'}
    """
    labels = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        src = _source(cell)
        tags = cell.get("metadata", {}).get("tags", [])
        if "check" in tags:
            name = re.search(r"checks\.(\w+)", src)
            labels[i] = f"exercise check {name.group(1)}" if name else "exercise check"
        elif re.search(r"^\s*assert\b", src, flags=re.M):
            labels[i] = _assert_label(src)
    return labels


def _seed_cell_index(nb) -> int:
    for i, cell in enumerate(nb.cells):
        if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            return i
    raise ValueError("the notebook has no cell tagged 'parameters': it cannot take a seed")


def run_notebook(
    path: str | Path, seed: int, timeout: int = 900, keep: str | Path | None = None
) -> dict:
    """Execute ``path`` with ``SEED = seed``; return the status of each check cell.

    The notebook runs in its own folder (its relative paths hold), on the kernel
    ``python3``, with every cell executed even after an error.  With ``keep``, the
    executed notebook is written there as ``<name>_seed<seed>.ipynb`` to read its outputs.
    """
    import nbformat
    from nbclient import NotebookClient
    from papermill.parameterize import parameterize_notebook

    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    labels = check_cells(nb)
    where = _seed_cell_index(nb)
    for cell in nb.cells:  # papermill reads every cell's tags and its own metadata
        cell.metadata.setdefault("tags", [])
    nb.metadata.setdefault("papermill", {})
    nb = parameterize_notebook(nb, {"SEED": seed}, kernel_name="python3", language="python")
    # papermill inserts its cell right after the parameters cell: map indices back.
    original = [i if i <= where else i - 1 for i in range(len(nb.cells))]
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    if keep is not None:
        Path(keep).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, Path(keep) / f"{path.stem}_seed{seed}.ipynb")
    status, errors = {}, {}
    for i, cell in enumerate(nb.cells):
        j = original[i]
        if cell.cell_type != "code" or i == where + 1:
            continue
        error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
        if error is not None:
            errors[j] = f"{error['ename']}: {error['evalue']}"[:300]
        if j in labels:
            status[j] = error is None
    return {
        "notebook": path.name,
        "seed": seed,
        "seconds": round(time.perf_counter() - start, 1),
        "labels": labels,
        "passed": status,
        "errors": errors,
    }


def _run(args):
    return run_notebook(*args)


def sweep(paths, seeds=DEFAULT_SEEDS, jobs: int = 2, keep=None) -> list[dict]:
    """Run every notebook of ``paths`` for every seed, ``jobs`` kernels at a time."""
    tasks = [(str(p), s, 900, keep) for p in paths for s in seeds]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = []
        for result in pool.map(_run, tasks):
            failed = [i for i, ok in result["passed"].items() if not ok]
            print(
                f"{result['notebook']} seed {result['seed']}: {result['seconds']:.0f} s, "
                f"{len(result['passed']) - len(failed)}/{len(result['passed'])} checks passed"
                + (f" (failed: cells {failed})" if failed else ""),
                flush=True,
            )
            results.append(result)
    return results


def format_table(results: list[dict]) -> str:
    """A Markdown table: one row per notebook and check cell, one column per seed.

    Examples
    --------
    >>> r = [{"notebook": "a.ipynb", "seed": s, "seconds": 1.0, "labels": {3: "x"},
    ...       "passed": {3: s != 7}, "errors": {}} for s in (42, 7)]
    >>> print(format_table(r))
    | notebook | cell | check | 42 | 7 | passed |
    |---|---|---|---|---|---|
    | a.ipynb | 3 | x | ✓ | ✗ | 1/2 |
    """
    seeds = list(dict.fromkeys(r["seed"] for r in results))
    notebooks = list(dict.fromkeys(r["notebook"] for r in results))
    by = {(r["notebook"], r["seed"]): r for r in results}
    lines = [
        "| notebook | cell | check | " + " | ".join(map(str, seeds)) + " | passed |",
        "|---|---|---|" + "---|" * len(seeds) + "---|",
    ]
    for name in notebooks:
        runs = [by[(name, s)] for s in seeds if (name, s) in by]
        labels = {int(k): v for r in runs for k, v in r["labels"].items()}
        for cell in sorted(labels):
            marks = []
            for s in seeds:
                run = by.get((name, s))
                ok = (
                    None if run is None else {int(k): v for k, v in run["passed"].items()}.get(cell)
                )
                marks.append("–" if ok is None else ("✓" if ok else "✗"))
            passed = marks.count("✓")
            label = labels[cell].replace("|", "\\|")
            lines.append(
                f"| {name} | {cell} | {label} | "
                + " | ".join(marks)
                + f" | {passed}/{len(marks)} |"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    parser.add_argument("--seeds", default=",".join(map(str, DEFAULT_SEEDS)))
    parser.add_argument("--jobs", type=int, default=2, help="kernels at a time (default 2)")
    parser.add_argument("--json", default="_build/seed_sweep.json", help="where to write details")
    parser.add_argument("--keep", default=None, help="folder for the executed notebooks")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.notebooks] or sorted(Path("notebooks").glob("*.ipynb"))
    seeds = [int(s) for s in args.seeds.split(",")]
    os.environ.setdefault("TQDM_DISABLE", "1")
    start = time.perf_counter()
    results = sweep(paths, seeds, args.jobs, args.keep)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print()
    print(format_table(results))
    failed = sum(not ok for r in results for ok in r["passed"].values())
    print(f"\n{len(results)} runs in {time.perf_counter() - start:.0f} s; {failed} failed checks")
    for r in results:
        for cell, err in r["errors"].items():
            print(f"  {r['notebook']} seed {r['seed']} cell {cell}: {err}")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover - command-line entry
    sys.exit(main())
