"""CTGAN step by step: a small teaching implementation of Xu et al. (2019).

Each piece of CTGAN is one short function or class, so that a chapter can show it, test
it and measure it on its own:

- :class:`ModeNormalizer` -- mode-specific normalisation of one continuous column;
- :class:`TableTransformer` -- a whole table to the generator's layout and back;
- :func:`log_frequency_probabilities` and :class:`ConditionSampler` -- the conditional
  vector and training-by-sampling;
- :func:`pack` and :class:`PackedCritic` -- PacGAN packing;
- :func:`gradient_penalty` -- the WGAN-GP penalty on packed interpolates;
- :class:`ConditionalGenerator`, :func:`apply_activations`, :func:`conditional_loss`,
  :func:`generator_loss` -- the generator and its loss;
- :func:`train_step` -- one iteration of Algorithm 1 of the paper;
- :class:`TeachingCTGAN` -- all of it behind ``fit`` / ``sample``, like ``ctgan.CTGAN``.

It follows the ``ctgan`` package's choices (mixture settings, ``alpha`` clipped to
``[-0.99, 0.99]``, Gumbel-softmax temperature 0.2, Adam settings) but is written for
reading, not speed, and needs at least one discrete column.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from .validation import as_1d_array

__all__ = [
    "ConditionSampler",
    "ConditionalGenerator",
    "ModeNormalizer",
    "PackedCritic",
    "Span",
    "TableTransformer",
    "TeachingCTGAN",
    "apply_activations",
    "conditional_loss",
    "generator_loss",
    "gradient_penalty",
    "log_frequency_probabilities",
    "pack",
    "train_step",
]

STD_MULTIPLIER = 4  # alpha = (c - mu) / (4 sigma): inside [-1, 1] for 99.99 % of a mode's values
ALPHA_CLIP = 0.99  # as the ctgan package: keeps alpha strictly inside tanh's range


def _rng(rng) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be a numpy Generator, an integer seed or None, not {type(rng)}.")


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}.")
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}.")
    return int(value)


# ------------------------------------------------------------------ mode-specific normalisation


class ModeNormalizer:
    """Mode-specific normalisation of one continuous column (section 4.2 of the paper).

    ``fit`` finds the modes of the column with a variational Gaussian mixture.
    ``transform`` represents a value ``c`` by a mode ``k`` drawn with the posterior
    probabilities ``P(k | c)`` (as a one-hot vector ``beta``) and its position inside that
    mode, ``alpha = (c - mu_k) / (4 sigma_k)``, clipped to ``[-0.99, 0.99]``.
    ``inverse_transform`` maps ``(alpha, beta)`` back to ``c = 4 sigma_k alpha + mu_k``
    with ``k = argmax beta``.

    Parameters
    ----------
    max_modes : int
        Components of the mixture (at most the number of values).
    weight_threshold : float
        Modes whose mixture weight is not above this are dropped.
    random_state : int
        Seed of the mixture fit.

    Attributes
    ----------
    means_, stds_, weights_ : numpy.ndarray
        Mean, standard deviation and weight of each kept mode (after ``fit``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> values = np.concatenate([rng.normal(0, 1, 300), rng.normal(20, 1, 300)])
    >>> norm = ModeNormalizer().fit(values)
    >>> norm.n_modes
    2
    >>> encoded = norm.transform([0.5, 20.0], rng=0)
    >>> encoded.shape  # alpha and a one-hot mode per value
    (2, 3)
    >>> np.round(norm.inverse_transform(encoded), 6)
    array([ 0.5, 20. ])
    """

    def __init__(self, max_modes: int = 10, weight_threshold: float = 0.005, random_state=0):
        self.max_modes = _positive_int(max_modes, "max_modes")
        if not 0 <= weight_threshold < 1:
            raise ValueError(f"weight_threshold must be in [0, 1), got {weight_threshold}.")
        self.weight_threshold = float(weight_threshold)
        self.random_state = random_state
        self.means_ = None

    @property
    def n_modes(self) -> int:
        """Number of kept modes (the width of ``beta``)."""
        self._check_fitted()
        return len(self.means_)

    def _check_fitted(self):
        if self.means_ is None:
            raise RuntimeError("Call fit(values) before using the ModeNormalizer.")

    def fit(self, values) -> ModeNormalizer:
        """Fit the Gaussian mixture to ``values`` (numbers, no NaN); returns ``self``.

        Like the ``ctgan`` package, the fit stops after 100 iterations without a
        convergence warning; ``mixture_.converged_`` tells whether it converged.
        """
        x = as_1d_array(values, "values")
        if not np.isfinite(x).all():
            raise ValueError("values contains infinite numbers.")
        if x.size < 2:
            raise ValueError("values needs at least 2 numbers to fit a mixture.")
        self.mixture_ = BayesianGaussianMixture(
            n_components=min(self.max_modes, x.size),
            weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=1e-3,
            max_iter=100,
            random_state=self.random_state,
        )
        with warnings.catch_warnings():  # as the ctgan package: 100 iterations, no warning
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.mixture_.fit(x.reshape(-1, 1))
        keep = self.mixture_.weights_ > self.weight_threshold
        self.kept_ = keep
        self.means_ = self.mixture_.means_.ravel()[keep]
        self.stds_ = np.sqrt(self.mixture_.covariances_.ravel())[keep]
        self.weights_ = self.mixture_.weights_[keep]
        return self

    def mode_probabilities(self, values) -> np.ndarray:
        """Posterior ``P(k | c)`` of each kept mode for each value, rows summing to 1."""
        self._check_fitted()
        x = as_1d_array(values, "values").reshape(-1, 1)
        probs = self.mixture_.predict_proba(x)[:, self.kept_] + 1e-6
        return probs / probs.sum(axis=1, keepdims=True)

    def transform(self, values, rng=None) -> np.ndarray:
        """Encode ``values`` as rows ``[alpha, beta_1, ..., beta_K]``.

        ``rng`` (a ``numpy.random.Generator`` or seed) draws each value's mode from its
        posterior probabilities.
        """
        self._check_fitted()
        x = as_1d_array(values, "values")
        probs = self.mode_probabilities(x)
        draws = _rng(rng).random((len(x), 1))
        modes = np.minimum((probs.cumsum(axis=1) < draws).sum(axis=1), self.n_modes - 1)
        alpha = (x - self.means_[modes]) / (STD_MULTIPLIER * self.stds_[modes])
        out = np.zeros((len(x), 1 + self.n_modes))
        out[:, 0] = np.clip(alpha, -ALPHA_CLIP, ALPHA_CLIP)
        out[np.arange(len(x)), 1 + modes] = 1.0
        return out

    def inverse_transform(self, encoded) -> np.ndarray:
        """Decode rows ``[alpha, beta]`` (``beta`` may be soft: its argmax is the mode)."""
        self._check_fitted()
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


class Span(NamedTuple):
    """Columns ``start:stop`` of the encoded table, for ``column``, with its activation
    (``"tanh"`` for an ``alpha``, ``"softmax"`` for a one-hot block)."""

    column: str
    start: int
    stop: int
    activation: str
    discrete: bool


def _check_frame(data, discrete_columns) -> list:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    if len(data) == 0 or data.shape[1] == 0:
        raise ValueError("data is empty: it needs rows and columns.")
    if isinstance(discrete_columns, str):
        raise TypeError("discrete_columns must be a list of column names, not one string.")
    discrete = list(discrete_columns)
    unknown = [c for c in discrete if c not in data.columns]
    if unknown:
        raise ValueError(f"Unknown discrete column(s) {unknown}; the columns are {list(data)}.")
    if data.isna().to_numpy().any():
        raise ValueError("data contains missing values (NaN): remove or fill them first.")
    for column in data.columns:
        if column not in discrete and not pd.api.types.is_numeric_dtype(data[column]):
            raise TypeError(f"Column {column!r} is not numeric: list it in discrete_columns.")
    return discrete


class TableTransformer:
    """Encode a DataFrame for CTGAN and decode generated rows back.

    A continuous column becomes ``alpha`` (one column, ``tanh``) and ``beta`` (one-hot
    mode, ``softmax``) via :class:`ModeNormalizer`; a discrete column becomes a one-hot
    block (``softmax``). ``spans`` lists these blocks in order.

    Parameters
    ----------
    max_modes, weight_threshold : int, float
        Passed to each :class:`ModeNormalizer`.
    random_state : int
        Seed of the mixture fits.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": [1.0, 1.2, 5.0, 5.1], "smoker": ["no", "no", "yes", "no"]})
    >>> tt = TableTransformer().fit(table, ["smoker"])
    >>> [(s.column, s.activation) for s in tt.spans]
    [('x', 'tanh'), ('x', 'softmax'), ('smoker', 'softmax')]
    >>> encoded = tt.transform(table, rng=0)
    >>> back = tt.inverse_transform(encoded)
    >>> np.allclose(back["x"], table["x"]), back["smoker"].equals(table["smoker"])
    (True, True)
    """

    def __init__(self, max_modes: int = 10, weight_threshold: float = 0.005, random_state=0):
        self.max_modes = max_modes
        self.weight_threshold = weight_threshold
        self.random_state = random_state
        self.spans = None

    def fit(self, data: pd.DataFrame, discrete_columns: Sequence[str]) -> TableTransformer:
        """Fit one normaliser per continuous column and list each discrete column's
        categories; returns ``self``."""
        discrete = _check_frame(data, discrete_columns)
        self.columns_ = list(data.columns)
        self.dtypes_ = data.dtypes.to_dict()
        self.discrete_columns_ = [c for c in self.columns_ if c in discrete]
        self.normalizers_, self.categories_, self.spans = {}, {}, []
        start = 0
        for column in self.columns_:
            if column in discrete:
                values = data[column].unique().tolist()
                try:
                    categories = sorted(values)
                except TypeError:
                    categories = sorted(values, key=str)
                self.categories_[column] = categories
                self.spans.append(Span(column, start, start + len(categories), "softmax", True))
                start += len(categories)
            else:
                norm = ModeNormalizer(self.max_modes, self.weight_threshold, self.random_state)
                self.normalizers_[column] = norm.fit(data[column].to_numpy(dtype=float))
                self.spans.append(Span(column, start, start + 1, "tanh", False))
                self.spans.append(
                    Span(column, start + 1, start + 1 + norm.n_modes, "softmax", False)
                )
                start += 1 + norm.n_modes
        self.output_dim = start
        return self

    @property
    def discrete_spans(self) -> list[Span]:
        """The one-hot blocks of the discrete columns, in column order."""
        self._check_fitted()
        return [s for s in self.spans if s.discrete]

    def _check_fitted(self):
        if self.spans is None:
            raise RuntimeError("Call fit(data, discrete_columns) first.")

    def transform(self, data: pd.DataFrame, rng=None) -> np.ndarray:
        """Encode ``data`` (same columns as in ``fit``) as a float matrix."""
        self._check_fitted()
        _check_frame(data, self.discrete_columns_)
        missing = [c for c in self.columns_ if c not in data.columns]
        if missing:
            raise ValueError(f"data lacks the column(s) {missing} seen in fit.")
        rng = _rng(rng)
        blocks = []
        for column in self.columns_:
            if column in self.categories_:
                categories = self.categories_[column]
                index = {value: i for i, value in enumerate(categories)}
                unseen = set(data[column]) - set(index)
                if unseen:
                    raise ValueError(f"Column {column!r} has categories not seen in fit: {unseen}.")
                codes = data[column].map(index).to_numpy()
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
        self._check_fitted()
        if isinstance(encoded, torch.Tensor):
            encoded = encoded.detach().cpu().numpy()
        encoded = np.asarray(encoded, dtype=float)
        if encoded.ndim != 2 or encoded.shape[1] != self.output_dim:
            raise ValueError(
                f"encoded must have shape (n, {self.output_dim}), got {encoded.shape}."
            )
        out = {}
        for column in self.columns_:
            spans = [s for s in self.spans if s.column == column]
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


# ------------------------------------------------------------------ conditional vector


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
    """The conditional vector and training-by-sampling (section 4.3 of the paper).

    ``sample_condition`` picks a discrete column uniformly and one of its categories with
    probability proportional to ``log(frequency + 1)``; it returns the condition vector
    ``cond`` (one-hot over all categories of all discrete columns), the ``mask``
    (one-hot over the discrete columns) and the chosen column and category indices.
    ``sample_rows`` draws, for each condition, a real row that has that category.

    Parameters
    ----------
    transformer : TableTransformer
        Fitted, with at least one discrete column.
    encoded : numpy.ndarray
        The training table encoded by ``transformer``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "a", "a", "b"]})
    >>> tt = TableTransformer().fit(table, ["c"])
    >>> sampler = ConditionSampler(tt, tt.transform(table, rng=0))
    >>> cond, mask, columns, categories = sampler.sample_condition(3, rng=0)
    >>> cond.shape, mask.shape
    ((3, 2), (3, 1))
    >>> rows = sampler.sample_rows(columns, categories, rng=0)
    >>> bool(all(table["c"].iloc[rows].to_numpy() == np.array(["a", "b"])[categories]))
    True
    """

    def __init__(self, transformer: TableTransformer, encoded):
        if not isinstance(transformer, TableTransformer):
            raise TypeError("transformer must be a fitted TableTransformer.")
        spans = transformer.discrete_spans
        if not spans:
            raise ValueError("CTGAN's conditional vector needs at least one discrete column.")
        encoded = np.asarray(encoded)
        if encoded.ndim != 2 or encoded.shape[1] != transformer.output_dim:
            raise ValueError(f"encoded must have shape (n, {transformer.output_dim}).")
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
        batch_size = _positive_int(batch_size, "batch_size")
        rng = _rng(rng)
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
        rng = _rng(rng)
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


# ------------------------------------------------------------------ packing and the critic


def pack(x: torch.Tensor, pac: int) -> torch.Tensor:
    """PacGAN packing: rows ``(n, d)`` to ``(n / pac, pac * d)``, each new row the
    concatenation of ``pac`` consecutive rows.

    Examples
    --------
    >>> x = torch.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]])
    >>> pack(x, 2)
    tensor([[0., 1., 2., 3.],
            [4., 5., 6., 7.]])
    """
    pac = _positive_int(pac, "pac")
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        raise TypeError("x must be a 2-dimensional torch tensor (rows, features).")
    if x.shape[0] % pac:
        raise ValueError(f"The number of rows ({x.shape[0]}) must be a multiple of pac ({pac}).")
    return x.reshape(x.shape[0] // pac, pac * x.shape[1])


class PackedCritic(nn.Module):
    """The CTGAN critic: packs ``pac`` rows, then ``Linear -> LeakyReLU(0.2) -> Dropout(0.5)``
    per hidden layer and a final ``Linear`` to one score per pack.

    Examples
    --------
    >>> critic = PackedCritic(input_dim=3, pac=2, hidden=(8,))
    >>> critic(torch.zeros(6, 3)).shape  # 6 rows -> 3 packs
    torch.Size([3, 1])
    """

    def __init__(self, input_dim: int, pac: int = 10, hidden: Sequence[int] = (256, 256)):
        super().__init__()
        self.pac = _positive_int(pac, "pac")
        dim = _positive_int(input_dim, "input_dim") * self.pac
        layers = []
        for width in hidden:
            layers += [nn.Linear(dim, width), nn.LeakyReLU(0.2), nn.Dropout(0.5)]
            dim = width
        self.net = nn.Sequential(*layers, nn.Linear(dim, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(pack(x, self.pac))


def gradient_penalty(critic, real, fake, pac: int = 10, weight: float = 10.0) -> torch.Tensor:
    """WGAN-GP penalty ``weight * mean_k (||grad C(x_k)|| - 1)^2`` at packed interpolates.

    One ``rho ~ U(0, 1)`` per pack mixes the real and fake pack,
    ``x_k = rho_k real_k + (1 - rho_k) fake_k``; the gradient norm is taken over the whole
    packed input of ``pac * d`` numbers. The result keeps its graph, so it can be
    back-propagated into the critic.

    Parameters
    ----------
    critic : callable
        Maps ``(n, d)`` rows to ``(n / pac, 1)`` scores (e.g. :class:`PackedCritic`).
    real, fake : torch.Tensor
        Same shape ``(n, d)``, ``n`` a multiple of ``pac``.

    Examples
    --------
    >>> w = torch.tensor([0.6, 0.8])  # unit norm: the gradient norm is 1 everywhere
    >>> critic = lambda x: pack(x, 2) @ w[:, None]
    >>> float(gradient_penalty(critic, torch.randn(4, 1), torch.randn(4, 1), pac=2))
    0.0
    """
    pac = _positive_int(pac, "pac")
    if not isinstance(real, torch.Tensor) or not isinstance(fake, torch.Tensor):
        raise TypeError("real and fake must be torch tensors.")
    if real.shape != fake.shape or real.ndim != 2:
        raise ValueError(f"real and fake need the same 2-d shape, got {real.shape}, {fake.shape}.")
    if real.shape[0] % pac:
        raise ValueError(f"The number of rows ({real.shape[0]}) must be a multiple of pac ({pac}).")
    n, d = real.shape
    rho = torch.rand(n // pac, 1, 1, device=real.device).expand(n // pac, pac, d).reshape(n, d)
    mixed = (rho * real.detach() + (1 - rho) * fake.detach()).requires_grad_(True)
    scores = critic(mixed)
    (grads,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = grads.reshape(n // pac, pac * d).norm(dim=1)
    return weight * ((norms - 1) ** 2).mean()


# ------------------------------------------------------------------ the generator


class _Residual(nn.Module):
    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.fc, self.bn = nn.Linear(in_dim, out_dim), nn.BatchNorm1d(out_dim)

    def forward(self, x):
        return torch.cat([F.relu(self.bn(self.fc(x))), x], dim=1)


class ConditionalGenerator(nn.Module):
    """The CTGAN generator: input ``z ⊕ cond``, residual layers
    ``h_{i+1} = h_i ⊕ ReLU(BN(FC(h_i)))``, then a linear layer to the raw (pre-activation)
    encoded row.

    Examples
    --------
    >>> gen = ConditionalGenerator(noise_dim=4, cond_dim=2, output_dim=5, hidden=(8, 8))
    >>> gen(torch.randn(3, 4), torch.zeros(3, 2)).shape
    torch.Size([3, 5])
    """

    def __init__(self, noise_dim: int, cond_dim: int, output_dim: int, hidden=(256, 256)):
        super().__init__()
        dim = _positive_int(noise_dim, "noise_dim") + int(cond_dim)
        layers = []
        for width in hidden:
            layers.append(_Residual(dim, width))
            dim += width
        self.net = nn.Sequential(*layers, nn.Linear(dim, _positive_int(output_dim, "output_dim")))

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z, cond], dim=1))


def apply_activations(
    raw: torch.Tensor,
    spans: Sequence[Span],
    tau: float = 0.2,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``tanh`` on each ``alpha`` span, Gumbel-softmax (temperature ``tau``) on each one-hot
    span: the generator's raw output becomes an encoded row.

    The Gumbel noise comes from ``generator`` when given, else from PyTorch's global
    generator (``torch.nn.functional.gumbel_softmax``).

    Examples
    --------
    >>> spans = [Span("x", 0, 1, "tanh", False), Span("x", 1, 3, "softmax", False)]
    >>> out = apply_activations(torch.tensor([[10.0, 0.0, 0.0]]), spans)
    >>> round(float(out[0, 0]), 4), round(float(out[0, 1:].sum()), 4)
    (1.0, 1.0)
    """
    if not spans or spans[-1].stop != raw.shape[1]:
        raise ValueError("spans must cover all columns of raw (use transformer.spans).")
    parts = []
    for span in spans:
        block = raw[:, span.start : span.stop]
        if span.activation == "tanh":
            parts.append(torch.tanh(block))
        elif span.activation == "softmax":
            if generator is None:
                parts.append(F.gumbel_softmax(block, tau=tau, hard=False))
            else:  # the same formula as gumbel_softmax, with noise from `generator`
                gumbels = -torch.empty_like(block).exponential_(generator=generator).log()
                parts.append(((block + gumbels) / tau).softmax(dim=1))
        else:
            raise ValueError(f"Unknown activation {span.activation!r}.")
    return torch.cat(parts, dim=1)


def conditional_loss(raw, cond, mask, discrete_spans: Sequence[Span]) -> torch.Tensor:
    """Cross-entropy between the generated logits of the conditioned column and the
    requested category, averaged over the batch (the other columns are masked out).

    Examples
    --------
    >>> spans = [Span("c", 0, 2, "softmax", True)]
    >>> cond, mask = torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0]])
    >>> good = conditional_loss(torch.tensor([[5.0, -5.0]]), cond, mask, spans)
    >>> bad = conditional_loss(torch.tensor([[-5.0, 5.0]]), cond, mask, spans)
    >>> bool(good < 0.001 < 9 < bad)
    True
    """
    if mask.shape[1] != len(discrete_spans):
        raise ValueError("mask needs one column per discrete span.")
    losses, offset = [], 0
    for span in discrete_spans:
        width = span.stop - span.start
        target = cond[:, offset : offset + width].argmax(dim=1)
        logits = raw[:, span.start : span.stop]
        losses.append(F.cross_entropy(logits, target, reduction="none"))
        offset += width
    return (torch.stack(losses, dim=1) * mask).sum() / raw.shape[0]


def generator_loss(critic_fake, raw, cond, mask, discrete_spans) -> torch.Tensor:
    """``-mean C(fake packs) + conditional_loss``: fool the critic and honour the condition.

    Examples
    --------
    >>> spans = [Span("c", 0, 2, "softmax", True)]
    >>> loss = generator_loss(torch.tensor([[2.0]]), torch.tensor([[5.0, -5.0]]),
    ...                       torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0]]), spans)
    >>> round(float(loss), 3)
    -2.0
    """
    return -critic_fake.mean() + conditional_loss(raw, cond, mask, discrete_spans)


# ------------------------------------------------------------------ one step of Algorithm 1


def train_step(
    generator: ConditionalGenerator,
    critic: PackedCritic,
    g_optimizer: torch.optim.Optimizer,
    c_optimizer: torch.optim.Optimizer,
    encoded: torch.Tensor,
    spans: Sequence[Span],
    sampler: ConditionSampler,
    batch_size: int,
    rng: np.random.Generator,
    noise_dim: int = 128,
    penalty_weight: float = 10.0,
) -> dict:
    """One iteration of Algorithm 1 of Xu et al. (2019): a critic update, then a generator
    update. Returns the losses of this step as floats.

    ``encoded`` is the encoded training table (a tensor on the models' device) and
    ``rng`` draws the conditions and the real rows; ``z`` and the interpolation weights
    come from PyTorch's generator.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": np.arange(20.0), "c": ["a", "b"] * 10})
    >>> tt = TableTransformer().fit(table, ["c"])
    >>> data = tt.transform(table, rng=0)
    >>> sampler = ConditionSampler(tt, data)
    >>> gen = ConditionalGenerator(4, sampler.cond_dim, tt.output_dim, hidden=(8,))
    >>> critic = PackedCritic(tt.output_dim + sampler.cond_dim, pac=2, hidden=(8,))
    >>> opts = [torch.optim.Adam(m.parameters()) for m in (gen, critic)]
    >>> losses = train_step(gen, critic, *opts, torch.tensor(data).float(), tt.spans, sampler,
    ...                     batch_size=4, rng=np.random.default_rng(0), noise_dim=4)
    >>> sorted(losses)
    ['conditional', 'critic', 'generator', 'penalty']
    """
    device = encoded.device
    pac = critic.pac
    if batch_size % pac:
        raise ValueError(f"batch_size ({batch_size}) must be a multiple of pac ({pac}).")
    tensor = lambda a: torch.as_tensor(a, dtype=torch.float32, device=device)  # noqa: E731

    # --- critic update ---
    # Algorithm 1, lines 1-2: masks and condition vectors (column uniform, log-frequency category)
    cond, mask, columns, categories = sampler.sample_condition(batch_size, rng)
    cond, mask = tensor(cond), tensor(mask)
    # Algorithm 1, line 3: noise z ~ N(0, I)
    z = torch.randn(batch_size, noise_dim, device=device)
    # Algorithm 1, line 4: fake rows from the conditional generator (no generator gradient needed)
    with torch.no_grad():
        fake = apply_activations(generator(z, cond), spans)
    # Algorithm 1, line 5: real rows drawn uniformly among those matching each condition
    real = encoded[torch.as_tensor(sampler.sample_rows(columns, categories, rng), device=device)]
    # Algorithm 1, lines 6-8: append the condition to each row; the critic packs pac rows
    fake_cat = torch.cat([fake, cond], dim=1)
    real_cat = torch.cat([real, cond], dim=1)
    # Algorithm 1, line 9: Wasserstein critic loss L_C = mean C(fake) - mean C(real)
    loss_c = critic(fake_cat).mean() - critic(real_cat).mean()
    # Algorithm 1, lines 10-12: gradient penalty at packed interpolates
    penalty = gradient_penalty(critic, real_cat, fake_cat, pac, penalty_weight)
    # Algorithm 1, line 13: Adam step on the critic with L_C + 10 L_GP
    c_optimizer.zero_grad()
    (loss_c + penalty).backward()
    c_optimizer.step()

    # --- generator update ---
    # Algorithm 1, line 14: regenerate fake rows as in lines 1-7 (fresh conditions and noise)
    cond, mask, _, _ = sampler.sample_condition(batch_size, rng)
    cond, mask = tensor(cond), tensor(mask)
    z = torch.randn(batch_size, noise_dim, device=device)
    raw = generator(z, cond)
    fake = apply_activations(raw, spans)
    # Algorithm 1, line 15: L_G = -mean C(fake packs) + cross-entropy of the conditioned column
    scores = critic(torch.cat([fake, cond], dim=1))
    cross_entropy = conditional_loss(raw, cond, mask, sampler.spans)
    loss_g = -scores.mean() + cross_entropy
    # Algorithm 1, line 16: Adam step on the generator
    g_optimizer.zero_grad()
    loss_g.backward()
    g_optimizer.step()
    return {
        "critic": loss_c.item(),
        "penalty": penalty.item(),
        "generator": loss_g.item(),
        "conditional": cross_entropy.item(),
    }


# ------------------------------------------------------------------ the synthesizer


class TeachingCTGAN:
    """CTGAN from the pieces of this module, with the interface of ``ctgan.CTGAN``.

    Parameters
    ----------
    epochs : int
        Passes over the data; an epoch is ``max(n_rows // batch_size, 1)`` steps.
    batch_size : int
        Rows per step, a multiple of ``pac``.
    pac : int
        Rows per critic pack.
    noise_dim, generator_dim, critic_dim
        Sizes of ``z`` and of the hidden layers (as ``ctgan``: 128, (256, 256), (256, 256)).
    lr, betas, weight_decay
        Adam settings of both players (as ``ctgan``: 2e-4, (0.5, 0.9), 1e-6).
    seed : int
        Seeds the mixtures, the conditions, the real-row draws, the initial weights and
        the noise of training, and the generators that ``sample`` draws from. ``fit``
        seeds PyTorch inside ``torch.random.fork_rng``, so the caller's global random
        state (PyTorch and NumPy) is left as it was.
    device : str or torch.device, optional
        Where the networks live (default: CPU).
    progress : bool
        Show a tqdm bar over the epochs (``False`` hides it; with ``True`` tqdm's own
        settings apply, so ``TQDM_DISABLE=1`` hides it too).

    Attributes
    ----------
    loss_history : pandas.DataFrame
        Per epoch, the mean over its steps of the critic loss (without penalty), the
        penalty, the generator loss and its cross-entropy part.
    sample_generator_ : torch.Generator
        The noise generator of ``sample``, seeded with ``seed + 1`` at ``fit``.
    sample_rng_ : numpy.random.Generator
        The condition generator of ``sample``, seeded with ``seed + 1`` at ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": np.arange(40.0), "c": ["a", "b", "b", "b"] * 10})
    >>> model = TeachingCTGAN(epochs=2, batch_size=20, pac=10, progress=False)
    >>> model = model.fit(table, ["c"])
    >>> model.loss_history.shape
    (2, 5)
    >>> synthetic = model.sample(7)
    >>> synthetic.shape, list(synthetic.dtypes.astype(str))
    ((7, 2), ['float64', 'object'])
    >>> synthetic.equals(model.sample(7))  # each call draws new rows
    False
    """

    def __init__(
        self,
        epochs: int = 300,
        batch_size: int = 500,
        pac: int = 10,
        noise_dim: int = 128,
        generator_dim: Sequence[int] = (256, 256),
        critic_dim: Sequence[int] = (256, 256),
        lr: float = 2e-4,
        betas: tuple = (0.5, 0.9),
        weight_decay: float = 1e-6,
        seed: int = 0,
        device=None,
        progress: bool = True,
    ):
        self.epochs = _positive_int(epochs, "epochs")
        self.batch_size = _positive_int(batch_size, "batch_size")
        self.pac = _positive_int(pac, "pac")
        if self.batch_size % self.pac:
            raise ValueError(
                f"batch_size ({batch_size}) must be a multiple of pac ({pac}): the critic "
                "judges whole packs."
            )
        self.noise_dim = _positive_int(noise_dim, "noise_dim")
        self.generator_dim, self.critic_dim = tuple(generator_dim), tuple(critic_dim)
        self.lr, self.betas, self.weight_decay = lr, tuple(betas), weight_decay
        self.seed = seed
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.progress = progress
        self.generator = None
        self.loss_history = None

    def fit(self, data: pd.DataFrame, discrete_columns: Sequence[str]) -> TeachingCTGAN:
        """Encode ``data``, build both networks and run ``epochs`` of Algorithm 1."""
        discrete = _check_frame(data, discrete_columns)
        if not discrete:
            raise ValueError("TeachingCTGAN needs at least one discrete column.")
        # seed PyTorch for the initial weights and the noise of training without
        # touching the caller's random state
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self.seed)
            self._fit(data, discrete)
        # sampling draws from generators of its own (seed + 1: not the training noise)
        self.sample_generator_ = torch.Generator(device=self.device).manual_seed(self.seed + 1)
        self.sample_rng_ = np.random.default_rng(self.seed + 1)
        return self

    @property
    def _bar(self) -> dict:
        # progress=False hides the bar; otherwise tqdm's own settings apply
        # (TQDM_DISABLE=1 hides it too, e.g. when the book is built).
        return {} if self.progress else {"disable": True}

    def _fit(self, data: pd.DataFrame, discrete: list) -> None:
        rng = np.random.default_rng(self.seed)
        self.transformer = TableTransformer(random_state=self.seed).fit(data, discrete)
        matrix = self.transformer.transform(data, rng)
        self.sampler = ConditionSampler(self.transformer, matrix)
        encoded = torch.as_tensor(matrix, dtype=torch.float32, device=self.device)
        out_dim, cond_dim = self.transformer.output_dim, self.sampler.cond_dim
        self.generator = ConditionalGenerator(
            self.noise_dim, cond_dim, out_dim, self.generator_dim
        ).to(self.device)
        self.critic = PackedCritic(out_dim + cond_dim, self.pac, self.critic_dim).to(self.device)
        g_opt, c_opt = (
            torch.optim.Adam(
                m.parameters(), lr=self.lr, betas=self.betas, weight_decay=self.weight_decay
            )
            for m in (self.generator, self.critic)
        )
        steps = max(len(data) // self.batch_size, 1)
        history = []
        for epoch in tqdm(range(self.epochs), desc="TeachingCTGAN", **self._bar):
            step_losses = [
                train_step(
                    self.generator,
                    self.critic,
                    g_opt,
                    c_opt,
                    encoded,
                    self.transformer.spans,
                    self.sampler,
                    self.batch_size,
                    rng,
                    self.noise_dim,
                )
                for _ in range(steps)
            ]
            history.append({"epoch": epoch, **pd.DataFrame(step_losses).mean().to_dict()})
        self.loss_history = pd.DataFrame(history)

    @torch.no_grad()
    def sample(self, n: int, seed: int | None = None) -> pd.DataFrame:
        """Generate ``n`` rows with the columns and dtypes of the training table.

        Conditions use the real category frequencies. As in ``ctgan``, the generator's
        batch normalisation uses the statistics of each generated batch of
        ``batch_size`` rows.

        By default the noise and the conditions come from the model's own generators
        (``sample_generator_`` and ``sample_rng_``, seeded at ``fit``): each call draws new
        rows, and a refit with the same ``seed`` replays the same sequence of samples. An
        integer ``seed`` draws from fresh generators seeded with it instead, so the same
        ``seed`` gives the same rows. The global random state is never touched.
        """
        if self.generator is None:
            raise RuntimeError("Call fit(data, discrete_columns) before sample(n).")
        n = _positive_int(n, "n")
        if seed is None:
            rng, noise = self.sample_rng_, self.sample_generator_
        else:
            rng = np.random.default_rng(seed)
            noise = torch.Generator(device=self.device).manual_seed(seed)
        batches = []
        for _ in range(-(-n // self.batch_size)):
            cond = torch.as_tensor(
                self.sampler.sample_original_condition(self.batch_size, rng), device=self.device
            )
            z = torch.randn(self.batch_size, self.noise_dim, device=self.device, generator=noise)
            raw = self.generator(z, cond)
            encoded = apply_activations(raw, self.transformer.spans, generator=noise)
            batches.append(encoded.cpu().numpy())
        return self.transformer.inverse_transform(np.concatenate(batches)[:n])
