"""Privacy benchmark of the course's generators: ``python -m tabgen_lib.privacy_bench``.

For each data set -- insurance (small: where leaks show) and a subsample of Adult -- and
each seed, the rows are shuffled (seeded) and cut into four disjoint parts:

* **members**: the generator's training rows;
* **non-members**: rows it never saw, the other half of every membership attack; also the
  test rows of the efficacy models and the controls of the attribute inference;
* **reference**: the attacker's sample of the population (DOMIAS's reference density), and
  the *public* domain of the DP generator (:func:`~tabgen_lib.dp_generator.domain_of`), so
  that its guarantee covers every member;
* **fresh**: real rows released by the ``"fresh rows"`` sanity row.

Each generator of :data:`GENERATORS` is fitted on the members and releases as many rows,
which are judged by the attacks of :mod:`tabgen_lib.privacy` -- distance and density
(DOMIAS) membership AUC with bootstrap 95 % intervals, the true-positive rate at 10 %
false positives, the attribute-inference risk -- and by utility metrics of
:mod:`tabgen_lib.metrics`: the efficacy ratio (LR, RF, GB) and the RF detection AUC. Two
sanity rows bound every column: ``"members (released)"`` (the training rows themselves,
AUC about 1) and ``"fresh rows"`` (independent real rows, AUC about 0.5).

``--shadow`` runs the shadow-model attack on insurance instead
(:mod:`tabgen_lib.privacy_shadow_bench`).

Results go to ``privacy_<dataset>.json`` / ``.md`` and ``privacy_shadow.json`` / ``.md``
in :data:`~tabgen_lib.bench.RESULTS_DIR` (package data, like the benchmark's), rewritten
atomically after every fit; :mod:`tabgen_lib.privacy_results` reads and summarises them,
as chapter 12 does.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .bench import RESULTS_DIR
from .data import ADULT_DISCRETE, INSURANCE_DISCRETE, load_adult, load_insurance
from .dp_generator import DPAEDiffusion, domain_of
from .metrics import detection_auc, efficacy
from .privacy import (
    attribute_inference_risk,
    density_attack,
    distance_attack,
)
from .privacy_results import (
    attacks_markdown,
    new_results,
    save_results,
    shadow_markdown,
)
from .runtime import set_seed

__all__ = [
    "DATASETS",
    "GENERATORS",
    "Dataset",
    "PrivacySettings",
    "evaluate",
    "main",
    "public_domain",
    "run_attacks",
    "split_rows",
]


@dataclass(frozen=True)
class Dataset:
    """A table and how the benchmark uses it; ``sizes``: rows of each part of the split."""

    name: str
    load: Callable[[], pd.DataFrame]
    discrete_columns: list
    target: str  # efficacy's binary target
    quasi_identifiers: list  # what the attribute-inference attacker knows ...
    secret: str  # ... and guesses
    sizes: dict  # members, non_members, reference, fresh


def _adult_pool() -> pd.DataFrame:
    train, test = load_adult()
    return pd.concat([train, test], ignore_index=True)


DATASETS = {
    "insurance": Dataset(
        "insurance",
        load_insurance,
        list(INSURANCE_DISCRETE),
        "smoker",
        ["age", "sex", "bmi", "children", "smoker", "region"],
        "charges",
        {"members": 669, "non_members": 201, "reference": 268, "fresh": 200},
    ),
    "adult": Dataset(
        "adult",
        _adult_pool,
        list(ADULT_DISCRETE),
        "income",
        ["age", "sex", "race", "native-country", "marital-status", "education"],
        "income",
        {"members": 3000, "non_members": 1000, "reference": 2000, "fresh": 3000},
    ),
}


@dataclass
class PrivacySettings:
    """Everything that changes the numbers of a run (stored in the JSON files)."""

    seeds: tuple = (0, 1, 2)
    quick: bool = False
    ctgan_epochs: dict = field(default_factory=lambda: {"insurance": 300, "adult": 300})
    epsilons: tuple = (10.0, 3.0, 1.0)
    n_bootstrap: int = 1000
    n_targets: int = 5
    n_shadow: int = 6
    shadow_train_size: int = 200
    verbose: bool = False


def split_rows(dataset: Dataset, seed: int, quick: bool = False) -> dict:
    """The four disjoint parts of a seeded shuffle of the data set (``quick``: a tenth).

    Examples
    --------
    >>> parts = split_rows(DATASETS["insurance"], seed=0)
    >>> {name: len(part) for name, part in parts.items()}
    {'members': 669, 'non_members': 201, 'reference': 268, 'fresh': 200}
    """
    table = dataset.load()
    order = np.random.default_rng(seed).permutation(len(table))
    parts, start = {}, 0
    for name, size in dataset.sizes.items():
        size = max(size // 10, 30) if quick else size
        parts[name] = table.iloc[order[start : start + size]].reset_index(drop=True)
        start += size
    return parts


# ---------------------------------------------------------------- the generators

#: name -> fit_sample(parts, dataset, seed, settings) -> (synthetic table, fit seconds, info)
GENERATORS: dict[str, Callable] = {}


def _fitted(model, parts, dataset, seed, info=None):
    members = parts["members"]
    start = time.perf_counter()
    model.fit(members, dataset.discrete_columns)
    seconds = time.perf_counter() - start
    if hasattr(model, "set_random_state"):  # ctgan's models sample from a seeded state
        model.set_random_state(seed)
    return model.sample(len(members)), seconds, info or {}


def _course(module: str, name: str, quick_kwargs: dict):
    def fit_sample(parts, dataset, seed, settings):
        cls = getattr(importlib.import_module(f"tabgen_lib.{module}"), name)
        kwargs = quick_kwargs if settings.quick else {}
        return _fitted(cls(random_state=seed, verbose=False, **kwargs), parts, dataset, seed)

    return fit_sample


def _ctgan(name):
    def fit_sample(parts, dataset, seed, settings):
        import ctgan

        epochs = 2 if settings.quick else settings.ctgan_epochs[dataset.name]
        set_seed(seed)  # ctgan's models draw from the global generators
        model = getattr(ctgan, name)(epochs=epochs)
        return _fitted(model, parts, dataset, seed, {"epochs": epochs})

    return fit_sample


def public_domain(parts: dict, dataset: Dataset) -> dict:
    """The DP generator's domain, independent of the members: the continuous columns' range
    in the reference rows (a member beyond it is clipped), the categories of the whole
    table (the data set's codebook: Adult's are listed in ``adult.names``)."""
    domain = domain_of(parts["reference"], dataset.discrete_columns)
    codebook = domain_of(dataset.load(), dataset.discrete_columns)
    return {c: codebook[c] if c in dataset.discrete_columns else domain[c] for c in domain}


def _dp(epsilon):
    def fit_sample(parts, dataset, seed, settings):
        domain = public_domain(parts, dataset)
        steps = {"ae_steps": 20, "diffusion_steps": 20} if settings.quick else {}
        model = DPAEDiffusion(epsilon, domain=domain, random_state=seed, verbose=False, **steps)
        synthetic, seconds, _ = _fitted(model, parts, dataset, seed)
        info = {
            "epsilon": model.epsilon_,
            "delta": model.delta_,
            "noise_multiplier": model.noise_multiplier_,
        }
        return synthetic, seconds, info

    return fit_sample


def _register_defaults() -> None:
    quick_ae = {"ae_steps": 20, "ae_hidden": (16,), "latent_dim": 4}
    GENERATORS["members (released)"] = lambda p, d, s, c: (p["members"].copy(), None, {})
    GENERATORS["fresh rows"] = lambda p, d, s, c: (p["fresh"].copy(), None, {})
    GENERATORS["AE-GAN"] = _course("aegan", "AEGAN", {**quick_ae, "gan_steps": 20})
    GENERATORS["AE-GMM"] = _course("latent_gmm", "AEGMM", quick_ae)
    GENERATORS["AE-Diffusion"] = _course(
        "latent_diffusion", "AEDiffusion", {**quick_ae, "diffusion_steps": 20}
    )
    GENERATORS["CTGAN"] = _ctgan("CTGAN")
    GENERATORS["TVAE"] = _ctgan("TVAE")
    GENERATORS["DP no noise"] = _dp(None)
    for epsilon in PrivacySettings().epsilons:
        GENERATORS[f"DP epsilon={epsilon:g}"] = _dp(epsilon)


_register_defaults()


# ---------------------------------------------------------------- attacks and utility


def _interval(result) -> dict:
    return {
        "auc": result.auc,
        "low": result.auc_low,
        "high": result.auc_high,
        "tpr_at_10": result.tpr_at_fpr(0.1),
    }


def evaluate(synthetic, parts: dict, dataset: Dataset, seed: int, settings) -> dict:
    """Attacks and utility of one synthetic table (see the module docstring)."""
    discrete, boot = dataset.discrete_columns, {"n_bootstrap": settings.n_bootstrap}
    members, non_members = parts["members"], parts["non_members"]
    synthetic = synthetic[list(members.columns)]
    distance = distance_attack(members, non_members, synthetic, discrete, random_state=seed, **boot)
    density = density_attack(
        members, non_members, synthetic, parts["reference"], discrete, random_state=seed, **boot
    )
    attribute = attribute_inference_risk(
        members, non_members, synthetic, dataset.quasi_identifiers, dataset.secret, discrete
    )
    row = {
        "distance": _interval(distance),
        "density": _interval(density),
        "attribute": {
            "risk": attribute.risk,
            "low": attribute.risk_low,
            "high": attribute.risk_high,
        },
        "detection_rf": detection_auc(members, synthetic, discrete, seeds=(seed,))["mean"],
    }
    return {**row, **_efficacy(members, synthetic, non_members, dataset, seed)}


def _efficacy(members, synthetic, non_members, dataset: Dataset, seed: int) -> dict:
    """``{"efficacy": per model family auc_real, auc_synthetic, ratio}``. A synthetic target
    with one class teaches a classifier nothing: its AUC counts as chance, 0.5. When the
    real rows cannot be scored either (too few to beat chance), ``None`` and the reason."""
    args = (non_members, dataset.target, dataset.discrete_columns)
    try:
        return {"efficacy": efficacy(members, synthetic, *args, seed=seed).to_dict("index")}
    except ValueError as err:
        note = str(err)
    try:
        if "one class only" not in note:
            raise ValueError(note)
        table = efficacy(members, members, *args, seed=seed)  # the real rows' AUCs
    except ValueError as err:
        return {"efficacy": None, "efficacy_error": str(err)}
    table["auc_synthetic"], table["ratio"] = 0.5, 0.5 / table["auc_real"]
    return {"efficacy": table.to_dict("index"), "efficacy_note": note}


def run_attacks(
    dataset: Dataset, models=None, settings=None, out_dir=None, registry=None, append=False
):
    """Fit every chosen generator for every seed, attack and judge its table; write after
    each fit. A generator that raises is recorded with its error and the run goes on.
    ``append`` keeps the rows of the existing file that this run does not redo."""
    settings = PrivacySettings() if settings is None else settings
    registry = GENERATORS if registry is None else registry
    models = list(registry) if models is None else models
    out_dir = RESULTS_DIR if out_dir is None else Path(out_dir)
    sizes = {k: len(v) for k, v in split_rows(dataset, settings.seeds[0], settings.quick).items()}
    planned = [(name, seed, None) for seed in settings.seeds for name in models]
    results = new_results(dataset.name, asdict(settings), sizes, out_dir, append, planned)
    for seed in settings.seeds:
        parts = split_rows(dataset, seed, settings.quick)
        for name in models:
            print(f"[{dataset.name}, seed {seed}] {name} ...", flush=True)
            row = {"model": name, "seed": seed}
            try:
                synthetic, seconds, info = registry[name](parts, dataset, seed, settings)
                row.update(fit_seconds=seconds, **info)
                row.update(evaluate(synthetic, parts, dataset, seed, settings))
            except Exception as err:  # keep the other rows of a long run
                row["error"] = f"{type(err).__name__}: {err}"
                traceback.print_exc()
            results["rows"].append(row)
            save_results(results, out_dir)
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m tabgen_lib.privacy_bench [--datasets ...] [--shadow] ...``."""
    parser = argparse.ArgumentParser(
        prog="python -m tabgen_lib.privacy_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--datasets", default="insurance,adult", help="insurance and/or adult")
    parser.add_argument(
        "--models",
        default="",
        help=f"a comma-separated subset of {list(GENERATORS)} or, with --shadow, of the "
        "fast generators of tabgen_lib.privacy_shadow_bench",
    )
    parser.add_argument("--shadow", action="store_true", help="run the shadow-model attack")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--quick", action="store_true", help="smoke test: tiny data and fits")
    parser.add_argument(
        "--append", action="store_true", help="keep the existing rows that this run does not redo"
    )
    parser.add_argument("--threads", type=int, default=1, help="PyTorch CPU threads")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    from .privacy_shadow_bench import SHADOW_GENERATORS, run_shadow

    registry = SHADOW_GENERATORS if args.shadow else GENERATORS
    models = [m.strip() for m in args.models.split(",") if m.strip()] or None
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    for name in models or []:
        if name not in registry:
            parser.error(f"unknown model {name!r}; choose from {list(registry)}")
    for name in datasets:
        if name not in DATASETS:
            parser.error(f"unknown data set {name!r}; choose from {list(DATASETS)}")
    try:
        seeds = tuple(int(s) for s in args.seeds.split(","))
    except ValueError:
        parser.error("--seeds must be integers separated by commas, e.g. 0,1,2")
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    torch.set_num_threads(args.threads)
    settings = PrivacySettings(seeds=seeds, quick=args.quick)
    failed = False
    if args.shadow:
        results = run_shadow(
            DATASETS["insurance"], models, settings, args.out_dir, None, args.append
        )
        print(shadow_markdown(results))
        failed = any("error" in row for row in results["rows"])
    else:
        for name in datasets:
            results = run_attacks(DATASETS[name], models, settings, args.out_dir, None, args.append)
            print(attacks_markdown(results))
            failed |= any("error" in row for row in results["rows"])
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover - command-line entry
    sys.exit(main())
