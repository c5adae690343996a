"""Conventions every course notebook follows (see book/authoring.md)."""

import json
import re

import pytest
import yaml

from tabgen_lib.notebook import REPOSITORY_URL, SETUP_TAG, setup_cell_source, sync_setup_cells

from .conftest import NOTEBOOKS, ROOT, toc_files

IDS = [p.stem for p in NOTEBOOKS]


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    return "".join(cell["source"])


def test_notebooks_exist_and_are_named_in_order():
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


def test_toc_lists_exactly_the_notebooks_in_course_order():
    toc = toc_files()
    in_toc = [f for f in toc if f.startswith("notebooks/")]
    assert in_toc == [f"notebooks/{p.stem}" for p in NOTEBOOKS]
    for entry in toc:
        assert (ROOT / f"{entry}.md").is_file() or (ROOT / f"{entry}.ipynb").is_file(), entry


def test_numbered_chapters_keep_their_notebook_numbers():
    # Numbered parts count on across parts (use_multitoc_numbering); unnumbered parts such as
    # "Before you start" with the primer (00) take no number, so chapter N is notebook NN.
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    number, numbered = 0, {}
    for part in toc["parts"]:
        for entry in part["chapters"]:
            if part.get("numbered"):
                number += 1
                numbered[entry["file"]] = number
    notebooks = {f: n for f, n in numbered.items() if f.startswith("notebooks/")}
    assert notebooks, "the course's chapters are numbered"
    for entry, n in notebooks.items():
        assert int(entry.removeprefix("notebooks/")[:2]) == n, f"{entry} would be chapter {n}"
    assert "notebooks/00_pytorch_primer" not in numbered, "the primer comes before chapter 1"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_without_outputs(path):
    for cell in _load(path)["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name}: clear the outputs before committing"
            assert cell.get("execution_count") is None, f"{path.name}: execution count stored"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_kernel_is_python3(path):
    assert _load(path)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_skeleton(path):
    cells = _load(path)["cells"]
    assert cells[0]["cell_type"] == "markdown" and _source(cells[0]).startswith("# ")
    assert "Learning objectives" in _source(cells[0])
    code = [c for c in cells if c["cell_type"] == "code"]
    assert SETUP_TAG in code[0]["metadata"].get("tags", []), "first code cell: the setup cell"
    assert _source(code[0]) == setup_cell_source(), "run `python -m tabgen_lib.notebook --sync`"
    assert any("set_seed(" in _source(c) for c in code[:4]), "seed in one visible early cell"
    headings = [
        line
        for c in cells
        if c["cell_type"] == "markdown"
        for line in _source(c).splitlines()
        if line.startswith("## ")
    ]
    assert "## Summary" in headings and "## Exercises" in headings
    assert headings.index("## Summary") < headings.index("## Exercises")
    for cell in code:
        text = _source(cell)
        if "plt.subplots" in text and "plot_" not in text:
            assert "set_xlabel" in text and "set_ylabel" in text, "label every plot's axes"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_seed_is_one_parameters_cell(path):
    """`make seeds` (tabgen_lib.seed_sweep) injects SEED after the cell tagged `parameters`."""
    cells = _load(path)["cells"]
    tagged = [i for i, c in enumerate(cells) if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged `parameters`"
    cell = cells[tagged[0]]
    assert cell["cell_type"] == "code" and _source(cell).startswith("SEED = ")
    following = next(c for c in cells[tagged[0] + 1 :] if c["cell_type"] == "code")
    assert re.search(r"\bset_seed\(SEED\)", _source(following)), "next code cell: set_seed(SEED)"


def test_book_config_points_at_the_repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"] == REPOSITORY_URL
    assert config["launch_buttons"]["colab_url"] and config["launch_buttons"]["binderhub_url"]
    # executed through jupyter-cache: `make book` empties it, `make test` fills it (Makefile)
    assert config["execute"]["execute_notebooks"] == "cache"
    makefile = (ROOT / "Makefile").read_text()
    assert f"JUPYTER_CACHE := {config['execute']['cache']}" in makefile
    assert "book: venv\n\trm -rf $(JUPYTER_CACHE)" in makefile


def test_sync_setup_cells(tmp_path):
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {"tags": [SETUP_TAG]},
                "source": "old",
                "outputs": [],
                "execution_count": None,
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "01_a.ipynb").write_text(json.dumps(nb))
    assert sync_setup_cells(tmp_path) == [tmp_path / "01_a.ipynb"]
    assert sync_setup_cells(tmp_path) == []
    assert _source(_load(tmp_path / "01_a.ipynb")["cells"][0]) == setup_cell_source()
