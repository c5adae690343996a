"""The base class of the latent generators: Stage 1 (autoencoder) and Stage 3 (decoding).

:class:`~tabgen_lib.aegan.AEGAN`, :class:`~tabgen_lib.latent_gmm.AEGMM` and
:class:`~tabgen_lib.latent_diffusion.AEDiffusion` differ only in the model of the latent
space (Stage 2). :class:`LatentModel` holds what they share: the checks of the shared
settings, ``fit`` (the transformer, the autoencoder trained by
:func:`~tabgen_lib.autoencoder_stage.train_autoencoder` with early stopping, the embeddings
of the training rows, then the subclass's Stage 2), ``sample`` and ``decode``, ``encode``,
``reconstruct`` and ``reconstruction_error`` of real rows, and ``save`` / ``load``
(:mod:`tabgen_lib.aegan_checkpoint`). One level of inheritance, no more.

``sample`` never returns a copy of a training row when ``reject_copies`` is true (the
default): the model keeps a fingerprint of every training row and redraws the rows that
match one (:mod:`tabgen_lib.copy_filter`, which also says what the filter does not do).
``sample_latent`` and ``decode`` are the unfiltered steps underneath.

With the same ``random_state`` and data the three generators train the *same* autoencoder
(same initial weights, validation rows, batches and noise) when their Stage 1 settings
agree: they differ in Stage 2 only.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator

from . import validation
from .aegan_checkpoint import load_latent_model, save_latent_model
from .aegan_labels import condition_codes, insert_labels, split_label
from .autoencoder_stage import _best_step, split_validation, train_autoencoder
from .copy_filter import find_copies, row_fingerprints
from .models import Autoencoder
from .runtime import get_device
from .transforms import TabularTransformer, check_table

__all__ = ["MAX_REDRAWS", "LatentModel", "check_widths"]

#: Rounds of redrawing the sampled rows that copy a training row before ``sample`` gives up.
MAX_REDRAWS = 20


def check_widths(widths, name: str) -> None:
    """A non-empty list of positive layer widths (TypeError / ValueError otherwise)."""
    if isinstance(widths, str) or not hasattr(widths, "__iter__"):
        raise TypeError(f"{name} must be a list of layer widths, e.g. (256, 128).")
    if not list(widths):
        raise ValueError(f"{name} needs at least one hidden layer width.")
    for i, width in enumerate(widths):
        validation.check_int(width, f"{name}[{i}]", min_value=1)


class LatentModel(BaseEstimator):
    """Base of the latent generators: Stage 1 (autoencoder) and Stage 3 (decoding).

    Subclasses store their constructor's arguments (scikit-learn's rule), including the
    shared ones read here: ``latent_dim``, ``ae_hidden``, ``ae_steps``, ``ae_patience``,
    ``ae_validation``, ``ae_lr``, ``latent_noise``, ``batch_size``, ``conditional_on``,
    ``max_snap_values``, ``spike_share`` (the transformer's encoding of spiked columns),
    ``reject_copies``, ``random_state``, ``device``, ``verbose``. They implement

    - ``_check_params()``: :meth:`_check_stage1_params` and their own settings' checks;
    - ``_build()``: every network, from ``transformer_`` and ``labels_`` (fit and load);
    - ``_fit_latent(z, codes, rng, val_rows)``: Stage 2 on the embeddings ``z`` of all
      training rows (``codes``: their label codes, ``None`` for a plain model;
      ``val_rows``: the indices of the rows Stage 1 held out, which a Stage 2 with early
      stopping may hold out too); returns its history;
    - ``_generate(n, codes)``: ``n`` new embeddings (rows of label ``codes``), drawn with
      ``sample_rng_``;
    - ``_latent_state()`` / ``_set_latent_state(state)``: Stage 2's fitted numbers that are
      not network weights, as plain data (for ``save`` / ``load``).
    """

    # ------------------------------------------------------------------ settings
    def _check_stage1_params(self) -> None:
        """TypeError for a shared setting of the wrong type, ValueError for one out of range."""
        for name in ("latent_dim", "ae_steps", "ae_patience"):
            validation.check_int(getattr(self, name), name, min_value=1)
        validation.check_int(self.batch_size, "batch_size", min_value=2)
        validation.check_int(self.max_snap_values, "max_snap_values", min_value=0)
        validation.check_float(self.ae_lr, "ae_lr", min_value=0, include_min=False)
        validation.check_float(self.latent_noise, "latent_noise", min_value=0)
        validation.check_float(
            self.ae_validation, "ae_validation", min_value=0, max_value=0.5, include_max=False
        )
        check_widths(self.ae_hidden, "ae_hidden")
        for name in ("verbose", "reject_copies"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}.")
        if self.conditional_on is not None and not isinstance(self.conditional_on, str | int):
            raise TypeError("conditional_on must be a column name or None.")

    def _check_rows(self, n_rows: int) -> None:
        """Raise a ValueError if Stage 2 cannot learn from ``n_rows`` rows (default: it can)."""

    def _ae_steps(self, n_train: int) -> int:
        """The step budget: ``ae_steps``, or the old ``ae_epochs`` converted (deprecated)."""
        epochs = getattr(self, "ae_epochs", None)
        if epochs is None:
            return self.ae_steps
        epochs = validation.check_int(epochs, "ae_epochs", min_value=1)
        steps = epochs * max(1, n_train // min(self.batch_size, n_train))
        warnings.warn(
            f"ae_epochs is deprecated: give ae_steps (optimizer steps) instead. ae_epochs="
            f"{epochs} is {steps} steps on these {n_train} rows; early stopping still applies.",
            FutureWarning,
            stacklevel=3,
        )
        return steps

    # ------------------------------------------------------------------ fit
    def fit(self, data, discrete_columns=()):
        """Train Stage 1 (autoencoder) and Stage 2 (the latent model) on ``data``.

        Parameters
        ----------
        data : pandas.DataFrame
            The training table. Continuous columns must not contain NaN (impute or drop
            first); discrete columns may (NaN is then a category of its own).
        discrete_columns : list of column names
            The discrete columns; every other column must be numeric.

        Returns
        -------
        self
        """
        self._check_params()
        seed = validation.check_random_state(self.random_state)
        data, discrete = check_table(data, discrete_columns)
        label = self.conditional_on
        if label is not None and label not in discrete:
            raise ValueError(
                f"conditional_on={label!r} must be one of the discrete_columns "
                f"{discrete}: a conditional model needs a discrete label."
            )
        self._check_rows(len(data))
        device = get_device(self.device)
        features, self.labels_, codes, self.label_freq_, self.label_dtype_ = split_label(
            data, label
        )
        self.columns_ = list(data.columns)
        self.device_ = device
        self.copy_fingerprints_ = np.unique(row_fingerprints(data)) if self.reject_copies else None
        self.copies_rejected_ = 0
        self.transformer_ = TabularTransformer(
            max_snap_values=self.max_snap_values, spike_share=self.spike_share
        )
        self.transformer_.fit(features, [c for c in discrete if c != label])
        x = torch.as_tensor(self.transformer_.transform(features), device=device)

        init_seed, train_seed, sample_seed = np.random.SeedSequence(seed).generate_state(3)
        rng = validation.torch_generator(int(train_seed), device)
        fit_rows, val_rows = split_validation(len(x), self.ae_validation, rng)
        codes = None if codes is None else codes.to(device)
        with validation.forked_torch_rng(int(init_seed), device):  # initial weights, dropout
            self._build()
            ae_history = train_autoencoder(
                self.autoencoder_,
                x[fit_rows],
                steps=self._ae_steps(len(fit_rows)),
                lr=self.ae_lr,
                batch_size=self.batch_size,
                latent_noise=self.latent_noise,
                rng=rng,
                x_val=x[val_rows],
                patience=self.ae_patience,
                progress=self.verbose,
            )
            z = self._encode_matrix(x)
            self.latent_low_, self.latent_high_ = z.min(dim=0).values, z.max(dim=0).values
            latent_history = self._fit_latent(z, codes, rng, val_rows)
        self.ae_best_step_ = _best_step(ae_history)
        self.history_ = {**ae_history, **latent_history}
        self.sample_rng_ = validation.torch_generator(int(sample_seed))
        return self

    def _build_autoencoder(self) -> None:
        """The autoencoder, on ``device_`` (its weights drawn from the global RNG)."""
        spans = self.transformer_.spans_
        self.autoencoder_ = Autoencoder(spans, self.latent_dim, self.ae_hidden).to(self.device_)

    # ------------------------------------------------------------------ sample
    def _codes(self, n, condition) -> torch.Tensor | None:
        """Label codes of ``n`` rows to generate (checks ``n`` and ``condition``)."""
        validation.check_fitted(self, "sample_rng_")
        n = validation.check_int(n, "n", min_value=1)
        return condition_codes(
            n, condition, self.labels_, self.label_freq_, self.sample_rng_, self.conditional_on
        )

    def sample_latent(self, n, condition=None) -> torch.Tensor:
        """Stage 2 output only: ``n`` generated latent vectors (on the model's device)."""
        return self._generate(n, self._codes(n, condition))

    def sample(self, n, condition=None) -> pd.DataFrame:
        """Generate ``n`` rows (all with label ``condition`` if given, for a conditional model).

        A conditional model without ``condition`` draws labels with their training shares.
        Successive calls give different rows; the sequence of calls is reproducible (see
        ``random_state``). With ``reject_copies`` a row identical to a training row is
        redrawn (with the same label) until none is left, at most :data:`MAX_REDRAWS`
        times; ``copies_rejected_`` counts the redrawn rows. A model that still draws
        copies after that raises a ``RuntimeError``.
        """
        codes = self._codes(n, condition)
        frame = self._draw(n, codes)
        for redraw in range(MAX_REDRAWS + 1):
            rows = np.flatnonzero(self._copies(frame))
            if len(rows) == 0:
                break
            if redraw == MAX_REDRAWS:
                raise RuntimeError(
                    f"{len(rows)} of {len(frame)} sampled rows were still copies of training "
                    f"rows after {MAX_REDRAWS} redraws: this model reproduces its training "
                    "rows, or the table has so few possible rows that the training rows hold "
                    "most of them. Fit on more rows or with a smaller training budget, or "
                    "pass reject_copies=False to accept copies (then check exact_copy_share "
                    "before you release the rows)."
                )
            self.copies_rejected_ += len(rows)
            redrawn = self._draw(len(rows), None if codes is None else codes[torch.as_tensor(rows)])
            redrawn.index = rows
            frame = pd.concat([frame.drop(index=rows), redrawn]).sort_index()
        return frame

    def _draw(self, n: int, codes) -> pd.DataFrame:
        """``n`` rows decoded from new embeddings (of label ``codes``, one per row)."""
        labels = None if codes is None else [self.labels_[i] for i in codes.tolist()]
        return self.decode(self._generate(n, codes), labels)

    def _copies(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows of ``frame`` copy a training row (none without ``reject_copies``)."""
        if not self.reject_copies:
            return np.zeros(len(frame), dtype=bool)
        if self.copy_fingerprints_ is None:
            raise ValueError(
                "reject_copies is True, but this model was fitted with reject_copies=False and "
                "kept no fingerprints of its training rows: fit it again with reject_copies=True."
            )
        return find_copies(frame, self.copy_fingerprints_)

    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels=None) -> pd.DataFrame:
        """Stage 3 from a latent matrix: decoder, then inverse transform to a DataFrame.

        A conditional model also needs the ``labels`` of the rows (a sequence of label
        values, one per row): the label column is the condition, not decoded.
        """
        validation.check_fitted(self, "sample_rng_")
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must be a tensor of shape (n, {self.latent_dim}).")
        z = z.to(self.device_, torch.float32)
        out = torch.cat([self.autoencoder_.decode(zb) for zb in z.split(8192)])
        frame = self.transformer_.inverse_transform(out.cpu().numpy())
        if not self.labels_:
            return frame
        label = self.conditional_on
        return insert_labels(frame, label, self.columns_.index(label), labels, self.label_dtype_)

    # ------------------------------------------------------------------ real rows
    def _features(self, data) -> torch.Tensor:
        validation.check_fitted(self, "sample_rng_")
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
        if list(data.columns) != self.columns_:
            missing = [c for c in self.columns_ if c not in data.columns]
            extra = [c for c in data.columns if c not in self.columns_]
            raise ValueError(
                "data does not have the columns this model was fitted on "
                f"(missing {missing}, unexpected {extra}); expected {self.columns_} in this order."
            )
        if self.labels_:
            data = data.drop(columns=[self.conditional_on])
        return torch.as_tensor(self.transformer_.transform(data), device=self.device_)

    @torch.no_grad()
    def _encode_matrix(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.autoencoder_.encode(xb) for xb in x.split(8192)])

    def encode(self, data) -> torch.Tensor:
        """The frozen encoder's latent vectors of real rows."""
        return self._encode_matrix(self._features(data))

    def reconstruct(self, data) -> pd.DataFrame:
        """Encode and decode real rows (the autoencoder alone): a ceiling for Stage 2."""
        z = self.encode(data)
        labels = data[self.conditional_on].tolist() if self.labels_ else None
        return self.decode(z, labels)

    @torch.no_grad()
    def reconstruction_error(self, data) -> np.ndarray:
        """Per-row autoencoder loss: MSE over the continuous columns + mean cross-entropy.

        Rows unlike the training data reconstruct badly, so this is an anomaly score.
        """
        x = self._features(data)
        mse, ce = self.autoencoder_.row_losses(self.autoencoder_(x), x)
        return (mse + ce).cpu().numpy()

    # ------------------------------------------------------------------ save / load
    # One file of weights and plain data; a loaded model samples on where the saved one
    # stopped. Model.load(path, device=None); see tabgen_lib.aegan_checkpoint.
    save = save_latent_model
    load = classmethod(load_latent_model)

    def _latent_state(self) -> dict:
        return {}

    def _set_latent_state(self, state: dict) -> None:
        """Restore what ``_latent_state`` returned (nothing by default)."""
