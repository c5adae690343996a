"""Metrics: numbers that say how well a model does.

Classification metrics take plain tensors or arrays and return a Python ``float``, so
they can be printed, stored in a training history or passed to
``tabgen_lib.train(metrics=...)``.

Table metrics compare a synthetic table with a real one.  They take mixed-type
:class:`pandas.DataFrame` objects with the same columns, and, like ``ctgan``, a
``discrete_columns`` argument naming the categorical columns; every other column must
be numeric.  A categorical column may hold missing values (NaN, None): they count as a
category of their own, as in :class:`~tabgen_lib.transforms.TabularTransformer` and the
samples of :class:`~tabgen_lib.aegan.AEGAN`.  A numeric column must be complete: missing
numbers raise a :class:`ValueError` that says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext

import numpy as np
import pandas as pd
import torch

__all__ = [
    "binary_accuracy",
    "dcr_share",
    "detection_auc",
    "distance_to_closest_record",
    "efficacy",
    "exact_copy_share",
]


def _flat_tensor(values, name: str) -> torch.Tensor:
    if isinstance(values, torch.Tensor):
        tensor = values.detach()
    elif isinstance(values, np.ndarray | list | tuple):
        try:
            tensor = torch.as_tensor(np.asarray(values, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(f"{name} must hold numbers only.") from None
    else:
        raise TypeError(
            f"{name} must be a torch.Tensor, NumPy array or list, got {type(values).__name__}."
        )
    tensor = tensor.reshape(-1)
    if tensor.numel() == 0:
        raise ValueError(f"{name} is empty: it needs at least one value.")
    return tensor


def binary_accuracy(logits, targets) -> float:
    """Fraction of examples whose predicted class matches the 0/1 target.

    A binary classifier trained with ``nn.BCEWithLogitsLoss`` outputs *logits*
    :math:`s`; the predicted probability of class 1 is :math:`\\sigma(s)`, which is above
    one half exactly when :math:`s > 0`.  So the predicted class is ``logits > 0``
    (a logit of exactly 0 counts as class 0), and no sigmoid is needed.

    Parameters
    ----------
    logits : tensor, array or list
        The model's raw outputs, shape ``(n,)`` or ``(n, 1)``.
    targets : tensor, array or list
        The true classes, 0 or 1, with the same number of values as ``logits``
        (shapes ``(n,)`` and ``(n, 1)`` may be mixed: both are flattened).

    Returns
    -------
    float
        Accuracy between 0 and 1.

    Raises
    ------
    TypeError
        An argument is not a tensor, array or list of numbers.
    ValueError
        Empty inputs, different numbers of values, or targets other than 0 and 1.

    Examples
    --------
    >>> import torch
    >>> binary_accuracy(torch.tensor([2.0, -1.0, 0.5, -3.0]), torch.tensor([1, 0, 0, 0]))
    0.75
    >>> binary_accuracy([[0.3], [-0.2]], [1, 1])  # an (n, 1) column and an (n,) vector
    0.5
    """
    logits = _flat_tensor(logits, "logits")
    targets = _flat_tensor(targets, "targets")
    if logits.numel() != targets.numel():
        raise ValueError(
            f"logits has {logits.numel()} values but targets has {targets.numel()}: "
            "give one logit per target."
        )
    if not ((targets == 0) | (targets == 1)).all():
        raise ValueError("targets must be class labels 0 and 1 only.")
    predicted = (logits > 0).to(targets.dtype)
    return float((predicted == targets).double().mean())


# ---------------------------------------------------------------- table metrics (privacy)


# Missing categories, as text: one category whatever the missing value (NaN, None, pd.NA).
_MISSING = "<NA>"


def _check_frame(frame, name: str) -> pd.DataFrame:
    """A non-empty DataFrame (missing values are checked per column by ``_check_missing``)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}.")
    if len(frame) == 0 or frame.shape[1] == 0:
        raise ValueError(f"{name} is empty: it needs at least one row and one column.")
    return frame


def _check_missing(frames: dict, numeric) -> None:
    """A clear error if a numeric column of one of ``frames`` holds missing values."""
    for name, frame in frames.items():
        bad = [str(c) for c in numeric if frame[c].isna().any()]
        if bad:
            raise ValueError(
                f"{name} has missing values in numeric column(s) {bad}: fill or drop them "
                "first (only categorical columns may hold missing values, which count as a "
                "category of their own)."
            )


def _as_text(column: pd.Series) -> pd.Series:
    """Values as text, every missing value as the one category ``_MISSING``."""
    return column.astype(object).where(column.notna(), _MISSING).astype(str)


def _aligned(first, second, first_name: str, second_name: str):
    """Both frames validated, with ``second``'s columns put in ``first``'s order."""
    first = _check_frame(first, first_name)
    second = _check_frame(second, second_name)
    if first.columns.duplicated().any():
        raise ValueError(f"{first_name} has duplicated column names.")
    missing = [str(c) for c in first.columns if c not in second.columns]
    extra = [str(c) for c in second.columns if c not in first.columns]
    if missing or extra:
        raise ValueError(
            f"{first_name} and {second_name} must have the same columns; "
            f"missing from {second_name}: {missing}, only in {second_name}: {extra}."
        )
    return first, second[list(first.columns)]


def _discrete_set(discrete_columns, columns) -> list:
    if isinstance(discrete_columns, str) or not isinstance(discrete_columns, Iterable):
        raise TypeError("discrete_columns must be a list of column names, e.g. ['sex', 'smoker'].")
    discrete = list(discrete_columns)
    unknown = [str(c) for c in discrete if c not in columns]
    if unknown:
        raise ValueError(
            f"discrete_columns names column(s) {unknown} that are not in the tables "
            f"(their columns are {[str(c) for c in columns]})."
        )
    return discrete


def _checked_discrete(discrete_columns, frames: dict) -> list:
    """``discrete_columns`` as a list, after checking every other column is numeric and
    complete."""
    first = next(iter(frames.values()))
    discrete = _discrete_set(discrete_columns, first.columns)
    numeric = [c for c in first.columns if c not in discrete]
    for column in numeric:
        for name, frame in frames.items():
            if not pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(
                frame[column]
            ):
                raise ValueError(
                    f"Column {column!r} of {name} is not numeric: list it in discrete_columns."
                )
    _check_missing(frames, numeric)
    return discrete


def _categories(frames, discrete: list) -> dict:
    """Every category (as text) that a discrete column takes in any of ``frames``."""
    return {c: sorted(set().union(*(set(_as_text(f[c])) for f in frames))) for c in discrete}


def _comparable(column: pd.Series, discrete: bool) -> pd.Series:
    """Numbers as float64 (so that 3 == 3.0), everything else as text (missing: one value)."""
    if not discrete and pd.api.types.is_numeric_dtype(column):
        return column.astype(np.float64)
    return _as_text(column)


def exact_copy_share(synthetic, real) -> float:
    """Share of synthetic rows that are identical to at least one real row.

    The columns of ``synthetic`` are put in ``real``'s order, numeric columns are compared
    as ``float64`` (so an integer ``3`` equals a float ``3.0``) and all other columns as
    text (so a category stored as ``object`` equals the same category stored as
    ``category``).  Values must match exactly: a continuous value that differs in the
    sixth decimal is not a copy, so a low share alone does not prove that no row was
    memorised -- look at :func:`distance_to_closest_record` as well.

    Parameters
    ----------
    synthetic, real : pandas.DataFrame
        Tables with the same column names (in any order).  A column that is not numeric
        in both tables is compared as text and may hold missing values (a missing value
        equals any other missing value); a column numeric in both must be complete.

    Returns
    -------
    float
        Between 0 (no synthetic row appears in ``real``) and 1 (every one does).
        Synthetic duplicates of the same real row each count.

    Raises
    ------
    TypeError
        An argument is not a DataFrame.
    ValueError
        Empty tables, missing values in a numeric column or different columns.

    Examples
    --------
    >>> import pandas as pd
    >>> real = pd.DataFrame({"age": [30, 40, 50], "smoker": ["no", "yes", "no"]})
    >>> synthetic = pd.DataFrame({"smoker": ["no", "no", "yes", "no"], "age": [30.0, 31, 40, 30]})
    >>> exact_copy_share(synthetic, real)  # rows 1, 3 and 4 are copies
    0.75
    """
    real, synthetic = _aligned(real, synthetic, "real", "synthetic")
    as_numbers = {
        c: pd.api.types.is_numeric_dtype(real[c]) and pd.api.types.is_numeric_dtype(synthetic[c])
        for c in real.columns
    }
    numeric = [c for c in real.columns if as_numbers[c] and not pd.api.types.is_bool_dtype(real[c])]
    _check_missing({"real": real, "synthetic": synthetic}, numeric)
    keys = {
        name: pd.MultiIndex.from_frame(
            pd.DataFrame({c: _comparable(frame[c], not as_numbers[c]) for c in real.columns})
        )
        for name, frame in (("real", real), ("synthetic", synthetic))
    }
    return float(keys["synthetic"].isin(keys["real"]).mean())


def _encode(frame: pd.DataFrame, reference: pd.DataFrame, discrete: list, categories: dict):
    """Numeric columns min-max scaled with the reference's range; categories one-hot / sqrt(2)."""
    parts = []
    for column in frame.columns:
        if column in discrete:
            codes = pd.Categorical(_as_text(frame[column]), categories=categories[column]).codes
            onehot = np.zeros((len(frame), len(categories[column])))
            onehot[np.arange(len(frame)), codes] = 1.0 / np.sqrt(2.0)
            parts.append(onehot)
        else:
            low, high = reference[column].min(), reference[column].max()
            span = float(high - low) if high > low else 1.0
            parts.append(((frame[column].to_numpy(np.float64) - float(low)) / span)[:, None])
    return np.hstack(parts)


def distance_to_closest_record(query, reference=None, discrete_columns=()) -> np.ndarray:
    """Distance from every row of ``query`` to its nearest row of ``reference``.

    Rows hold mixed types, so they are first turned into numbers:

    * a numeric column is **min-max scaled with the reference's minimum and maximum**,
      so a difference across the reference's whole range counts 1 (values outside that
      range give more than 1; a constant column is only shifted);
    * a column named in ``discrete_columns`` is one-hot encoded (values compared as
      text, a missing value as a category of its own) and scaled by
      :math:`1/\\sqrt{2}`, so two different categories are at distance 1 and equal ones
      at 0.

    The distance is the Euclidean one on this encoding: the square root of the sum,
    over columns, of the squared per-column differences.  Nearest neighbours are found
    with :class:`sklearn.neighbors.NearestNeighbors`.

    Without ``reference`` the function measures each row of ``query`` against **the
    other rows** of ``query`` (leave one out): it asks for two neighbours and drops the
    row itself.  A duplicated row is then at distance 0 from its twin, as it should be.
    This is the real-to-real baseline; a fairer one compares a real holdout that the
    generator never saw against its training rows: ``distance_to_closest_record(holdout,
    train, ...)``.

    Parameters
    ----------
    query : pandas.DataFrame
        The rows to measure, e.g. synthetic rows.
    reference : pandas.DataFrame, optional
        The rows to search, e.g. the real training rows, with the same columns as
        ``query``; its numeric ranges set the scaling.  ``None`` (default) measures
        ``query`` against itself, leaving each row out.
    discrete_columns : list of column names
        The categorical columns; every other column must be numeric.

    Returns
    -------
    numpy.ndarray
        One non-negative distance per row of ``query``.

    Raises
    ------
    TypeError
        An argument is not a DataFrame, or ``discrete_columns`` is not a list of names.
    ValueError
        Empty tables, missing values in a numeric column, different columns, unknown
        discrete columns, a non-numeric column not listed in ``discrete_columns``, or
        (without reference) a query with a single row.

    Examples
    --------
    >>> import pandas as pd
    >>> real = pd.DataFrame({"bmi": [20.0, 30.0, 40.0], "smoker": ["no", "no", "yes"]})
    >>> fake = pd.DataFrame({"bmi": [30.0, 25.0, 40.0], "smoker": ["no", "no", "no"]})
    >>> distance_to_closest_record(fake, real, discrete_columns=["smoker"])  # range 20
    array([0.  , 0.25, 0.5 ])
    >>> distance_to_closest_record(real, discrete_columns=["smoker"])  # leave one out
    array([0.5       , 0.5       , 1.11803399])
    """
    from sklearn.neighbors import NearestNeighbors

    leave_one_out = reference is None
    if leave_one_out:
        query = _check_frame(query, "query")
        reference = query
        if len(query) < 2:
            raise ValueError("query needs at least two rows to measure rows against each other.")
    query, reference = _aligned(query, reference, "query", "reference")
    discrete = _checked_discrete(discrete_columns, {"query": query, "reference": reference})
    categories = _categories([query, reference], discrete)
    q = _encode(query, reference, discrete, categories)
    r = q if leave_one_out else _encode(reference, reference, discrete, categories)
    k = 2 if leave_one_out else 1
    distances, indices = NearestNeighbors(n_neighbors=k).fit(r).kneighbors(q)
    if not leave_one_out:
        return distances[:, 0]
    # Row i's two nearest rows normally are i itself (distance 0) and its nearest other
    # row.  With ties at distance 0 (duplicates) row i may come second or not at all; then
    # the first neighbour is another row at distance 0, which is the right answer.
    is_self = indices[:, 0] == np.arange(len(q))
    return np.where(is_self, distances[:, 1], distances[:, 0])


# ------------------------------------------------ table metrics (fidelity, utility, privacy)

_DETECTION_MODELS = ("rf", "lr")
_EFFICACY_MODELS = ("lr", "rf", "gb")


def _positive_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return int(value)


def _seed_list(seeds) -> list[int]:
    if isinstance(seeds, str) or not isinstance(seeds, Iterable):
        raise TypeError("seeds must be a list of integers, e.g. (0, 1, 2).")
    seeds = [_positive_int(s, "each seed", 0) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed, e.g. (0,).")
    return seeds


def _features(frame: pd.DataFrame, discrete: list) -> pd.DataFrame:
    """Discrete columns as text (so 1 and "1" are one category; missing is one category),
    the others as float64."""
    return pd.DataFrame(
        {c: _as_text(frame[c]) if c in discrete else frame[c].astype(np.float64) for c in frame},
        index=frame.index,
    )


def _pipeline(kind: str, columns, discrete: list, seed: int):
    """A scikit-learn pipeline: encoding of the mixed columns, then a classifier.

    ``"lr"``: one-hot categories + standardized numbers + logistic regression;
    ``"rf"`` / ``"gb"``: ordinal-coded categories + raw numbers + random forest /
    histogram gradient boosting.  A category unseen in training is ignored (one-hot) or
    coded -1 (ordinal).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    numeric = [c for c in columns if c not in discrete]
    if kind == "lr":
        categorical = OneHotEncoder(handle_unknown="ignore")
        numbers = StandardScaler()
        classifier = LogisticRegression(max_iter=1000)
    else:
        categorical = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
        numbers = "passthrough"
        if kind == "rf":
            classifier = RandomForestClassifier(n_estimators=100, n_jobs=-1, random_state=seed)
        else:
            classifier = HistGradientBoostingClassifier(random_state=seed)
    encode = ColumnTransformer(
        [("categories", categorical, list(discrete)), ("numbers", numbers, numeric)]
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
    always can.  This is the *raw* AUC.  SDMetrics' ``LogisticDetection`` reports
    instead, for each fold, ``max(0.5, AUC) * 2 - 1`` and returns one minus the mean of
    that over its 3 folds, so that 1 is best: when no fold is below 0.5 this is
    :math:`1 - 2(\\overline{AUC} - 0.5) = 2(1 - \\overline{AUC})`.  To compare, convert with
    ``2 * (1 - result["mean"])``.

    Parameters
    ----------
    real, synthetic : pandas.DataFrame
        Tables with the same columns (any order); missing values only in categorical
        columns.
    discrete_columns : list of column names
        The categorical columns (compared as text; a missing value is a category of its
        own); every other column must be numeric and complete.
    model : {"rf", "lr"}
        ``"rf"``: a :class:`~sklearn.ensemble.RandomForestClassifier` (100 trees,
        ``random_state=seed``) on ordinal-coded categories and raw numbers.
        ``"lr"``: a :class:`~sklearn.linear_model.LogisticRegression` on one-hot
        categories and standardized numbers (as SDMetrics' ``LogisticDetection``, which
        uses a robust scaler); it only sees differences a linear model can see.
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
        Empty tables, missing values in a numeric column, different columns, an unknown
        or non-numeric column, an unknown model, or fewer rows than folds.

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

    real, synthetic = _aligned(real, synthetic, "real", "synthetic")
    discrete = _checked_discrete(discrete_columns, {"real": real, "synthetic": synthetic})
    if model not in _DETECTION_MODELS:
        raise ValueError(f"model must be one of {list(_DETECTION_MODELS)}, got {model!r}.")
    n_splits = _positive_int(n_splits, "n_splits", 2)
    seeds = _seed_list(seeds)
    n = min(len(real), len(synthetic))
    if max_rows is not None:
        n = min(n, _positive_int(max_rows, "max_rows", n_splits))
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
    values = _as_text(frame[target])
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
    models=_EFFICACY_MODELS,
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

    * ``"lr"``: one-hot categories, standardized numbers,
      ``LogisticRegression(max_iter=1000)``;
    * ``"rf"``: ordinal-coded categories, raw numbers,
      ``RandomForestClassifier(n_estimators=100, n_jobs=-1, random_state=seed)``;
    * ``"gb"``: ordinal-coded categories, raw numbers,
      ``HistGradientBoostingClassifier(random_state=seed)``, on one thread (its
      OpenMP threads slow down badly when other work keeps the cores busy; at this size
      one thread takes seconds).

    Parameters
    ----------
    real_train, synthetic, real_test : pandas.DataFrame
        Tables with the same columns (any order); missing values only in categorical
        columns (a category of their own).  ``synthetic`` is usually generated from a
        model fitted on ``real_train``.
    target : column name
        The column to predict; it must have exactly two classes in ``real_train``
        (values compared as text; a missing value would count as a class) and no
        missing values if it is numeric and not listed in ``discrete_columns``.
    discrete_columns : list of column names
        The categorical columns (the target may be listed or not); every other feature
        column must be numeric and complete.
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
        Empty tables, missing values in a numeric column, different columns, an unknown
        target, model or positive class, a target without exactly two classes in
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

    real_train, synthetic = _aligned(real_train, synthetic, "real_train", "synthetic")
    _, real_test = _aligned(real_train, real_test, "real_train", "real_test")
    if target not in real_train.columns:
        raise ValueError(
            f"target {target!r} is not a column of the tables "
            f"(their columns are {[str(c) for c in real_train.columns]})."
        )
    if real_train.shape[1] < 2:
        raise ValueError("The tables hold the target only: there is no feature to learn from.")
    if isinstance(models, str) or not isinstance(models, Iterable):
        raise TypeError("models must be a list of model names, e.g. ('lr', 'rf', 'gb').")
    models = list(models)
    unknown = [m for m in models if m not in _EFFICACY_MODELS]
    if unknown or not models:
        raise ValueError(f"models must be a non-empty list of {list(_EFFICACY_MODELS)}.")
    seed = _positive_int(seed, "seed", 0)
    features = [c for c in real_train.columns if c != target]
    discrete = [c for c in _discrete_set(discrete_columns, real_train.columns) if c != target]
    frames = {"real_train": real_train, "synthetic": synthetic, "real_test": real_test}
    discrete = _checked_discrete(discrete, {k: v[features] for k, v in frames.items()})
    if target not in _discrete_set(discrete_columns, real_train.columns) and (
        pd.api.types.is_numeric_dtype(real_train[target])
    ):
        _check_missing(frames, [target])

    counts = _as_text(real_train[target]).value_counts()
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


def dcr_share(synthetic, train, holdout, discrete_columns, seed=0) -> float:
    """Share of synthetic rows closer to the training rows than to unseen real rows.

    A generator that learned the distribution, not the rows, produces rows that are no
    closer to the rows it trained on than to other real rows from the same source: the
    share is then near **0.5**.  A share near 1 means the synthetic rows sit next to
    training rows -- a sign of memorisation.

    ``train`` and ``holdout`` are made the same size first (the larger one is
    subsampled with ``seed``), so that neither wins by having more rows.  When ``train``
    is the larger one, only its subsample counts: a copy of a training row left out looks
    like a fresh row, so the share understates memorisation (a generator that copies its
    training rows scores about ``0.5 + 0.5 * len(holdout) / len(train)``, not 1); the 0.5
    of a generator that does not memorise stays right.  Distances are
    those of :func:`distance_to_closest_record` (min-max scaled numbers, one-hot
    categories / :math:`\\sqrt 2`), with one scaling for both: the range of the two real
    tables together.  A synthetic row exactly as close to both counts one half.

    Parameters
    ----------
    synthetic : pandas.DataFrame
        The rows to judge.
    train : pandas.DataFrame
        The rows the generator was trained on.
    holdout : pandas.DataFrame
        Real rows from the same source that the generator never saw.
    discrete_columns : list of column names
        The categorical columns; every other column must be numeric.
    seed : int
        Seed of the subsample.

    Returns
    -------
    float
        Between 0 and 1; 0.5 is ideal.

    Raises
    ------
    TypeError
        An argument is not a DataFrame, or ``discrete_columns`` is not a list of names.
    ValueError
        Empty tables, missing values in a numeric column, different columns, unknown
        discrete columns or a non-numeric column not listed in ``discrete_columns``.

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    >>> holdout = pd.DataFrame({"x": [0.5, 1.5, 2.5, 3.5]})
    >>> dcr_share(train, train, holdout, [])  # copies of the training rows
    1.0
    >>> dcr_share(pd.DataFrame({"x": [0.0, 0.25, 1.5, 3.5]}), train, holdout, [])
    0.375
    """
    train, synthetic = _aligned(train, synthetic, "train", "synthetic")
    _, holdout = _aligned(train, holdout, "train", "holdout")
    frames = {"synthetic": synthetic, "train": train, "holdout": holdout}
    discrete = _checked_discrete(discrete_columns, frames)
    seed = _positive_int(seed, "seed", 0)
    n = min(len(train), len(holdout))
    train = train.sample(n=n, random_state=seed) if len(train) > n else train
    holdout = holdout.sample(n=n, random_state=seed) if len(holdout) > n else holdout
    both = pd.concat([train, holdout], ignore_index=True)
    categories = _categories([synthetic, train, holdout], discrete)
    s, t, h = (_encode(f, both, discrete, categories) for f in (synthetic, train, holdout))
    to_train, to_holdout = (_nearest_distance(s, reference) for reference in (t, h))
    tie = np.isclose(to_train, to_holdout, rtol=1e-12, atol=1e-12)
    closer = (to_train < to_holdout) & ~tie
    return float(np.mean(closer + 0.5 * tie))


def _nearest_distance(query: np.ndarray, reference: np.ndarray) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(query)[0][:, 0]
