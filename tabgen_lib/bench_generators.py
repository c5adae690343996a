"""The generators of the benchmark (:mod:`tabgen_lib.bench`): one small function per row.

A generator function takes the run's :class:`~tabgen_lib.bench_data.BenchData`, its
:class:`BenchSettings` and a ``cache`` dict shared by the functions of one run and seed
(so that a model fitted for one row serves another), and returns :class:`Generated`: a
synthetic table as large as ``data.train``, the fit time and a note. Every model is seeded
by ``settings.seed`` through its ``random_state``; defaults are the library's, never tuned
on the benchmark's held-out rows.

Examples
--------
>>> mine = {}
>>> @register("copy", mine)
... def copy_rows(data, settings, cache):
...     return Generated(data.train.copy(), fit_seconds=0.0)
>>> list(mine)
['copy']
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .bench_data import BenchData

__all__ = [
    "GENERATORS",
    "BenchSettings",
    "Generated",
    "proportional_counts",
    "register",
]


@dataclass
class BenchSettings:
    """Everything that changes the numbers of a run (stored in the JSON file)."""

    seed: int = 0
    quick: bool = False
    ctgan_epochs: int = 300
    detection_seeds: tuple | None = None  # None: (seed,), one detection run per fit
    detection_splits: int = 4
    detection_max_rows: int | None = 10_000
    efficacy_models: tuple = ("lr", "rf", "gb")
    verbose: bool = True


@dataclass
class Generated:
    """What a generator function returns: its table, fit time (None: no fit) and a note."""

    synthetic: pd.DataFrame
    fit_seconds: float | None
    note: str = ""


GeneratorFn = Callable[[BenchData, BenchSettings, dict], Generated]
#: The benchmark's rows, in order: name -> function(data, settings, cache) -> Generated.
GENERATORS: dict[str, GeneratorFn] = {}


def register(name: str, registry: dict | None = None):
    """Decorator that adds a generator function to ``registry`` (default :data:`GENERATORS`)."""
    target = GENERATORS if registry is None else registry

    def add(function: GeneratorFn) -> GeneratorFn:
        target[name] = function
        return function

    return add


def proportional_counts(labels: pd.Series, n: int) -> dict:
    """Split ``n`` rows over the classes of ``labels`` in their proportions (summing to ``n``).

    Largest remainders: every class gets the floor of its share, and the rows left go to
    the classes with the largest fractional parts.

    Examples
    --------
    >>> proportional_counts(pd.Series(["a", "a", "b"]), 10)
    {'a': 7, 'b': 3}
    """
    shares = labels.value_counts(normalize=True).sort_index()
    exact = shares.to_numpy() * n
    counts = np.floor(exact).astype(int)
    left = n - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:left]] += 1
    return {label: int(c) for label, c in zip(shares.index, counts, strict=True)}


def _timed(function) -> tuple[object, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def _quick_stage1(settings: BenchSettings) -> dict:
    return {"ae_steps": 60, "ae_patience": 60} if settings.quick else {}


def _fit(cache: dict, key: str, make, data: BenchData):
    """Fit ``make()`` on the training rows once per run and seed; (model, seconds)."""
    if key not in cache:
        model = make()
        cache[key] = _timed(lambda: model.fit(data.train, data.discrete_columns))
    return cache[key]


def _aegan(settings: BenchSettings, **kwargs):
    from .aegan import AEGAN

    quick = {"gan_steps": 20, **_quick_stage1(settings)} if settings.quick else {}
    return AEGAN(random_state=settings.seed, verbose=settings.verbose, **quick, **kwargs)


@register("AE-GAN")
def _aegan_row(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    model, seconds = _fit(cache, "AE-GAN", lambda: _aegan(settings), data)
    return Generated(model.sample(len(data.train)), seconds)


@register("AE-GAN, balanced D")
def _aegan_balanced(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    """The AE-GAN with the discriminator as fast as the generator (d_lr_factor=1, k_steps_g=1)."""
    make = lambda: _aegan(settings, d_lr_factor=1.0, k_steps_g=1)  # noqa: E731
    model, seconds = _fit(cache, "AE-GAN, balanced D", make, data)
    note = "d_lr_factor=1, k_steps_g=1 instead of the course's 0.25 and 3"
    return Generated(model.sample(len(data.train)), seconds, note)


@register("cGAN")
def _cgan(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    model, seconds = _fit(cache, "cGAN", lambda: _aegan(settings, conditional_on=data.target), data)
    counts = proportional_counts(data.train[data.target], len(data.train))
    parts = [model.sample(n, condition=label) for label, n in counts.items() if n > 0]
    synthetic = pd.concat(parts, ignore_index=True)
    synthetic = synthetic.sample(frac=1.0, random_state=settings.seed).reset_index(drop=True)
    return Generated(synthetic, seconds, f"conditional on {data.target}, real label shares")


def _aegmm(settings: BenchSettings):
    from .latent_gmm import AEGMM

    quick = {"candidates": (1, 2), **_quick_stage1(settings)} if settings.quick else {}
    return AEGMM(random_state=settings.seed, verbose=settings.verbose, **quick)


@register("AE-GMM")
def _aegmm_row(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    model, seconds = _fit(cache, "AE-GMM", lambda: _aegmm(settings), data)
    note = f"{model.n_components_[0]} components (BIC)"
    return Generated(model.sample(len(data.train)), seconds, note)


@register("AE-Diffusion")
def _aediffusion(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    from .latent_diffusion import AEDiffusion

    quick = {"diffusion_steps": 30, **_quick_stage1(settings)} if settings.quick else {}
    make = lambda: AEDiffusion(random_state=settings.seed, verbose=settings.verbose, **quick)  # noqa: E731
    model, seconds = _fit(cache, "AE-Diffusion", make, data)
    last = model.history_["diffusion_step"][-1]
    note = f"denoiser: weights of step {model.diffusion_best_step_:,} of {last:,}"
    return Generated(model.sample(len(data.train)), seconds, note)


def _ctgan_family(cls, data: BenchData, settings: BenchSettings) -> Generated:
    epochs = 2 if settings.quick else settings.ctgan_epochs
    model = cls(epochs=epochs, verbose=settings.verbose)
    # ctgan seeds its own generators at fit and sample from set_random_state
    model.set_random_state(settings.seed)
    _, seconds = _timed(lambda: model.fit(data.train, data.discrete_columns))
    model.set_random_state(settings.seed)
    return Generated(model.sample(len(data.train)), seconds, f"{epochs} epochs")


@register("CTGAN")
def _ctgan(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    from ctgan import CTGAN

    return _ctgan_family(CTGAN, data, settings)


@register("TVAE")
def _tvae(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    from ctgan import TVAE

    return _ctgan_family(TVAE, data, settings)


@register("real rows")
def _real_rows(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    note = f"{len(data.stand_in)} unseen real rows: the limit"
    return Generated(data.stand_in.reset_index(drop=True), None, note)


@register("autoencoder only")
def _autoencoder_only(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    """Decoded reconstructions of *unseen* real rows by the AE-GMM's autoencoder.

    The ceiling of the latent models with the AE-GMM's Stage 1 (the AE-Diffusion's has the
    same settings). Reconstructing the training rows would pair each real row with its own
    reconstruction in the detection and distance metrics (twins on both sides), which
    flatters the score.
    """
    shared = "AE-GMM" in cache
    model, seconds = _fit(cache, "AE-GMM", lambda: _aegmm(settings), data)
    note = f"decoded reconstructions of {len(data.stand_in):,} unseen real rows (AE-GMM's Stage 1)"
    rows = model.reconstruct(data.stand_in.reset_index(drop=True))
    return Generated(rows, None if shared else seconds, note)
