"""Shared test settings: headless plotting and a clean data cache per test."""

import os
from pathlib import Path

import matplotlib
import pytest
import torch
import yaml

matplotlib.use("Agg")

# The tests train many tiny networks: one thread is faster for them, and it does not slow
# to a crawl when other processes share the cores (as on a 2-core CI machine).
torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def toc_files() -> list[str]:
    """Every document of _toc.yml (without suffix), in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part["chapters"])
    return files


# The offline mirror next to the repository, when there is one (as on the course's CI).
_MIRROR = ROOT.parent / "shared" / "data"
if "TABGEN_DATA_DIR" not in os.environ and (_MIRROR / "README.md").is_file():
    os.environ["TABGEN_DATA_DIR"] = str(_MIRROR)


def pytest_addoption(parser):
    parser.addoption(
        "--book-dir",
        default=None,
        help="folder of the built book (_build/html); the browser tests run only when given",
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--book-dir"):
        return
    skip = pytest.mark.skip(reason="browser tests need --book-dir (make test passes it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
