"""tabgen_lib.privacy.shadow_model_attack and its target pickers."""

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from tabgen_lib.privacy import (
    TOY_DISCRETE,
    ShadowResult,
    average_targets,
    outlier_targets,
    shadow_model_attack,
    toy_population,
)
from tabgen_lib.privacy.shadow import target_features


@pytest.fixture(scope="module")
def population():
    return toy_population(400, random_state=50)


def copy_rows(train, seed):
    """A 'generator' that releases its training rows."""
    return train


def fresh_rows(train, seed):
    """A generator that learned the population perfectly: new independent rows."""
    return toy_population(len(train), random_state=seed)


def test_shadow_attack_sanity_copies_and_fresh_rows(population):
    targets = outlier_targets(population, TOY_DISCRETE, n_targets=2)
    copies = shadow_model_attack(
        copy_rows, population, targets, TOY_DISCRETE, n_shadow=10, train_size=100
    )
    assert (copies.per_target["accuracy"] == 1.0).all()  # measured 1.0, 1.0
    assert (copies.per_target["auc"] == 1.0).all()
    assert (copies.per_target["accuracy_low"] > 0.7).all()  # Wilson, 10 test tables: 0.722
    fresh = shadow_model_attack(
        fresh_rows, population, targets, TOY_DISCRETE, n_shadow=10, train_size=100
    )
    # measured accuracies 0.2 (0.06 to 0.51) and 0.3 (0.11 to 0.60) on 10 test tables:
    # no information, and the Wilson intervals cover 0.5
    assert (fresh.per_target["accuracy_low"] < 0.5).all()
    assert (fresh.per_target["accuracy_high"] > 0.5).all()
    assert (fresh.per_target["auc_low"] < 0.5).all()
    assert list(fresh.per_target.index) == list(targets.index)


def test_shadow_attack_fresh_rows_average_over_many_tables(population):
    """With more tables the accuracy of an attack on fresh rows settles near 0.5."""
    targets = average_targets(population, TOY_DISCRETE, n_targets=1)
    result = shadow_model_attack(
        fresh_rows, population, targets, TOY_DISCRETE, n_shadow=40, train_size=50,
        n_bootstrap=200,
    )  # fmt: skip
    row = result.per_target.iloc[0]
    assert abs(row["accuracy"] - 0.5) < 0.15  # measured 0.40 (0.26 to 0.55), AUC 0.44
    assert row["accuracy_low"] < 0.5 < row["accuracy_high"]
    assert row["auc_low"] < 0.5 < row["auc_high"]


def test_shadow_attack_trains_with_and_without_the_target(population):
    target = population.iloc[[7]]
    calls = []

    def spy(train, seed):
        calls.append((len(train), bool((train == target.iloc[0]).all(axis=1).any()), seed))
        return train

    result = shadow_model_attack(
        spy, population, target, TOY_DISCRETE, n_shadow=4, train_size=30, n_bootstrap=10
    )
    assert len(calls) == 2 * 4  # the documented cost: 2 * n_shadow * len(targets) fits
    assert [c[0] for c in calls] == [30] * 8  # with and without: the same size
    assert [c[1] for c in calls] == [False, True] * 4  # target only in the "with" tables
    assert len({c[2] for c in calls}) == 8  # a fresh seed for every fit
    assert (result.n_train_tables, result.n_test_tables) == (4, 4)
    assert isinstance(result, ShadowResult)


def test_shadow_attack_reproducible_and_str(population):
    targets = population.iloc[[0, 1]]
    args = fresh_rows, population, targets, TOY_DISCRETE
    kwargs = {"n_shadow": 4, "train_size": 30, "n_bootstrap": 50}
    first = shadow_model_attack(*args, **kwargs, random_state=3)
    pd.testing.assert_frame_equal(
        first.per_target, shadow_model_attack(*args, **kwargs, random_state=3).per_target
    )
    assert str(first) == (
        "shadow-model attack on 2 target(s), 4 training and 4 test tables each: "
        f"mean accuracy {first.accuracy:.3f}, mean AUC {first.auc:.3f}"
    )
    assert first.accuracy == pytest.approx(first.per_target["accuracy"].mean())


def test_shadow_attack_classifier_without_probabilities(population):
    result = shadow_model_attack(
        copy_rows, population, population.iloc[[3]], TOY_DISCRETE, n_shadow=6, train_size=40,
        classifier=make_pipeline(StandardScaler(), LinearSVC()), n_bootstrap=20,
    )  # fmt: skip
    assert result.per_target["accuracy"].iloc[0] == 1.0
    assert result.per_target["auc"].iloc[0] == 1.0


def test_target_features_by_hand():
    synthetic = np.array([[0.0, 0.0], [3.0, 4.0], [0.3, 0.4]])
    features = target_features(np.zeros(2), synthetic, gap=1.0, n_neighbours=2)
    # distances 0, 0.5, 5: closest 0, mean of two 0.25, shares within 0.5, 1, 2
    np.testing.assert_allclose(features, [0.0, 0.25, 2 / 3, 2 / 3, 2 / 3])


def test_shadow_attack_rejects_bad_input(population):
    targets = population.iloc[[0]]
    args = copy_rows, population, targets, TOY_DISCRETE
    with pytest.raises(TypeError, match="fit_sample must be a function"):
        shadow_model_attack("ctgan", population, targets, TOY_DISCRETE)
    with pytest.raises(ValueError, match="n_shadow == 1"):
        shadow_model_attack(*args, n_shadow=1)
    with pytest.raises(ValueError, match="train_size == 401"):
        shadow_model_attack(*args, train_size=401)
    with pytest.raises(ValueError, match="only 399 population rows differ"):
        shadow_model_attack(*args, train_size=400)
    with pytest.raises(ValueError, match="test_fraction == 1"):
        shadow_model_attack(*args, test_fraction=1.0)
    with pytest.raises(ValueError, match="missing from targets"):
        shadow_model_attack(copy_rows, population, targets.drop(columns="bmi"), TOY_DISCRETE)
    with pytest.raises(ValueError, match="targets is empty"):
        shadow_model_attack(copy_rows, population, targets.iloc[:0], TOY_DISCRETE)
    with pytest.raises(TypeError, match="synthetic table of fit_sample must be a pandas"):
        shadow_model_attack(lambda train, seed: train.to_numpy(), *args[1:], n_shadow=2)
    with pytest.raises(ValueError, match="missing from the synthetic table of fit_sample"):
        shadow_model_attack(
            lambda train, seed: train.drop(columns="age"), population, targets, TOY_DISCRETE,
            n_shadow=2, train_size=10,
        )  # fmt: skip
    with pytest.raises(ValueError, match="n_bootstrap == 0"):
        shadow_model_attack(*args, n_bootstrap=0)


def test_shadow_attack_rejects_missing_values_unknown_columns_and_empty_tables(population):
    targets = population.iloc[[0]]
    with pytest.raises(ValueError, match="population has missing values in continuous"):
        shadow_model_attack(copy_rows, population.assign(age=np.nan), targets, TOY_DISCRETE)
    with pytest.raises(ValueError, match="targets has missing values in continuous"):
        shadow_model_attack(copy_rows, population, targets.assign(bmi=np.nan), TOY_DISCRETE)
    with pytest.raises(ValueError, match="population is empty"):
        shadow_model_attack(copy_rows, population.iloc[:0], targets, TOY_DISCRETE)
    with pytest.raises(ValueError, match="only in targets"):
        shadow_model_attack(copy_rows, population, targets.assign(height=1.0), TOY_DISCRETE)
    with pytest.raises(ValueError, match="discrete_columns names columns.*'sex'"):
        shadow_model_attack(copy_rows, population, targets, [*TOY_DISCRETE, "sex"])
    with pytest.raises(ValueError, match="synthetic table of fit_sample has missing values"):
        shadow_model_attack(
            lambda train, seed: train.assign(age=np.nan), population, targets, TOY_DISCRETE,
            n_shadow=2, train_size=10,
        )  # fmt: skip
    for picker in (outlier_targets, average_targets):
        with pytest.raises(ValueError, match="population has missing values"):
            picker(population.assign(age=np.nan), TOY_DISCRETE)
        with pytest.raises(ValueError, match="population is empty"):
            picker(population.iloc[:0], TOY_DISCRETE)


def test_outlier_and_average_targets(population):
    outliers = outlier_targets(population, TOY_DISCRETE, n_targets=3)
    typical = average_targets(population, TOY_DISCRETE, n_targets=3)
    assert len(outliers) == 3 and outliers.index.isin(population.index).all()
    # the outliers sit far from the typical age and bmi, the average rows close to it
    centre = population[["age", "bmi"]].median()
    spread = population[["age", "bmi"]].std()
    far = ((outliers[["age", "bmi"]] - centre) / spread).abs().max(axis=1)
    near = ((typical[["age", "bmi"]] - centre) / spread).abs().max(axis=1)
    assert far.min() > near.max()
    assert (typical["smoker"] == population["smoker"].mode()[0]).all()
    with pytest.raises(ValueError, match="n_targets == 0"):
        outlier_targets(population, TOY_DISCRETE, n_targets=0)
    with pytest.raises(ValueError, match="n_targets == 401"):
        average_targets(population, TOY_DISCRETE, n_targets=401)


def test_outlier_targets_hand_example():
    people = pd.DataFrame({"age": [30.0, 31.0, 32.0, 90.0, 33.0]})
    assert list(outlier_targets(people, n_targets=2, n_neighbours=1).index) == [3, 4]
    with pytest.raises(ValueError, match="n_neighbours == 5"):
        outlier_targets(people, n_neighbours=5)
