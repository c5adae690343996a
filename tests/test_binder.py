"""What can be checked here of the Binder path (environment.yml, postBuild, the setup cell).

Binder itself (repo2docker building environment.yml with conda on mybinder.org) cannot run
in the test suite; these tests keep its inputs equal to the tested set.
"""

import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import sysconfig
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement

import tabgen_lib
from tabgen_lib.notebook import TABLE_EVALUATOR, setup_cell_source

from .conftest import ROOT


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines) -> dict[str, str]:
    """``name==version`` lines (comments, blanks and pip options skipped) -> {name: version}."""
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"not an exact pin: {line}"
        pins[_norm(req.name)] = spec.version
    return pins


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _binder_pip_pins() -> dict[str, str]:
    pip = [d for d in _environment()["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip) == 1, "one pip: list in environment.yml"
    return _pins(pip[0]["pip"])


def _constraints() -> dict[str, str]:
    return _pins((ROOT / "requirements" / "constraints.txt").read_text().splitlines())


def test_binder_pins_are_the_tested_versions():
    lock = _constraints()
    binder = _binder_pip_pins()
    assert binder
    differ = {n: (v, lock[n]) for n, v in binder.items() if n in lock and lock[n] != v}
    assert not differ, f"environment.yml vs requirements/constraints.txt: {differ}"


def test_binder_pins_only_tested_packages():
    untested = sorted(set(_binder_pip_pins()) - set(_constraints()))
    assert not untested, f"not in requirements/constraints.txt: {untested}"


def test_binder_python_is_the_tested_python():
    conda = [d for d in _environment()["dependencies"] if isinstance(d, str)]
    (python,) = [d for d in conda if d.startswith("python")]
    version = python.split("=", 1)[1]
    header = (ROOT / "requirements" / "constraints.txt").read_text().splitlines()[0]
    assert f"Python {version}" in header


def test_binder_has_what_the_notebooks_need():
    """The core and `course` dependencies of tabgen_lib, a kernel, and table-evaluator."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = [Requirement(r) for r in project["dependencies"]]
    needed += [Requirement(r) for r in project["optional-dependencies"]["course"]]
    names = {_norm(r.name) for r in needed if _norm(r.name) != _norm(project["name"])}
    names |= {"ipykernel"}
    provided = set(_binder_pip_pins())
    provided |= set(_pins((ROOT / "requirements" / "table-evaluator.txt").read_text().splitlines()))
    assert not names - provided, f"missing from environment.yml: {sorted(names - provided)}"


def test_binder_has_every_package_the_notebooks_import():
    """Each third-party module a notebook imports comes from a package Binder installs."""
    from importlib.metadata import packages_distributions

    from .conftest import NOTEBOOKS

    imported = set()
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                imported |= set(re.findall(r"^\s*(?:import|from)\s+(\w+)", source, flags=re.M))
    third_party = imported - set(sys.stdlib_module_names) - {"tabgen_lib"}
    assert third_party, "the notebooks import numpy, torch, ..."
    distributions = packages_distributions()
    provided = set(_binder_pip_pins())
    provided |= set(_pins((ROOT / "requirements" / "table-evaluator.txt").read_text().splitlines()))
    missing = {
        module: distributions.get(module)
        for module in sorted(third_party)
        if not {_norm(d) for d in distributions.get(module, [])} & provided
    }
    assert not missing, f"imported by the notebooks, not in environment.yml: {missing}"


def test_postbuild_installs_table_evaluator_without_its_pins():
    post = ROOT / "postBuild"
    text = post.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    commands = [shlex.split(line) for line in text.splitlines() if line and line[0] != "#"]
    installs = [c for c in commands if c[:2] == ["pip", "install"]]
    assert installs == [["pip", "install", "--no-deps", "-r", "requirements/table-evaluator.txt"]]
    assert (ROOT / "requirements" / "table-evaluator.txt").read_text().split() == [TABLE_EVALUATOR]


def test_postbuild_is_executable():
    post = ROOT / "postBuild"
    assert post.stat().st_mode & stat.S_IXUSR, "chmod +x postBuild"
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    staged = subprocess.run(
        ["git", "ls-files", "-s", "postBuild"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    if staged:  # Binder clones the repository: the mode git records is the one it gets
        assert staged.startswith("100755"), "git update-index --chmod=+x postBuild"


def test_setup_cell_finds_the_library_next_to_notebooks_without_an_install(tmp_path):
    """Binder does not install tabgen_lib: the setup cell's non-Colab branch must find it.

    The child interpreter runs with ``-S``: site-packages is added by hand, without its
    ``.pth`` files, so the editable install of tabgen_lib (a ``.pth`` hook) is absent while
    numpy, torch and pandas still import.  It runs in notebooks/, as a notebook kernel does.
    """
    program = "\n".join(
        [
            "import importlib.util, sys",
            f"sys.path.append({sysconfig.get_paths()['purelib']!r})",
            f"sys.path.append({sysconfig.get_paths()['platlib']!r})",
            "assert 'google.colab' not in sys.modules",
            "assert importlib.util.find_spec('tabgen_lib') is None, 'tabgen_lib is installed'",
            "exec(compile(sys.stdin.read(), '<setup cell>', 'exec'))",
            "print('FILE', tabgen_lib.__file__)",
        ]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["MPLCONFIGDIR"] = str(tmp_path)  # matplotlib's cache, if anything imports it
    done = subprocess.run(
        [sys.executable, "-S", "-c", program],
        input=setup_cell_source(),
        cwd=ROOT / "notebooks",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"tabgen_lib {tabgen_lib.__version__}" in lines
    (file,) = [line.split(" ", 1)[1] for line in lines if line.startswith("FILE ")]
    found = (ROOT / "notebooks" / file).resolve()
    assert found == (ROOT / "tabgen_lib" / "__init__.py").resolve()
