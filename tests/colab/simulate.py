"""Google Colab, simulated: every chapter runs alone and installs the course as in Colab.

``make colab`` builds the Colab-like base environment ``.venv-colab`` from
requirements/colab.txt, then runs this script with the project's ``.venv`` (pytest,
nbval, pytest-xdist). In a temporary folder the script

1. commits a snapshot of the working tree (tracked and untracked, not ignored, files) to a
   throw-away git repository, so that ``git+file://`` installs the uncommitted work;
2. copies each notebook alone into an empty folder ``<chapter>/notebook``, its setup cell
   rewritten by :func:`tabgen_lib.notebook.setup_cell_source` to install from the snapshot;
3. gives each chapter a fresh environment ``<chapter>/env`` layered on the base: a venv
   whose ``.pth`` file adds the base's site-packages, so pip sees Colab's packages as
   installed and puts what the setup cell installs into the chapter's layer alone;
4. runs the notebooks with nbval on the kernelspec ``tabgen-colab`` (kernel.py: the
   chapter's Python, with the stand-in ``google.colab`` imported: the Colab branch);
5. checks that every package of requirements/colab.txt kept the base's version in every
   layer, and that the setup cell installed tabgen_lib from the snapshot;
6. with ``--executed DIR``: writes each notebook that passed, with the outputs its cells
   showed in this run (kept by capture.py, nbval's cells hold them) and its own setup
   cell, to ``DIR``: the book build reads these instead of executing every notebook again
   (tests/colab/book_cache.py), so ``make test`` executes each notebook once.

Usage: ``python tests/colab/simulate.py [--base .venv-colab] [--keep] [--executed DIR]
[NOTEBOOK ...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))  # this working tree's tabgen_lib

from tabgen_lib.notebook import SETUP_TAG, setup_cell_source  # noqa: E402

KERNEL_NAME = "tabgen-colab"

# Run with an environment's Python: what it sees of some packages, and where its
# tabgen_lib came from (pip's direct_url.json), as JSON.
_PROBE = """
import json, sys
from importlib import metadata

def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None

try:
    dist = metadata.distribution("tabgen_lib")
except metadata.PackageNotFoundError:
    origin = None
else:
    origin = json.loads(dist.read_text("direct_url.json") or '{"url": "not pip"}')["url"]
print(json.dumps({"versions": {n: version(n) for n in sys.argv[1:]}, "tabgen_lib": origin}))
"""


def pins(path: Path) -> dict[str, str]:
    """The ``name==version`` lines of a requirements file, as ``{name: version}``."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            found[name.strip()] = version.strip()
    return found


def snapshot(tree: Path, dest: Path) -> str:
    """Commit the files of ``tree`` that git would see into a new repository; its URL."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=tree,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (tree / name).is_file():  # a tracked file deleted in the working tree stays out
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(tree / name, dest / name)
    git = ["git", "-C", str(dest), "-c", "user.name=colab-sim", "-c", "user.email=sim@localhost"]
    subprocess.run(["git", "-c", "init.defaultBranch=main", "init", "-q", str(dest)], check=True)
    subprocess.run([*git, "add", "--all", "--force"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "snapshot of the working tree"], check=True)
    return dest.as_uri()


def place_notebook(notebook: Path, folder: Path, url: str) -> Path:
    """Copy ``notebook`` alone into the new ``folder``, its setup cell installing ``url``."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    setup = [c for c in nb["cells"] if SETUP_TAG in c.get("metadata", {}).get("tags", [])]
    if len(setup) != 1:
        raise SystemExit(f"{notebook.name}: expected one cell tagged {SETUP_TAG!r}")
    setup[0]["source"] = setup_cell_source(url)
    folder.mkdir(parents=True)
    copy = folder / notebook.name
    copy.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return copy


def make_layer(base_python: Path, env: Path) -> None:
    """A fresh venv that sees the base's packages (after its own) and installs into itself."""
    subprocess.run([str(base_python), "-m", "venv", "--without-pip", str(env)], check=True)
    base_site = subprocess.run(
        [str(base_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (own_site,) = env.glob("lib/python3*/site-packages")
    # addsitedir, not a bare path: the base's own .pth files are read too
    (own_site / "colab_base.pth").write_text(f"import site; site.addsitedir({base_site!r})\n")


def probe(python: Path, names: list[str]) -> dict:
    # -I: isolated, without the current folder (a checkout's tabgen_lib.egg-info) on sys.path
    out = subprocess.run(
        [str(python), "-I", "-c", _PROBE, *names], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def layer_problems(chapter: str, base: dict, seen: dict, url: str) -> list[str]:
    """What is wrong with a chapter's layer after its run: :func:`probe` of base and layer."""
    problems = []
    if seen["tabgen_lib"] != url:
        problems.append(f"{chapter}: the setup cell did not install tabgen_lib from {url}")
    for name, version in base["versions"].items():
        if seen["versions"][name] != version:
            problems.append(
                f"{chapter}: installing the course changed Colab's {name} {version} -> "
                f"{seen['versions'][name]}: relax the lower bound in pyproject.toml that "
                "asks for it, or pin the dependency that does"
            )
    return problems


def write_kernelspec(jupyter_path: Path, base_python: Path, torch_pin: str) -> None:
    spec = jupyter_path / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    # pip may install anything the course asks for, as in Colab, except another torch
    # (gigabytes from PyPI): it must then fail instead.
    constraint = jupyter_path / "torch-constraint.txt"
    constraint.write_text(f"torch=={torch_pin}\n")
    kernel = {
        "argv": [str(base_python), str(HERE / "kernel.py"), "-f", "{connection_file}"],
        "display_name": "Python 3 (Colab simulation)",
        "language": "python",
        "env": {"PIP_CONSTRAINT": str(constraint)},
    }
    (spec / "kernel.json").write_text(json.dumps(kernel, indent=1))


def cell_times(junit: Path) -> dict[str, tuple[float, float, int]]:
    """Per notebook: seconds of its first cell (the setup cell), of all cells, failures."""
    times: dict[str, tuple[float, float, int]] = {}
    if not junit.is_file():
        return times
    for case in ET.parse(junit).iter("testcase"):
        name = case.get("classname", "").split(".")[0]
        first, total, failed = times.get(name, (float(case.get("time", 0)), 0.0, 0))
        bad = case.find("failure") is not None or case.find("error") is not None
        times[name] = (first, total + float(case.get("time", 0)), failed + bad)
    return times


#: Progress-bar widgets are for live notebooks: the book shows none (``make book`` runs
#: with TQDM_DISABLE=1), so the executed copies leave them out.
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def executed_copy(notebook: Path, captured: Path) -> dict:
    """``notebook`` (as committed) with the outputs its code cells showed in the run.

    ``captured`` is the run's ``<chapter>.outputs.json`` (capture.py). Every code cell
    must have run and passed, and every cell but the setup cell (rewritten for the run)
    must have the committed source; otherwise a ``ValueError`` says which.
    """
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = json.loads(captured.read_text(encoding="utf-8")) if captured.is_file() else {}
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(code):
        run = cells.get(str(number))
        if run is None or not run["passed"]:
            raise ValueError(f"{notebook.name}: code cell {number} did not run and pass")
        setup = SETUP_TAG in cell.get("metadata", {}).get("tags", [])
        if not setup and run["source"] != "".join(cell["source"]):
            raise ValueError(f"{notebook.name}: code cell {number} ran another source")
        outputs = [o for o in run["outputs"] if WIDGET_MIME not in o.get("data", {})]
        for output in outputs:
            if output["output_type"] == "execute_result":
                output["execution_count"] = number + 1
        cell["outputs"] = outputs
        cell["execution_count"] = number + 1
    return nb


#: Seconds each executed notebook's cells took after its setup cell (the install), as
#: the book's execution statistics (``{nb-exec-table}``) show them.
RUN_TIMES = "run_times.json"


def write_executed(
    notebooks: list[Path], run: Path, dest: Path, times: dict | None = None
) -> list[str]:
    """Write :func:`executed_copy` of each notebook to ``dest``; the problems found.

    ``times`` (from :func:`cell_times`) go to ``dest/run_times.json``: for each notebook,
    the seconds of all its cells but the setup cell.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for old in [*dest.glob("*.ipynb"), dest / RUN_TIMES]:
        old.unlink(missing_ok=True)  # never a stale copy from an earlier run
    seconds = {}
    for chapter, (first, total, _) in (times or {}).items():
        seconds[chapter] = round(total - first, 1)
    (dest / RUN_TIMES).write_text(json.dumps(seconds, indent=1) + "\n")
    problems = []
    for notebook in notebooks:
        captured = run / notebook.stem / "notebook" / f"{notebook.stem}.outputs.json"
        try:
            nb = executed_copy(notebook, captured)
        except ValueError as error:
            problems.append(str(error))
            continue
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        (dest / notebook.name).write_text(text, encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--base", type=Path, default=ROOT / ".venv-colab", help="base venv")
    parser.add_argument("--workers", default="2", help="pytest-xdist workers (-n)")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder")
    parser.add_argument(
        "--executed", type=Path, help="write the executed notebooks (for the book) here"
    )
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or sorted(ROOT.glob("notebooks/*.ipynb"))
    base_python = args.base.resolve() / "bin" / "python"
    wanted = pins(ROOT / "requirements" / "colab.txt")
    names = sorted(wanted)

    base = probe(base_python, names)
    stale = [n for n in names if (base["versions"][n] or "").split("+")[0] != wanted[n]]
    if stale or base["tabgen_lib"] is not None:
        raise SystemExit(
            f"{args.base} does not match requirements/colab.txt ({', '.join(stale)}) or holds "
            f"tabgen_lib: delete it and run `make colab` again."
        )

    run = Path(tempfile.mkdtemp(prefix="tabgen-colab-"))
    start = time.perf_counter()
    url = snapshot(ROOT, run / "snapshot")
    copies = []
    for notebook in notebooks:
        copies.append(place_notebook(notebook, run / notebook.stem / "notebook", url))
        make_layer(base_python, run / notebook.stem / "env")
    write_kernelspec(run / "jupyter", base_python, wanted["torch"])
    (run / "pytest.ini").write_text("[pytest]\n")  # none of the repository's settings
    shutil.copy(HERE / "capture.py", run / "conftest.py")  # keeps every cell's outputs
    print(f"Snapshot and {len(copies)} environments in {time.perf_counter() - start:.0f} s: {run}")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["JUPYTER_PATH"] = str(run / "jupyter")
    junit = run / "junit.xml"
    # as `make notebooks`: two notebooks at a time, each whole on one worker, in order
    pytest = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-cell-timeout=600"]
    pytest += [f"--nbval-kernel-name={KERNEL_NAME}", "-p", "no:randomly", "-p", "no:cacheprovider"]
    pytest += ["-n", args.workers, "--dist", "loadfile", f"--junitxml={junit}", "--rootdir", run]
    start = time.perf_counter()
    status = subprocess.run([*map(str, pytest), *map(str, copies)], cwd=run, env=env).returncode
    print(f"\nnbval: {time.perf_counter() - start:.0f} s")

    times = cell_times(junit)
    problems = []
    print(f"{'notebook':<32} {'setup cell (s)':>14} {'all cells (s)':>13}  result")
    for copy in copies:
        chapter = copy.stem
        first, total, failed = times.get(chapter, (0.0, 0.0, -1))
        result = {0: "passed", -1: "not run"}.get(failed, f"{failed} cell(s) failed")
        print(f"{chapter:<32} {first:>14.0f} {total:>13.0f}  {result}")
        seen = probe(run / chapter / "env" / "bin" / "python", names)
        problems += layer_problems(chapter, base, seen, url)
    if args.executed and not status:
        problems += write_executed(notebooks, run, args.executed.resolve(), times)
        if not problems:
            print(f"Executed notebooks (for the book) in {args.executed}")
    for problem in problems:
        print("FAILED:", problem)
    if status or problems or args.keep:
        print(f"The run's notebooks, environments and snapshot are kept in {run}")
    else:
        shutil.rmtree(run)
    return 1 if status or problems else 0


if __name__ == "__main__":
    sys.exit(main())
