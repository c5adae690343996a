"""The pieces of the Colab simulation (tests/colab/simulate.py, run by `make colab`)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache

from tabgen_lib.notebook import SETUP_TAG, setup_cell_source

from .colab import book_cache, capture, simulate
from .conftest import NOTEBOOKS, ROOT


def test_colab_pins():
    pins = simulate.pins(ROOT / "requirements" / "colab.txt")
    assert pins["torch"] == "2.13.0"  # the local CPU wheel: pip must never fetch another
    assert {"numpy", "pandas", "scikit-learn", "ipywidgets", "ipykernel"} <= set(pins)
    assert all(pins.values())


def _git(folder, *args):
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True)


def test_snapshot_holds_the_working_tree_as_git_would_see_it(tmp_path):
    tree, dest = tmp_path / "tree", tmp_path / "snapshot"
    tree.mkdir()
    (tree / ".gitignore").write_text("*.log\n")
    (tree / "kept.py").write_text("committed\n")
    (tree / "gone.py").write_text("deleted later\n")
    _git(tree, "init", "-q")
    _git(tree, "add", "-A")
    _git(tree, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    (tree / "kept.py").write_text("edited, not committed\n")
    (tree / "gone.py").unlink()
    (tree / "new.py").write_text("untracked\n")
    (tree / "run.log").write_text("ignored\n")
    url = simulate.snapshot(tree, dest)
    assert url == dest.as_uri()
    assert _git(dest, "status", "--porcelain").stdout == ""  # all of it committed
    files = set(_git(dest, "ls-files").stdout.split())
    assert files == {".gitignore", "kept.py", "new.py"}
    assert (dest / "kept.py").read_text() == "edited, not committed\n"


def test_place_notebook_alone_with_the_setup_cell_installing_the_snapshot(tmp_path):
    url = "file:///tmp/snapshot"
    copy = simulate.place_notebook(NOTEBOOKS[0], tmp_path / "nb", url)
    assert list((tmp_path / "nb").iterdir()) == [copy] and copy.name == NOTEBOOKS[0].name
    before = json.loads(NOTEBOOKS[0].read_text())["cells"]
    after = json.loads(copy.read_text())["cells"]
    for old, new in zip(before, after, strict=True):
        if SETUP_TAG in old["metadata"].get("tags", []):
            assert "".join(new["source"]) == setup_cell_source(url)
            assert f'REPOSITORY_URL = "{url}"' in new["source"]
        else:
            assert new == old


def test_a_layer_sees_the_base_and_installs_into_itself(tmp_path):
    env = tmp_path / "env"
    simulate.make_layer(sys.executable, env)
    python = env / "bin" / "python"
    base, layer = simulate.probe(sys.executable, ["pytest"]), simulate.probe(python, ["pytest"])
    assert layer == base and layer["versions"]["pytest"]
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert purelib.startswith(str(env))  # where pip installs
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True, check=True
    ).stdout
    assert "pytest" in {entry["name"] for entry in json.loads(listed)}  # pip sees the base


def test_layer_problems():
    url = "file:///tmp/snapshot"
    base = {"versions": {"numpy": "2.0.2", "tqdm": "4.67.1"}, "tabgen_lib": None}
    good = {"versions": {"numpy": "2.0.2", "tqdm": "4.67.1"}, "tabgen_lib": url}
    assert simulate.layer_problems("01_a", base, good, url) == []
    bad = {"versions": {"numpy": "2.4.6", "tqdm": "4.67.1"}, "tabgen_lib": None}
    first, second = simulate.layer_problems("01_a", base, bad, url)
    assert first == f"01_a: the setup cell did not install tabgen_lib from {url}"
    assert second.startswith("01_a: installing the course changed Colab's numpy 2.0.2 -> 2.4.6")


def test_cell_times(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite><testcase classname="01_a.notebook.01_a.ipynb" name="Cell 0" '
        'time="20.5"/><testcase classname="01_a.notebook.01_a.ipynb" name="Cell 1" time="2">'
        "<failure/></testcase></testsuite></testsuites>"
    )
    assert simulate.cell_times(junit) == {"01_a": (20.5, 22.5, 1)}
    assert simulate.cell_times(tmp_path / "missing.xml") == {}


def _tiny_notebook(path):
    """A notebook with a setup cell, a printing cell, a widget-like display and a result."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    setup = nbformat.v4.new_code_cell("print('set up')", metadata={"tags": [SETUP_TAG]})
    widget = (
        "from IPython.display import display\n"
        "display({'application/vnd.jupyter.widget-view+json': {'model_id': 'x'}, "
        "'text/plain': 'bar'}, raw=True)\n"
        "from tabgen_lib.notebook import glue\n"
        "glue('answer', 42)\n"
        "print('shown')"
    )
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny"),
        setup,
        nbformat.v4.new_code_cell(widget),
        nbformat.v4.new_code_cell("6 * 7"),
    ]
    nbformat.write(nb, path)
    return path


def _nbval(folder, notebook):
    """nbval on ``notebook`` with capture.py as the run folder's conftest, as simulate.py."""
    shutil.copy(simulate.HERE / "capture.py", folder / "conftest.py")
    (folder / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    command = [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q"]
    command += ["-p", "no:randomly", "--rootdir", str(folder), str(notebook)]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)


def test_capture_keeps_each_cells_outputs_and_the_executed_copy_is_the_notebook_with_them(
    tmp_path,
):
    committed = _tiny_notebook(tmp_path / "tiny.ipynb")
    run = tmp_path / "run"
    (run / "tiny" / "notebook").mkdir(parents=True)
    ran = _tiny_notebook(run / "tiny" / "notebook" / "tiny.ipynb")
    nb = nbformat.read(ran, as_version=4)
    nb.cells[1].source = "print('set up in Colab')"  # the simulation rewrites the setup cell
    nbformat.write(nb, ran)
    result = _nbval(run, ran)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Timeout of" not in result.stdout
    captured = json.loads((run / "tiny" / "notebook" / "tiny.outputs.json").read_text())
    assert sorted(captured) == ["0", "1", "2"] and all(c["passed"] for c in captured.values())

    times = {"tiny": (20.0, 23.5, 0)}  # setup cell 20 s of 23.5 s: the chapter's own 3.5 s
    problems = simulate.write_executed([committed], run, tmp_path / "executed", times)
    assert problems == []
    assert json.loads((tmp_path / "executed" / "run_times.json").read_text()) == {"tiny": 3.5}
    executed = nbformat.read(tmp_path / "executed" / "tiny.ipynb", as_version=4)
    setup, widget, answer = executed.cells[1:]
    assert setup.source == "print('set up')"  # the committed setup cell, with its run's output
    assert [o.text for o in setup.outputs] == ["set up in Colab\n"]
    # no progress-bar widget; the glue record (for the book's {glue} roles) is kept
    assert [o.output_type for o in widget.outputs] == ["display_data", "stream"]
    assert widget.outputs[0].metadata["scrapbook"]["name"] == "answer"
    assert answer.outputs[0].data["text/plain"] == "42"
    assert [c.execution_count for c in executed.cells[1:]] == [1, 2, 3]
    assert answer.outputs[0].execution_count == 3
    assert executed.cells[0] == nbformat.read(committed, as_version=4).cells[0]


def test_executed_copy_refuses_failed_missing_or_changed_cells(tmp_path):
    notebook = _tiny_notebook(tmp_path / "tiny.ipynb")
    captured = tmp_path / "tiny.outputs.json"
    good = {"source": "6 * 7", "outputs": [], "passed": True, "seconds": 0.1}
    cells = {"0": dict(good, source="anything"), "1": dict(good, source="x"), "2": good}
    captured.write_text(json.dumps(cells))
    with pytest.raises(ValueError, match="code cell 1 ran another source"):
        simulate.executed_copy(notebook, captured)
    cells["1"] = dict(cells["1"], passed=False)
    captured.write_text(json.dumps(cells))
    with pytest.raises(ValueError, match="code cell 1 did not run and pass"):
        simulate.executed_copy(notebook, captured)
    with pytest.raises(ValueError, match="code cell 0 did not run"):
        simulate.executed_copy(notebook, tmp_path / "absent.json")
    # a failed notebook is reported, and no copy (nor a stale one) is left for the book
    (tmp_path / "executed").mkdir()
    (tmp_path / "executed" / "stale.ipynb").write_text("{}")
    problems = simulate.write_executed([notebook], tmp_path / "run", tmp_path / "executed")
    assert problems == ["tiny.ipynb: code cell 0 did not run and pass"]
    assert [p.name for p in (tmp_path / "executed").iterdir()] == ["run_times.json"]


def test_book_cache_matches_executed_copies_and_names_the_notebooks_it_lacks(tmp_path):
    notebook = _tiny_notebook(tmp_path / "tiny.ipynb")
    other = tmp_path / "other.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[3].source = "6 * 9"
    nbformat.write(nb, other)
    executed = tmp_path / "executed"
    executed.mkdir()
    done = nbformat.read(notebook, as_version=4)
    done.cells[3].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "42"})]
    nbformat.write(done, executed / "tiny.ipynb")
    (executed / "run_times.json").write_text('{"tiny": 3.5}')
    cache = tmp_path / "cache"
    (cache / "stale").mkdir(parents=True)  # emptied first
    assert book_cache.fill_cache(executed, cache, [notebook, other]) == ["other.ipynb"]
    assert not (cache / "stale").exists()
    cached = get_cache(str(cache))
    merged = cached.merge_match_into_notebook(nbformat.read(notebook, 4))[1]
    assert merged.cells[3].outputs[0]["data"]["text/plain"] == "42"
    record = cached.match_cache_notebook(nbformat.read(notebook, 4))
    assert record.data["execution_seconds"] == 3.5  # the book's {nb-exec-table} shows it


def test_capture_gives_nbval_more_patience_for_output():
    class Cell:
        output_timeout = 5

    class Other:
        pass

    items = [Cell(), Other()]
    capture.pytest_collection_modifyitems(items)
    assert items[0].output_timeout == capture.OUTPUT_TIMEOUT > 5
    assert not hasattr(items[1], "output_timeout")
