"""Benchmark of the course's table generators on Adult: ``python -m tabgen_lib.bench``.

Every generator is fitted on Adult's training split (:func:`tabgen_lib.load_adult`) and
its synthetic table, as many rows as the training split, is judged with the same
metrics against the same real rows:

* **RF / LR detection AUC** (:func:`~tabgen_lib.metrics.detection_auc`): can a random
  forest / a logistic regression tell synthetic rows from training rows?  0.5 is ideal.
* **Efficacy ratio** (:func:`~tabgen_lib.metrics.efficacy`): test AUC on real held-out
  rows of a model trained on synthetic rows, divided by that of the same model trained on
  the real training rows, for logistic regression, random forest and gradient boosting
  predicting ``income``.  1 is ideal.
* **Exact-copy share** (:func:`~tabgen_lib.metrics.exact_copy_share`): synthetic rows
  identical to a training row.  0 is ideal.
* **DCR share** (:func:`~tabgen_lib.metrics.dcr_share`): synthetic rows closer to the
  training rows than to real held-out rows.  0.5 is ideal.

Adult's test split is cut in two halves (seeded): the **holdout** (the test rows of the
efficacy models and the unseen rows of the DCR share) and the **stand-in**, which plays
the synthetic table in the ``"real rows"`` row.  Real rows that no generator saw are
the best a generator can hope for: that row is the limit of every column.  The
``"autoencoder only"`` row judges the AE-GAN's decoded reconstructions of the training
rows: the ceiling of its GAN stage, which can only generate what the decoder can
express.

Results go to ``bench_adult.json`` (with the machine and the settings) and
``bench_adult.md`` (a Markdown table without heading, for a MyST ``{include}``), rewritten
after every model so that a long run keeps what it finished. Their folder,
:data:`RESULTS_DIR` (``--out-dir`` chooses another): ``tabgen_lib/results`` in a source
checkout (a ``pyproject.toml`` next to the package folder, editable installs included),
where the committed results live and ship with the package; else ``bench_results`` in the
current folder, never the installed package. :func:`load_results` and
:func:`results_markdown` read the shipped results, wherever the package is installed (in
Colab too), as chapter 09 does.

Each generator is a small function in :data:`GENERATORS` (see :func:`register`);
``--models`` selects some, ``--quick`` runs a smoke test (2,000 rows, tiny epochs).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.resources
import json
import os
import platform
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .data import ADULT_DISCRETE, ADULT_TARGET, load_adult
from .metrics import dcr_share, detection_auc, efficacy, exact_copy_share
from .runtime import set_seed

__all__ = [
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
    "proportional_counts",
    "register",
    "resolve_models",
    "results_markdown",
    "run_bench",
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
QUICK_ROWS = 2000


@dataclass
class BenchData:
    """The real tables of a benchmark run.

    ``train``: what the generators are fitted on; ``holdout``: unseen real rows (efficacy
    test set, DCR holdout); ``stand_in``: other unseen real rows (the ``"real rows"``
    generator's output).
    """

    train: pd.DataFrame
    holdout: pd.DataFrame
    stand_in: pd.DataFrame
    discrete_columns: list = field(default_factory=lambda: list(ADULT_DISCRETE))
    target: str = ADULT_TARGET
    name: str = "adult"


@dataclass
class BenchSettings:
    """Everything that changes the numbers of a run (stored in the JSON file)."""

    seed: int = 0
    quick: bool = False
    ctgan_epochs: int = 300
    detection_seeds: tuple = (0, 1, 2)
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
#: ``cache`` is shared by the functions of one run (the AE-GAN is fitted once for two rows).
GENERATORS: dict[str, GeneratorFn] = {}


def register(name: str, registry: dict | None = None):
    """Decorator that adds a generator function to ``registry`` (default :data:`GENERATORS`).

    Examples
    --------
    >>> mine = {}
    >>> @register("copy", mine)
    ... def copy_rows(data, settings, cache):
    ...     return Generated(data.train.copy(), fit_seconds=0.0)
    >>> list(mine)
    ['copy']
    """
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


# ---------------------------------------------------------------- the generators


def _aegan_kwargs(settings: BenchSettings) -> dict:
    kwargs = {"random_state": settings.seed, "verbose": settings.verbose}
    if settings.quick:
        kwargs.update(ae_epochs=2, gan_steps=20)
    return kwargs


def _fitted_aegan(data: BenchData, settings: BenchSettings, cache: dict):
    """The plain AE-GAN of this run, fitted once and shared by two rows."""
    if "AE-GAN" not in cache:
        from .aegan import AEGAN

        set_seed(settings.seed)
        model = AEGAN(**_aegan_kwargs(settings))
        cache["AE-GAN"] = _timed(lambda: model.fit(data.train, data.discrete_columns))
    return cache["AE-GAN"]


@register("AE-GAN")
def _aegan(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    model, seconds = _fitted_aegan(data, settings, cache)
    set_seed(settings.seed)
    return Generated(model.sample(len(data.train)), seconds)


@register("AE-GAN, balanced D")
def _aegan_balanced(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    """The AE-GAN with the discriminator as fast as the generator (d_lr_factor=1, k_steps_g=1)."""
    from .aegan import AEGAN

    set_seed(settings.seed)
    model = AEGAN(d_lr_factor=1.0, k_steps_g=1, **_aegan_kwargs(settings))
    _, seconds = _timed(lambda: model.fit(data.train, data.discrete_columns))
    set_seed(settings.seed)
    note = "d_lr_factor=1, k_steps_g=1 instead of the course's 0.25 and 3"
    return Generated(model.sample(len(data.train)), seconds, note)


@register("cGAN")
def _cgan(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    from .aegan import AEGAN

    set_seed(settings.seed)
    model = AEGAN(conditional_on=data.target, **_aegan_kwargs(settings))
    _, seconds = _timed(lambda: model.fit(data.train, data.discrete_columns))
    set_seed(settings.seed)
    counts = proportional_counts(data.train[data.target], len(data.train))
    parts = [model.sample(n, condition=label) for label, n in counts.items() if n > 0]
    synthetic = pd.concat(parts, ignore_index=True)
    synthetic = synthetic.sample(frac=1.0, random_state=settings.seed).reset_index(drop=True)
    return Generated(synthetic, seconds, f"conditional on {data.target}, real label shares")


def _ctgan_family(cls, data: BenchData, settings: BenchSettings) -> Generated:
    epochs = 2 if settings.quick else settings.ctgan_epochs
    set_seed(settings.seed)
    model = cls(epochs=epochs, verbose=settings.verbose)
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
    note = f"{len(data.stand_in)} unseen real rows (half of the test split): the limit"
    return Generated(data.stand_in.reset_index(drop=True), None, note)


@register("autoencoder only")
def _autoencoder_only(data: BenchData, settings: BenchSettings, cache: dict) -> Generated:
    """Decoded reconstructions of *unseen* real rows (the stand-in half of the test split).

    Reconstructing the training rows would pair each real row with its own reconstruction
    in the detection and distance metrics (twins on both sides), which flatters the score.
    """
    shared = "AE-GAN" in cache
    model, seconds = _fitted_aegan(data, settings, cache)
    note = (
        f"decoded reconstructions of {len(data.stand_in):,} unseen real rows: "
        "the ceiling of the GAN stage"
    )
    rows = model.reconstruct(data.stand_in.reset_index(drop=True))
    if shared:
        return Generated(rows, None, note + " (model of the AE-GAN row)")
    return Generated(rows, seconds, note)


# ---------------------------------------------------------------- running and reporting


def load_bench_data(quick: bool = False, seed: int = 0) -> BenchData:
    """Adult's train split, and its test split cut in two seeded halves (holdout, stand-in).

    ``quick`` keeps :data:`QUICK_ROWS` random rows of each table.
    """
    train, test = load_adult()
    holdout = test.sample(frac=0.5, random_state=seed)
    stand_in = test.drop(index=holdout.index)
    tables = [train, holdout, stand_in]
    if quick:
        tables = [t.sample(n=min(QUICK_ROWS, len(t)), random_state=seed) for t in tables]
    return BenchData(*(t.reset_index(drop=True) for t in tables))


def resolve_models(spec: str | None, registry: dict | None = None) -> list[str]:
    """Registry names from a comma-separated list (case, spaces and dashes ignored).

    ``None`` or ``""`` selects every model.  ``real`` and ``AE`` / ``autoencoder`` are
    short for ``"real rows"`` and ``"autoencoder only"``.

    Examples
    --------
    >>> resolve_models("aegan, ctgan,real")
    ['AE-GAN', 'CTGAN', 'real rows']
    """
    registry = GENERATORS if registry is None else registry
    if not spec:
        return list(registry)

    def key(name: str) -> str:
        return re.sub(r"[^a-z0-9]", "", name.lower())

    known = {key(name): name for name in registry}
    aliases = {"real": "realrows", "ae": "autoencoderonly", "autoencoder": "autoencoderonly"}
    chosen = []
    for part in spec.split(","):
        wanted = aliases.get(key(part), key(part))
        if wanted not in known:
            raise ValueError(f"Unknown model {part.strip()!r}; choose from {list(registry)}.")
        if known[wanted] not in chosen:
            chosen.append(known[wanted])
    return chosen


def evaluate(synthetic: pd.DataFrame, data: BenchData, settings: BenchSettings) -> dict:
    """Every metric of the benchmark for one synthetic table.

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
            seeds=settings.detection_seeds,
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
    return {
        **detection,
        **utility,
        "exact_copy_share": exact_copy_share(synthetic, data.train),
        "dcr_share": dcr_share(
            synthetic, data.train, data.holdout, discrete, random_state=settings.seed
        ),
    }


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


def _auc_text(result: dict | None) -> str:
    return "—" if not result else f"{result['mean']:.3f} ± {result['std']:.3f}"


def markdown_table(results: dict) -> str:
    """The benchmark's rows as a Markdown table, then one line on the setup (no heading)."""
    header = (
        "| Generator | Fit (s) | RF detection AUC | LR detection AUC "
        "| Efficacy ratio LR / RF / GB | Exact copies | DCR share |\n"
        "|:--|--:|:-:|:-:|:-:|--:|--:|"
    )
    lines = [header]
    failed = []
    for row in results["rows"]:
        if "error" in row:
            failed.append(row["model"])
            lines.append(f"| {row['model']} | failed | — | — | — | — | — |")
            continue
        fit = "—" if row["fit_seconds"] is None else f"{row['fit_seconds']:.0f}"
        name = row["model"]
        if row.get("note", "").endswith(" epochs"):  # ctgan's models: say how long they trained
            name += f" ({row['note']})"
        if row["efficacy"] is None:
            ratios = "n/a"
            failed.append(f"efficacy of {row['model']}")
        else:
            ratios = " / ".join(f"{v['ratio']:.2f}" for v in row["efficacy"].values())
        lines.append(
            f"| {name} | {fit} | {_auc_text(row['detection_rf'])} "
            f"| {_auc_text(row['detection_lr'])} | {ratios} "
            f"| {row['exact_copy_share']:.3f} | {row['dcr_share']:.3f} |"
        )
    info, settings, sizes = results["machine"], results["settings"], results["sizes"]
    mode = " Quick smoke-test run: not the real benchmark." if settings["quick"] else ""
    footer = (
        f"Adult, {sizes['train']:,} training rows; synthetic tables as large as the training "
        f"split; held-out real rows: {sizes['holdout']:,}. Ideal values: detection AUC 0.5, "
        "efficacy ratio 1, exact copies 0, DCR share 0.5. Detection: mean ± std over "
        f"{len(settings['detection_seeds'])} seeds, at most {settings['detection_max_rows']} "
        f"rows a side. Run on {info['date'][:10]}, {info['cpu_count']} CPUs, "
        f"torch {info['torch_version']} ({info['torch_threads']} "
        f"thread{'s' if info['torch_threads'] != 1 else ''}"
        f"{', ' + info['cuda'] if info['cuda'] else ''}).{mode}"
    )
    if failed:
        footer += f" Failed: {', '.join(failed)} (the JSON file says why)."
    return "\n".join(lines) + "\n\n" + footer + "\n"


def merge_results(old: dict, new: dict) -> dict:
    """``new`` with the rows of ``old`` that it did not re-run kept in front (same split only).

    Examples
    --------
    >>> old = {"dataset": "adult", "sizes": {"train": 9}, "rows": [{"model": "A"}, {"model": "B"}]}
    >>> new = {"dataset": "adult", "sizes": {"train": 9}, "rows": [{"model": "B", "x": 1}]}
    >>> [row["model"] for row in merge_results(old, new)["rows"]]
    ['A', 'B']
    """
    if old.get("dataset") != new.get("dataset") or old.get("sizes") != new.get("sizes"):
        raise ValueError("The results to merge were measured on different data: run them again.")
    rerun = {row["model"] for row in new["rows"]}
    kept = [row for row in old["rows"] if row["model"] not in rerun]
    return {**new, "rows": kept + new["rows"]}


def _shipped(dataset: str, suffix: str) -> str:
    name = f"bench_{dataset}{suffix}"
    file = importlib.resources.files(__package__).joinpath("results", name)
    if not file.is_file():
        raise FileNotFoundError(
            f"tabgen_lib ships no {name}: run `python -m tabgen_lib.bench` in a source checkout"
        )
    return file.read_text(encoding="utf-8")


def load_results(dataset: str = "adult") -> dict:
    """The benchmark results shipped with the package (``tabgen_lib/results/bench_<dataset>.json``).

    They are package data, so they are there wherever tabgen_lib is installed (a clone,
    Binder, Colab's ``pip install``). In a source checkout ``python -m tabgen_lib.bench``
    rewrites them. The dict is what :func:`run_bench` returns: ``dataset``, ``machine``,
    ``settings``, ``sizes`` and ``rows``, one per generator.

    Examples
    --------
    >>> results = load_results()
    >>> results["dataset"], "AE-GAN" in [row["model"] for row in results["rows"]]
    ('adult', True)
    """
    return json.loads(_shipped(dataset, ".json"))


def results_markdown(dataset: str = "adult") -> str:
    """The shipped benchmark table (``tabgen_lib/results/bench_<dataset>.md``), as Markdown.

    The table of :func:`markdown_table` without heading, then a line on how it was measured;
    in a notebook, ``IPython.display.Markdown(results_markdown())`` shows it.

    Examples
    --------
    >>> results_markdown().startswith("| Generator | Fit (s) |")
    True
    """
    return _shipped(dataset, ".md")


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
) -> dict:
    """Fit and judge each chosen generator; write the JSON and Markdown files after each one.

    A generator that raises is recorded with its error and the run goes on. Each file is
    replaced atomically, so an interrupted run (Ctrl-C) leaves the rows finished so far.

    Parameters
    ----------
    models : list of str, optional
        Names in ``registry`` (default: all, in registry order).
    data : BenchData, optional
        Default :func:`load_bench_data` (Adult).
    settings : BenchSettings, optional
    out_dir : path, optional
        Default :data:`RESULTS_DIR` (see :func:`default_out_dir`).
    registry : dict, optional
        Default :data:`GENERATORS`; pass your own to benchmark other generators.
    append : bool
        Keep the rows of the existing ``bench_<dataset>.json`` in ``out_dir`` that this
        run does not redo (see :func:`merge_results`): every write merges them in, so
        they are never lost, even if the run is interrupted. ``ValueError`` before any
        fit if that file was measured on other data.

    Returns
    -------
    dict
        What the JSON file holds: ``dataset``, ``machine``, ``settings``, ``sizes``,
        ``rows`` (one dict per model: ``model``, ``fit_seconds``, ``eval_seconds``,
        ``n_synthetic``, ``note``, the metrics of :func:`evaluate`, or ``error``; with
        ``append``, the kept old rows first).
    """
    settings = BenchSettings() if settings is None else settings
    registry = GENERATORS if registry is None else registry
    models = list(registry) if models is None else models
    data = load_bench_data(settings.quick, settings.seed) if data is None else data
    out_dir = RESULTS_DIR if out_dir is None else Path(out_dir)
    results = {
        "dataset": data.name,
        "machine": machine_info(),
        "settings": asdict(settings),
        "sizes": {k: len(getattr(data, k)) for k in ("train", "holdout", "stand_in")},
        "rows": [],
    }
    old_path = out_dir / f"bench_{data.name}.json"
    old = json.loads(old_path.read_text()) if append and old_path.is_file() else None
    if old is not None:
        merge_results(old, results)  # different data: refuse before any fit

    def merged() -> dict:
        return results if old is None else merge_results(old, results)

    cache: dict = {}
    for i, name in enumerate(models, start=1):
        print(f"[{i}/{len(models)}] {name}: fitting and sampling ...", flush=True)
        row: dict = {"model": name}
        try:
            made = registry[name](data, settings, cache)
            print(f"[{i}/{len(models)}] {name}: evaluating ...", flush=True)
            metrics, seconds = _timed(lambda made=made: evaluate(made.synthetic, data, settings))
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


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m tabgen_lib.bench [--models A,B] [--quick] ...``."""
    parser = argparse.ArgumentParser(
        prog="python -m tabgen_lib.bench",
        description="Fit the course's generators on Adult and compare them with the same metrics.",
    )
    parser.add_argument(
        "--models",
        default="",
        help=f"comma-separated subset of {list(GENERATORS)} (default: all); "
        "'real' and 'AE' are short for 'real rows' and 'autoencoder only'",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: {QUICK_ROWS:,} rows and tiny epochs (numbers mean nothing)",
    )
    parser.add_argument("--ctgan-epochs", type=int, default=300, help="CTGAN and TVAE epochs")
    parser.add_argument("--seed", type=int, default=0, help="seed of every fit and split")
    parser.add_argument(
        "--append",
        action="store_true",
        help="keep the rows of the existing results file that this run does not redo",
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
    if args.ctgan_epochs < 1:
        parser.error("--ctgan-epochs must be at least 1")
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    torch.set_num_threads(args.threads)
    settings = BenchSettings(seed=args.seed, quick=args.quick, ctgan_epochs=args.ctgan_epochs)
    # --append: every write keeps the existing rows that this run does not redo
    results = run_bench(models, settings=settings, out_dir=args.out_dir, append=args.append)
    print()
    print(markdown_table(results))
    stem = args.out_dir / f"bench_{results['dataset']}"
    print(f"Written: {stem}.json and {stem}.md")
    return 1 if any("error" in row for row in results["rows"]) else 0


if __name__ == "__main__":
    sys.exit(main())
