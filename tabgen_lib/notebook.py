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

__all__ = [
    "GLUE_PREFIX",
    "REPOSITORY_URL",
    "TABLE_EVALUATOR",
    "glue",
    "setup_cell_source",
    "sync_setup_cells",
]

#: The course repository: the single place that holds its URL.
REPOSITORY_URL = "https://github.com/tabgen-course/tabgen"

SETUP_TAG = "setup"

#: table-evaluator, installed without its (stale) pins: the same line as
#: ``requirements/table-evaluator.txt``, which the Makefile and Binder's postBuild use.
TABLE_EVALUATOR = "table-evaluator==1.9.0"

_SETUP_TEMPLATE = """\
# Setup: run this cell first. It works locally, in Binder and in Google Colab.
import importlib.util
import subprocess
import sys

REPOSITORY_URL = "{url}"
if importlib.util.find_spec("tabgen_lib") is None:
    if "google.colab" in sys.modules:
        # Colab: install the course library and what the chapters need from the repository;
        # Colab's own packages stay as they are. table-evaluator (chapter 07) pins old numpy
        # and scikit-learn releases, yet its code runs on Colab's: it comes without its pins.
        pip = [sys.executable, "-m", "pip", "install", "-q"]
        subprocess.run([*pip, f"tabgen_lib[course] @ git+{{REPOSITORY_URL}}"], check=True)
        subprocess.run([*pip, "--no-deps", "{table_evaluator}"], check=True)
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
    return _SETUP_TEMPLATE.format(url=url, table_evaluator=TABLE_EVALUATOR)


#: The MIME prefix of a hidden glue record (myst-nb's ``GLUE_PREFIX``, from papermill).
GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, value, display: bool = False):
    """Store ``value`` under ``name`` for the book's ``{glue}`` roles; return ``value``.

    The chapters' prose never types a number that a run computes: a cell glues it and
    the Markdown quotes it with ``{glue:text}`name:.3f``` (myst-nb), so the rendered page
    always shows this run's value.  Inside a kernel the record is written as myst-nb's
    :func:`myst_nb.glue` writes it (a display output whose MIME types start with
    :data:`GLUE_PREFIX`, with ``scrapbook`` metadata), whether or not myst-nb is installed:
    a notebook executed in Colab, or in the Colab simulation that feeds the book, carries
    its glued values too.  Outside a kernel the value is only returned.

    Examples
    --------
    >>> glue("answer", 42)
    42
    >>> import numpy as np
    >>> glue("share", np.float64(0.25))  # NumPy scalars are stored as plain numbers
    0.25
    """
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        # a NumPy scalar: store the plain number, whose repr a format such as `:.3f` reads
        value = value.item()
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with every notebook
        return value
    if get_ipython() is None:  # a script or a doctest: nothing to record
        return value
    from IPython.core.formatters import format_display_data
    from IPython.display import display as show

    bundle, metadata = format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    show({prefix + key: data for key, data in bundle.items()}, raw=True, metadata=metadata)
    return value


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
