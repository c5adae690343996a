"""Classifier-based metrics of synthetic tables: fidelity (detection) and utility (efficacy).

- :func:`detection_auc` -- can a classifier tell real rows from synthetic ones? (0.5 is ideal)
- :func:`efficacy` -- does a model trained on synthetic rows predict real rows as well as one
  trained on real rows? (a ratio of 1 is ideal)

Both train scikit-learn pipelines on the tables, checked as in :mod:`tabgen_lib.metrics_tables`:
discrete columns are compared as text (a missing value is a category of its own), every
other -- continuous -- column must be numeric and complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext

import numpy as np
import pandas as pd

from .metrics_tables import as_category_text, check_tables
from .validation import MAX_SEED, check_int

__all__ = ["detection_auc", "efficacy"]

DETECTION_MODELS = ("rf", "lr")
EFFICACY_MODELS = ("lr", "rf", "gb")


def _seed(value, name: str = "seed") -> int:
    return check_int(value, name, min_value=0, max_value=MAX_SEED)


def _seed_list(seeds) -> list[int]:
    if isinstance(seeds, str) or not isinstance(seeds, Iterable):
        raise TypeError("seeds must be a list of integers, e.g. (0, 1, 2).")
    seeds = [_seed(s, "each seed") for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed, e.g. (0,).")
    return seeds


def _check_choice(value, name: str, choices) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be one of {list(choices)} (a str), got {type(value).__name__}."
        )
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}.")
    return value


def _features(frame: pd.DataFrame, discrete: list) -> pd.DataFrame:
    """Discrete columns as text (so 1 and "1" are one category; missing is one category),
    the others as float64."""
    return pd.DataFrame(
        {
            c: as_category_text(frame[c]) if c in discrete else frame[c].astype(np.float64)
            for c in frame
        },
        index=frame.index,
    )


def _pipeline(kind: str, columns, discrete: list, seed: int):
    """A scikit-learn pipeline: encoding of the mixed columns, then a classifier.

    ``"lr"``: one-hot categories + standardized continuous columns + logistic regression;
    ``"rf"`` / ``"gb"``: ordinal-coded categories + raw continuous columns + random forest /
    histogram gradient boosting.  A category unseen in training is ignored (one-hot) or
    coded -1 (ordinal).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    continuous = [c for c in columns if c not in discrete]
    if kind == "lr":
        categories = OneHotEncoder(handle_unknown="ignore")
        numbers = StandardScaler()
        classifier = LogisticRegression(max_iter=1000)
    else:
        categories = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
        numbers = "passthrough"
        if kind == "rf":
            classifier = RandomForestClassifier(n_estimators=100, n_jobs=-1, random_state=seed)
        else:
            classifier = HistGradientBoostingClassifier(random_state=seed)
    encode = ColumnTransformer(
        [("discrete", categories, list(discrete)), ("continuous", numbers, continuous)]
    )
    return make_pipeline(encode, classifier)


def detection_auc(
    real, synthetic, discrete_columns, model="rf", n_splits=4, seeds=(0, 1, 2), max_rows=10_000
) -> dict:
    """How well a classifier tells real rows from synthetic ones (ROC AUC; 0.5 is ideal).

    For every seed: take the same number of real and synthetic rows (the larger table is
    subsampled to the size of the smaller one, and both to ``max_rows`` if given),
    label them real (0) and synthetic (1), and measure with
    :class:`~sklearn.model_selection.StratifiedKFold` cross-validation
    (``n_splits`` folds, shuffled with ``random_state=seed``) the ROC AUC of a
    classifier trained to separate them (:func:`~sklearn.model_selection.cross_val_score`
    with ``scoring="roc_auc"``).  The seed's score is the mean AUC over the folds.

    An AUC near 0.5 means the classifier cannot tell the two tables apart; near 1 it
    always can.  This is the *raw* AUC.  SDMetrics' ``LogisticDetection`` (sdmetrics
    0.32) reports instead, for each of 3 shuffled stratified folds,
    :math:`s_k = 2\\max(0.5, AUC_k) - 1` and returns :math:`1 - \\bar s`, so that 1 is best.
    When no fold is below 0.5 this is :math:`1 - 2(\\overline{AUC} - 0.5) =
    2(1 - \\overline{AUC})`: to compare, convert with ``2 * (1 - result["mean"])``
    (``tests/test_metrics_parity.py`` checks this).  The two differ in details that move
    the AUC by a few thousandths, not in what they measure: SDMetrics keeps every row
    (no balancing), one-hot encodes text columns, scales with a robust scaler and draws
    its folds without a fixed seed.

    Parameters
    ----------
    real, synthetic : pandas.DataFrame
        Tables with the same columns (any order); missing values only in discrete
        columns.
    discrete_columns : list of column names
        The discrete columns (compared as text; a missing value is a category of its
        own); every other column is continuous: numeric and complete.
    model : {"rf", "lr"}
        ``"rf"``: a :class:`~sklearn.ensemble.RandomForestClassifier` (100 trees,
        ``random_state=seed``) on ordinal-coded categories and raw continuous values.
        ``"lr"``: a :class:`~sklearn.linear_model.LogisticRegression` on one-hot
        categories and standardized continuous values (as SDMetrics'
        ``LogisticDetection``, which uses a robust scaler); it only sees differences a
        linear model can see.
    n_splits : int
        Number of cross-validation folds, at least 2.
    seeds : sequence of int
        One subsample and one fold split per seed.
    max_rows : int or None
        At most this many rows from each table (default 10,000).  This is for speed:
        on Adult's train split against its test split (16,281 rows a side) the forest
        took about 90 s on a busy 2-core machine without the limit and under 60 s with
        it, and the AUC changed by less than 0.01.  ``None`` keeps as many rows as the
        smaller table has.

    Returns
    -------
    dict
        ``{"mean": float, "std": float, "scores": list of float}``: the AUC of every
        seed, their mean and their standard deviation (``numpy.std``, ``ddof=0``: 0 for
        a single seed).

    Raises
    ------
    TypeError
        A table is not a DataFrame, or an argument has the wrong type.
    ValueError
        Empty tables, missing values in a continuous column, different columns, an unknown
        discrete column or a non-numeric column not listed as discrete, an unknown model,
        fewer than 2 folds, a negative seed, or fewer rows than folds.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> real = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b"], 200)})
    >>> shifted = real.assign(x=real["x"] + 5)  # every synthetic x is 5 larger
    >>> result = detection_auc(real, shifted, ["c"], model="lr", seeds=(0,))
    >>> round(result["mean"], 2), result["std"]
    (1.0, 0.0)
    """
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    (real, synthetic), discrete = check_tables(
        {"real": real, "synthetic": synthetic}, discrete_columns
    )
    model = _check_choice(model, "model", DETECTION_MODELS)
    n_splits = check_int(n_splits, "n_splits", min_value=2)
    seeds = _seed_list(seeds)
    n = min(len(real), len(synthetic))
    if max_rows is not None:
        n = min(n, check_int(max_rows, "max_rows", min_value=n_splits))
    if n < n_splits:
        raise ValueError(
            f"The smaller table has {n} rows, fewer than n_splits={n_splits}: "
            "give more rows or fewer folds."
        )
    real, synthetic = _features(real, discrete), _features(synthetic, discrete)
    labels = np.repeat([0, 1], n)
    scores = []
    for seed in seeds:
        rows = pd.concat(
            [real.sample(n=n, random_state=seed), synthetic.sample(n=n, random_state=seed)],
            ignore_index=True,
        )
        folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        pipeline = _pipeline(model, rows.columns, discrete, seed)
        fold_auc = cross_val_score(pipeline, rows, labels, cv=folds, scoring="roc_auc")
        scores.append(float(np.mean(fold_auc)))
    return {"mean": float(np.mean(scores)), "std": float(np.std(scores)), "scores": scores}


def _binary_target(frame: pd.DataFrame, target, name: str, classes: list) -> np.ndarray:
    values = as_category_text(frame[target])
    found = sorted(set(values))
    unknown = [v for v in found if v not in classes]
    if unknown:
        raise ValueError(
            f"The target {target!r} of {name} has value(s) {unknown} that the real training "
            f"data does not have (its classes are {classes})."
        )
    if len(found) < 2:
        raise ValueError(
            f"The target {target!r} of {name} has one class only ({found[0]!r}): a classifier "
            "needs both classes to train or to be scored."
        )
    return values.to_numpy()


def efficacy(
    real_train,
    synthetic,
    real_test,
    target,
    discrete_columns,
    models=EFFICACY_MODELS,
    seed=0,
    positive=None,
) -> pd.DataFrame:
    """Machine-learning efficacy: is a model trained on synthetic rows as good as on real ones?

    For each model family, the same pipeline is trained twice to predict the binary
    ``target`` from the other columns -- once on ``real_train``, once on ``synthetic``
    -- and both are scored with the ROC AUC on the same rows, ``real_test``, which
    neither saw.  A ratio ``auc_synthetic / auc_real`` near 1 means the synthetic table
    kept what the real one teaches about the target.

    Model families (the encodings as in :func:`detection_auc`):

    * ``"lr"``: one-hot categories, standardized continuous columns,
      ``LogisticRegression(max_iter=1000)``;
    * ``"rf"``: ordinal-coded categories, raw continuous columns,
      ``RandomForestClassifier(n_estimators=100, n_jobs=-1, random_state=seed)``;
    * ``"gb"``: ordinal-coded categories, raw continuous columns,
      ``HistGradientBoostingClassifier(random_state=seed)``, on one thread (its
      OpenMP threads slow down badly when other work keeps the cores busy; at this size
      one thread takes seconds).

    Parameters
    ----------
    real_train, synthetic, real_test : pandas.DataFrame
        Tables with the same columns (any order); missing values only in discrete
        columns (a category of their own).  ``synthetic`` is usually generated from a
        model fitted on ``real_train``.
    target : column name
        The column to predict; it must have exactly two classes in ``real_train``
        (values compared as text; a missing value would count as a class).  A target of
        text (``"<=50K"``, ``">50K"``) is a discrete column and must be listed in
        ``discrete_columns``; a numeric 0/1 target may be listed or not.
    discrete_columns : list of column names
        The discrete columns; every other column is continuous: numeric and complete.
    models : sequence of {"lr", "rf", "gb"}
        The model families, in the order of the result's rows.
    seed : int
        ``random_state`` of the forest and of the boosting model.
    positive : optional
        The class scored as positive.  ``None`` (default) takes the **less frequent
        class of** ``real_train`` (on a tie, the one that sorts last as text), e.g.
        ``">50K"`` for Adult.  The AUC does not depend on this choice when the
        probabilities are consistent; it fixes which class the scores refer to.

    Returns
    -------
    pandas.DataFrame
        Indexed by model family (index name ``"model"``), with columns ``auc_real``,
        ``auc_synthetic`` and ``ratio``.  The ratio is only a yardstick when the model
        trained on real rows beats chance: a family whose ``auc_real`` is 0.5 or less
        raises a :class:`ValueError` (as the chapter-09 exercise ``efficacy_ratio``
        teaches) instead of reporting a meaningless or infinite ratio.

    Raises
    ------
    TypeError
        A table is not a DataFrame, or ``models`` / ``seed`` have the wrong type.
    ValueError
        Empty tables, missing values in a continuous column, different columns, a
        non-numeric column not listed as discrete, an unknown target, model or positive
        class, a target without exactly two classes in
        ``real_train``, a synthetic or test target with one class only or with classes
        the real training data lacks, a target as the only column, or a model trained
        on ``real_train`` that is no better than chance on ``real_test`` (AUC <= 0.5).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=400)
    >>> real = pd.DataFrame({"x": x, "y": np.where(x + 0.3 * rng.normal(size=400) > 0, "a", "b")})
    >>> backwards = real.assign(y=real["y"].map({"a": "b", "b": "a"}))  # the link reversed
    >>> table = efficacy(real[:200], backwards[:200], real[200:], "y", ["y"], models=["lr"])
    >>> list(table.columns), table.index.tolist()
    (['auc_real', 'auc_synthetic', 'ratio'], ['lr'])
    >>> bool(table.loc["lr", "auc_real"] > 0.9), bool(table.loc["lr", "ratio"] < 0.2)
    (True, True)
    """
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_limits

    frames = {"real_train": real_train, "synthetic": synthetic, "real_test": real_test}
    tables, discrete = check_tables(frames, discrete_columns)
    frames = dict(zip(frames, tables, strict=True))
    real_train = frames["real_train"]
    if target not in real_train.columns:
        raise ValueError(
            f"target {target!r} is not a column of the tables "
            f"(their columns are {[str(c) for c in real_train.columns]})."
        )
    if real_train.shape[1] < 2:
        raise ValueError("The tables hold the target only: there is no feature to learn from.")
    if isinstance(models, str) or not isinstance(models, Iterable):
        raise TypeError("models must be a list of model names, e.g. ('lr', 'rf', 'gb').")
    models = [_check_choice(m, "each model", EFFICACY_MODELS) for m in models]
    if not models:
        raise ValueError(f"models is empty: give some of {list(EFFICACY_MODELS)}.")
    seed = _seed(seed)
    features = [c for c in real_train.columns if c != target]
    discrete = [c for c in discrete if c != target]

    counts = as_category_text(real_train[target]).value_counts()
    classes = sorted(counts.index)
    if len(classes) != 2:
        raise ValueError(
            f"target {target!r} must have exactly two classes in real_train, "
            f"found {len(classes)}: {classes[:10]}."
        )
    if positive is None:
        positive = min(reversed(classes), key=lambda c: counts[c])
    elif str(positive) not in classes:
        raise ValueError(f"positive={positive!r} is not a class of {target!r}: {classes}.")
    positive = str(positive)
    y = {k: _binary_target(v, target, k, classes) == positive for k, v in frames.items()}
    x = {k: _features(v[features], discrete) for k, v in frames.items()}

    rows = {}
    for kind in models:
        auc = {}
        # The boosting model's OpenMP threads crawl when other work keeps the cores busy
        # (gb on 500-row tables took 49 s instead of 0.5 s on a shared 2-core machine): one thread.
        threads = threadpool_limits(limits=1, user_api="openmp") if kind == "gb" else nullcontext()
        with threads:
            for source in ("real_train", "synthetic"):
                pipeline = _pipeline(kind, features, discrete, seed).fit(x[source], y[source])
                probability = pipeline.predict_proba(x["real_test"])[:, 1]
                auc[source] = float(roc_auc_score(y["real_test"], probability))
                if source == "real_train" and not auc[source] > 0.5:
                    raise ValueError(
                        f"The {kind!r} model trained on real_train has a test AUC of "
                        f"{auc[source]:.3f}: the real model is no better than chance, so it is "
                        "no yardstick for the synthetic one. Check the target and the split, "
                        "or leave this model family out."
                    )
        rows[kind] = {
            "auc_real": auc["real_train"],
            "auc_synthetic": auc["synthetic"],
            "ratio": auc["synthetic"] / auc["real_train"],
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return table
