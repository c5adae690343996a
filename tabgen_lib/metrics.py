"""Metrics: numbers that say how well a model does.

Classification metrics take plain tensors or arrays and return a Python ``float``, so
they can be printed, stored in a training history or passed to
``tabgen_lib.train(metrics=...)``.

Table metrics compare a synthetic table with a real one.  They take mixed-type
:class:`pandas.DataFrame` objects with the same columns, and, like ``ctgan``, a
``discrete_columns`` argument naming the categorical columns; every other column must
be numeric.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import torch

__all__ = ["binary_accuracy", "distance_to_closest_record", "exact_copy_share"]


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


def _check_frame(frame, name: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}.")
    if len(frame) == 0 or frame.shape[1] == 0:
        raise ValueError(f"{name} is empty: it needs at least one row and one column.")
    if frame.isna().any().any():
        bad = [str(c) for c in frame.columns[frame.isna().any()]]
        raise ValueError(f"{name} has missing values in column(s) {bad}: fill or drop them first.")
    return frame


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


def _comparable(column: pd.Series, discrete: bool) -> pd.Series:
    """Numbers as float64 (so that 3 == 3.0), everything else as text."""
    if not discrete and pd.api.types.is_numeric_dtype(column):
        return column.astype(np.float64)
    return column.astype(str)


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
        Tables with the same column names (in any order), no missing values.

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
        Empty tables, missing values or different columns.

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
            codes = pd.Categorical(frame[column].astype(str), categories=categories[column]).codes
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
      text) and scaled by :math:`1/\\sqrt{2}`, so two different categories are at
      distance 1 and equal ones at 0.

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
        Empty tables, missing values, different columns, unknown discrete columns, a
        non-numeric column not listed in ``discrete_columns``, or (without reference) a
        query with a single row.

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
    discrete = _discrete_set(discrete_columns, query.columns)
    for column in query.columns:
        if column in discrete:
            continue
        for name, frame in (("query", query), ("reference", reference)):
            if not pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(
                frame[column]
            ):
                raise ValueError(
                    f"Column {column!r} of {name} is not numeric: list it in discrete_columns."
                )
    categories = {
        c: sorted(set(query[c].astype(str)) | set(reference[c].astype(str))) for c in discrete
    }
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
