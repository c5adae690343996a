"""The seed sweep (``make seeds``): which cells it checks, how it runs a notebook under
another seed, and the table it prints."""

import concurrent.futures
import json
import sys
from pathlib import Path

import nbformat
import pytest

from tabgen_lib import seed_sweep
from tabgen_lib.seed_sweep import DEFAULT_SEEDS, check_cells, format_table, run_notebook

code = nbformat.v4.new_code_cell
markdown = nbformat.v4.new_markdown_cell


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _tagged(source, *tags):
    cell = code(source)
    cell.metadata["tags"] = list(tags)
    return cell


def test_default_seeds_start_with_the_chapters_seed():
    assert DEFAULT_SEEDS[0] == 42 and len(set(DEFAULT_SEEDS)) == 5


def test_check_cells_labels_asserts_by_their_message():
    nb = _notebook(
        markdown("assert x, 'markdown is not checked'"),
        code("x = 1\n# assert nothing here: a comment"),
        code('assert x == 1, "x is one"'),
        code("y = 2\nassert y > x, f'y beats x: {y}'"),
        code("assert x < 2"),
        code("assert " + "x + " * 40 + "0 > 0"),
        code('text = "assert"'),
    )
    labels = check_cells(nb)
    assert labels == {2: "x is one", 3: "y beats x: {y}", 4: "x < 2", 5: labels[5]}
    assert len(labels[5]) == 60 and labels[5].startswith("x + x + ")


def test_check_cells_labels_tagged_exercise_checks():
    nb = _notebook(
        _tagged("checks.check_sigmoid(sigmoid)", "check"),
        _tagged("print('looks right')", "check"),
        _tagged("SEED = 42", "parameters"),
        markdown("checks.check_nothing(f)"),
    )
    assert check_cells(nb) == {0: "exercise check check_sigmoid", 1: "exercise check"}


def test_check_cells_reads_sources_stored_as_lists():
    nb = nbformat.from_dict(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "metadata": {},
                    "source": ["z = 3\n", 'assert z == 3, "z is three"'],
                    "outputs": [],
                    "execution_count": None,
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )
    assert check_cells(nb) == {0: "z is three"}


def test_a_notebook_without_a_parameters_cell_is_refused(tmp_path):
    path = tmp_path / "no_seed.ipynb"
    nbformat.write(_notebook(code("SEED = 42"), code("assert SEED == 42")), path)
    with pytest.raises(ValueError, match="no cell tagged 'parameters'"):
        run_notebook(path, seed=0)


@pytest.fixture
def venv_kernel(monkeypatch):
    """The kernel ``python3`` of this interpreter's environment, as the Makefile sets it."""
    monkeypatch.setenv("JUPYTER_PATH", str(Path(sys.prefix) / "share" / "jupyter"))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def test_run_notebook_injects_the_seed_and_reports_each_check(tmp_path, venv_kernel):
    nb = _notebook(
        markdown("# A tiny chapter"),
        _tagged("SEED = 42", "parameters"),
        code('assert SEED != 7, "seed seven fails"'),
        code("from pathlib import Path\nassert Path.cwd().name == 'runs_here'"),
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    (tmp_path / "runs_here").mkdir()
    path = tmp_path / "runs_here" / "tiny.ipynb"
    nbformat.write(nb, path)
    on_disk = path.read_bytes()

    good = run_notebook(path, seed=42, timeout=120, keep=tmp_path / "kept")
    bad = run_notebook(path, seed=7, timeout=120)

    labels = {2: "seed seven fails", 3: "Path.cwd().name == 'runs_here'"}
    assert good["notebook"] == bad["notebook"] == "tiny.ipynb"
    assert (good["seed"], bad["seed"]) == (42, 7)
    assert good["labels"] == bad["labels"] == labels
    assert good["passed"] == {2: True, 3: True} and good["errors"] == {}
    assert bad["passed"] == {2: False, 3: True}  # indices are the original notebook's
    assert bad["errors"] == {2: "AssertionError: seed seven fails"}
    assert good["seconds"] >= 0
    assert path.read_bytes() == on_disk, "the notebook on disk is left as it was"
    kept = nbformat.read(tmp_path / "kept" / "tiny_seed42.ipynb", as_version=4)
    assert "injected-parameters" in kept.cells[2].metadata["tags"]
    assert "SEED = 42" in kept.cells[2].source


def _result(notebook, seed, passed, labels=None, errors=None):
    return {
        "notebook": notebook,
        "seed": seed,
        "seconds": 1.0,
        "labels": labels or {3: "x is one", 5: "a | b"},
        "passed": passed,
        "errors": errors or {},
    }


def test_format_table_one_row_per_check_and_a_column_per_seed():
    results = [
        _result("01_a.ipynb", 42, {3: True, 5: True}),
        _result("01_a.ipynb", 7, {3: False, 5: True}, errors={3: "AssertionError: x"}),
        _result("02_b.ipynb", 42, {1: True}, labels={1: "y"}),
    ]
    # As read back from the --json file: keys of labels and results are strings.
    results = json.loads(json.dumps(results))
    assert format_table(results).splitlines() == [
        "| notebook | cell | check | 42 | 7 | passed |",
        "|---|---|---|---|---|---|",
        "| 01_a.ipynb | 3 | x is one | ✓ | ✗ | 1/2 |",
        "| 01_a.ipynb | 5 | a \\| b | ✓ | ✓ | 2/2 |",
        "| 02_b.ipynb | 1 | y | ✓ | – | 1/2 |",
    ]


def test_sweep_runs_every_notebook_for_every_seed(monkeypatch, capsys):
    calls = []

    def fake_run(path, seed, timeout, keep):
        calls.append((path, seed, keep))
        return _result(Path(path).name, seed, {3: seed != 7, 5: True})

    monkeypatch.setattr(seed_sweep, "run_notebook", fake_run)
    monkeypatch.setattr(seed_sweep, "ProcessPoolExecutor", concurrent.futures.ThreadPoolExecutor)
    results = seed_sweep.sweep([Path("a.ipynb"), Path("b.ipynb")], seeds=(42, 7), jobs=1)
    assert calls == [(p, s, None) for p in ("a.ipynb", "b.ipynb") for s in (42, 7)]
    assert [(r["notebook"], r["seed"]) for r in results] == [
        ("a.ipynb", 42),
        ("a.ipynb", 7),
        ("b.ipynb", 42),
        ("b.ipynb", 7),
    ]
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "a.ipynb seed 42: 1 s, 2/2 checks passed"
    assert out[1] == "a.ipynb seed 7: 1 s, 1/2 checks passed (failed: cells [3])"


@pytest.mark.parametrize("failing", [False, True])
def test_main_writes_json_prints_the_table_and_sets_the_status(
    failing, tmp_path, monkeypatch, capsys
):
    seen = {}

    def fake_sweep(paths, seeds, jobs, keep=None):
        seen.update(paths=paths, seeds=seeds, jobs=jobs, keep=keep)
        errors = {3: "AssertionError: x"} if failing else {}
        return [
            _result(p.name, s, {3: not failing, 5: True}, errors=errors)
            for p in paths
            for s in seeds
        ]

    monkeypatch.setattr(seed_sweep, "sweep", fake_sweep)
    monkeypatch.setenv("TQDM_DISABLE", "1")
    (tmp_path / "notebooks").mkdir()
    for name in ("02_b.ipynb", "01_a.ipynb"):
        (tmp_path / "notebooks" / name).write_text("{}")
    monkeypatch.chdir(tmp_path)
    out_json = tmp_path / "out" / "sweep.json"

    status = seed_sweep.main(["--seeds", "42,7", "--jobs", "1", "--json", str(out_json)])

    assert status == (1 if failing else 0)
    assert seen == {
        "paths": [Path("notebooks/01_a.ipynb"), Path("notebooks/02_b.ipynb")],
        "seeds": [42, 7],
        "jobs": 1,
        "keep": None,
    }
    assert len(json.loads(out_json.read_text())) == 4
    out = capsys.readouterr().out
    assert "| 01_a.ipynb | 3 | x is one |" in out
    assert f"4 runs in 0 s; {4 if failing else 0} failed checks" in out
    assert ("01_a.ipynb seed 7 cell 3: AssertionError: x" in out) == failing


def test_main_takes_notebooks_and_default_seeds(tmp_path, monkeypatch):
    seen = {}

    def fake_sweep(paths, seeds, jobs, keep=None):
        seen.update(paths=paths, seeds=seeds, jobs=jobs, keep=keep)
        return []

    monkeypatch.setattr(seed_sweep, "sweep", fake_sweep)
    monkeypatch.setenv("TQDM_DISABLE", "1")
    status = seed_sweep.main(["x.ipynb", "--json", str(tmp_path / "s.json"), "--keep", "runs"])
    assert status == 0
    assert seen == {
        "paths": [Path("x.ipynb")],
        "seeds": list(DEFAULT_SEEDS),
        "jobs": 2,
        "keep": "runs",
    }
