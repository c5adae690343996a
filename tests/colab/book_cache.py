"""Give the book build the notebooks the Colab simulation executed: each runs once.

``make test`` runs every notebook in the Colab simulation (simulate.py ``--executed``),
then builds the book. The book executes notebooks through jupyter-cache
(``execute_notebooks: cache`` in _config.yml): a notebook whose code cells (source and
metadata) match a cached, executed one takes its outputs from the cache. This script
empties the cache, puts the simulation's executed notebooks in it, and checks that every
notebook of the book matches one, so that the build that follows executes none.

``make book`` alone empties the cache and executes every notebook itself.

Usage: ``python tests/colab/book_cache.py EXECUTED_DIR [--cache _build/.jupyter_cache]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import nbformat
from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[2]


def fill_cache(executed: Path, cache_path: Path, notebooks: list[Path]) -> list[str]:
    """Cache every notebook of ``executed``; the notebooks of the book that match none."""
    shutil.rmtree(cache_path, ignore_errors=True)
    cache = get_cache(str(cache_path))
    times_file = executed / "run_times.json"  # written by simulate.py: the exec table's times
    times = json.loads(times_file.read_text()) if times_file.is_file() else {}
    for path in sorted(executed.glob("*.ipynb")):
        data = {"execution_seconds": times[path.stem]} if path.stem in times else None
        cache.cache_notebook_file(
            str(path), uri=path.name, data=data, check_validity=False, overwrite=True
        )
    missing = []
    for notebook in notebooks:
        try:
            cache.match_cache_notebook(nbformat.read(notebook, as_version=4))
        except KeyError:
            missing.append(notebook.name)
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("executed", type=Path, help="folder of executed notebooks")
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache")
    args = parser.parse_args(argv)
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    missing = fill_cache(args.executed, args.cache, notebooks)
    if missing:
        print(
            f"No executed copy matches {missing}: the book build would execute them again. "
            "Run the Colab simulation with --executed first (make test does)."
        )
        return 1
    print(f"{len(notebooks)} executed notebooks cached in {args.cache} for the book build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
