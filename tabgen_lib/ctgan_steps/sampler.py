"""The conditional vector and training-by-sampling (section 4.3 of Xu et al., 2019).

At every step CTGAN picks a discrete column uniformly, then one of its categories with
probability proportional to the *logarithm* of its frequency,

.. math:: P(\\text{category } j) = \\frac{\\log(f_j + 1)}{\\sum_i \\log(f_i + 1)},

so that rare categories are asked for far more often than their raw share. The generator
is told the choice through the condition vector; the critic sees real rows drawn among
those that have the chosen category (``ctgan``'s ``DataSampler``).
"""

from __future__ import annotations

import numpy as np

from ..validation import as_1d_array, check_int, check_random_state
from .transformer import CTGANTransformer, _own_or_given

__all__ = ["ConditionSampler", "log_frequency_probabilities"]


def log_frequency_probabilities(counts) -> np.ndarray:
    """Probability of each category in the conditional vector: ``log(f + 1)``, normalised.

    Parameters
    ----------
    counts : array-like
        How often each category occurs (non-negative, not all zero).

    Examples
    --------
    >>> np.round(log_frequency_probabilities([99, 9]), 3)  # raw shares: 0.917, 0.083
    array([0.667, 0.333])
    """
    counts = as_1d_array(counts, "counts")
    if (counts < 0).any():
        raise ValueError("counts must not be negative.")
    weights = np.log(counts + 1)
    if weights.sum() == 0:
        raise ValueError("counts are all zero: at least one category must occur.")
    return weights / weights.sum()


class ConditionSampler:
    """The conditional vector and training-by-sampling.

    ``sample_condition`` picks a discrete column uniformly and one of its categories with
    probability proportional to ``log(frequency + 1)``; it returns the condition vector
    ``cond`` (one-hot over all categories of all discrete columns), the ``mask``
    (one-hot over the discrete columns) and the chosen column and category indices.
    ``sample_rows`` draws, for each condition, a real row that has that category.

    Every method draws with its ``rng`` argument (a ``numpy.random.Generator`` or an
    integer seed), by default with the sampler's own generator ``rng``.

    Parameters
    ----------
    transformer : CTGANTransformer
        Fitted, with at least one discrete column.
    encoded : numpy.ndarray
        The training table encoded by ``transformer``.
    random_state : int or None
        Seed of the sampler's own generator.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "a", "a", "b"]})
    >>> tt = CTGANTransformer(random_state=0).fit(table, ["c"])
    >>> sampler = ConditionSampler(tt, tt.transform(table), random_state=0)
    >>> cond, mask, columns, categories = sampler.sample_condition(3)
    >>> cond.shape, mask.shape
    ((3, 2), (3, 1))
    >>> rows = sampler.sample_rows(columns, categories)
    >>> bool(all(table["c"].iloc[rows].to_numpy() == np.array(["a", "b"])[categories]))
    True
    """

    def __init__(self, transformer: CTGANTransformer, encoded, random_state=None):
        if not isinstance(transformer, CTGANTransformer):
            raise TypeError(
                f"transformer must be a fitted CTGANTransformer, got {type(transformer).__name__}."
            )
        spans = transformer.discrete_spans
        if not spans:
            raise ValueError("CTGAN's conditional vector needs at least one discrete column.")
        encoded = np.asarray(encoded)
        if encoded.ndim != 2 or encoded.shape[1] != transformer.output_dim_:
            raise ValueError(
                f"encoded must have shape (n, {transformer.output_dim_}), got {encoded.shape}."
            )
        self.rng = np.random.default_rng(check_random_state(random_state))
        self.spans = spans
        self.counts = [encoded[:, s.start : s.stop].sum(axis=0) for s in spans]
        self.log_probs = [log_frequency_probabilities(c) for c in self.counts]
        self.real_probs = [c / c.sum() for c in self.counts]
        self.rows_by_category = [
            [np.flatnonzero(encoded[:, s.start + j]) for j in range(s.stop - s.start)]
            for s in spans
        ]
        widths = [s.stop - s.start for s in spans]
        self.offsets = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(int)
        self.cond_dim = int(sum(widths))
        self.n_columns = len(spans)

    def _build(self, columns, categories):
        batch = len(columns)
        cond = np.zeros((batch, self.cond_dim), dtype=np.float32)
        cond[np.arange(batch), self.offsets[columns] + categories] = 1.0
        mask = np.zeros((batch, self.n_columns), dtype=np.float32)
        mask[np.arange(batch), columns] = 1.0
        return cond, mask

    def _draw(self, batch_size, rng, probs):
        batch_size = check_int(batch_size, "batch_size")
        rng = _own_or_given(rng, self.rng)
        columns = rng.integers(self.n_columns, size=batch_size)  # a column, uniformly
        uniform = rng.random(batch_size)
        categories = np.zeros(batch_size, dtype=int)
        for c in range(self.n_columns):  # a category by inverting the cumulative probabilities
            rows = columns == c
            cdf = np.cumsum(probs[c])
            picked = np.searchsorted(cdf, uniform[rows], side="right")
            categories[rows] = np.minimum(picked, len(cdf) - 1)
        return columns, categories

    def sample_condition(self, batch_size: int, rng=None):
        """Training conditions: ``(cond, mask, column_ids, category_ids)``, log-frequency."""
        columns, categories = self._draw(batch_size, rng, self.log_probs)
        cond, mask = self._build(columns, categories)
        return cond, mask, columns, categories

    def sample_original_condition(self, batch_size: int, rng=None) -> np.ndarray:
        """Generation conditions: column uniform, category with its **real** frequency, so
        that the generated rows keep the real marginals."""
        columns, categories = self._draw(batch_size, rng, self.real_probs)
        return self._build(columns, categories)[0]

    def sample_rows(self, column_ids, category_ids, rng=None) -> np.ndarray:
        """Training-by-sampling: for each (column, category), a random real row index
        with that category."""
        rng = _own_or_given(rng, self.rng)
        return np.array(
            [
                rows[rng.integers(len(rows))]
                for rows in (
                    self.rows_by_category[c][k]
                    for c, k in zip(column_ids, category_ids, strict=True)
                )
            ],
            dtype=int,
        )
