"""A table's public domain, and the encoding it fixes, for differentially private generators.

A DP generator's guarantee covers what its noisy training sees; anything it reads from the
rows directly is outside it. The course's :class:`~tabgen_lib.transforms.TabularTransformer`
reads a lot: quantiles, the minimum and maximum of each column (two real people's exact
values), the values to snap to, the categories (a category seen once reveals its person).
:class:`DomainEncoder` reads nothing but the column names and dtypes (the schema). Its
numbers come from a **domain** given in advance:

* a continuous column has bounds :math:`[\\ell, h]` and becomes
  :math:`u = \\operatorname{clip}\\big(2 (x - \\ell) / (h - \\ell) - 1, -1, 1\\big)`, so a
  value beyond the bounds is clipped (it cannot stand out), and comes back as
  :math:`x = \\ell + (u + 1)(h - \\ell)/2`, rounded for an integer column;
* a discrete column has a list of categories and becomes a one-hot block; it comes back
  as the category with the largest output.

Where does a domain come from? From public knowledge: a data dictionary (Adult's
``adult.names`` lists every category), the law (ages 18 to 64 for this insurer), a
previous release, or rows of other people (:func:`domain_of` reads one from any table).
Read from the training rows themselves it is **not** private.

Examples
--------
>>> table = pd.DataFrame({"age": [30, 70], "smoker": ["yes", "no"]})
>>> encoder = DomainEncoder({"age": (18, 64), "smoker": ["no", "yes"]}, ["smoker"]).fit(table)
>>> encoder.transform(table)  # 70 is beyond the public bound 64: clipped to 1
array([[-0.47826087,  0.        ,  1.        ],
       [ 1.        ,  1.        ,  0.        ]], dtype=float32)
>>> encoder.inverse_transform(encoder.transform(table))
   age smoker
0   30    yes
1   64     no
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from . import validation
from .transforms import ColumnSpan

__all__ = ["DomainEncoder", "domain_of"]


def domain_of(data, discrete_columns=()) -> dict:
    """A domain read from ``data``: ``{column: (low, high)}`` for a continuous column (its
    minimum and maximum), ``{column: [categories]}`` for a discrete one (sorted as text).

    Public if ``data`` is; read from a DP generator's training rows it is not covered by
    the generator's guarantee.

    Examples
    --------
    >>> domain_of(pd.DataFrame({"age": [30, 41], "smoker": ["yes", "no"]}), ["smoker"])
    {'age': (30.0, 41.0), 'smoker': ['no', 'yes']}
    """
    discrete = validation.check_table(data, discrete_columns)
    return {
        c: sorted(data[c].unique().tolist(), key=str)
        if c in discrete
        else (float(data[c].min()), float(data[c].max()))
        for c in data.columns
    }


def _check_entry(column, entry, discrete: bool):
    """One column's domain: a non-empty list of categories, or ``(low, high)`` with low < high."""
    if discrete:
        if isinstance(entry, str) or not hasattr(entry, "__iter__") or not list(entry):
            raise ValueError(f"domain[{column!r}] must be a non-empty list of categories.")
        return list(entry)
    if isinstance(entry, str) or not hasattr(entry, "__len__") or len(entry) != 2:
        raise ValueError(f"domain[{column!r}] must be (low, high) for a continuous column.")
    low = validation.check_float(entry[0], f"domain[{column!r}][0]")
    high = validation.check_float(entry[1], f"domain[{column!r}][1]")
    if not low < high:
        raise ValueError(f"domain[{column!r}] == {tuple(entry)}: low must be below high.")
    return low, high


class DomainEncoder(BaseEstimator):
    """Rows to numbers in :math:`[-1, 1]` and back, on a fixed domain (module docstring).

    Parameters
    ----------
    domain : dict
        ``{column: (low, high)}`` for continuous and ``{column: [categories]}`` for
        discrete columns; every column of the table needs an entry.
    discrete_columns : list of column names
        The discrete columns; every other column is continuous.

    Attributes
    ----------
    domain_ : dict
        The checked domain of the table's columns.
    columns_, discrete_, dtypes_ : list, list, dict
        The table's columns, its discrete ones and the dtypes (restored by
        :meth:`inverse_transform`).
    spans_ : list of ColumnSpan
        Continuous columns first (one number each), then one one-hot block per discrete
        column: the layout :class:`~tabgen_lib.models.Autoencoder` expects.
    """

    def __init__(self, domain, discrete_columns=()):
        self.domain = domain
        self.discrete_columns = discrete_columns

    def fit(self, data, y=None) -> DomainEncoder:
        """Check the domain against ``data``'s columns; keep only its schema (names, dtypes)."""
        discrete = validation.check_table(data, self.discrete_columns)
        if not isinstance(self.domain, dict):
            raise TypeError(
                "domain must be a dict {column: (low, high) or [categories]}, "
                f"got {type(self.domain).__name__}."
            )
        missing = [c for c in data.columns if c not in self.domain]
        if missing:
            raise ValueError(f"domain has no entry for the column(s) {missing}.")
        self.domain_ = {c: _check_entry(c, self.domain[c], c in discrete) for c in data.columns}
        self.columns_, self.discrete_ = list(data.columns), discrete
        self.dtypes_ = {c: data[c].dtype for c in data.columns}
        order = [c for c in data.columns if c not in discrete] + discrete
        self.spans_, start = [], 0
        for c in order:
            width = len(self.domain_[c]) if c in discrete else 1
            kind = "discrete" if c in discrete else "continuous"
            self.spans_.append(ColumnSpan(c, kind, start, start + width))
            start += width
        return self

    def transform(self, data) -> np.ndarray:
        """``data`` (the fitted columns) as a float32 matrix; a category outside the domain
        raises a :class:`ValueError`."""
        validation.check_fitted(self, "spans_")
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
        missing = [c for c in self.columns_ if c not in data.columns]
        if missing:
            raise ValueError(f"data lacks the column(s) {missing} of the fitted table.")
        data = data[self.columns_]
        validation.check_table(data, self.discrete_)
        out = np.zeros((len(data), self.spans_[-1].end), dtype=np.float32)
        for span in self.spans_:
            values = data[span.name]
            if span.kind == "continuous":
                low, high = self.domain_[span.name]
                scaled = 2 * (values.to_numpy(float) - low) / (high - low) - 1
                out[:, span.start] = np.clip(scaled, -1, 1)
                continue
            codes = pd.Index(self.domain_[span.name]).get_indexer(values)
            if (codes < 0).any():
                unknown = sorted(set(values[codes < 0]), key=str)[:5]
                raise ValueError(
                    f"Column {span.name!r} holds values {unknown} that are not in its domain: "
                    "add them to the public categories."
                )
            out[np.arange(len(data)), span.start + codes] = 1.0
        return out

    def inverse_transform(self, matrix: np.ndarray) -> pd.DataFrame:
        """A table from numbers: clipped to the bounds (rounded for integer columns), and
        the category of the largest output of each block; the fitted dtypes."""
        validation.check_fitted(self, "spans_")
        values = {}
        for span in self.spans_:
            block = np.asarray(matrix)[:, span.start : span.end]
            dtype = self.dtypes_[span.name]
            if span.kind == "continuous":
                low, high = self.domain_[span.name]
                unit = np.clip(block[:, 0].astype(np.float64), -1, 1)  # float64: no rounding
                number = np.clip(low + (unit + 1) / 2 * (high - low), low, high)  # out of bounds
                if pd.api.types.is_integer_dtype(dtype):
                    number = np.round(number)
                values[span.name] = number.astype(dtype)
            else:
                categories = np.asarray(self.domain_[span.name], dtype=object)
                values[span.name] = pd.Series(categories[block.argmax(axis=1)]).astype(dtype)
        return pd.DataFrame({c: values[c] for c in self.columns_})
