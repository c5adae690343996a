"""Mode-specific normalisation (section 4.2 of Xu et al., 2019) and the table transformer.

A continuous column :math:`c` is modelled by a variational Gaussian mixture with modes
:math:`(\\mu_k, \\sigma_k)`. A value is written as a mode :math:`k`, drawn with the posterior
:math:`P(k \\mid c)` and stored one-hot as :math:`\\beta`, and its position inside that mode,

.. math:: \\alpha = \\frac{c - \\mu_k}{4 \\sigma_k} \\in [-0.99, 0.99]
          \\quad (\\text{clipped}), \\qquad c = 4 \\sigma_k \\alpha + \\mu_k.

:class:`CTGANTransformer` does this for every continuous column of a table and one-hot
encodes the discrete columns, listing the blocks of the encoded row as :class:`OutputSpan`
tuples (as ``ctgan``'s ``DataTransformer`` and its ``SpanInfo``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

from ..validation import (
    as_1d_array,
    check_fitted,
    check_float,
    check_int,
    check_random_state,
    check_table,
)

__all__ = ["ALPHA_CLIP", "STD_MULTIPLIER", "CTGANTransformer", "ModeNormalizer", "OutputSpan"]

STD_MULTIPLIER = 4  # alpha = (c - mu) / (4 sigma): inside [-1, 1] for 99.99 % of a mode's values
ALPHA_CLIP = 0.99  # as the ctgan package: keeps alpha strictly inside tanh's range


def _own_or_given(rng, own: np.random.Generator) -> np.random.Generator:
    """``rng`` as a generator (a ``numpy.random.Generator`` or an integer seed); ``None``
    means the model's own generator ``own``."""
    return own if rng is None else np.random.default_rng(rng)


# ------------------------------------------------------------------ one continuous column


class ModeNormalizer(BaseEstimator):
    """Mode-specific normalisation of one continuous column (section 4.2 of the paper).

    ``fit`` finds the modes of the column with a variational Gaussian mixture.
    ``transform`` represents a value ``c`` by a mode ``k`` drawn with the posterior
    probabilities ``P(k | c)`` (as a one-hot vector ``beta``) and its position inside that
    mode, ``alpha = (c - mu_k) / (4 sigma_k)``, clipped to ``[-0.99, 0.99]``.
    ``inverse_transform`` maps ``(alpha, beta)`` back to ``c = 4 sigma_k alpha + mu_k``
    with ``k = argmax beta``. The same conventions as rdt's ``ClusterBasedNormalizer``,
    which the ``ctgan`` package uses (``max_modes`` is its ``max_clusters``).

    Parameters
    ----------
    max_modes : int
        Components of the mixture (at most the number of values).
    weight_threshold : float
        Modes whose mixture weight is not above this are dropped, in ``[0, 1)``.
    random_state : int or None
        Seeds the mixture fit and the generator ``transform`` draws the modes from
        (``None``: a fresh seed at every ``fit``).

    Attributes
    ----------
    means_, stds_, weights_ : numpy.ndarray
        Mean, standard deviation and weight of each kept mode.
    mixture_ : sklearn.mixture.BayesianGaussianMixture
        The fitted mixture; ``kept_`` marks its components that were kept.
    rng_ : numpy.random.Generator
        The model's own generator for ``transform``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> values = np.concatenate([rng.normal(0, 1, 300), rng.normal(20, 1, 300)])
    >>> norm = ModeNormalizer(random_state=0).fit(values)
    >>> norm.n_modes
    2
    >>> encoded = norm.transform([0.5, 20.0])
    >>> encoded.shape  # alpha and a one-hot mode per value
    (2, 3)
    >>> np.round(norm.inverse_transform(encoded), 6)
    array([ 0.5, 20. ])
    """

    def __init__(self, max_modes: int = 10, weight_threshold: float = 0.005, random_state=None):
        self.max_modes = max_modes
        self.weight_threshold = weight_threshold
        self.random_state = random_state

    @property
    def n_modes(self) -> int:
        """Number of kept modes (the width of ``beta``)."""
        check_fitted(self, "means_")
        return len(self.means_)

    def fit(self, values) -> ModeNormalizer:
        """Fit the Gaussian mixture to ``values`` (numbers, no NaN); returns ``self``.

        Like the ``ctgan`` package, the fit stops after 100 iterations without a
        convergence warning; ``mixture_.converged_`` tells whether it converged.
        """
        max_modes = check_int(self.max_modes, "max_modes")
        check_float(
            self.weight_threshold, "weight_threshold", min_value=0, max_value=1, include_max=False
        )
        seed = check_random_state(self.random_state)
        x = as_1d_array(values, "values")
        if not np.isfinite(x).all():
            raise ValueError("values contains infinite numbers.")
        if x.size < 2:
            raise ValueError("values needs at least 2 numbers to fit a mixture.")
        self.mixture_ = BayesianGaussianMixture(
            n_components=min(max_modes, x.size),
            weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=1e-3,
            max_iter=100,
            random_state=seed,
        )
        with warnings.catch_warnings():  # as the ctgan package: 100 iterations, no warning
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.mixture_.fit(x.reshape(-1, 1))
        keep = self.mixture_.weights_ > self.weight_threshold
        self.kept_ = keep
        self.means_ = self.mixture_.means_.ravel()[keep]
        self.stds_ = np.sqrt(self.mixture_.covariances_.ravel())[keep]
        self.weights_ = self.mixture_.weights_[keep]
        self.rng_ = np.random.default_rng(seed)
        return self

    def mode_probabilities(self, values) -> np.ndarray:
        """Posterior ``P(k | c)`` of each kept mode for each value, rows summing to 1
        (``1e-6`` is added to each before normalising, as in rdt)."""
        check_fitted(self, "means_")
        x = as_1d_array(values, "values").reshape(-1, 1)
        probs = self.mixture_.predict_proba(x)[:, self.kept_] + 1e-6
        return probs / probs.sum(axis=1, keepdims=True)

    def transform(self, values, rng=None) -> np.ndarray:
        """Encode ``values`` as rows ``[alpha, beta_1, ..., beta_K]``.

        Each value's mode is drawn from its posterior probabilities with ``rng`` (a
        ``numpy.random.Generator`` or an integer seed); by default with the model's own
        generator ``rng_``, so that a refit with the same ``random_state`` replays the
        same encodings.
        """
        check_fitted(self, "means_")
        x = as_1d_array(values, "values")
        probs = self.mode_probabilities(x)
        draws = _own_or_given(rng, self.rng_).random((len(x), 1))
        modes = np.minimum((probs.cumsum(axis=1) < draws).sum(axis=1), self.n_modes - 1)
        alpha = (x - self.means_[modes]) / (STD_MULTIPLIER * self.stds_[modes])
        out = np.zeros((len(x), 1 + self.n_modes))
        out[:, 0] = np.clip(alpha, -ALPHA_CLIP, ALPHA_CLIP)
        out[np.arange(len(x)), 1 + modes] = 1.0
        return out

    def inverse_transform(self, encoded) -> np.ndarray:
        """Decode rows ``[alpha, beta]`` (``beta`` may be soft: its argmax is the mode)."""
        check_fitted(self, "means_")
        encoded = np.asarray(encoded, dtype=float)
        if encoded.ndim != 2 or encoded.shape[1] != 1 + self.n_modes:
            raise ValueError(
                f"encoded must have shape (n, {1 + self.n_modes}) (alpha, then one column per "
                f"mode), got {encoded.shape}."
            )
        alpha = np.clip(encoded[:, 0], -1, 1)
        modes = encoded[:, 1:].argmax(axis=1)
        return alpha * STD_MULTIPLIER * self.stds_[modes] + self.means_[modes]


# ------------------------------------------------------------------ a whole table


class OutputSpan(NamedTuple):
    """Columns ``start:stop`` of CTGAN's encoded row, for ``column``, with its activation
    (``"tanh"`` for an ``alpha``, ``"softmax"`` for a one-hot block).

    Not to be confused with :class:`tabgen_lib.transforms.ColumnSpan`, the autoencoder's
    (chapter 09) layout of *its* transformer, which has no modes and no activations.
    """

    column: str
    start: int
    stop: int
    activation: str
    discrete: bool


def _category_codes(values: pd.Series, categories: list) -> np.ndarray:
    """Index of each value in ``categories`` (-1 if absent); every missing value is NaN."""
    return pd.Index(categories, dtype=object).get_indexer(
        values.astype(object).where(values.notna(), np.nan)
    )


class CTGANTransformer(BaseEstimator):
    """Encode a DataFrame for CTGAN and decode generated rows back (``ctgan``'s
    ``DataTransformer``).

    A continuous column becomes ``alpha`` (one column, ``tanh``) and ``beta`` (one-hot
    mode, ``softmax``) via :class:`ModeNormalizer`; a discrete column becomes a one-hot
    block (``softmax``), a missing value being a category of its own. ``spans_`` lists
    these blocks in order, as :class:`OutputSpan` tuples.

    Not to be confused with :class:`tabgen_lib.transforms.TabularTransformer`, the
    autoencoder's transformer (chapter 09), which puts each continuous column on a
    quantile scale in one column instead of modes.

    Parameters
    ----------
    max_modes, weight_threshold : int, float
        Passed to each :class:`ModeNormalizer`.
    random_state : int or None
        Seeds the mixture fits and the generator ``transform`` draws the modes from.

    Attributes
    ----------
    spans_ : list of OutputSpan
        The blocks of the encoded row; ``output_dim_`` is its width.
    normalizers_ : dict
        The fitted :class:`ModeNormalizer` of each continuous column.
    categories_ : dict
        The sorted categories of each discrete column.

    Examples
    --------
    >>> table = pd.DataFrame({"x": [1.0, 1.2, 5.0, 5.1], "smoker": ["no", "no", "yes", "no"]})
    >>> tt = CTGANTransformer(random_state=0).fit(table, ["smoker"])
    >>> [(s.column, s.activation) for s in tt.spans_]
    [('x', 'tanh'), ('x', 'softmax'), ('smoker', 'softmax')]
    >>> encoded = tt.transform(table)
    >>> back = tt.inverse_transform(encoded)
    >>> np.allclose(back["x"], table["x"]), back["smoker"].equals(table["smoker"])
    (True, True)
    """

    def __init__(self, max_modes: int = 10, weight_threshold: float = 0.005, random_state=None):
        self.max_modes = max_modes
        self.weight_threshold = weight_threshold
        self.random_state = random_state

    def fit(self, data: pd.DataFrame, discrete_columns: Sequence[str] = ()) -> CTGANTransformer:
        """Fit one normaliser per continuous column and list each discrete column's
        categories; returns ``self``."""
        discrete = check_table(data, discrete_columns)
        seed = check_random_state(self.random_state)
        self.columns_ = list(data.columns)
        self.dtypes_ = data.dtypes.to_dict()
        self.discrete_columns_ = [c for c in self.columns_ if c in discrete]
        self.normalizers_, self.categories_, spans = {}, {}, []
        start = 0
        for column in self.columns_:
            if column in discrete:
                values = data[column]
                found = values.dropna().unique().tolist()
                try:
                    categories = sorted(found)
                except TypeError:  # mixed types, e.g. "a" and 1
                    categories = sorted(found, key=str)
                if values.isna().any():
                    categories.append(np.nan)  # missing: a category of its own, last
                self.categories_[column] = categories
                spans.append(OutputSpan(column, start, start + len(categories), "softmax", True))
                start += len(categories)
            else:
                norm = ModeNormalizer(self.max_modes, self.weight_threshold, seed)
                self.normalizers_[column] = norm.fit(data[column].to_numpy(dtype=float))
                spans.append(OutputSpan(column, start, start + 1, "tanh", False))
                spans.append(
                    OutputSpan(column, start + 1, start + 1 + norm.n_modes, "softmax", False)
                )
                start += 1 + norm.n_modes
        self.spans_, self.output_dim_ = spans, start
        self.rng_ = np.random.default_rng(seed)
        return self

    @property
    def spans(self) -> list[OutputSpan]:
        """``spans_`` (old name, kept for existing code)."""
        check_fitted(self, "spans_")
        return self.spans_

    @property
    def output_dim(self) -> int:
        """``output_dim_`` (old name, kept for existing code)."""
        check_fitted(self, "output_dim_")
        return self.output_dim_

    @property
    def discrete_spans(self) -> list[OutputSpan]:
        """The one-hot blocks of the discrete columns, in column order."""
        check_fitted(self, "spans_")
        return [s for s in self.spans_ if s.discrete]

    def transform(self, data: pd.DataFrame, rng=None) -> np.ndarray:
        """Encode ``data`` (the columns seen in ``fit``) as a float matrix.

        The modes of continuous values are drawn with ``rng`` (a ``numpy.random.Generator``
        or an integer seed), by default with the transformer's own generator ``rng_``.
        """
        check_fitted(self, "spans_")
        if isinstance(data, pd.DataFrame):
            missing = [c for c in self.columns_ if c not in data.columns]
            if missing:
                raise ValueError(f"data lacks the column(s) {missing} seen in fit.")
            data = data[self.columns_]
        check_table(data, self.discrete_columns_)
        rng = _own_or_given(rng, self.rng_)
        blocks = []
        for column in self.columns_:
            if column in self.categories_:
                categories = self.categories_[column]
                codes = _category_codes(data[column], categories)
                if (codes < 0).any():
                    unseen = sorted(set(data[column][codes < 0]), key=str)
                    raise ValueError(f"Column {column!r} has categories not seen in fit: {unseen}.")
                block = np.zeros((len(data), len(categories)))
                block[np.arange(len(data)), codes] = 1.0
                blocks.append(block)
            else:
                values = data[column].to_numpy(dtype=float)
                blocks.append(self.normalizers_[column].transform(values, rng))
        return np.concatenate(blocks, axis=1)

    def inverse_transform(self, encoded) -> pd.DataFrame:
        """Decode a matrix (hard or soft one-hot blocks) to a DataFrame with the original
        columns and dtypes (integer columns are rounded)."""
        check_fitted(self, "spans_")
        if isinstance(encoded, torch.Tensor):
            encoded = encoded.detach().cpu().numpy()
        encoded = np.asarray(encoded, dtype=float)
        if encoded.ndim != 2 or encoded.shape[1] != self.output_dim_:
            raise ValueError(
                f"encoded must have shape (n, {self.output_dim_}), got {encoded.shape}."
            )
        out = {}
        for column in self.columns_:
            spans = [s for s in self.spans_ if s.column == column]
            start, stop = spans[0].start, spans[-1].stop
            if column in self.categories_:
                codes = encoded[:, start:stop].argmax(axis=1)
                out[column] = np.asarray(self.categories_[column], dtype=object)[codes]
            else:
                values = self.normalizers_[column].inverse_transform(encoded[:, start:stop])
                if pd.api.types.is_integer_dtype(self.dtypes_[column]):
                    values = np.round(values)
                out[column] = values
        return pd.DataFrame(out, columns=self.columns_).astype(self.dtypes_)
