"""The simplest latent generator: a Gaussian mixture in the autoencoder's latent space.

Before a GAN or a diffusion model, the baseline (the course's lesson: compare with the
simplest thing). :class:`AEGMM` trains the same autoencoder as
:class:`~tabgen_lib.aegan.AEGAN` (Stage 1, :mod:`tabgen_lib.autoencoder_stage`), then fits
scikit-learn's :class:`~sklearn.mixture.GaussianMixture` to the embeddings
:math:`z_1, \\dots, z_n \\in [-1, 1]^d` of the training rows:

.. math:: p(z) = \\sum_{k=1}^{K} \\pi_k \\, \\mathcal N(z; \\mu_k, \\Sigma_k),

with weights :math:`\\pi_k`, means :math:`\\mu_k` and full covariances :math:`\\Sigma_k`
found by expectation-maximisation. Sampling draws a component
:math:`k \\sim \\mathrm{Categorical}(\\pi)` and :math:`z = \\mu_k + L_k \\varepsilon` with
:math:`L_k L_k^\\top = \\Sigma_k` (Cholesky) and :math:`\\varepsilon \\sim \\mathcal N(0, I)`,
clips :math:`z` to the range of the training embeddings (per coordinate: a Gaussian's
tails reach beyond the encoder's Tanh) and decodes it.

**How many components?** More components fit the training embeddings better but cost
parameters: each has :math:`d` means, :math:`d(d+1)/2` covariances and a weight. The
Bayesian information criterion trades the two,

.. math:: \\mathrm{BIC}(K) = -2 \\log \\hat L_K + p_K \\log n, \\qquad
          p_K = K \\Big(d + \\frac{d(d+1)}{2}\\Big) + K - 1,

and ``n_components="bic"`` (the default) fits every :math:`K` of ``candidates``
(1, 2, 5, 10, 20, 50) and keeps the one with the smallest BIC. A candidate needs at least
:math:`d + 1` rows per component to estimate a full :math:`d \\times d` covariance
(:math:`K (d + 1) \\le n`): larger ones are skipped, so a 700-row table with
:math:`d = 32` tries 1, 2, 5 and 10 at most, Adult all six.

**Conditional model** (``conditional_on="income"``): one mixture per label, each fitted
to the embeddings of that label's rows (its own BIC choice), and the label column left
out of the autoencoder as in :class:`~tabgen_lib.aegan.AEGAN`. Sampling with
``condition=label`` draws from that label's mixture; without, labels are drawn with their
training shares. A mixture per label is exact where the label is concerned -- no network
has to learn to obey its input -- and costs nothing extra: the rows are split, not repeated.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> table = pd.DataFrame({"x": rng.normal(size=300).round(2),
...                       "colour": rng.choice(["red", "blue"], size=300)})
>>> model = AEGMM(ae_hidden=[32], latent_dim=4, ae_steps=200, random_state=0, verbose=False)
>>> fake = model.fit(table, ["colour"]).sample(5)
>>> list(fake.columns), len(fake)
(['x', 'colour'], 5)
>>> model.history_["bic_k"]  # 300 rows, latent_dim 4: every candidate has K * 5 <= 300
[1, 2, 5, 10, 20, 50]
>>> best = model.history_["bic_k"][int(np.argmin(model.history_["bic"]))]
>>> model.n_components_ == [best]
True
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from . import validation
from .latent_base import LatentModel

__all__ = ["BIC_CANDIDATES", "AEGMM", "fit_mixture"]

#: The numbers of components ``n_components="bic"`` chooses from.
BIC_CANDIDATES = (1, 2, 5, 10, 20, 50)


def fit_mixture(z: np.ndarray, n_components, candidates, seed: int) -> tuple:
    """``(mixture, bic)``: a full-covariance :class:`~sklearn.mixture.GaussianMixture` of
    the rows of ``z``, and the BIC of every number of components tried.

    ``n_components="bic"`` tries each of ``candidates`` with :math:`K (d + 1) \\le n`
    (always 1) and keeps the smallest BIC; an integer is fitted as given (at most ``n``).
    ``seed`` seeds the k-means initialisation.

    >>> z = np.r_[np.random.default_rng(0).normal(-2, 0.3, (100, 2)),
    ...           np.random.default_rng(1).normal(2, 0.3, (100, 2))]
    >>> mixture, bic = fit_mixture(z, "bic", (1, 2, 5), seed=0)
    >>> mixture.n_components, sorted(bic)
    (2, [1, 2, 5])
    """
    n, d = z.shape
    if n_components == "bic":
        tried = [k for k in candidates if k == 1 or k * (d + 1) <= n]
    else:
        tried = [min(n_components, n)]
    best, bic = None, {}
    # one BLAS thread: many small triangular solves, whose threads crawl on a busy machine
    with threadpool_limits(limits=1, user_api="blas"):
        for k in tried:
            mixture = GaussianMixture(k, covariance_type="full", reg_covar=1e-5, random_state=seed)
            mixture.fit(z)
            bic[k] = float(mixture.bic(z))
            if best is None or bic[k] < bic[best.n_components]:
                best = mixture
    return best, bic


class AEGMM(LatentModel):
    """Autoencoder + Gaussian mixture synthesizer with ctgan's ``fit`` / ``sample`` interface.

    A scikit-learn estimator (the constructor only stores its arguments). Stage 1 and its
    settings are :class:`~tabgen_lib.aegan.AEGAN`'s; Stage 2 is a Gaussian mixture.

    Parameters
    ----------
    n_components : "bic" or int
        Components of the mixture: ``"bic"`` chooses among ``candidates`` by BIC (module
        docstring); an integer fixes it (cut to the rows of a label if fewer).
    candidates : sequence of int
        What ``"bic"`` chooses from.
    latent_dim, ae_hidden, ae_steps, ae_patience, ae_validation, ae_lr, latent_noise, \
batch_size, max_snap_values, device, verbose
        Stage 1, as in :class:`~tabgen_lib.aegan.AEGAN`, but with a smaller, noisier latent
        space by default (16 and 0.1, measured in :mod:`tabgen_lib.autoencoder_stage`).
    spike_share : float or None
        Passed to :class:`~tabgen_lib.transforms.TabularTransformer`: a continuous column
        whose smallest or largest value is held by at least this share of the rows (Adult's
        zero capital gains and losses) is encoded as a flag plus a scale of its other values,
        or, when it has many values, each repeated (Adult's capital amounts), as a value
        block with one category per value. The default, 0.5, is measured in
        :mod:`tabgen_lib.autoencoder_stage`; ``None``: one
        quantile scale per column, as :class:`~tabgen_lib.aegan.AEGAN` keeps by default.
    reject_copies : bool
        Never return a copy of a training row, as in :class:`~tabgen_lib.aegan.AEGAN`.
    conditional_on : str, optional
        A discrete column to condition on: one mixture per label.
    random_state : int, optional
        Seeds the initial weights, the training batches and noise, the mixtures' k-means
        initialisation and ``sample_rng_``; ``None`` takes a fresh seed at every fit. The
        caller's global random state is never changed.

    Attributes
    ----------
    mixtures_ : list of dict
        Per label (one entry for a plain model): the mixture's ``weights`` (K,), ``means``
        (K, d) and Cholesky factors ``cholesky`` (K, d, d) of the covariances, as tensors.
    n_components_ : list of int
        The number of components of each mixture.
    history_ : dict of lists
        Stage 1's (see :class:`~tabgen_lib.aegan.AEGAN`), plus ``bic_k`` and ``bic``: the
        candidates tried and their BIC (all labels one after the other).
    autoencoder_, transformer_, columns_, device_, latent_low_, latent_high_, labels_, \
label_freq_, label_dtype_, ae_best_step_, sample_rng_, copy_fingerprints_, copies_rejected_
        As in :class:`~tabgen_lib.aegan.AEGAN`.
    """

    def __init__(
        self,
        n_components="bic",
        candidates=BIC_CANDIDATES,
        latent_dim: int = 16,
        ae_hidden=(256, 128),
        ae_steps: int = 4000,
        ae_patience: int = 500,
        ae_validation: float = 0.1,
        ae_lr: float = 1e-3,
        latent_noise: float = 0.1,
        batch_size: int = 512,
        conditional_on: str | None = None,
        max_snap_values: int = 256,
        spike_share: float | None = 0.5,
        reject_copies: bool = True,
        random_state: int | None = None,
        device=None,
        verbose: bool = True,
    ):
        self.n_components = n_components
        self.candidates = candidates
        self.latent_dim = latent_dim
        self.ae_hidden = ae_hidden
        self.ae_steps = ae_steps
        self.ae_patience = ae_patience
        self.ae_validation = ae_validation
        self.ae_lr = ae_lr
        self.latent_noise = latent_noise
        self.batch_size = batch_size
        self.conditional_on = conditional_on
        self.max_snap_values = max_snap_values
        self.spike_share = spike_share
        self.reject_copies = reject_copies
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def _check_params(self) -> None:
        self._check_stage1_params()
        if isinstance(self.n_components, str):
            if self.n_components != "bic":
                raise ValueError(
                    f'n_components must be "bic" or an int, not {self.n_components!r}.'
                )
        else:
            validation.check_int(self.n_components, "n_components", min_value=1)
        if isinstance(self.candidates, str) or not hasattr(self.candidates, "__iter__"):
            raise TypeError("candidates must be a list of component counts, e.g. (1, 2, 5).")
        if not list(self.candidates):
            raise ValueError("candidates is empty: give at least one number of components.")
        for i, k in enumerate(self.candidates):
            validation.check_int(k, f"candidates[{i}]", min_value=1)

    def _build(self) -> None:
        self._build_autoencoder()

    def _networks(self) -> dict:
        return {"autoencoder": self.autoencoder_}

    def _fit_latent(self, z, codes, rng, val_rows=None) -> dict:
        """Stage 2: one mixture (per label) of the embeddings ``z``, chosen by BIC."""
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=rng, device=rng.device))
        z = z.cpu().double().numpy()
        groups = (
            [np.arange(len(z))]
            if codes is None
            else [np.flatnonzero(codes.cpu().numpy() == code) for code in range(len(self.labels_))]
        )
        self.mixtures_, history = [], {"bic_k": [], "bic": []}
        for rows in groups:
            mixture, bic = fit_mixture(z[rows], self.n_components, self.candidates, seed)
            history["bic_k"] += list(bic)
            history["bic"] += list(bic.values())
            self.mixtures_.append(
                {
                    "weights": torch.as_tensor(mixture.weights_),
                    "means": torch.as_tensor(mixture.means_),
                    "cholesky": torch.linalg.cholesky(torch.as_tensor(mixture.covariances_)),
                }
            )
        self.n_components_ = [len(m["weights"]) for m in self.mixtures_]
        return history

    def _generate(self, n: int, codes) -> torch.Tensor:
        """``n`` embeddings from the mixture (of each row's label), clipped to the range."""
        rng = self.sample_rng_
        labels = torch.zeros(n, dtype=torch.long) if codes is None else codes
        z = torch.empty(n, self.latent_dim, dtype=torch.float64)
        for code in labels.unique().tolist():  # sorted: a fixed order of draws
            rows = torch.nonzero(labels == code).flatten()
            mixture = self.mixtures_[code]
            k = torch.multinomial(mixture["weights"], len(rows), replacement=True, generator=rng)
            eps = torch.randn(len(rows), self.latent_dim, 1, dtype=torch.float64, generator=rng)
            z[rows] = mixture["means"][k] + (mixture["cholesky"][k] @ eps)[..., 0]
        low, high = self.latent_low_.cpu().double(), self.latent_high_.cpu().double()
        return torch.clamp(z, low, high).float().to(self.device_)

    def _latent_state(self) -> dict:
        return {"mixtures": self.mixtures_}

    def _set_latent_state(self, state: dict) -> None:
        self.mixtures_ = [dict(m) for m in state["mixtures"]]
        self.n_components_ = [len(m["weights"]) for m in self.mixtures_]
