"""pytest plugin of the Colab simulation: keep what every notebook cell showed.

tests/colab/simulate.py copies this file as the ``conftest.py`` of its run folder. nbval
executes each code cell and holds the cell's outputs in ``item.test_outputs``; this plugin
writes them, with each cell's result and time, next to the notebook as
``<chapter>.outputs.json`` (on the pytest-xdist worker that ran the notebook), and gives
nbval more patience for output messages on a loaded machine. The
simulation turns them into executed copies of the notebooks, which the book build reads
from its cache instead of executing every notebook a second time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

_CELLS: dict[str, dict[int, dict]] = {}

#: nbval waits at most 5 s (hard-coded) for each output message after a cell has finished;
#: on a loaded 2-core machine a kernel can fall that far behind, and a passing cell then
#: fails with "Timeout of 5 seconds exceeded waiting for output".
OUTPUT_TIMEOUT = 60


def pytest_collection_modifyitems(items):
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = OUTPUT_TIMEOUT


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not hasattr(item, "cell_num"):
        return
    _CELLS.setdefault(str(item.fspath), {})[item.cell_num] = {
        "source": item.cell.source,
        "outputs": list(item.test_outputs or []),
        "passed": report.passed,
        "seconds": report.duration,
    }


def pytest_sessionfinish(session):
    for notebook, cells in _CELLS.items():
        path = Path(notebook).with_suffix(".outputs.json")
        path.write_text(json.dumps(cells), encoding="utf-8")
