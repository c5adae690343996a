"""The package ``tabgen_lib.checks``: one module per chapter, every check importable from
the package, every check in its own random state."""

import importlib
import inspect
import json
import re

import pytest

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError, _core

from .conftest import NOTEBOOKS, ROOT

# What ``tabgen_lib.checks`` exported as a single module; notebooks and tests use these.
PUBLIC = [
    "ExerciseCheckError",
    "check_mse",
    "check_least_squares",
    "check_fit_line",
    "check_mlp_parameter_count",
    "check_gan_training_step",
    "check_value_function",
    "check_optimal_discriminator",
    "check_linear_relu_backward",
    "check_bce_logits_grad",
    "check_build_model",
    "check_adam_step",
    "check_build_classifier",
    "check_collapse_linears",
    "check_exact_copy_share",
    "check_correlation_difference",
    "check_log_frequency_probabilities",
    "check_pack",
    "check_gradient_penalty",
    "check_efficacy_ratio",
    "check_smallest_good_latent",
    "check_label_share",
    "check_balancing_plan",
    "check_load_weights",
    "check_resume",
]
MODULES = sorted(p.stem for p in (ROOT / "tabgen_lib" / "checks").glob("ch*.py"))


def test_every_old_name_is_exported():
    assert set(PUBLIC) <= set(checks.__all__)
    for name in checks.__all__:
        assert getattr(checks, name) is not None


def test_a_failed_check_is_an_assertion_error_named_as_imported():
    assert issubclass(ExerciseCheckError, AssertionError)
    assert f"{ExerciseCheckError.__module__}.{ExerciseCheckError.__name__}" == (
        "tabgen_lib.checks.ExerciseCheckError"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_s_checks_live_in_the_module_named_after_it(notebook):
    """notebooks/NN_name.ipynb calls checks.check_x only where check_x is in chNN_name."""
    cells = json.loads(notebook.read_text())["cells"]
    source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    used = set(re.findall(r"checks\.(check_\w+)", source))
    if used:
        module = importlib.import_module(f"tabgen_lib.checks.ch{notebook.stem}")
        assert used <= set(module.__all__)


@pytest.mark.parametrize("name", MODULES)
def test_the_package_exports_every_chapter_s_checks(name):
    module = importlib.import_module(f"tabgen_lib.checks.{name}")
    for check in module.__all__:
        assert check in checks.__all__
        assert getattr(checks, check) is getattr(module, check)


@pytest.mark.parametrize("name", MODULES + ["_core", "__init__"])
def test_modules_stay_short(name):
    lines = (ROOT / "tabgen_lib" / "checks" / f"{name}.py").read_text().count("\n")
    assert lines < 400


@pytest.mark.parametrize("name", [n for n in checks.__all__ if n.startswith("check_")])
def test_every_check_runs_in_its_own_random_state(name):
    check = getattr(checks, name)
    assert check.__code__ is _core._own_rng(len).__code__  # the _own_rng wrapper
    assert inspect.signature(check) == inspect.signature(check.__wrapped__)
    assert check.__doc__ and "Examples" in check.__doc__


def test_call_reports_the_usual_mistakes():
    with pytest.raises(
        ExerciseCheckError, match=r"Pass your function itself to the check \(e.g. `f`\)"
    ):
        _core._call(3.0, "f")
    with pytest.raises(ExerciseCheckError, match="`f` is not implemented yet"):
        _core._call(_raise(NotImplementedError), "f")
    with pytest.raises(ExerciseCheckError, match="`f` raised KeyError: 'x'"):
        _core._call(_raise(KeyError("x")), "f")
    assert _core._call(lambda a, b: a + b, "f", 1, 2) == 3


def _raise(error):
    def fn(*args):
        raise error

    return fn
