"""The pinned software set works together: every package of the course imports, and
table-evaluator's calls used by the course run on our versions."""

import importlib
from importlib.metadata import version
from pathlib import Path

import pytest

from tabgen_lib.notebook import TABLE_EVALUATOR

PACKAGES = {
    "jupyter_book": "jupyter-book",
    "jupyterlab": "jupyterlab",
    "torch": "torch",
    "numpy": "numpy",
    "pandas": "pandas",
    "matplotlib": "matplotlib",
    "sklearn": "scikit-learn",
    "ctgan": "ctgan",
    "table_evaluator": "table-evaluator",
    "nbval": "nbval",
    "sphinx_exercise": "sphinx-exercise",
    "tqdm": "tqdm",
}


@pytest.mark.parametrize("module", sorted(PACKAGES))
def test_package_imports(module):
    importlib.import_module(module)
    assert version(PACKAGES[module])


def test_version_constraints_that_matter():
    from packaging.version import Version

    assert Version(version("jupyter-book")) < Version("2")  # v2 is another tool
    assert Version(version("scikit-learn")) < Version("1.8")  # table-evaluator passes multi_class
    assert Version(version("ipython")) < Version("9")  # table-evaluator's notebook display


@pytest.fixture(scope="module")
def evaluator():
    from table_evaluator import TableEvaluator

    from tabgen_lib import load_insurance, set_seed

    rng = set_seed(0)
    real = load_insurance()
    fake = real.sample(1000, random_state=0).reset_index(drop=True)  # unequal row counts
    fake["bmi"] = fake["bmi"] + rng.normal(0, 1, len(fake))
    # age and children declared discrete too, as in chapter 07's first fit
    cat_cols = ["age", "sex", "children", "smoker", "region"]
    return TableEvaluator(real, fake, cat_cols=cat_cols)


def test_table_evaluator_visual_evaluation(evaluator, tmp_path):
    evaluator.visual_evaluation(save_dir=tmp_path, show=False)
    assert {p.name for p in tmp_path.iterdir()} >= {
        "mean_std.png",
        "cumsums.png",
        "distributions.png",
        "correlation_difference.png",
        "pca.png",
    }


def _check_common_outputs(out):
    """What table-evaluator reports for both target types, on our package versions."""
    similarity = out["Overview Results"]["Similarity Score"]["result"]
    assert 0.5 < similarity <= 1  # fake is a subsample of real with a little noise on bmi
    assert out["Privacy Results"]["Duplicate rows between sets (real/fake)"]["result"] == (0, 0)
    ks = out["Kolmogorov-Smirnov statistic"]
    assert set(ks) == {"bmi", "charges"}  # the continuous columns (cat_cols excluded)
    assert ks["charges"]["statistic"] < 0.1 and ks["charges"]["equality"] == "identical"


def test_table_evaluator_evaluate_classification(evaluator):
    out = evaluator.evaluate(target_col="smoker", return_outputs=True)
    _check_common_outputs(out)
    (scores,) = out["Classifier F1-scores and their Jaccard similarities:"].values()
    # smoker is easy to predict from charges: F1 well above chance, on real and fake alike
    assert scores["real"] > 0.9 and scores["fake"] > 0.9
    assert abs(scores["real"] - scores["fake"]) < 0.05


def test_table_evaluator_evaluate_regression(evaluator):
    """The regression path (target_type="regr") runs on our scikit-learn and gives scores."""
    out = evaluator.evaluate(target_col="charges", target_type="regr", return_outputs=True)
    _check_common_outputs(out)
    assert "Correlation RMSE" in out["Overview Results"]  # the regression overview
    (scores,) = out["Regressor MSE-scores"].values()
    assert 0 < scores["real"] <= 1 and 0 < scores["fake"] <= 1
    assert abs(scores["real"] - scores["fake"]) < 0.05


def test_table_evaluator_pin_is_the_setup_cells():
    """The Makefile and postBuild install requirements/table-evaluator.txt; Colab's setup
    cell installs tabgen_lib.notebook.TABLE_EVALUATOR: the same single line."""
    text = (Path(__file__).parents[1] / "requirements" / "table-evaluator.txt").read_text()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert [line for line in lines if not line.startswith("#")] == [TABLE_EVALUATOR]
