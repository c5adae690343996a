"""A reversible transformer between a mixed-type table and a matrix of numbers.

Neural networks need numbers; tables hold integers, money amounts and categories.
:class:`TabularTransformer` turns a :class:`pandas.DataFrame` into a float matrix and back:

- a **discrete** column becomes a one-hot block (one 0/1 column per category seen in
  training);
- a **continuous** column is mapped through its empirical cumulative distribution onto
  :math:`[-1, 1]` (:class:`sklearn.preprocessing.QuantileTransformer` to a uniform scale,
  then :math:`2u - 1`). Skewed columns (incomes, weights) become evenly spread, and a
  *spike* -- a value that many rows share, such as ``capital-gain == 0`` in the Adult
  data -- keeps its share: the whole interval of scale values below the spike's share
  maps back onto the spike;
- the **inverse** maps numbers back into the original columns, order and dtypes:
  categories are the most likely one of their block, numbers are clipped to the range seen
  in training, integer columns are rounded, and a continuous column with few distinct values
  (at most ``max_snap_values``: ages, hours, capital gains) is *snapped* to the nearest
  value seen in training, so a generator cannot invent an age of 37.4 or a capital gain
  of 13 dollars that no one reports. Only a column whose values repeat qualifies: on
  average at least ``MIN_ROWS_PER_SNAP_VALUE`` (2) rows per distinct value. In a small
  table where nearly every row has its own value (the bills of 146 restaurant meals),
  snapping would hand each synthetic row some real person's exact number, and whole
  rows could come out as copies of training rows; such a column is left continuous. Every
  column gets its training dtype back (an ordered
  categorical dtype keeps its categories and order), or a :class:`ValueError` says why it
  cannot;
- a **spiked** continuous column (``spike_share``, off by default): when the column's
  smallest or largest value is held by at least that share of the rows (``capital-gain ==
  0`` for 92 % of Adult), the quantile scale above gives the other values only the rest of
  the interval -- Adult's non-zero capital gains are squeezed into its top 8 %, and a
  decoder must hit that sliver precisely to tell a gain of 3,000 dollars from one of
  15,000. With ``spike_share`` set, such a column becomes two parts: a two-category
  *flag* block (at the spike or not), and a quantile scale fitted on the other rows only,
  on which a spike row sits at the end next to its value (-1 for a spike at the minimum).
  On the way back a row whose flag says "spike" gets the spike's value, any other row the
  value its scale points to. (CTGAN's mode-specific normalisation meets the same problem
  with a Gaussian mixture per column; Xu et al. 2019.) When the spiked column is also
  snapped -- its values repeat, so every decoded value is one seen in training anyway
  (Adult: 119 capital-gain amounts, 92 capital-loss amounts) -- the flag
  grows into a **value block**: one category per value, the spike one of them, so the
  decoder *picks* an amount with a softmax instead of aiming at its sliver of a scale.
  Two conditions, both measured with the AE-Diffusion on small public tables (three seeds
  each). *Many values*: at least ``MIN_BLOCK_VALUES`` (20) other than the spike, so that
  neighbouring values lie less than a tenth of the scale apart (on Adult, with about a
  hundred amounts, the decoder returned a wrong one for three in four non-zero gains:
  :mod:`tabgen_lib.autoencoder_stage`). With a few values the scale already keeps them far
  apart, and a block only loses their order: on a table of 523 rows whose number of young
  children (0 to 3) became a block, the efficacy of the random forest and of gradient
  boosting fell from 1.021 and 0.998 to 0.927 and 0.920. *Evidence for each value*, as for a
  derived column: the other values hold on average at least ``MIN_ROWS_PER_CATEGORY`` (5)
  rows each. Otherwise most values are held by one or two rows and the softmax has too
  little to learn each from: on a table of 452 rows with 116 wages other than 0, held by 1.8
  rows each on average, a value block let a random forest tell the AE-Diffusion's rows from
  real ones with an AUC of 0.99-1.00, against 0.63-0.69 with a flag and a scale. On the way
  back the most likely value wins; a value not seen in training (an unseen row's) is first
  snapped to the nearest one seen.
- a continuous column that is a **function of a discrete column** (in Adult,
  ``education-num`` is the number of ``education``) is not modelled at all: it is
  recomputed from that column on the way back, so the pair can never disagree. It counts
  as one only with real evidence: one value per category, and on average at least
  ``MIN_ROWS_PER_CATEGORY`` (5) rows per category. With fewer rows per category (a zip
  code, a name) every column looks like a function of it, and the lookup would copy real
  rows' exact numbers into the synthetic ones.

Identifiers: a discrete column in which more than ``MAX_DISTINCT_SHARE`` (50 %) of the
rows have a value of their own, with at least ``MIN_ID_VALUES`` (20) distinct values (a
name, a customer number, a zip code in a small table), is refused with a
:class:`ValueError`: drop it before fitting, synthetic data must not copy identifiers.

Missing values: discrete columns may hold NaN (it becomes a category of its own, shown
as NaN again on the way back); continuous columns must not (impute or drop them first -- the
error message says so). The checks are :func:`tabgen_lib.validation.check_table`'s, plus the
rules of :func:`check_table` below.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"age": [23, 35, 35, 61], "city": ["Oslo", "Rome", "Oslo", "Rome"]})
>>> tf = TabularTransformer().fit(table, discrete_columns=["city"])
>>> tf.output_dim_
3
>>> tf.inverse_transform(tf.transform(table)).equals(table)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.preprocessing import QuantileTransformer

from . import validation

__all__ = ["ColumnSpan", "TabularTransformer", "check_table"]

# A marker for NaN inside a category list (NaN != NaN breaks lookups).
_MISSING = "<NA>"

#: A discrete column with more distinct values than this share of the rows ...
MAX_DISTINCT_SHARE = 0.5
#: ... and at least this many distinct values is an identifier and is refused.
MIN_ID_VALUES = 20
#: A continuous column is derived from a discrete one only if the categories hold at
#: least this many rows on average (and the column has one value per category).
MIN_ROWS_PER_CATEGORY = 5
#: A continuous column is snapped onto its training values only if each value is shared
#: by at least this many rows on average.
MIN_ROWS_PER_SNAP_VALUE = 2
#: A spiked, snapped column becomes a value block only with at least this many values
#: other than the spike (and ``MIN_ROWS_PER_CATEGORY`` rows per value on average).
MIN_BLOCK_VALUES = 20
#: Suffix of the name of a spiked column's flag block in ``spans_``.
SPIKE_FLAG = " (spike?)"
#: Suffix of the name of a spiked column's value block in ``spans_``.
VALUE_BLOCK = " (value)"


@dataclass(frozen=True)
class ColumnSpan:
    """Where one modelled column lives in the transformed matrix.

    ``kind`` is ``"continuous"`` (one column) or ``"discrete"`` (a one-hot block of
    ``end - start`` columns). A spiked column's flag block is a discrete span of two
    columns (not at the spike, at the spike) named after the column plus :data:`SPIKE_FLAG`;
    a value block is a discrete span with one column per value, named after the column
    plus :data:`VALUE_BLOCK`.
    """

    name: str
    kind: str
    start: int
    end: int


def check_table(data, discrete_columns: Iterable = ()) -> tuple[pd.DataFrame, list]:
    """Validate a table and its list of discrete columns; return them cleaned up.

    First the library's rules (:func:`tabgen_lib.validation.check_table`: a non-empty
    DataFrame, unique column names, known discrete columns, continuous columns numeric and
    complete), then the transformer's own: no column that is empty or holds a single value,
    no infinite numbers, and no discrete column that looks like an identifier (more than
    ``MAX_DISTINCT_SHARE`` = 50 % of the rows distinct and at least ``MIN_ID_VALUES`` = 20
    distinct values, missing values not counted): synthetic rows must not copy names or
    customer numbers, so such a column has to be dropped before fitting. Wrong types raise
    a :class:`TypeError`, wrong values a :class:`ValueError` that says what to fix.

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
    discrete = validation.check_table(data, discrete_columns)
    for column in data.columns:
        values = data[column]
        if values.isna().all():  # only a discrete column gets here with a missing value
            raise ValueError(f"Column {column!r} holds only missing values: drop it first.")
        if column not in discrete and not np.isfinite(values.to_numpy(dtype=float)).all():
            raise ValueError(f"Continuous column {column!r} holds infinite values: remove them.")
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


def _dtype_state(dtype) -> str | dict:
    """A dtype as plain data: its name, or a categorical dtype's categories and order."""
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None:
        categories = [_py(v) for v in dtype.categories]
        return {"categories": categories, "ordered": bool(dtype.ordered)}
    return str(dtype)


def _dtype_from_state(state):
    if isinstance(state, dict):
        return pd.CategoricalDtype(state["categories"], ordered=state["ordered"])
    return pd.api.types.pandas_dtype(state)


class TabularTransformer(BaseEstimator):
    """Reversible transformer: one-hot categories, numbers on a quantile scale in [-1, 1].

    Parameters
    ----------
    max_snap_values : int
        A continuous column with at most this many distinct training values, and on
        average at least ``MIN_ROWS_PER_SNAP_VALUE`` (2) training rows per value, is snapped
        back onto them by :meth:`inverse_transform` (0 disables snapping).
    detect_derived : bool
        Find continuous columns that are a function of one discrete column and rebuild
        them from it instead of modelling them. A column counts as one when it has a
        single value in every category of a column with, on average, at least
        ``MIN_ROWS_PER_CATEGORY`` (5) rows per category; a near-unique key never qualifies.
    n_quantiles : int
        Number of quantiles of the quantile transform (at most the number of rows).
    spike_share : float or None
        A continuous (modelled) column whose smallest or largest value is held by at least
        this share of the rows, with at least two other distinct values, is encoded as a
        flag block plus a quantile scale of its other values, or, if the column is snapped
        (its values repeat) and its other values are at least ``MIN_BLOCK_VALUES`` (20)
        and hold on average at least ``MIN_ROWS_PER_CATEGORY`` (5) rows each, as a value
        block with one category per value (module docstring). ``None`` (the default):
        every continuous column gets one quantile scale.

    Attributes
    ----------
    columns_ : list
        The training table's columns, in order.
    discrete_, continuous_ : list
        The discrete columns, and the continuous columns that are modelled (not derived).
    dtypes_ : dict
        ``{column: dtype}`` of the training table, restored by :meth:`inverse_transform`.
    spans_ : list of ColumnSpan
        The modelled columns and their place in the transformed matrix.
    derived_ : dict
        ``{continuous column: (discrete column, {category: value})}`` for derived columns.
    spikes_ : dict
        ``{continuous column: spike value}`` for the spiked columns (empty without
        ``spike_share``).
    value_blocks_ : dict
        ``{continuous column: sorted array of its values}`` for the spiked columns encoded
        as a value block (a subset of ``spikes_``).
    output_dim_ : int
        Width of the transformed matrix.

    Examples
    --------
    >>> table = pd.DataFrame({"n": range(15), "grade": ["a", "b", "c"] * 5,
    ...                       "level": [10, 20, 30] * 5})
    >>> tf = TabularTransformer().fit(table, discrete_columns=["grade"])
    >>> tf.derived_["level"][0]         # level is a function of grade: not modelled
    'grade'
    >>> [(s.name, s.kind) for s in tf.spans_]
    [('n', 'continuous'), ('grade', 'discrete')]
    >>> gains = pd.DataFrame({"gain": [0] * 8 + [100, 250, 900]})
    >>> spiked = TabularTransformer(spike_share=0.5).fit(gains)  # one row per other value
    >>> spiked.spikes_, [s.name for s in spiked.spans_]
    ({'gain': 0}, ['gain', 'gain (spike?)'])
    >>> spiked.transform(gains)[[0, 8, 10]].round(2).tolist()  # scale, then flag (no, yes)
    [[-1.0, 0.0, 1.0], [-1.0, 1.0, 0.0], [1.0, 1.0, 0.0]]
    >>> spiked.inverse_transform(spiked.transform(gains)).equals(gains)
    True
    >>> common = pd.DataFrame({"gain": [0] * 200 + list(range(100, 2100, 100)) * 5})
    >>> blocked = TabularTransformer(spike_share=0.5).fit(common)  # 20 values, 5 rows each
    >>> [s.name for s in blocked.spans_], len(blocked.value_blocks_["gain"])
    (['gain (value)'], 21)
    >>> blocked.transform(common)[[0, 200, 201]].argmax(axis=1).tolist()  # one category per value
    [0, 1, 2]
    >>> blocked.inverse_transform(blocked.transform(common)).equals(common)
    True
    """

    def __init__(
        self,
        max_snap_values: int = 256,
        detect_derived: bool = True,
        n_quantiles: int = 1000,
        spike_share: float | None = None,
    ):
        self.max_snap_values = max_snap_values
        self.detect_derived = detect_derived
        self.n_quantiles = n_quantiles
        self.spike_share = spike_share

    # old names, kept for existing code
    numeric_ = property(lambda self: self.continuous_, doc="Old name of ``continuous_``.")
    output_dim = property(lambda self: self.output_dim_, doc="Old name of ``output_dim_``.")

    # ----------------------------------------------------------------- fitting
    def fit(self, data, discrete_columns: Iterable = ()) -> TabularTransformer:
        """Learn categories, quantiles, ranges and derived columns from ``data``."""
        validation.check_int(self.max_snap_values, "max_snap_values", min_value=0)
        validation.check_int(self.n_quantiles, "n_quantiles", min_value=2)
        if not isinstance(self.detect_derived, bool):
            raise TypeError(f"detect_derived must be True or False, got {self.detect_derived!r}.")
        if self.spike_share is not None:
            validation.check_float(
                self.spike_share, "spike_share", min_value=0, max_value=1, include_min=False
            )
        data, discrete = check_table(data, discrete_columns)
        self.columns_ = list(data.columns)
        self.discrete_ = [c for c in self.columns_ if c in discrete]
        self.dtypes_ = {c: data[c].dtype for c in self.columns_}
        continuous = [c for c in self.columns_ if c not in discrete]

        self.derived_ = {}
        if self.detect_derived:
            # Only categories with enough rows are evidence: with about one row per
            # category every continuous column has "one value per category", and rebuilding
            # it from a lookup would copy real rows' numbers into synthetic ones.
            sources = [
                s
                for s in self.discrete_
                if 2 <= data[s].nunique(dropna=False) <= len(data) / MIN_ROWS_PER_CATEGORY
            ]
            for column in continuous:
                for source in sources:
                    keys = data[source].map(_category_key).astype(object)
                    per_group = data[column].groupby(keys).nunique()
                    if (per_group == 1).all():
                        first = data[column].groupby(keys).first()
                        self.derived_[column] = (source, {k: _py(v) for k, v in first.items()})
                        break
        self.continuous_ = [c for c in continuous if c not in self.derived_]

        self.categories_ = {
            c: sorted({_category_key(v) for v in data[c].unique()}, key=lambda v: (str(type(v)), v))
            for c in self.discrete_
        }
        self.ranges_ = {c: (_py(data[c].min()), _py(data[c].max())) for c in self.continuous_}
        self.snap_values_ = {}
        for c in self.continuous_:
            unique = np.unique(data[c].to_numpy(dtype=float))
            if len(unique) <= min(self.max_snap_values, len(data) / MIN_ROWS_PER_SNAP_VALUE):
                self.snap_values_[c] = unique
        self.spikes_ = {}
        if self.spike_share is not None:
            for c in self.continuous_:
                values = data[c].to_numpy(dtype=float)
                for end in (values.min(), values.max()):
                    rest = values[values != end]
                    share = 1.0 - len(rest) / len(values)
                    if share >= self.spike_share and len(np.unique(rest)) >= 2:
                        self.spikes_[c] = _py(data[c][values == end].iloc[0])
                        break
        # snapped anyway: the decoder may as well pick one of the values, if they are too
        # many for the scale to keep apart and each has the rows to be learnt (docstring)
        self.value_blocks_ = {}
        for c, spike in self.spikes_.items():
            rest = data[c][data[c] != spike]
            n_values = rest.nunique()
            evidence = len(rest) >= MIN_ROWS_PER_CATEGORY * n_values
            if c in self.snap_values_ and n_values >= MIN_BLOCK_VALUES and evidence:
                self.value_blocks_[c] = self.snap_values_[c]
        self.quantile_ = None
        if self._scaled():
            # a spiked column's scale is fitted on its other rows (NaN: left out of the fit)
            self.quantile_ = QuantileTransformer(
                n_quantiles=min(self.n_quantiles, len(data)),
                output_distribution="uniform",
                subsample=10**9,
            ).fit(self._masked_values(data))

        self._build_spans()
        return self

    def _scaled(self) -> list:
        """The continuous columns on a quantile scale (those without a value block)."""
        return [c for c in self.continuous_ if c not in self.value_blocks_]

    def _build_spans(self) -> None:
        spans, start = [], 0
        for c in self._scaled():
            spans.append(ColumnSpan(c, "continuous", start, start + 1))
            start += 1
        for c in self.discrete_:
            width = len(self.categories_[c])
            spans.append(ColumnSpan(c, "discrete", start, start + width))
            start += width
        for c in self.spikes_:
            if c in self.value_blocks_:
                width = len(self.value_blocks_[c])
                spans.append(ColumnSpan(c + VALUE_BLOCK, "discrete", start, start + width))
                start += width
            else:
                spans.append(ColumnSpan(c + SPIKE_FLAG, "discrete", start, start + 2))
                start += 2
        self.spans_, self.output_dim_ = spans, start

    def _masked_values(self, data: pd.DataFrame) -> np.ndarray:
        """The scaled columns as floats, NaN where a spiked column is at its spike."""
        values = data[self._scaled()].to_numpy(dtype=float)
        for j, c in enumerate(self._scaled()):
            if c in self.spikes_:
                values[values[:, j] == self.spikes_[c], j] = np.nan
        return values

    def _spike_end(self, column) -> float:
        """Where a spiked column's spike rows sit on its scale: -1 at the minimum, else 1."""
        return -1.0 if self.spikes_[column] == self.ranges_[column][0] else 1.0

    # ----------------------------------------------------------------- forward
    def transform(self, data) -> np.ndarray:
        """Encode ``data`` (the training columns) as a float32 matrix.

        Categories not seen in training raise a :class:`ValueError`.
        """
        validation.check_fitted(self, "spans_")
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
        out = np.zeros((len(data), self.output_dim_), dtype=np.float32)
        if self.continuous_:
            values = data[self.continuous_]
            if values.isna().any().any():
                bad = list(values.columns[values.isna().any()])
                raise ValueError(
                    f"Continuous columns {bad} hold missing values: impute them first."
                )
        starts = {span.name: span.start for span in self.spans_}
        scaled = self._scaled()
        if scaled:
            scale = 2.0 * self.quantile_.transform(self._masked_values(data)) - 1.0
            for j, c in enumerate(scaled):
                if c in self.spikes_:
                    at_spike = np.isnan(scale[:, j])
                    scale[at_spike, j] = self._spike_end(c)
                    out[np.arange(len(data)), starts[c + SPIKE_FLAG] + at_spike] = 1.0
            out[:, : len(scaled)] = scale
        for c, values in self.value_blocks_.items():
            # an unseen value (an unseen row's) counts as the nearest value seen in training
            codes = np.searchsorted(values, _snap(data[c].to_numpy(dtype=float), values))
            out[np.arange(len(data)), starts[c + VALUE_BLOCK] + codes] = 1.0
        for span in self.spans_:
            if span.kind != "discrete" or span.name not in self.categories_:
                continue
            index = {v: i for i, v in enumerate(self.categories_[span.name])}
            keys = data[span.name].map(_category_key).astype(object)
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

        For a discrete block the category with the largest value wins, so both one-hot
        rows and a decoder's logits can be passed. Every column is converted back to its
        training dtype; if that is impossible a :class:`ValueError` names the column (no
        column comes back with another dtype).
        """
        validation.check_fitted(self, "spans_")
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != self.output_dim_:
            raise ValueError(
                f"Expected a matrix with {self.output_dim_} columns, got shape {matrix.shape}."
            )
        if not np.isfinite(matrix).all():
            raise ValueError("The matrix holds NaN or infinite values: the model diverged.")
        columns = {}
        starts = {span.name: span.start for span in self.spans_}
        scaled = self._scaled()
        if scaled:
            uniform = np.clip((matrix[:, : len(scaled)] + 1.0) / 2.0, 0.0, 1.0)
            numbers = self.quantile_.inverse_transform(uniform)
            for j, c in enumerate(scaled):
                low, high = self.ranges_[c]
                values = np.clip(numbers[:, j], low, high)
                if c in self.snap_values_:
                    values = _snap(values, self.snap_values_[c])
                if c in self.spikes_:
                    flag = starts[c + SPIKE_FLAG]
                    at_spike = matrix[:, flag + 1] > matrix[:, flag]
                    values = np.where(at_spike, self.spikes_[c], values)
                if pd.api.types.is_integer_dtype(self.dtypes_[c]):
                    values = np.round(values)
                columns[c] = values
        for c, values in self.value_blocks_.items():
            start = starts[c + VALUE_BLOCK]
            picks = matrix[:, start : start + len(values)].argmax(axis=1)
            columns[c] = values[picks]
        for span in self.spans_:
            if span.kind == "discrete" and span.name in self.categories_:
                cats = self.categories_[span.name]
                picks = matrix[:, span.start : span.end].argmax(axis=1)
                columns[span.name] = [np.nan if cats[i] == _MISSING else cats[i] for i in picks]
        for c, (source, mapping) in self.derived_.items():
            columns[c] = [mapping[_category_key(v)] for v in columns[source]]
        frame = pd.DataFrame({c: columns[c] for c in self.columns_})
        for c in self.columns_:
            dtype = self.dtypes_[c]
            try:
                frame[c] = frame[c].astype(dtype)
            except (TypeError, ValueError) as err:
                raise ValueError(
                    f"Column {c!r} cannot be converted back to its training dtype {dtype} "
                    f"({type(err).__name__}: {err}). Convert the column to a plain dtype "
                    "(numbers, or text for a discrete column) before fitting."
                ) from err
        return frame

    # ----------------------------------------------------------------- state
    def get_state(self) -> dict:
        """The fitted state as plain lists, numbers and strings (checkpoint-safe)."""
        validation.check_fitted(self, "spans_")
        state = {
            "settings": self.get_params(),
            "columns": list(self.columns_),
            "discrete": list(self.discrete_),
            "continuous": list(self.continuous_),
            "dtypes": {c: _dtype_state(d) for c, d in self.dtypes_.items()},
            "categories": {c: list(v) for c, v in self.categories_.items()},
            "ranges": {c: list(v) for c, v in self.ranges_.items()},
            "snap_values": {c: v.tolist() for c, v in self.snap_values_.items()},
            "derived": {c: [s, list(m.items())] for c, (s, m) in self.derived_.items()},
            "spikes": dict(self.spikes_),
            "value_blocks": list(self.value_blocks_),
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
            # "numeric": the key's old name, kept for existing code
            tf.continuous_ = list(state.get("continuous", state.get("numeric")))
            tf.dtypes_ = {c: _dtype_from_state(d) for c, d in state["dtypes"].items()}
            tf.categories_ = {c: list(v) for c, v in state["categories"].items()}
            tf.ranges_ = {c: tuple(v) for c, v in state["ranges"].items()}
            tf.snap_values_ = {c: np.asarray(v, float) for c, v in state["snap_values"].items()}
            tf.derived_ = {c: (s, dict(map(tuple, m))) for c, (s, m) in state["derived"].items()}
            tf.spikes_ = dict(state.get("spikes", {}))  # absent from older checkpoints
            # absent from older checkpoints, whose spiked columns all had a flag and a scale
            tf.value_blocks_ = {c: tf.snap_values_[c] for c in state.get("value_blocks", [])}
            tf.quantile_ = None
            if tf._scaled():
                quantiles = np.asarray(state["quantiles"], dtype=float)
                tf.quantile_ = QuantileTransformer(
                    n_quantiles=len(quantiles), output_distribution="uniform"
                )
                tf.quantile_.quantiles_ = quantiles
                tf.quantile_.references_ = np.asarray(state["references"], dtype=float)
                tf.quantile_.n_quantiles_ = len(quantiles)
                tf.quantile_.n_features_in_ = len(tf._scaled())
        except (KeyError, TypeError, ValueError) as err:
            reason = f"{type(err).__name__}: {err}"
            raise ValueError(f"Not a valid transformer state ({reason}).") from err
        tf._build_spans()
        return tf


def _snap(values: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Replace each value by the nearest of the sorted ``allowed`` values (two or more: a
    column with a single value is refused by :func:`check_table`)."""
    right = np.clip(np.searchsorted(allowed, values), 1, len(allowed) - 1)
    left = right - 1
    take_left = np.abs(values - allowed[left]) <= np.abs(allowed[right] - values)
    return np.where(take_left, allowed[left], allowed[right])
