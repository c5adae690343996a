"""The pieces of the Colab simulation (tests/colab/simulate.py, run by `make colab`)."""

import json
import subprocess
import sys

from tabgen_lib.notebook import SETUP_TAG, setup_cell_source

from .colab import simulate
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
