"""Membership inference of chosen targets with shadow models (Stadler et al., 2022).

Stadler, Oprisanu & Troncoso ("Synthetic data -- anonymisation groundhog day", USENIX
Security 2022) ask about **one person at a time**: given a target row :math:`t` and a
synthetic table, was :math:`t` in the generator's training data? The attacker knows the
generator's recipe and some of the population, so it can play the game itself:

1. draw ``n_shadow`` training sets of ``train_size`` rows from the population (without
   :math:`t`); in a copy of each, replace one row by :math:`t`;
2. train the generator on every set, the ones *with* :math:`t` (label 1) and the ones
   *without* (label 0), and keep each synthetic table;
3. describe each synthetic table by a few numbers (its *features*) and train a classifier
   to tell label 1 from label 0 on part of the tables; measure it on the rest.

The test accuracy (0.5: the release hides :math:`t`; 1: it always gives :math:`t` away)
is the target's privacy loss. The paper's features describe the whole table (naive
statistics, histograms, correlations). Here they are centred on the target, which is
cheaper and works with any generator: in the encoding of
:class:`~tabgen_lib.privacy.TableEncoder` (fitted on the population),

* the distance from :math:`t` to its closest synthetic record,
* the mean distance to its ``n_neighbours`` closest synthetic records,
* the share of synthetic records within :math:`r/2`, :math:`r` and :math:`2r` of
  :math:`t`, where :math:`r` is the median distance between a population row and its
  nearest different row (the typical gap between two people).

**Cost.** Every target needs ``2 * n_shadow`` generator fits, so the whole attack needs
``2 * n_shadow * len(targets)`` fits on ``train_size`` rows each. Use a fast generator
(few epochs), few targets and a small ``train_size`` to keep it to minutes. The
intervals are wide when there are few test tables: with ``n_shadow=10`` and
``test_fraction=0.5`` each target is judged on 10 tables.

**Targets.** Outliers are the people at risk: a generator has to memorise them to
reproduce them. :func:`outlier_targets` picks the rows farthest from their nearest
neighbours, :func:`average_targets` the rows closest to a typical person, for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tabgen_lib.validation import check_float, check_int

from ._common import TableEncoder, check_tables, median_gap
from ._stats import auc_interval, check_bootstrap, wilson

__all__ = ["ShadowResult", "average_targets", "outlier_targets", "shadow_model_attack"]

FEATURES = ["closest", "mean_closest", "share_half_gap", "share_gap", "share_two_gaps"]


@dataclass(frozen=True, eq=False)
class ShadowResult:
    """What the shadow-model attack found, one row of ``per_target`` per target.

    ``per_target`` has the columns ``accuracy`` (share of test tables classified right)
    with its Wilson 95 % interval ``accuracy_low`` / ``accuracy_high``, and ``auc`` with
    its bootstrap 95 % interval ``auc_low`` / ``auc_high``; its index is the targets'.
    """

    per_target: pd.DataFrame
    n_train_tables: int
    n_test_tables: int

    @property
    def accuracy(self) -> float:
        """Mean test accuracy over the targets."""
        return float(self.per_target["accuracy"].mean())

    @property
    def auc(self) -> float:
        """Mean test AUC over the targets."""
        return float(self.per_target["auc"].mean())

    def __str__(self) -> str:
        return (
            f"shadow-model attack on {len(self.per_target)} target(s), "
            f"{self.n_train_tables} training and {self.n_test_tables} test tables each: "
            f"mean accuracy {self.accuracy:.3f}, mean AUC {self.auc:.3f}"
        )


def target_features(target: np.ndarray, synthetic: np.ndarray, gap: float, n_neighbours: int):
    """The five features of :data:`FEATURES` for one encoded target and synthetic table.

    Examples
    --------
    >>> synthetic = np.array([[0.0], [0.5], [3.0]])
    >>> target_features(np.array([0.0]), synthetic, gap=1.0, n_neighbours=2)
    array([0.        , 0.25      , 0.66666667, 0.66666667, 0.66666667])
    """
    distances = np.sort(np.linalg.norm(synthetic - target, axis=1))
    return np.array(
        [
            distances[0],
            distances[:n_neighbours].mean(),
            *(np.mean(distances <= factor * gap) for factor in (0.5, 1.0, 2.0)),
        ]
    )


def shadow_model_attack(
    fit_sample,
    population,
    targets,
    discrete_columns=(),
    *,
    n_shadow: int = 10,
    train_size: int = 100,
    test_fraction: float = 0.5,
    classifier=None,
    n_neighbours: int = 5,
    n_bootstrap: int = 1000,
    random_state: int | None = 0,
) -> ShadowResult:
    """Train the generator with and without each target; can a classifier tell?

    Parameters
    ----------
    fit_sample : callable
        ``fit_sample(train_df, random_state) -> synthetic_df``: trains the generator on
        ``train_df`` with the integer ``random_state`` and returns its synthetic table
        (same columns). Any generator fits, e.g. ``lambda df, seed: CTGAN(epochs=5,
        random_state=seed).fit(df, discrete).sample(len(df))``.
    population : pandas.DataFrame
        The rows the attacker can draw training sets from. Rows equal to a target are
        left out of that target's training sets.
    targets : pandas.DataFrame
        The rows to attack, same columns (e.g. from :func:`outlier_targets`).
    discrete_columns : list of column names
        The discrete columns; every other column is continuous.
    n_shadow : int
        Training sets per target (each trained twice: with and without the target); at
        least 2, since some are for training the classifier and some for testing it.
    train_size : int
        Rows of every training set, at most the population's size.
    test_fraction : float
        Share of the ``n_shadow`` pairs kept for testing, in (0, 1).
    classifier : scikit-learn classifier, optional
        Cloned for every target; default: standardise, then logistic regression.
    n_neighbours : int
        Neighbours averaged in the ``mean_closest`` feature.
    n_bootstrap : int
        Resamples for the 95 % interval of each AUC.
    random_state : int or None
        Seed of the training sets, the generator seeds and the bootstrap.

    Returns
    -------
    ShadowResult
        Accuracy and AUC of the classifier for every target, with intervals.

    Examples
    --------
    >>> from tabgen_lib.privacy import TOY_DISCRETE, toy_population
    >>> population = toy_population(300, random_state=1)
    >>> copy_rows = lambda train, seed: train  # a "generator" that releases its data
    >>> targets = outlier_targets(population, TOY_DISCRETE, n_targets=2)
    >>> result = shadow_model_attack(copy_rows, population, targets, TOY_DISCRETE,
    ...                              n_shadow=4, train_size=50)
    >>> print(result)  # doctest: +NORMALIZE_WHITESPACE
    shadow-model attack on 2 target(s), 4 training and 4 test tables each:
    mean accuracy 1.000, mean AUC 1.000
    """
    if not callable(fit_sample):
        raise TypeError("fit_sample must be a function fit_sample(train_df, random_state).")
    n_shadow = check_int(n_shadow, "n_shadow", min_value=2)
    test_fraction = check_float(
        test_fraction, "test_fraction", min_value=0, max_value=1, include_min=False,
        include_max=False,
    )  # fmt: skip
    n_neighbours = check_int(n_neighbours, "n_neighbours", min_value=1)
    n_bootstrap, seed = check_bootstrap(n_bootstrap, random_state)
    (population, targets), discrete = check_tables(
        {"population": population, "targets": targets}, discrete_columns
    )
    train_size = check_int(train_size, "train_size", min_value=1, max_value=len(population))
    n_test = min(max(1, round(n_shadow * test_fraction)), n_shadow - 1)
    if classifier is None:
        classifier = make_pipeline(StandardScaler(), LogisticRegression())

    encoder = TableEncoder(discrete).fit(population)
    encoded_population = encoder.transform(population)
    gap = median_gap(encoded_population) or 1.0  # all rows alike: any unit will do
    rng = np.random.default_rng(seed)
    rows = []
    for position in range(len(targets)):
        target = targets.iloc[[position]]
        encoded_target = encoder.transform(target)[0]
        pool = population[~np.all(encoded_population == encoded_target, axis=1)]
        if len(pool) < train_size:
            raise ValueError(
                f"train_size == {train_size}, but only {len(pool)} population rows differ "
                f"from target {targets.index[position]!r}: lower train_size or give more rows."
            )
        features, labels = [], []
        for _ in range(n_shadow):
            chosen = pool.iloc[rng.choice(len(pool), size=train_size, replace=False)]
            without = chosen.reset_index(drop=True)
            with_target = pd.concat([chosen.iloc[:-1], target], ignore_index=True)
            for member, train in ((0, without), (1, with_target)):
                synthetic = fit_sample(train, int(rng.integers(0, 2**31 - 1)))
                synthetic = _checked(synthetic, population, discrete, encoder)
                features.append(target_features(encoded_target, synthetic, gap, n_neighbours))
                labels.append(member)
        features, labels = np.array(features), np.array(labels)
        split = 2 * (n_shadow - n_test)  # pairs stay together: both tables of a set
        model = clone(classifier).fit(features[:split], labels[:split])
        rows.append(_judge(model, features[split:], labels[split:], n_bootstrap, seed))
    per_target = pd.DataFrame(rows, index=targets.index)
    return ShadowResult(per_target, n_train_tables=split, n_test_tables=2 * n_test)


def _checked(synthetic, population: pd.DataFrame, discrete: list, encoder) -> np.ndarray:
    """The encoded output of ``fit_sample``, checked to be a table like ``population``."""
    name = "the synthetic table of fit_sample"
    (_, synthetic), _ = check_tables({"population": population, name: synthetic}, discrete)
    return encoder.transform(synthetic)


def _judge(model, features, labels, n_bootstrap: int, seed: int) -> dict:
    """Accuracy (Wilson interval) and AUC (bootstrap interval) of ``model`` on test tables."""
    correct = int(np.sum(model.predict(features) == labels))
    rate, error = wilson(correct, len(labels))
    if hasattr(model, "predict_proba"):
        scores = model.predict_proba(features)[:, 1]
    else:
        scores = model.decision_function(features)
    auc, low, high = auc_interval(scores[labels == 1], scores[labels == 0], n_bootstrap, seed)
    return {
        "accuracy": correct / len(labels),
        "accuracy_low": max(rate - error, 0.0),
        "accuracy_high": min(rate + error, 1.0),
        "auc": auc,
        "auc_low": low,
        "auc_high": high,
    }


def outlier_targets(population, discrete_columns=(), *, n_targets: int = 5, n_neighbours=5):
    """The ``n_targets`` rows farthest from their ``n_neighbours`` nearest other rows.

    The score of a row is its mean distance (encoding of
    :class:`~tabgen_lib.privacy.TableEncoder`, fitted on ``population``) to its
    ``n_neighbours`` nearest other rows; the rows with the largest scores come first.

    Examples
    --------
    >>> people = pd.DataFrame({"age": [30.0, 31.0, 32.0, 90.0]})
    >>> outlier_targets(people, n_targets=1, n_neighbours=2)["age"].to_dict()  # row label: age
    {3: 90.0}
    """
    (population,), discrete = check_tables({"population": population}, discrete_columns)
    n_targets = check_int(n_targets, "n_targets", min_value=1, max_value=len(population))
    n_neighbours = check_int(
        n_neighbours, "n_neighbours", min_value=1, max_value=len(population) - 1
    )
    points = TableEncoder(discrete).fit_transform(population)
    distances = NearestNeighbors(n_neighbors=n_neighbours + 1).fit(points).kneighbors(points)[0]
    score = distances[:, 1:].mean(axis=1)  # column 0 is the row itself
    return population.iloc[np.argsort(-score, kind="stable")[:n_targets]]


def average_targets(population, discrete_columns=(), *, n_targets: int = 5):
    """The ``n_targets`` rows closest to the typical row.

    The typical row has the median of every continuous column and the most frequent value
    of every discrete column; distances are those of
    :class:`~tabgen_lib.privacy.TableEncoder`, fitted on ``population``.

    Examples
    --------
    >>> people = pd.DataFrame({"age": [30.0, 40.0, 47.0, 52.0, 90.0]})  # median 47
    >>> average_targets(people, n_targets=2)["age"].to_dict()  # row label: age
    {2: 47.0, 3: 52.0}
    """
    (population,), discrete = check_tables({"population": population}, discrete_columns)
    n_targets = check_int(n_targets, "n_targets", min_value=1, max_value=len(population))
    typical = pd.DataFrame(
        {
            c: [population[c].value_counts(dropna=False).idxmax()]
            if c in discrete
            else [population[c].median()]
            for c in population.columns
        }
    )
    encoder = TableEncoder(discrete).fit(population)
    distance = np.linalg.norm(encoder.transform(population) - encoder.transform(typical), axis=1)
    return population.iloc[np.argsort(distance, kind="stable")[:n_targets]]
