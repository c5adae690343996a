"""detection_auc, efficacy and dcr_share: behaviour, bad inputs, determinism."""

import numpy as np
import pandas as pd
import pytest

from tabgen_lib.metrics import dcr_share, detection_auc, efficacy


def _table(n, seed=0, shift=0.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) + shift
    z = rng.uniform(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    logit = 2 * x - 1.5 * (colour == "red") + rng.normal(scale=0.5, size=n)
    return pd.DataFrame(
        {"x": x, "z": z, "colour": colour, "label": np.where(logit > 0, "yes", "no")}
    )


DISCRETE = ["colour", "label"]


# ---------------------------------------------------------------- detection_auc


@pytest.mark.parametrize("model", ["rf", "lr"])
def test_detection_auc_near_half_for_two_halves_of_one_table(model):
    data = _table(800)
    result = detection_auc(data[:400], data[400:], DISCRETE, model=model)
    assert set(result) == {"mean", "std", "scores"}
    assert len(result["scores"]) == 3
    assert abs(result["mean"] - 0.5) < 0.06
    assert result["std"] == pytest.approx(np.std(result["scores"]))


@pytest.mark.parametrize("model", ["rf", "lr"])
def test_detection_auc_near_one_for_an_obvious_shift(model):
    real = _table(400, seed=1)
    fake = _table(400, seed=2, shift=4.0)
    result = detection_auc(real, fake, DISCRETE, model=model, seeds=(0, 1))
    assert result["mean"] > 0.97
    assert all(isinstance(s, float) for s in result["scores"])


def test_detection_auc_sees_a_categorical_difference_and_aligns_columns():
    real = _table(400, seed=3)
    fake = _table(400, seed=4).assign(colour="red")[["label", "colour", "z", "x"]]
    assert detection_auc(real, fake, DISCRETE, seeds=(0,))["mean"] > 0.75  # ideal: 5/6


def test_detection_auc_balances_sizes_and_respects_max_rows():
    data = _table(1500, seed=5)
    # 1000 against 500 rows: the larger side is subsampled, the result stays near 0.5
    result = detection_auc(data[:1000], data[1000:], DISCRETE, seeds=(0,), max_rows=200)
    assert abs(result["mean"] - 0.5) < 0.1


def test_detection_auc_is_deterministic_and_seed_dependent():
    data = _table(600, seed=6)
    first = detection_auc(data[:300], data[300:], DISCRETE, seeds=(0, 1), max_rows=100)
    second = detection_auc(data[:300], data[300:], DISCRETE, seeds=(0, 1), max_rows=100)
    assert first == second
    assert first["scores"][0] != first["scores"][1]


def test_detection_auc_single_seed_has_zero_std():
    data = _table(200, seed=7)
    assert detection_auc(data[:100], data[100:], DISCRETE, model="lr", seeds=[3])["std"] == 0.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"real": [1, 2]}, TypeError, "DataFrame"),
        ({"synthetic": _table(50).iloc[:0]}, ValueError, "synthetic is empty"),
        ({"synthetic": pd.DataFrame()}, ValueError, "same columns"),
        ({"synthetic": _table(50).drop(columns="z")}, ValueError, "same columns"),
        ({"synthetic": _table(50).assign(x=np.nan)}, ValueError, "missing values"),
        ({"discrete_columns": "colour"}, TypeError, "list of column names"),
        ({"discrete_columns": ["colour", "shape"]}, ValueError, r"not in the table.*\['shape'\]"),
        ({"discrete_columns": ["colour"]}, ValueError, "'label'.*not numeric"),
        ({"model": "svm"}, ValueError, "model must be one of"),
        ({"model": 1}, TypeError, "model must be one of"),
        ({"n_splits": 1}, ValueError, "n_splits == 1, must be >= 2"),
        ({"n_splits": 2.0}, TypeError, "n_splits must be an instance of int"),
        ({"seeds": 0}, TypeError, "seeds must be a list"),
        ({"seeds": []}, ValueError, "seeds is empty"),
        ({"seeds": [-1]}, ValueError, "each seed == -1"),
        ({"seeds": [2**32]}, ValueError, "each seed"),
        ({"seeds": [True]}, TypeError, "each seed"),
        ({"max_rows": 3}, ValueError, "max_rows == 3, must be >= 4"),
        ({"max_rows": 100.0}, TypeError, "max_rows must be an instance of int"),
        ({"synthetic": _table(3)}, ValueError, "fewer than n_splits"),
    ],
)
def test_detection_auc_rejects_bad_input(kwargs, error, match):
    args = {"real": _table(50), "synthetic": _table(50, seed=1), "discrete_columns": DISCRETE}
    with pytest.raises(error, match=match):
        detection_auc(**{**args, **kwargs})


# ---------------------------------------------------------------- efficacy


def test_efficacy_ratio_near_one_for_real_rows_and_low_for_broken_ones():
    data = _table(1500, seed=8)
    train, other, test = data[:500], data[500:1000], data[1000:]
    same = efficacy(train, other, test, "label", DISCRETE)
    assert same.index.tolist() == ["lr", "rf", "gb"] and same.index.name == "model"
    assert same.columns.tolist() == ["auc_real", "auc_synthetic", "ratio"]
    assert (same["auc_real"] > 0.85).all()
    assert ((same["ratio"] - 1).abs() < 0.05).all()
    np.testing.assert_allclose(same["ratio"], same["auc_synthetic"] / same["auc_real"])
    # labels shuffled: the synthetic rows teach nothing about the target
    rng = np.random.default_rng(0)
    noise = other.assign(label=rng.permutation(other["label"].to_numpy()))
    broken = efficacy(train, noise, test, "label", DISCRETE, models=["rf", "gb"])
    assert broken.index.tolist() == ["rf", "gb"]
    assert (broken["ratio"] < 0.8).all()


def test_efficacy_positive_class_and_target_not_listed_as_discrete():
    data = _table(900, seed=9)
    data["label"] = (data["label"] == "yes").astype(int)  # a 0/1 numeric target
    train, synth, test = data[:300], data[300:600], data[600:]
    default = efficacy(train, synth, test, "label", ["colour"], models=["lr"])
    explicit = efficacy(train, synth, test, "label", ["colour"], models=["lr"], positive=1)
    other = efficacy(train, synth, test, "label", ["colour"], models=["lr"], positive=0)
    minority = data["label"][:300].value_counts().idxmin()
    pd.testing.assert_frame_equal(default, explicit if minority == 1 else other)
    # with consistent probabilities the AUC does not depend on which class is positive
    np.testing.assert_allclose(explicit["auc_real"], other["auc_real"])


def test_efficacy_is_deterministic():
    data = _table(600, seed=10)
    args = (data[:200], data[200:400], data[400:], "label", DISCRETE)
    pd.testing.assert_frame_equal(efficacy(*args, seed=1), efficacy(*args, seed=1))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"real_test": "rows"}, TypeError, "DataFrame"),
        ({"synthetic": _table(50).drop(columns="x")}, ValueError, "same columns"),
        ({"real_test": _table(50).assign(z=np.nan)}, ValueError, "missing values"),
        ({"target": "income"}, ValueError, "target 'income' is not a column"),
        ({"synthetic": _table(50).assign(label="no")}, ValueError, "one class only"),
        ({"real_test": _table(50).assign(label="yes")}, ValueError, "real_test.*one class"),
        ({"synthetic": _table(50).assign(label="maybe")}, ValueError, "does not have"),
        ({"real_train": _table(50).assign(label="no")}, ValueError, "exactly two classes"),
        ({"positive": "perhaps"}, ValueError, "not a class"),
        ({"models": "lr"}, TypeError, "list of model names"),
        ({"models": ["lr", "svm"]}, ValueError, "each model must be one of"),
        ({"models": []}, ValueError, "models is empty"),
        ({"seed": 0.5}, TypeError, "seed must be an instance of int"),
        ({"seed": -1}, ValueError, "seed == -1"),
        ({"discrete_columns": ["label"]}, ValueError, "'colour'.*not numeric"),
    ],
)
def test_efficacy_rejects_bad_input(kwargs, error, match):
    args = {
        "real_train": _table(50),
        "synthetic": _table(50, seed=1),
        "real_test": _table(50, seed=2),
        "target": "label",
        "discrete_columns": DISCRETE,
        "models": ["lr"],
    }
    with pytest.raises(error, match=match):
        efficacy(**{**args, **kwargs})


def test_efficacy_needs_a_feature():
    only = pd.DataFrame({"label": ["a", "b", "a", "b"]})
    with pytest.raises(ValueError, match="no feature"):
        efficacy(only, only, only, "label", ["label"])


# ---------------------------------------------------------------- dcr_share


def test_dcr_share_copies_fresh_rows_and_holdout_copies():
    data = _table(900, seed=11)
    train, holdout, fresh = data[:300], data[300:600], data[600:]
    assert dcr_share(train, train, holdout, DISCRETE) == 1.0
    assert dcr_share(holdout, train, holdout, DISCRETE) == 0.0
    assert abs(dcr_share(fresh, train, holdout, DISCRETE) - 0.5) < 0.08


def test_dcr_share_ties_count_half_and_sizes_are_equalised():
    train = pd.DataFrame({"x": [0.0, 1.0], "c": ["a", "b"]})
    assert dcr_share(train, train, train, ["c"]) == 0.5
    # a large holdout would win by numbers alone; it is subsampled to the train size
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"x": rng.normal(size=3000)})
    share = dcr_share(data[2000:2500], data[:200], data[200:2000], [])
    assert abs(share - 0.5) < 0.1


def test_dcr_share_equals_a_brute_force_count():
    rng = np.random.default_rng(12)
    synthetic = pd.DataFrame({"x": rng.normal(size=60)})
    train, holdout = (
        pd.DataFrame({"x": rng.normal(size=40)}),
        pd.DataFrame({"x": rng.normal(size=40)}),
    )
    both = np.r_[train["x"], holdout["x"]]
    span = both.max() - both.min()

    def nearest(reference):
        return np.abs(synthetic["x"].to_numpy()[:, None] - reference["x"].to_numpy()).min(1) / span

    want = np.mean(nearest(train) < nearest(holdout))  # no ties with continuous values
    share = dcr_share(synthetic, train, holdout, [])
    assert isinstance(share, float) and share == pytest.approx(want)
    # with a larger holdout the subsample depends on the seed, and is reproducible
    big = pd.DataFrame({"x": rng.normal(size=400)})
    assert dcr_share(synthetic, train, big, [], random_state=4) == dcr_share(
        synthetic, train, big, [], random_state=4
    )


def test_efficacy_needs_a_text_target_listed_as_discrete():
    data = _table(300, seed=18)
    with pytest.raises(ValueError, match="Column 'label' of real_train is not numeric"):
        efficacy(data[:100], data[100:200], data[200:], "label", ["colour"], models=["lr"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"synthetic": None}, TypeError, "DataFrame"),
        ({"holdout": _table(20).drop(columns="x")}, ValueError, "same columns"),
        ({"train": _table(20).iloc[:0]}, ValueError, "empty"),
        ({"discrete_columns": ["colour"]}, ValueError, "not numeric"),
        ({"random_state": -1}, ValueError, "random_state == -1, must be >= 0"),
        ({"random_state": "0"}, TypeError, "random_state must be an instance of int"),
    ],
)
def test_dcr_share_rejects_bad_input(kwargs, error, match):
    args = {
        "synthetic": _table(20),
        "train": _table(20, seed=1),
        "holdout": _table(20, seed=2),
        "discrete_columns": DISCRETE,
    }
    with pytest.raises(error, match=match):
        dcr_share(**{**args, **kwargs})


# ---------------------------------------------------------------- missing categories


def _with_missing_colour(frame, every=5):
    return frame.assign(colour=frame["colour"].where(np.arange(len(frame)) % every != 0))


def test_detection_auc_treats_missing_categories_as_a_category():
    data = _with_missing_colour(_table(400, seed=13))
    result = detection_auc(data[:200], data[200:], DISCRETE, model="lr", seeds=(0,))
    assert abs(result["mean"] - 0.5) < 0.15
    # all missing colours in the synthetic table, none in the real one: easy to see
    real = _table(300, seed=14)
    fake = _table(300, seed=15).assign(colour=np.nan)
    assert detection_auc(real, fake, DISCRETE, seeds=(0,))["mean"] > 0.95
    with pytest.raises(
        ValueError, match=r"synthetic has missing values in continuous col.*\['x'\]"
    ):
        detection_auc(real, fake.assign(x=np.nan), DISCRETE, seeds=(0,))


def test_efficacy_treats_missing_categories_as_a_category():
    data = _with_missing_colour(_table(900, seed=16))
    table = efficacy(data[:300], data[300:600], data[600:], "label", DISCRETE, models=["lr", "gb"])
    assert (table["auc_real"] > 0.8).all() and np.isfinite(table["ratio"]).all()
    with pytest.raises(
        ValueError, match=r"synthetic has missing values in continuous col.*\['z'\]"
    ):
        efficacy(data[:300], data[300:600].assign(z=np.nan), data[600:], "label", DISCRETE)


def test_dcr_share_treats_missing_categories_as_a_category():
    train = pd.DataFrame({"x": [0.0, 1.0], "c": ["a", np.nan]})
    holdout = pd.DataFrame({"x": [0.0, 1.0], "c": ["b", "b"]})
    # the synthetic row (1.0, NaN) copies training row 2: distance 0 against 1 to the holdout
    assert dcr_share(pd.DataFrame({"x": [1.0], "c": [None]}), train, holdout, ["c"]) == 1.0
    with pytest.raises(
        ValueError, match=r"synthetic has missing values in continuous col.*\['x'\]"
    ):
        dcr_share(train.assign(x=[0.0, np.nan]), train, holdout, ["c"])


# ---------------------------------------------------------------- efficacy: a valid yardstick


def test_efficacy_refuses_a_real_model_no_better_than_chance():
    rng = np.random.default_rng(17)
    x = rng.normal(size=400)
    train = pd.DataFrame({"x": x[:200], "label": np.where(x[:200] > 0, "a", "b")})
    # the test rows have the link reversed: the real model ranks them worse than chance
    test = pd.DataFrame({"x": x[200:], "label": np.where(x[200:] > 0, "b", "a")})
    with pytest.raises(ValueError, match=r"'lr'.*no better than chance"):
        efficacy(train, train, test, "label", ["label"], models=["lr"])
