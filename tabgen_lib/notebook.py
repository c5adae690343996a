"""What every course notebook shares: the repository URL and the setup cell.

The repository URL is written here and nowhere else; ``tests/test_notebooks.py`` checks
that every notebook's first code cell is exactly :func:`setup_cell_source` and that the
book's ``_config.yml`` points at the same repository.  A fork changes ``REPOSITORY_URL``
and runs ``python -m tabgen_lib.notebook --sync`` to rewrite the setup cells.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["REPOSITORY_URL", "setup_cell_source", "sync_setup_cells"]

#: The course repository: the single place that holds its URL.
REPOSITORY_URL = "https://github.com/tabgen-course/tabgen"

SETUP_TAG = "setup"

_SETUP_TEMPLATE = """\
# Setup: run this cell first. It works locally, in Binder and in Google Colab.
import importlib.util
import subprocess
import sys

REPOSITORY_URL = "{url}"
if importlib.util.find_spec("tabgen_lib") is None:
    if "google.colab" in sys.modules:
        # Colab: install the course library and what the chapters need from the repository.
        pkg = f"tabgen_lib[course] @ git+{{REPOSITORY_URL}}"
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", pkg], check=True)
    else:
        # A clone of the repository or Binder: the library sits next to notebooks/.
        sys.path.insert(0, "..")
import tabgen_lib

print("tabgen_lib", tabgen_lib.__version__)"""


def setup_cell_source(url: str = REPOSITORY_URL) -> str:
    """Return the source of the setup cell every notebook starts with.

    Examples
    --------
    >>> "google.colab" in setup_cell_source()
    True
    """
    return _SETUP_TEMPLATE.format(url=url)


def sync_setup_cells(folder: str | Path = "notebooks") -> list[Path]:
    """Rewrite the cell tagged ``setup`` of every notebook in ``folder``; return those changed.

    Examples
    --------
    >>> sync_setup_cells("notebooks")  # doctest: +SKIP
    []
    """
    changed = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if SETUP_TAG in cell.get("metadata", {}).get("tags", []):
                if "".join(cell["source"]) != setup_cell_source():
                    cell["source"] = setup_cell_source()
                    changed.append(path)
        if path in changed:
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


if __name__ == "__main__":  # pragma: no cover - command-line entry
    if sys.argv[1:] == ["--sync"]:
        for p in sync_setup_cells():
            print("updated", p)
    else:
        print(setup_cell_source())
