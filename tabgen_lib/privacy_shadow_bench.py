"""The privacy benchmark's shadow-model attack: ``python -m tabgen_lib.privacy_bench --shadow``.

The attack of :func:`~tabgen_lib.privacy.shadow_model_attack` (Stadler et al. 2022) on
insurance: ``n_targets`` outliers (:func:`~tabgen_lib.privacy.outlier_targets`) and as many
average records (:func:`~tabgen_lib.privacy.average_targets`) of the whole table, which is
also the attacker's population. Every target and seed costs ``2 * n_shadow`` fits on
``shadow_train_size`` rows, so the attack uses *fast* generators
(:data:`SHADOW_GENERATORS`):

* ``"training rows (released)"``: the sanity row, no fit;
* ``"AE-GMM (fast)"``: the AE-GMM with a short, small autoencoder stage (its Gaussian
  mixture fits in a second);
* ``"DP no noise (fast)"`` and ``"DP epsilon=... (fast)"``: the DP generator with short
  stages, without noise and at each epsilon of the benchmark.
  Its domain is the population's: the same with and without the target, so independent
  of who is in a training set, and the guarantee covers the target.

The settings of the fast generators are :data:`FAST_SETTINGS`; they are stored in the
results (``settings["fast"]``) and stated in the table's caption. Results go to
``privacy_shadow.json`` / ``.md`` (:mod:`tabgen_lib.privacy_results`).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from .dp_generator import DPAEDiffusion, domain_of
from .privacy import average_targets, outlier_targets, shadow_model_attack
from .privacy_bench import RESULTS_DIR, Dataset, PrivacySettings
from .privacy_results import new_results, save_results

__all__ = ["FAST_SETTINGS", "SHADOW_GENERATORS", "run_shadow"]

#: the fast generators' settings (chosen so that one fit on 200 rows takes about a second)
FAST_SETTINGS = {
    "AE-GMM": {"ae_steps": 300, "ae_hidden": (64,), "latent_dim": 8, "batch_size": 64},
    "DP": {"ae_steps": 100, "diffusion_steps": 200, "batch_size": 32},
}


#: name -> fit_sample(train, seed, discrete, domain) -> synthetic, for the shadow-model attack
SHADOW_GENERATORS: dict[str, Callable] = {}


def _shadow_aegmm(train, seed, discrete, domain):
    from .latent_gmm import AEGMM

    model = AEGMM(**FAST_SETTINGS["AE-GMM"], random_state=seed, verbose=False)
    return model.fit(train, discrete).sample(len(train))


def _shadow_dp(epsilon):
    def fit_sample(train, seed, discrete, domain):
        model = DPAEDiffusion(
            epsilon, domain=domain, **FAST_SETTINGS["DP"], random_state=seed, verbose=False
        )
        return model.fit(train, discrete).sample(len(train))

    return fit_sample


def _shadow_defaults() -> None:
    SHADOW_GENERATORS["training rows (released)"] = lambda train, seed, discrete, domain: train
    SHADOW_GENERATORS["AE-GMM (fast)"] = _shadow_aegmm
    SHADOW_GENERATORS["DP no noise (fast)"] = _shadow_dp(None)
    for epsilon in PrivacySettings().epsilons:
        SHADOW_GENERATORS[f"DP epsilon={epsilon:g} (fast)"] = _shadow_dp(epsilon)


_shadow_defaults()


def run_shadow(
    dataset: Dataset, models=None, settings=None, out_dir=None, registry=None, append=False
):
    """The shadow-model attack on outliers and average records, for every chosen fast
    generator and seed; the population is the whole table, the DP fits take its domain."""
    settings = PrivacySettings() if settings is None else settings
    registry = SHADOW_GENERATORS if registry is None else registry
    models = list(registry) if models is None else models
    out_dir = RESULTS_DIR if out_dir is None else Path(out_dir)
    population = dataset.load()
    discrete = dataset.discrete_columns
    if settings.quick:
        population = population.sample(n=200, random_state=0).reset_index(drop=True)
    n_shadow, train_size = (
        (4, 50) if settings.quick else (settings.n_shadow, settings.shadow_train_size)
    )
    targets = {
        "outlier": outlier_targets(population, discrete, n_targets=settings.n_targets),
        "average": average_targets(population, discrete, n_targets=settings.n_targets),
    }
    domain = domain_of(population, discrete)  # the same with and without a target
    sizes = {"population": len(population), "train_size": train_size, "n_shadow": n_shadow}
    planned = [(m, seed, g) for seed in settings.seeds for m in models for g in targets]
    stored = {**asdict(settings), "fast": FAST_SETTINGS}
    results = new_results("shadow", stored, sizes, out_dir, append, planned)
    results["targets"] = {group: [int(i) for i in rows.index] for group, rows in targets.items()}
    for seed in settings.seeds:
        for name in models:
            for group, rows in targets.items():
                print(f"[shadow, seed {seed}] {name}, {group} targets ...", flush=True)
                row = {"model": name, "seed": seed, "group": group}
                start = time.perf_counter()
                try:
                    attack = shadow_model_attack(
                        lambda train, s, fit=registry[name]: fit(train, s, discrete, domain),
                        population,
                        rows,
                        discrete,
                        n_shadow=n_shadow,
                        train_size=train_size,
                        n_bootstrap=settings.n_bootstrap,
                        random_state=seed,
                    )
                    per_target = attack.per_target.reset_index(names="target")
                    row.update(
                        n_test_tables=attack.n_test_tables,
                        per_target=per_target.to_dict(orient="records"),
                    )
                except Exception as err:
                    row["error"] = f"{type(err).__name__}: {err}"
                    traceback.print_exc()
                row["seconds"] = time.perf_counter() - start
                results["rows"].append(row)
                save_results(results, out_dir)
    return results
