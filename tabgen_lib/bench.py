"""Benchmark of the course's table generators: ``python -m tabgen_lib.bench``.

Every generator (:mod:`tabgen_lib.bench_generators`) is fitted, for every seed, on the
training rows of every table (:mod:`tabgen_lib.bench_data`: Adult, insurance, tips), and
its synthetic table, as many rows as the training rows, is judged with the same metrics
against the same real rows:

* **RF / LR detection AUC** (:func:`~tabgen_lib.metrics.detection_auc`): can a random
  forest / a logistic regression tell synthetic rows from training rows?  0.5 is ideal.
* **Efficacy ratio** (:func:`~tabgen_lib.metrics.efficacy`): test AUC on real held-out
  rows of a model trained on synthetic rows, divided by that of the same model trained on
  the real training rows, for logistic regression, random forest and gradient boosting
  predicting the table's target.  1 is ideal.
* **Exact-copy share** (:func:`~tabgen_lib.metrics.exact_copy_share`): synthetic rows
  identical to a training row.  0 is ideal.
* **DCR share** (:func:`~tabgen_lib.metrics.dcr_share`): synthetic rows closer to the
  training rows than to real held-out rows.  0.5 is ideal.

One run per generator cannot rank generators: the default is three seeds, each a new
split of the held-out rows and a new fit, and the tables (:mod:`tabgen_lib.bench_results`)
report mean ± standard deviation and the worst seed.

Results go to ``bench_<table>.json`` (with the machine and the settings) and
``bench_<table>.md`` (a Markdown table without heading, for a MyST ``{include}``),
rewritten after every row so that a long run keeps what it finished. Their folder,
:data:`RESULTS_DIR` (``--out-dir`` chooses another): ``tabgen_lib/results`` in a source
checkout (a ``pyproject.toml`` next to the package folder, editable installs included),
where the committed results live and ship with the package; else ``bench_results`` in the
current folder, never the installed package. :func:`load_results`, :func:`summary` and
:func:`results_markdown` read the shipped results, wherever the package is installed (in
Colab too), as chapter 09 does.

``--models`` and ``--tables`` select, ``--seeds`` sets the seeds, ``--append`` keeps the
rows of the existing files that a run does not redo, ``--quick`` runs a smoke test.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, replace
from pathlib import Path

import pandas as pd
import torch

from .bench_data import BENCH_TABLES, QUICK_ROWS, BenchData, load_bench_data
from .bench_generators import GENERATORS, BenchSettings, Generated, proportional_counts, register
from .bench_results import load_results, markdown_table, merge_results, results_markdown, summary
from .metrics import dcr_share, detection_auc, efficacy, exact_copy_share
from .privacy import distance_attack

__all__ = [
    "BENCH_TABLES",
    "GENERATORS",
    "BenchData",
    "BenchSettings",
    "Generated",
    "default_out_dir",
    "evaluate",
    "load_bench_data",
    "load_results",
    "main",
    "markdown_table",
    "merge_results",
    "proportional_counts",
    "register",
    "resolve_models",
    "results_markdown",
    "run_bench",
    "summary",
]


_PACKAGE_DIR = Path(__file__).resolve().parent


def default_out_dir(package_dir: Path | str = _PACKAGE_DIR) -> Path:
    """Where the benchmark writes by default, for the package folder ``package_dir``.

    Its ``results`` folder when the package lives in a source checkout (a ``pyproject.toml``
    next to it): the results committed with the course. Otherwise (an installed package)
    ``bench_results`` in the current folder: a run never writes into site-packages.

    Examples
    --------
    >>> default_out_dir("/site-packages/tabgen_lib")
    PosixPath('bench_results')
    """
    package_dir = Path(package_dir)
    if (package_dir.parent / "pyproject.toml").is_file():
        return package_dir / "results"
    return Path("bench_results")


#: Where ``python -m tabgen_lib.bench`` writes its files by default (:func:`default_out_dir`).
RESULTS_DIR = default_out_dir()


def resolve_models(spec: str | None, registry: dict | None = None) -> list[str]:
    """Registry names from a comma-separated list (case, spaces and dashes ignored).

    ``None`` or ``""`` selects every model.  ``real`` and ``AE`` / ``autoencoder`` are
    short for ``"real rows"`` and ``"autoencoder only"``.

    Examples
    --------
    >>> resolve_models("aegan, ctgan,real")
    ['AE-GAN', 'CTGAN', 'real rows']

    A name that holds a comma is read whole (the longest known name wins):

    >>> resolve_models("AE-GAN, balanced D,AE-GMM")
    ['AE-GAN, balanced D', 'AE-GMM']
    """
    registry = GENERATORS if registry is None else registry
    if not spec:
        return list(registry)

    def key(name: str) -> str:
        return re.sub(r"[^a-z0-9]", "", name.lower())

    known = {key(name): name for name in registry}
    aliases = {"real": "realrows", "ae": "autoencoderonly", "autoencoder": "autoencoderonly"}

    def lookup(text: str) -> str | None:
        return known.get(aliases.get(key(text), key(text)))

    parts, chosen, i = spec.split(","), [], 0
    while i < len(parts):
        # the longest run of comma-separated parts that names a model
        j = next((j for j in range(len(parts), i, -1) if lookup(",".join(parts[i:j]))), None)
        if j is None:
            raise ValueError(f"Unknown model {parts[i].strip()!r}; choose from {list(registry)}.")
        name = lookup(",".join(parts[i:j]))
        if name not in chosen:
            chosen.append(name)
        i = j
    return chosen


def evaluate(synthetic: pd.DataFrame, data: BenchData, settings: BenchSettings) -> dict:
    """Every metric of the benchmark for one synthetic table.

    Besides the metrics of the module docstring, ``"distance_attack"`` is the ROC AUC (and
    its bootstrap interval) of :func:`~tabgen_lib.privacy.distance_attack`: can the
    distance to the closest synthetic record tell training rows (a sample as large as the
    held-out rows) from held-out rows?  0.5 is ideal.

    When :func:`~tabgen_lib.metrics.efficacy` cannot be computed (a synthetic target
    with one class only), ``"efficacy"`` is ``None`` and ``"efficacy_error"`` says why;
    the other metrics are still measured.
    """
    discrete = data.discrete_columns
    synthetic = synthetic[list(data.train.columns)]
    detection = {
        f"detection_{model}": detection_auc(
            data.train,
            synthetic,
            discrete,
            model=model,
            n_splits=settings.detection_splits,
            seeds=settings.detection_seeds or (settings.seed,),
            max_rows=settings.detection_max_rows,
        )
        for model in ("rf", "lr")
    }
    try:
        table = efficacy(
            data.train,
            synthetic,
            data.holdout,
            data.target,
            discrete,
            models=settings.efficacy_models,
            seed=settings.seed,
        )
        utility = {"efficacy": {model: row.to_dict() for model, row in table.iterrows()}}
    except ValueError as err:  # e.g. a generator that lost a class of the target
        utility = {"efficacy": None, "efficacy_error": str(err)}
    # membership inference by distance (tabgen_lib.privacy): as many members as non-members
    members = data.train.sample(
        n=min(len(data.train), len(data.holdout)), random_state=settings.seed
    )
    attack = distance_attack(
        members, data.holdout, synthetic, discrete, n_bootstrap=200, random_state=settings.seed
    )
    return {
        **detection,
        **utility,
        "distance_attack": {"auc": attack.auc, "low": attack.auc_low, "high": attack.auc_high},
        "exact_copy_share": exact_copy_share(synthetic, data.train),
        "dcr_share": dcr_share(
            synthetic, data.train, data.holdout, discrete, random_state=settings.seed
        ),
    }


def _timed(function) -> tuple[object, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def machine_info() -> dict:
    """The machine and library versions, to read timings in context."""
    import sklearn
    import torch

    return {
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "sklearn_version": sklearn.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _write_atomically(path: Path, text: str) -> None:
    # a temporary file in the same folder, renamed over `path`: an interrupted write
    # (Ctrl-C, a full disk) leaves the old file whole and no temporary file behind
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write(results: dict, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"bench_{results['dataset']}"
    json_path, md_path = out_dir / f"{name}.json", out_dir / f"{name}.md"
    _write_atomically(json_path, json.dumps(results, indent=2) + "\n")
    _write_atomically(md_path, markdown_table(results))
    return json_path, md_path


def run_bench(
    models: list[str] | None = None,
    data: BenchData | None = None,
    settings: BenchSettings | None = None,
    out_dir: Path | str | None = None,
    registry: dict | None = None,
    append: bool = False,
    *,
    dataset: str = "adult",
    seeds=None,
) -> dict:
    """Fit and judge each chosen generator for each seed; write the files after each row.

    A generator that raises is recorded with its error and the run goes on. Each file is
    replaced atomically, so an interrupted run (Ctrl-C) leaves the rows finished so far.

    Parameters
    ----------
    models : list of str, optional
        Names in ``registry`` (default: all, in registry order).
    data : BenchData, optional
        The same tables for every seed; default :func:`load_bench_data` of ``dataset``,
        split anew for each seed.
    settings : BenchSettings, optional
        ``settings.seed`` is replaced by each of ``seeds``.
    out_dir : path, optional
        Default :data:`RESULTS_DIR` (see :func:`default_out_dir`).
    registry : dict, optional
        Default :data:`GENERATORS`; pass your own to benchmark other generators.
    append : bool
        Keep the rows of the existing ``bench_<table>.json`` in ``out_dir`` that this run
        does not redo (same model and seed; see :func:`merge_results`): every write merges
        them in, so they are never lost, even if the run is interrupted. ``ValueError``
        before any fit if that file was measured on other data.
    dataset : str
        A name of :data:`BENCH_TABLES` (ignored when ``data`` is given).
    seeds : sequence of int, optional
        Default ``[settings.seed]``.

    Returns
    -------
    dict
        What the JSON file holds: ``dataset``, ``machine``, ``settings``, ``sizes``,
        ``rows`` (one dict per model and seed: ``model``, ``seed``, ``fit_seconds``,
        ``eval_seconds``, ``n_synthetic``, ``note``, the metrics of :func:`evaluate`, or
        ``error``; with ``append``, the kept old rows first).
    """
    settings = BenchSettings() if settings is None else settings
    registry = GENERATORS if registry is None else registry
    models = list(registry) if models is None else models
    seeds = [settings.seed] if seeds is None else [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed.")
    out_dir = RESULTS_DIR if out_dir is None else Path(out_dir)

    def tables(seed: int) -> BenchData:
        return data if data is not None else load_bench_data(dataset, seed, settings.quick)

    first = tables(seeds[0])
    results = {
        "dataset": first.name,
        "machine": machine_info(),
        "settings": {**asdict(settings), "seed": None, "seeds": seeds},
        "sizes": {k: len(getattr(first, k)) for k in ("train", "holdout", "stand_in")},
        "rows": [],
    }
    old_path = out_dir / f"bench_{first.name}.json"
    old = json.loads(old_path.read_text()) if append and old_path.is_file() else None
    if old is not None:
        merge_results(old, results)  # different data: refuse before any fit

    def merged() -> dict:
        return results if old is None else merge_results(old, results)

    total = len(models) * len(seeds)
    done = 0
    for seed in seeds:
        seed_data = first if seed == seeds[0] else tables(seed)
        seed_settings = replace(settings, seed=seed)
        cache: dict = {}
        for name in models:
            done += 1
            tag = f"[{done}/{total}] {first.name}, seed {seed}, {name}"
            print(f"{tag}: fitting and sampling ...", flush=True)
            row: dict = {"model": name, "seed": seed}
            try:
                made = registry[name](seed_data, seed_settings, cache)
                print(f"{tag}: evaluating ...", flush=True)
                metrics, seconds = _timed(
                    lambda m=made, d=seed_data, s=seed_settings: evaluate(m.synthetic, d, s)
                )
                row.update(
                    fit_seconds=made.fit_seconds,
                    eval_seconds=seconds,
                    n_synthetic=len(made.synthetic),
                    note=made.note,
                    **metrics,
                )
            except Exception as err:  # keep the other rows of a long run
                row["error"] = f"{type(err).__name__}: {err}"
                traceback.print_exc()
            results["rows"].append(row)
            _write(merged(), out_dir)
    return merged()


def _int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        msg = f"{text!r} is not a comma-separated list of integers"
        raise argparse.ArgumentTypeError(msg) from None
    if not values:
        raise argparse.ArgumentTypeError("give at least one seed")
    return values


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m tabgen_lib.bench [--tables T] [--models A,B] [--seeds 0,1,2]``."""
    parser = argparse.ArgumentParser(
        prog="python -m tabgen_lib.bench",
        description="Fit the course's generators on each table for each seed and compare them "
        "with the same metrics.",
    )
    parser.add_argument(
        "--tables",
        default=",".join(BENCH_TABLES),
        help=f"comma-separated subset of {list(BENCH_TABLES)} (default: all)",
    )
    parser.add_argument(
        "--models",
        default="",
        help=f"comma-separated subset of {list(GENERATORS)} (default: all); "
        "'real' and 'AE' are short for 'real rows' and 'autoencoder only'",
    )
    parser.add_argument("--seeds", type=_int_list, default=[0, 1, 2], help="default 0,1,2")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: at most {QUICK_ROWS:,} rows and tiny budgets (numbers mean nothing)",
    )
    parser.add_argument("--ctgan-epochs", type=int, default=300, help="CTGAN and TVAE epochs")
    parser.add_argument(
        "--append",
        action="store_true",
        help="keep the rows of the existing results files that this run does not redo",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="PyTorch CPU threads for every model (default 1: small networks run fastest on "
        "one thread and do not slow down when other processes share the cores)",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=RESULTS_DIR,
        help="folder of the JSON and Markdown files (default: tabgen_lib/results in a source "
        "checkout, else ./bench_results)",
    )
    args = parser.parse_args(argv)
    try:
        models = resolve_models(args.models)
    except ValueError as err:
        parser.error(str(err))
    tables = [t.strip() for t in args.tables.split(",") if t.strip()]
    unknown = [t for t in tables if t not in BENCH_TABLES]
    if unknown or not tables:
        parser.error(f"--tables: unknown {unknown}; choose from {list(BENCH_TABLES)}")
    if args.ctgan_epochs < 1:
        parser.error("--ctgan-epochs must be at least 1")
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    torch.set_num_threads(args.threads)
    settings = BenchSettings(quick=args.quick, ctgan_epochs=args.ctgan_epochs)
    status = 0
    for table in tables:
        # --append: every write keeps the existing rows that this run does not redo
        results = run_bench(
            models,
            settings=settings,
            out_dir=args.out_dir,
            append=args.append,
            dataset=table,
            seeds=args.seeds,
        )
        print()
        print(markdown_table(results))
        stem = args.out_dir / f"bench_{results['dataset']}"
        print(f"Written: {stem}.json and {stem}.md")
        status = status or int(any("error" in row for row in results["rows"]))
    return status


if __name__ == "__main__":
    sys.exit(main())
