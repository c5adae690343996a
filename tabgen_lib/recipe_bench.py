"""The latent GAN's recipe, measured: what each of the course's changes buys, over seeds.

``python -m tabgen_lib.recipe_bench`` fits :class:`~tabgen_lib.aegan.AEGAN` on Adult's
training split in five settings, for each of several seeds (default 0, 1, 2):

- **method recipe** -- the latent GAN as the method specifies it: no packing (``pac=1``),
  no batch normalisation, no latent noise; the discriminator at a quarter of the
  generator's learning rate, three generator steps per discriminator step, dropout 0.5;
- **course defaults** -- ``AEGAN()``: the same plus packs of 8 embeddings, batch
  normalisation in the generator and latent noise 0.05 in Stage 1;
- **balanced D** -- the course defaults with ``d_lr_factor=1, k_steps_g=1`` (as the
  benchmark's row "AE-GAN, balanced D");
- **latent 16 (course defaults)** and **latent 64 (course defaults)** -- the latent-size
  sweep (16, 32, 64: the course defaults are the 32).

It never looks at Adult's test split: the training split is cut once (seed 0) into
80 % rows to fit on and 20 % **validation** rows. Every synthetic table (as many rows as
were fitted on) is judged against the validation rows: the detection AUC of a random
forest and of a logistic regression (:func:`~tabgen_lib.metrics.detection_auc`, one
detection seed, at most 10,000 rows a side) and the efficacy ratio of three model
families trained on synthetic rows vs on the fitting rows
(:func:`~tabgen_lib.metrics.efficacy`, tested on the validation rows).

Each fit trains its own autoencoder (``AEGAN`` cannot take a fitted one); "course
defaults" and "balanced D" train the same one, since their Stage 1 settings and
``random_state`` agree. One fit takes about a minute of one CPU thread.

The results are package data (``tabgen_lib/results/recipe_adult.{json,md}``):
:func:`load_results`, :func:`summary` (mean and standard deviation over seeds, one row
per variant) and :func:`results_markdown` read them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .bench import _write_atomically, default_out_dir, machine_info
from .bench_results import read_shipped
from .data import ADULT_DISCRETE, ADULT_TARGET, load_adult
from .metrics import detection_auc, efficacy

__all__ = [
    "RESULTS_DIR",
    "VARIANTS",
    "RecipeData",
    "RecipeSettings",
    "latent_sweep",
    "load_recipe_data",
    "load_results",
    "markdown_table",
    "results_markdown",
    "run_recipe",
    "summary",
]

#: Where the command writes its files by default (``tabgen_lib/results`` in a checkout).
RESULTS_DIR = default_out_dir()

#: Variant name -> the ``AEGAN`` settings that differ from its defaults.
VARIANTS: dict[str, dict] = {
    "method recipe": {
        "pac": 1,
        "batch_norm": False,
        "latent_noise": 0.0,
        "d_lr_factor": 0.25,
        "k_steps_g": 3,
        "dropout": 0.5,
    },
    "course defaults": {},
    "balanced D": {"d_lr_factor": 1.0, "k_steps_g": 1},
    "latent 16 (course defaults)": {"latent_dim": 16},
    "latent 64 (course defaults)": {"latent_dim": 64},
}

#: The variants of the latent-size sweep, by latent size.
SWEEP = {
    16: "latent 16 (course defaults)",
    32: "course defaults",
    64: "latent 64 (course defaults)",
}

FAMILIES = ("lr", "rf", "gb")


@dataclass
class RecipeData:
    """The rows fitted on (``fit``) and the validation rows every table is judged against."""

    fit: pd.DataFrame
    validation: pd.DataFrame
    discrete_columns: list = field(default_factory=lambda: list(ADULT_DISCRETE))
    target: str = ADULT_TARGET
    name: str = "adult"


@dataclass
class RecipeSettings:
    """Everything that changes the numbers (stored in the JSON file)."""

    seeds: tuple = (0, 1, 2)
    variants: tuple = tuple(VARIANTS)
    validation_share: float = 0.2
    detection_seeds: tuple = (0,)
    detection_max_rows: int = 10_000
    ae_steps: int | None = None  # None: AEGAN's default
    gan_steps: int | None = None
    quick: bool = False


def load_recipe_data(share: float = 0.2, quick: bool = False) -> RecipeData:
    """Adult's *training* split cut (seed 0) into fitting and validation rows.

    ``quick`` keeps 1,500 fitting and 500 validation rows (a smoke test).
    """
    train, _ = load_adult()
    validation = train.sample(frac=share, random_state=0)
    fit = train.drop(index=validation.index)
    if quick:
        fit, validation = fit.sample(1500, random_state=0), validation.sample(500, random_state=0)
    return RecipeData(fit.reset_index(drop=True), validation.reset_index(drop=True))


def _model_kwargs(variant: str, seed: int, settings: RecipeSettings) -> dict:
    if variant not in VARIANTS:
        raise ValueError(f"Unknown variant {variant!r}; choose from {list(VARIANTS)}.")
    kwargs = {**VARIANTS[variant], "random_state": seed, "verbose": False}
    for name in ("ae_steps", "gan_steps"):
        if getattr(settings, name) is not None:
            kwargs[name] = getattr(settings, name)
    return kwargs


def evaluate(synthetic: pd.DataFrame, data: RecipeData, seed: int, settings: RecipeSettings):
    """Detection AUCs (RF, LR) against the validation rows, and the efficacy ratios."""
    discrete = data.discrete_columns
    row = {}
    for model in ("rf", "lr"):
        result = detection_auc(
            data.validation,
            synthetic,
            discrete,
            model=model,
            seeds=settings.detection_seeds,
            max_rows=settings.detection_max_rows,
        )
        row[f"{model}_detection"] = result["mean"]
    try:
        table = efficacy(
            data.fit, synthetic, data.validation, data.target, discrete, models=FAMILIES, seed=seed
        )
        ratios = table["ratio"]
    except ValueError as err:
        if "one class only" not in str(err):
            raise
        # a generator that lost a class of the target: its models predict one class, an
        # AUC of 0.5 (chance), measured against the same models trained on the real rows
        real = efficacy(
            data.fit, data.fit, data.validation, data.target, discrete, models=FAMILIES, seed=seed
        )
        ratios = 0.5 / real["auc_real"]
        row["efficacy_note"] = "synthetic target with one class: AUC 0.5 (chance)"
    for family in FAMILIES:
        row[f"efficacy_{family}"] = float(ratios[family])
    row["efficacy_min"] = min(row[f"efficacy_{f}"] for f in FAMILIES)
    return row


def fit_variant(variant: str, seed: int, data: RecipeData, settings: RecipeSettings) -> dict:
    """Fit one variant with one seed, sample as many rows as it saw, judge them: one row."""
    from .aegan import AEGAN

    model = AEGAN(**_model_kwargs(variant, seed, settings))
    start = time.perf_counter()
    model.fit(data.fit, data.discrete_columns)
    seconds = time.perf_counter() - start
    synthetic = model.sample(len(data.fit))
    return {
        "variant": variant,
        "seed": seed,
        "latent_dim": model.latent_dim,
        "fit_s": seconds,
        "ae_best_step": model.ae_best_step_,
        **evaluate(synthetic, data, seed, settings),
    }


def run_recipe(
    settings: RecipeSettings | None = None,
    data: RecipeData | None = None,
    out_dir: Path | str | None = None,
    progress=print,
    append: bool = False,
) -> dict:
    """Fit and judge every variant for every seed; write the files after each fit.

    Returns what the JSON file holds: ``dataset``, ``machine``, ``settings``, ``sizes``
    and ``rows`` (one per variant and seed: ``variant``, ``seed``, ``latent_dim``,
    ``fit_s``, ``ae_best_step``, ``rf_detection``, ``lr_detection``, ``efficacy_lr``,
    ``efficacy_rf``, ``efficacy_gb``, ``efficacy_min``). With ``append``, the rows of the
    existing ``recipe_<dataset>.json`` in ``out_dir`` that this run does not redo are kept
    in front (a :class:`ValueError` before any fit if that file was measured on other
    rows or with other step budgets); ``settings`` then lists the union of the variants.
    """
    settings = RecipeSettings() if settings is None else settings
    for variant in settings.variants:
        _model_kwargs(variant, 0, settings)  # unknown names fail before any fit
    if not settings.seeds:
        raise ValueError("seeds is empty: give at least one seed.")
    data = load_recipe_data(settings.validation_share, settings.quick) if data is None else data
    out_dir = RESULTS_DIR if out_dir is None else Path(out_dir)
    results = {
        "dataset": data.name,
        "machine": {**machine_info(), "torch_threads": torch.get_num_threads()},
        "settings": asdict(settings),
        "sizes": {"fit": len(data.fit), "validation": len(data.validation)},
        "rows": [],
    }
    path = out_dir / f"recipe_{data.name}.json"
    if append and path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        same = ("ae_steps", "gan_steps", "validation_share", "detection_seeds")
        now = json.loads(json.dumps(results["settings"]))  # tuples as the file's lists
        if old["sizes"] != results["sizes"] or any(old["settings"][k] != now[k] for k in same):
            raise ValueError(f"{path} was measured on other rows or settings: run it again.")
        redo = {(v, s) for v in settings.variants for s in settings.seeds}
        results["rows"] = [r for r in old["rows"] if (r["variant"], r["seed"]) not in redo]
        variants = list(old["settings"]["variants"])
        variants += [v for v in settings.variants if v not in variants]
        seeds = sorted(set(old["settings"]["seeds"]) | set(settings.seeds))
        results["settings"].update(variants=variants, seeds=seeds)
    total = len(settings.seeds) * len(settings.variants)
    done = 0
    for seed in settings.seeds:
        for variant in settings.variants:
            results["rows"].append(fit_variant(variant, seed, data, settings))
            row, done = results["rows"][-1], done + 1
            progress(
                f"[{done}/{total}] seed {seed}, {variant}: fit "
                f"{row['fit_s']:.0f} s, RF detection {row['rf_detection']:.3f}, "
                f"lowest efficacy {row['efficacy_min']:.3f}"
            )
            _write(results, out_dir)
    return results


# ---------------------------------------------------------------- reading the results


def summary(results: dict | None = None) -> pd.DataFrame:
    """One row per variant (in the order run): mean and std over seeds of every metric.

    Columns ``n_seeds, latent_dim, fit_s_mean, fit_s_std, rf_detection_mean,
    rf_detection_std, rf_detection_max, lr_detection_mean, lr_detection_std,
    efficacy_lr_mean, efficacy_rf_mean, efficacy_gb_mean, efficacy_min_mean,
    efficacy_min_std, efficacy_min_min, ae_best_step_mean``; std is ``numpy.std`` (ddof=0).
    Default: the shipped results (:func:`load_results`).
    """
    results = load_results() if results is None else results
    if not isinstance(results, dict) or not results.get("rows"):
        raise ValueError("results holds no rows: run `python -m tabgen_lib.recipe_bench` first.")
    frame = pd.DataFrame(results["rows"])
    missing = {"variant", "seed", "rf_detection", "efficacy_min"} - set(frame.columns)
    if missing:
        raise ValueError(f"results rows lack {sorted(missing)}: not a recipe_bench file.")
    out = {}
    for variant, rows in frame.groupby("variant", sort=False):
        record = {"n_seeds": rows["seed"].nunique(), "latent_dim": int(rows["latent_dim"].iloc[0])}
        for column in ("fit_s", "rf_detection", "lr_detection", "efficacy_min"):
            record[f"{column}_mean"] = float(rows[column].mean())
            record[f"{column}_std"] = float(np.std(rows[column]))
        for family in FAMILIES:
            record[f"efficacy_{family}_mean"] = float(rows[f"efficacy_{family}"].mean())
        record["rf_detection_max"] = float(rows["rf_detection"].max())
        record["efficacy_min_min"] = float(rows["efficacy_min"].min())
        record["ae_best_step_mean"] = float(rows["ae_best_step"].mean())
        out[variant] = record
    return pd.DataFrame(out).T.rename_axis("variant").infer_objects()


def latent_sweep(results: dict | None = None) -> pd.DataFrame:
    """The rows of :func:`summary` of the latent-size sweep, indexed by latent size."""
    table = summary(results)
    present = {size: name for size, name in SWEEP.items() if name in table.index}
    if not present:
        raise ValueError("results hold no variant of the latent-size sweep.")
    return (
        table.loc[list(present.values())].set_axis(list(present), axis=0).rename_axis("latent_dim")
    )


def _pm(mean: float, std: float, n_seeds: int, digits: int = 3) -> str:
    """``mean ± std``, or the mean alone for one seed (no spread measured)."""
    return f"{mean:.{digits}f}" if n_seeds < 2 else f"{mean:.{digits}f} ± {std:.{digits}f}"


def markdown_table(results: dict) -> str:
    """The summary as a Markdown table, then one line on how it was measured."""
    table = summary(results)
    lines = [
        "| Variant | Latent size | Seeds | Fit (s) | RF detection AUC | LR detection AUC "
        "| Efficacy LR / RF / GB | Lowest efficacy (worst seed) |",
        "|:--|--:|--:|--:|:-:|:-:|:-:|:-:|",
    ]
    for name, row in table.iterrows():
        ratios = " / ".join(f"{row[f'efficacy_{f}_mean']:.3f}" for f in FAMILIES)
        n = int(row["n_seeds"])
        lines.append(
            f"| {name} | {int(row['latent_dim'])} | {n} | {row['fit_s_mean']:.0f} "
            f"| {_pm(row['rf_detection_mean'], row['rf_detection_std'], n)} "
            f"| {_pm(row['lr_detection_mean'], row['lr_detection_std'], n)} | {ratios} "
            f"| {row['efficacy_min_mean']:.3f} ({row['efficacy_min_min']:.3f}) |"
        )
    machine, settings, sizes = results["machine"], results["settings"], results["sizes"]
    steps = ", ".join(
        f"{name}={settings[name]}" for name in ("ae_steps", "gan_steps") if settings[name]
    )
    footer = (
        f"Mean ± std over the seeds of each row, from {list(settings['seeds'])} (a fit per "
        "seed and variant); "
        f"{sizes['fit']:,} rows of Adult's training split fitted on, judged against "
        f"{sizes['validation']:,} other rows of it (validation rows; the test split unused); "
        f"AEGAN's defaults otherwise{' except ' + steps if steps else ''}. "
        "Detection: one seed, 4 folds, at most "
        f"{settings['detection_max_rows']:,} rows a side. Run on {machine['date'][:10]}, "
        f"{machine['cpu_count']} CPUs, {machine['torch_threads']} torch thread(s), "
        f"torch {machine['torch_version']}."
    )
    return "\n".join(lines) + "\n\n" + footer + "\n"


def _write(results: dict, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"recipe_{results['dataset']}"
    _write_atomically(stem.with_suffix(".json"), json.dumps(results, indent=2) + "\n")
    _write_atomically(stem.with_suffix(".md"), markdown_table(results))


def load_results(dataset: str = "adult") -> dict:
    """The shipped results (``tabgen_lib/results/recipe_<dataset>.json``) as a dict."""
    return json.loads(read_shipped(f"recipe_{dataset}.json", "tabgen_lib.recipe_bench"))


def results_markdown(dataset: str = "adult") -> str:
    """The shipped Markdown table (``tabgen_lib/results/recipe_<dataset>.md``)."""
    return read_shipped(f"recipe_{dataset}.md", "tabgen_lib.recipe_bench")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m tabgen_lib.recipe_bench [--seeds 0,1,2] [--quick] ...``."""
    parser = argparse.ArgumentParser(
        prog="python -m tabgen_lib.recipe_bench",
        description="Fit the latent GAN's recipe variants on Adult over seeds and compare them.",
    )
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    parser.add_argument(
        "--variants", default="", help=f"comma-separated subset of {list(VARIANTS)} (default all)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke test: 2,000 rows, 20 steps")
    parser.add_argument(
        "--gan-steps", type=int, default=None, help="Stage 2 steps (default AEGAN's)"
    )
    parser.add_argument("--threads", type=int, default=1, help="PyTorch CPU threads (default 1)")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR, help="where to write")
    parser.add_argument(
        "--append", action="store_true", help="keep the existing file's rows this run does not redo"
    )
    args = parser.parse_args(argv)
    try:
        seeds = tuple(int(s) for s in args.seeds.split(",") if s.strip())
    except ValueError:
        parser.error(f"--seeds must be comma-separated integers, got {args.seeds!r}")
    variants = tuple(v.strip() for v in args.variants.split(",") if v.strip()) or tuple(VARIANTS)
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {unknown}; choose from {list(VARIANTS)}")
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    torch.set_num_threads(args.threads)
    quick = {"ae_steps": 20, "gan_steps": 20} if args.quick else {}
    settings = RecipeSettings(
        seeds=seeds,
        variants=variants,
        quick=args.quick,
        **{"gan_steps": args.gan_steps, **quick},
    )
    results = run_recipe(settings, out_dir=args.out_dir, append=args.append)
    print()
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
