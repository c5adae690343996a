"""A reversible transformer between a mixed-type table and a matrix of numbers.

Neural networks need numbers; tables hold integers, money amounts and categories.
:class:`TabularTransformer` turns a :class:`pandas.DataFrame` into a float matrix and back:

- a **categorical** column becomes a one-hot block (one 0/1 column per category seen in
  training);
- a **numeric** column is mapped through its empirical cumulative distribution onto
  :math:`[-1, 1]` (:class:`sklearn.preprocessing.QuantileTransformer` to a uniform scale,
  then :math:`2u - 1`). Skewed columns (incomes, weights) become evenly spread, and a
  *spike* -- a value that many rows share, such as ``capital-gain == 0`` in the Adult
  data -- keeps its share: the whole interval of scale values below the spike's share
  maps back onto the spike;
- the **inverse** maps numbers back into the original columns, order and dtypes:
  categories are the most likely one of their block, numbers are clipped to the range seen
  in training, integer columns are rounded, and a numeric column with few distinct values
  (at most ``max_snap_values``: ages, hours, capital gains) is *snapped* to the nearest
  value seen in training, so a generator cannot invent an age of 37.4 or a capital gain
  of 13 dollars that no one reports;
- a numeric column that is a **function of a categorical column** (in Adult,
  ``education-num`` is the number of ``education``) is not modelled at all: it is
  recomputed from that column on the way back, so the pair can never disagree. It counts
  as one only with real evidence: one value per category, and on average at least
  ``MIN_ROWS_PER_CATEGORY`` (5) rows per category. With fewer rows per category (a zip
  code, a name) every column looks like a function of it, and the lookup would copy real
  rows' exact numbers into the synthetic ones.

Identifiers: a categorical column in which more than ``MAX_DISTINCT_SHARE`` (50 %) of the
rows have a value of their own, with at least ``MIN_ID_VALUES`` (20) distinct values (a
name, a customer number, a zip code in a small table), is refused with a
:class:`ValueError`: drop it before fitting, synthetic data must not copy identifiers.

Missing values: categorical columns may hold NaN (it becomes a category of its own, shown
as NaN again on the way back); numeric columns must not (impute or drop them first -- the
error message says so).

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"age": [23, 35, 35, 61], "city": ["Oslo", "Rome", "Oslo", "Rome"]})
>>> tf = TabularTransformer().fit(table, discrete_columns=["city"])
>>> tf.output_dim
3
>>> tf.inverse_transform(tf.transform(table)).equals(table)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.preprocessing import QuantileTransformer

__all__ = ["ColumnSpan", "TabularTransformer", "check_table"]

# A marker for NaN inside a category list (NaN != NaN breaks lookups).
_MISSING = "<NA>"

#: A categorical column with more distinct values than this share of the rows ...
MAX_DISTINCT_SHARE = 0.5
#: ... and at least this many distinct values is an identifier and is refused.
MIN_ID_VALUES = 20
#: A numeric column is derived from a categorical one only if the categories hold at
#: least this many rows on average (and the column has one value per category).
MIN_ROWS_PER_CATEGORY = 5


@dataclass(frozen=True)
class ColumnSpan:
    """Where one modelled column lives in the transformed matrix.

    ``kind`` is ``"numeric"`` (one column) or ``"categorical"`` (a one-hot block of
    ``end - start`` columns).
    """

    name: str
    kind: str
    start: int
    end: int


def check_table(data, discrete_columns: Iterable = ()) -> tuple[pd.DataFrame, list]:
    """Validate a table and its list of discrete columns; return them cleaned up.

    Raises a :class:`TypeError` or :class:`ValueError` that says what to fix: not a
    DataFrame, no rows, duplicated column names, unknown discrete columns, numeric
    columns that are not numbers, NaN in numeric columns, columns that are empty or hold
    a single value, and discrete columns that look like identifiers (more than
    ``MAX_DISTINCT_SHARE`` = 50 % of the rows distinct and at least ``MIN_ID_VALUES`` = 20
    distinct values, missing values not counted): synthetic rows must not copy names or
    customer numbers, so such a column has to be dropped before fitting.

    Examples
    --------
    >>> check_table(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), ["b"])[1]
    ['b']
    >>> check_table(pd.DataFrame({"a": [1, 2]}), ["z"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: discrete_columns names columns that are not in the table: ['z']. ...
    >>> ids = pd.DataFrame({"name": [f"n{i}" for i in range(40)], "a": range(40)})
    >>> check_table(ids, ["name"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Column 'name' looks like an identifier: 40 distinct values in 40 rows. ...
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    if len(data) == 0 or data.shape[1] == 0:
        raise ValueError("data is empty: it needs at least one row and one column.")
    if data.columns.duplicated().any():
        dup = sorted(map(str, data.columns[data.columns.duplicated()]))
        raise ValueError(f"data has duplicated column names {dup}: rename them first.")
    if isinstance(discrete_columns, str):
        raise TypeError(
            "discrete_columns must be a list of column names, not a single string: "
            f"write [{discrete_columns!r}]."
        )
    discrete = list(discrete_columns)
    unknown = [c for c in discrete if c not in data.columns]
    if unknown:
        raise ValueError(
            f"discrete_columns names columns that are not in the table: {unknown}. "
            f"The table's columns are {list(data.columns)}."
        )
    for column in data.columns:
        values = data[column]
        if values.isna().all():
            raise ValueError(f"Column {column!r} holds only missing values: drop it first.")
        if column in discrete:
            continue
        if not (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)):
            raise ValueError(
                f"Column {column!r} is not numeric (dtype {values.dtype}) but is not listed in "
                "discrete_columns: add it to discrete_columns or convert it to numbers."
            )
        if values.isna().any():
            raise ValueError(
                f"Numeric column {column!r} has {int(values.isna().sum())} missing values. "
                "Numeric columns must be complete: impute them (e.g. with the median) or drop "
                "those rows before fitting."
            )
        if not np.isfinite(values.to_numpy(dtype=float)).all():
            raise ValueError(f"Numeric column {column!r} holds infinite values: remove them.")
    constant = [c for c in data.columns if data[c].nunique(dropna=False) < 2]
    if constant:
        raise ValueError(
            f"Columns {constant} hold a single value: there is nothing to learn about them. "
            "Drop them before fitting and add them back to the samples afterwards."
        )
    for column in discrete:
        distinct = data[column].nunique(dropna=True)
        if distinct >= MIN_ID_VALUES and distinct > MAX_DISTINCT_SHARE * len(data):
            raise ValueError(
                f"Column {column!r} looks like an identifier: {distinct} distinct values in "
                f"{len(data)} rows. Drop the identifier column before fitting (e.g. "
                f"data.drop(columns=[{column!r}])): synthetic data must not copy identifiers, "
                "and a value seen in one or two rows teaches a model nothing. If the column is "
                "a real category with many rare values, group the rare ones first."
            )
    return data, discrete


def _py(value):
    """A NumPy scalar as the plain Python value (checkpoints store plain data only)."""
    return value.item() if isinstance(value, np.generic) else value


def _category_key(value):
    return _MISSING if pd.isna(value) else _py(value)


class TabularTransformer:
    """Reversible transformer: one-hot categories, numbers on a quantile scale in [-1, 1].

    Parameters
    ----------
    max_snap_values : int
        A numeric column with at most this many distinct training values is snapped back
        onto them by :meth:`inverse_transform` (0 disables snapping).
    detect_derived : bool
        Find numeric columns that are a function of one categorical column and rebuild
        them from it instead of modelling them. A column counts as one when it has a
        single value in every category of a column with, on average, at least
        ``MIN_ROWS_PER_CATEGORY`` (5) rows per category; a near-unique key never qualifies.
    n_quantiles : int
        Number of quantiles of the quantile transform (at most the number of rows).

    Attributes
    ----------
    columns_ : list
        The training table's columns, in order.
    spans_ : list of ColumnSpan
        The modelled columns and their place in the transformed matrix.
    derived_ : dict
        ``{numeric column: (categorical column, {category: value})}`` for derived columns.
    output_dim : int
        Width of the transformed matrix.

    Examples
    --------
    >>> table = pd.DataFrame({"n": range(15), "grade": ["a", "b", "c"] * 5,
    ...                       "level": [10, 20, 30] * 5})
    >>> tf = TabularTransformer().fit(table, discrete_columns=["grade"])
    >>> tf.derived_["level"][0]         # level is a function of grade: not modelled
    'grade'
    >>> [s.name for s in tf.spans_]
    ['n', 'grade']
    """

    def __init__(
        self, max_snap_values: int = 256, detect_derived: bool = True, n_quantiles: int = 1000
    ):
        self.max_snap_values = max_snap_values
        self.detect_derived = detect_derived
        self.n_quantiles = n_quantiles

    # ----------------------------------------------------------------- fitting
    def fit(self, data, discrete_columns: Iterable = ()) -> TabularTransformer:
        """Learn categories, quantiles, ranges and derived columns from ``data``."""
        if isinstance(self.max_snap_values, bool) or not isinstance(self.max_snap_values, int):
            raise TypeError("max_snap_values must be an integer.")
        if self.max_snap_values < 0:
            raise ValueError(f"max_snap_values must be >= 0, got {self.max_snap_values}.")
        if isinstance(self.n_quantiles, bool) or not isinstance(self.n_quantiles, int):
            raise TypeError("n_quantiles must be an integer.")
        if self.n_quantiles < 2:
            raise ValueError(f"n_quantiles must be at least 2, got {self.n_quantiles}.")
        data, discrete = check_table(data, discrete_columns)
        self.columns_ = list(data.columns)
        self.discrete_ = [c for c in self.columns_ if c in discrete]
        self.dtypes_ = {c: str(data[c].dtype) for c in self.columns_}
        numeric = [c for c in self.columns_ if c not in discrete]

        self.derived_ = {}
        if self.detect_derived:
            # Only categories with enough rows are evidence: with about one row per
            # category every numeric column has "one value per category", and rebuilding
            # it from a lookup would copy real rows' numbers into synthetic ones.
            sources = [
                s
                for s in self.discrete_
                if 2 <= data[s].nunique(dropna=False) <= len(data) / MIN_ROWS_PER_CATEGORY
            ]
            for column in numeric:
                for source in sources:
                    keys = data[source].map(_category_key)
                    per_group = data[column].groupby(keys).nunique()
                    if (per_group == 1).all():
                        first = data[column].groupby(keys).first()
                        self.derived_[column] = (source, {k: _py(v) for k, v in first.items()})
                        break
        self.numeric_ = [c for c in numeric if c not in self.derived_]

        self.categories_ = {
            c: sorted({_category_key(v) for v in data[c].unique()}, key=lambda v: (str(type(v)), v))
            for c in self.discrete_
        }
        self.ranges_ = {c: (_py(data[c].min()), _py(data[c].max())) for c in self.numeric_}
        self.snap_values_ = {}
        for c in self.numeric_:
            unique = np.unique(data[c].to_numpy(dtype=float))
            if len(unique) <= self.max_snap_values:
                self.snap_values_[c] = unique
        self.quantile_ = None
        if self.numeric_:
            self.quantile_ = QuantileTransformer(
                n_quantiles=min(self.n_quantiles, len(data)),
                output_distribution="uniform",
                subsample=10**9,
            ).fit(data[self.numeric_].to_numpy(dtype=float))

        self._build_spans()
        return self

    def _build_spans(self) -> None:
        spans, start = [], 0
        for c in self.numeric_:
            spans.append(ColumnSpan(c, "numeric", start, start + 1))
            start += 1
        for c in self.discrete_:
            width = len(self.categories_[c])
            spans.append(ColumnSpan(c, "categorical", start, start + width))
            start += width
        self.spans_, self.output_dim = spans, start

    def _check_fitted(self) -> None:
        if not hasattr(self, "spans_"):
            raise RuntimeError("This transformer is not fitted yet: call fit(data) first.")

    # ----------------------------------------------------------------- forward
    def transform(self, data) -> np.ndarray:
        """Encode ``data`` (the training columns) as a float32 matrix.

        Categories not seen in training raise a :class:`ValueError`.
        """
        self._check_fitted()
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
        missing = [c for c in self.columns_ if c not in data.columns]
        if missing:
            raise ValueError(
                f"data lacks the columns {missing} that the transformer was fitted on; "
                f"expected {self.columns_}."
            )
        if len(data) == 0:
            raise ValueError("data is empty: it needs at least one row.")
        out = np.zeros((len(data), self.output_dim), dtype=np.float32)
        if self.numeric_:
            values = data[self.numeric_]
            if values.isna().any().any():
                bad = list(values.columns[values.isna().any()])
                raise ValueError(f"Numeric columns {bad} hold missing values: impute them first.")
            uniform = self.quantile_.transform(values.to_numpy(dtype=float))
            out[:, : len(self.numeric_)] = 2.0 * uniform - 1.0
        for span in self.spans_:
            if span.kind != "categorical":
                continue
            index = {v: i for i, v in enumerate(self.categories_[span.name])}
            keys = data[span.name].map(_category_key)
            codes = keys.map(index)
            if codes.isna().any():
                unseen = sorted(map(str, keys[codes.isna()].unique()))[:5]
                raise ValueError(
                    f"Column {span.name!r} holds categories never seen in training: {unseen}."
                )
            out[np.arange(len(data)), span.start + codes.to_numpy(dtype=int)] = 1.0
        return out

    # ----------------------------------------------------------------- inverse
    def inverse_transform(self, matrix) -> pd.DataFrame:
        """Decode a matrix (rows of transformed numbers or logits) into a DataFrame.

        For a categorical block the category with the largest value wins, so both one-hot
        rows and a decoder's logits can be passed.
        """
        self._check_fitted()
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != self.output_dim:
            raise ValueError(
                f"Expected a matrix with {self.output_dim} columns, got shape {matrix.shape}."
            )
        if not np.isfinite(matrix).all():
            raise ValueError("The matrix holds NaN or infinite values: the model diverged.")
        columns = {}
        if self.numeric_:
            uniform = np.clip((matrix[:, : len(self.numeric_)] + 1.0) / 2.0, 0.0, 1.0)
            numbers = self.quantile_.inverse_transform(uniform)
            for j, c in enumerate(self.numeric_):
                low, high = self.ranges_[c]
                values = np.clip(numbers[:, j], low, high)
                if c in self.snap_values_:
                    values = _snap(values, self.snap_values_[c])
                columns[c] = values
        for span in self.spans_:
            if span.kind == "categorical":
                cats = self.categories_[span.name]
                picks = matrix[:, span.start : span.end].argmax(axis=1)
                columns[span.name] = [np.nan if cats[i] == _MISSING else cats[i] for i in picks]
        for c, (source, mapping) in self.derived_.items():
            columns[c] = [mapping[_category_key(v)] for v in columns[source]]
        frame = pd.DataFrame({c: columns[c] for c in self.columns_})
        for c in self.columns_:
            dtype = self.dtypes_[c]
            if c not in self.discrete_ and dtype.startswith(("int", "uint", "Int", "UInt")):
                frame[c] = np.round(frame[c].to_numpy(dtype=float))
            try:
                frame[c] = frame[c].astype(dtype)
            except (TypeError, ValueError):  # e.g. a categorical column with a NaN
                pass
        return frame

    # ----------------------------------------------------------------- state
    def get_state(self) -> dict:
        """The fitted state as plain lists, numbers and strings (checkpoint-safe)."""
        self._check_fitted()
        state = {
            "settings": {
                "max_snap_values": self.max_snap_values,
                "detect_derived": self.detect_derived,
                "n_quantiles": self.n_quantiles,
            },
            "columns": list(self.columns_),
            "discrete": list(self.discrete_),
            "numeric": list(self.numeric_),
            "dtypes": dict(self.dtypes_),
            "categories": {c: list(v) for c, v in self.categories_.items()},
            "ranges": {c: list(v) for c, v in self.ranges_.items()},
            "snap_values": {c: v.tolist() for c, v in self.snap_values_.items()},
            "derived": {c: [s, list(m.items())] for c, (s, m) in self.derived_.items()},
        }
        if self.quantile_ is not None:
            state["quantiles"] = self.quantile_.quantiles_.tolist()
            state["references"] = self.quantile_.references_.tolist()
        return state

    @classmethod
    def from_state(cls, state: dict) -> TabularTransformer:
        """Rebuild a fitted transformer from :meth:`get_state`'s output."""
        try:
            tf = cls(**state["settings"])
            tf.columns_ = list(state["columns"])
            tf.discrete_ = list(state["discrete"])
            tf.numeric_ = list(state["numeric"])
            tf.dtypes_ = dict(state["dtypes"])
            tf.categories_ = {c: list(v) for c, v in state["categories"].items()}
            tf.ranges_ = {c: tuple(v) for c, v in state["ranges"].items()}
            tf.snap_values_ = {c: np.asarray(v, float) for c, v in state["snap_values"].items()}
            tf.derived_ = {c: (s, dict(map(tuple, m))) for c, (s, m) in state["derived"].items()}
            tf.quantile_ = None
            if tf.numeric_:
                quantiles = np.asarray(state["quantiles"], dtype=float)
                tf.quantile_ = QuantileTransformer(
                    n_quantiles=len(quantiles), output_distribution="uniform"
                )
                tf.quantile_.quantiles_ = quantiles
                tf.quantile_.references_ = np.asarray(state["references"], dtype=float)
                tf.quantile_.n_quantiles_ = len(quantiles)
                tf.quantile_.n_features_in_ = len(tf.numeric_)
        except (KeyError, TypeError, ValueError) as err:
            reason = f"{type(err).__name__}: {err}"
            raise ValueError(f"Not a valid transformer state ({reason}).") from err
        tf._build_spans()
        return tf


def _snap(values: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Replace each value by the nearest of the sorted ``allowed`` values."""
    right = (
        np.clip(np.searchsorted(allowed, values), 1, len(allowed) - 1) if len(allowed) > 1 else None
    )
    if right is None:
        return np.full_like(values, allowed[0])
    left = right - 1
    take_left = np.abs(values - allowed[left]) <= np.abs(allowed[right] - values)
    return np.where(take_left, allowed[left], allowed[right])
