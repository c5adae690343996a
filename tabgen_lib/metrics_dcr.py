"""Privacy of synthetic tables: copies of real rows, and distances to the closest real row.

- :func:`exact_copy_share` -- the share of synthetic rows that are copies of real rows;
- :func:`distance_to_closest_record` -- how far each row is from its nearest real row;
- :func:`dcr_share` -- the share of synthetic rows closer to the training rows than to
  unseen real rows (0.5 is ideal).

The tables are checked as in :mod:`tabgen_lib.metrics_tables`: discrete columns may hold
missing values, a category of their own; continuous columns must be numeric and complete.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .metrics_tables import as_category_text, check_tables
from .validation import MAX_SEED, check_int

__all__ = ["dcr_share", "distance_to_closest_record", "exact_copy_share"]


def _is_number(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def exact_copy_share(synthetic, real) -> float:
    """Share of synthetic rows that are identical to at least one real row.

    The columns of ``synthetic`` are put in ``real``'s order.  A column numeric in both
    tables is continuous and compared as ``float64`` (so an integer ``3`` equals a float
    ``3.0``); every other column is discrete and compared as text (so a category stored as
    ``object`` equals the same category stored as ``category``, and a missing value equals
    any other missing value).  Values must match exactly: a continuous value that differs
    in the sixth decimal is not a copy, so a low share alone does not prove that no row was
    memorised -- look at :func:`distance_to_closest_record` as well.

    Parameters
    ----------
    synthetic, real : pandas.DataFrame
        Tables with the same column names (in any order).  The continuous columns (numeric
        in both tables) must be complete.

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
        Empty tables, missing values in a continuous column or different columns.

    Examples
    --------
    >>> import pandas as pd
    >>> real = pd.DataFrame({"age": [30, 40, 50], "smoker": ["no", "yes", "no"]})
    >>> synthetic = pd.DataFrame({"smoker": ["no", "no", "yes", "no"], "age": [30.0, 31, 40, 30]})
    >>> exact_copy_share(synthetic, real)  # rows 1, 3 and 4 are copies
    0.75
    """
    frames = [f for f in (real, synthetic) if isinstance(f, pd.DataFrame)]
    columns = real.columns if isinstance(real, pd.DataFrame) else []
    # discrete: every column that is not a number in one of the tables (checked next)
    discrete = [c for c in columns if not all(c in f and _is_number(f[c]) for f in frames)]
    (real, synthetic), discrete = check_tables({"real": real, "synthetic": synthetic}, discrete)
    keys = [
        pd.MultiIndex.from_frame(
            pd.DataFrame(
                {
                    c: as_category_text(frame[c]) if c in discrete else frame[c].astype(np.float64)
                    for c in frame.columns
                }
            )
        )
        for frame in (real, synthetic)
    ]
    return float(keys[1].isin(keys[0]).mean())


def _categories(frames, discrete: list) -> dict:
    """Every category (as text) that a discrete column takes in any of ``frames``."""
    return {
        c: sorted(set().union(*(set(as_category_text(f[c])) for f in frames))) for c in discrete
    }


def _encode(frame: pd.DataFrame, reference: pd.DataFrame, discrete: list, categories: dict):
    """Continuous columns min-max scaled by the reference's range; categories one-hot / sqrt 2."""
    parts = []
    for column in frame.columns:
        if column in discrete:
            codes = pd.Categorical(as_category_text(frame[column]), categories[column]).codes
            onehot = np.zeros((len(frame), len(categories[column])))
            onehot[np.arange(len(frame)), codes] = 1.0 / np.sqrt(2.0)
            parts.append(onehot)
        else:
            low, high = reference[column].min(), reference[column].max()
            span = float(high - low) if high > low else 1.0
            parts.append(((frame[column].to_numpy(np.float64) - float(low)) / span)[:, None])
    return np.hstack(parts)


def _nearest_distance(query: np.ndarray, reference: np.ndarray) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(query)[0][:, 0]


def distance_to_closest_record(query, reference=None, discrete_columns=()) -> np.ndarray:
    """Distance from every row of ``query`` to its nearest row of ``reference``.

    Rows hold mixed types, so they are first turned into numbers:

    * a continuous column is **min-max scaled with the reference's minimum and maximum**,
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
        ``query``; its ranges set the scaling.  ``None`` (default) measures ``query``
        against itself, leaving each row out.
    discrete_columns : list of column names
        The discrete columns; every other column is continuous: numeric and complete.

    Returns
    -------
    numpy.ndarray
        One non-negative distance per row of ``query``.

    Raises
    ------
    TypeError
        An argument is not a DataFrame, or ``discrete_columns`` is not a list of names.
    ValueError
        Empty tables, missing values in a continuous column, different columns, unknown
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
        (query,), discrete = check_tables({"query": query}, discrete_columns)
        reference = query
        if len(query) < 2:
            raise ValueError("query needs at least two rows to measure rows against each other.")
    else:
        (query, reference), discrete = check_tables(
            {"query": query, "reference": reference}, discrete_columns
        )
    categories = _categories([query, reference], discrete)
    q = _encode(query, reference, discrete, categories)
    if not leave_one_out:
        return _nearest_distance(q, _encode(reference, reference, discrete, categories))
    distances, indices = NearestNeighbors(n_neighbors=2).fit(q).kneighbors(q)
    # Row i's two nearest rows normally are i itself (distance 0) and its nearest other
    # row.  With ties at distance 0 (duplicates) row i may come second or not at all; then
    # the first neighbour is another row at distance 0, which is the right answer.
    is_self = indices[:, 0] == np.arange(len(q))
    return np.where(is_self, distances[:, 1], distances[:, 0])


def dcr_share(synthetic, train, holdout, discrete_columns, random_state=0) -> float:
    """Share of synthetic rows closer to the training rows than to unseen real rows.

    A generator that learned the distribution, not the rows, produces rows that are no
    closer to the rows it trained on than to other real rows from the same source: the
    share is then near **0.5**.  A share near 1 means the synthetic rows sit next to
    training rows -- a sign of memorisation.

    ``train`` and ``holdout`` are made the same size first (the larger one is
    subsampled with ``random_state``), so that neither wins by having more rows.  When ``train``
    is the larger one, only its subsample counts: a copy of a training row left out looks
    like a fresh row, so the share understates memorisation (a generator that copies its
    training rows scores about ``0.5 + 0.5 * len(holdout) / len(train)``, not 1); the 0.5
    of a generator that does not memorise stays right.  Distances are
    those of :func:`distance_to_closest_record` (min-max scaled continuous columns, one-hot
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
        The discrete columns; every other column is continuous: numeric and complete.
    random_state : int
        Seed of the subsample.

    Returns
    -------
    float
        Between 0 and 1; 0.5 is ideal.

    Raises
    ------
    TypeError
        An argument is not a DataFrame, ``discrete_columns`` is not a list of names, or
        ``random_state`` is not an integer.
    ValueError
        Empty tables, missing values in a continuous column, different columns, unknown
        discrete columns, a non-numeric column not listed in ``discrete_columns``, or a
        negative ``random_state``.

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
    (train, synthetic, holdout), discrete = check_tables(
        {"train": train, "synthetic": synthetic, "holdout": holdout}, discrete_columns
    )
    random_state = check_int(random_state, "random_state", min_value=0, max_value=MAX_SEED)
    n = min(len(train), len(holdout))
    train = train.sample(n=n, random_state=random_state) if len(train) > n else train
    holdout = holdout.sample(n=n, random_state=random_state) if len(holdout) > n else holdout
    both = pd.concat([train, holdout], ignore_index=True)
    categories = _categories([synthetic, train, holdout], discrete)
    s, t, h = (_encode(f, both, discrete, categories) for f in (synthetic, train, holdout))
    to_train, to_holdout = (_nearest_distance(s, reference) for reference in (t, h))
    tie = np.isclose(to_train, to_holdout, rtol=1e-12, atol=1e-12)
    closer = (to_train < to_holdout) & ~tie
    return float(np.mean(closer + 0.5 * tie))
