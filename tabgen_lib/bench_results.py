"""Reading and tabulating the benchmark's results (:mod:`tabgen_lib.bench`).

A results file ``bench_<table>.json`` holds ``dataset``, ``machine``, ``settings``,
``sizes``, optionally ``remarks`` (sentences for the table's footer) and ``rows``: one
row per generator *and seed* (``model``, ``seed``, ``fit_seconds``, the metrics of
:func:`tabgen_lib.bench.evaluate`, or ``error``).
:func:`summary` turns the rows into one line per generator (mean, standard deviation and
worst case over the seeds); :func:`markdown_table` writes that as the book's table.
:func:`load_results`, :func:`results_markdown` and ``summary(name)`` read the results
shipped with the package (``tabgen_lib/results``), wherever it is installed (Colab too).

Examples
--------
>>> table = summary("adult")
>>> {"rf_detection_mean", "efficacy_min_min", "n_seeds"} <= set(table.columns)
True
"""

from __future__ import annotations

import importlib.resources
import json

import numpy as np
import pandas as pd

__all__ = [
    "load_results",
    "markdown_table",
    "merge_results",
    "read_shipped",
    "results_markdown",
    "summary",
]

_TABLE_NAMES = {"adult": "Adult", "insurance": "Insurance", "tips": "Tips"}


def _row_metrics(row: dict) -> dict:
    """The scalar metrics of one (model, seed) row; NaN where a metric is missing."""
    ratios = {}
    for family in ("lr", "rf", "gb"):
        table = row.get("efficacy") or {}
        ratios[f"efficacy_{family}"] = table[family]["ratio"] if family in table else np.nan
    present = [v for v in ratios.values() if not np.isnan(v)]
    note = row.get("note", "")
    epochs = float(note.split()[0]) if note.endswith(" epochs") else np.nan
    return {
        "fit_s": np.nan if row.get("fit_seconds") is None else row["fit_seconds"],
        "rf_detection": row["detection_rf"]["mean"],
        "lr_detection": row["detection_lr"]["mean"],
        **ratios,
        "efficacy_min": min(present) if present else np.nan,
        "distance_attack": row.get("distance_attack", {}).get("auc", np.nan),
        "exact_copies": row["exact_copy_share"],
        "dcr_share": row["dcr_share"],
        "epochs": epochs,
    }


def summary(results: dict | str) -> pd.DataFrame:
    """One line per generator: mean, std (ddof=1) and worst case of every metric over seeds.

    ``results``: a results dict, or the name of a table whose shipped results to read.

    Columns: ``n_seeds``, ``n_failed`` and, for each metric ``m`` of ``fit_s``,
    ``rf_detection``, ``lr_detection``, ``efficacy_lr``, ``efficacy_rf``, ``efficacy_gb``,
    ``efficacy_min`` (the worst family of a seed), ``distance_attack`` (its AUC),
    ``exact_copies``, ``dcr_share``:
    ``m_mean`` and ``m_std``; also ``rf_detection_max`` and ``efficacy_min_min`` (the worst
    seed) and ``epochs`` (ctgan's models; NaN for the others). Generators in the order of
    their first row.

    Examples
    --------
    >>> row = {"model": "A", "seed": 0, "fit_seconds": 2.0, "note": "",
    ...        "detection_rf": {"mean": 0.6}, "detection_lr": {"mean": 0.55},
    ...        "efficacy": {"lr": {"ratio": 0.9}}, "exact_copy_share": 0.0, "dcr_share": 0.5}
    >>> table = summary({"rows": [row, {**row, "seed": 1, "detection_rf": {"mean": 0.7}}]})
    >>> int(table.loc["A", "n_seeds"]), round(float(table.loc["A", "rf_detection_mean"]), 3)
    (2, 0.65)
    >>> float(table.loc["A", "rf_detection_max"])
    0.7
    """
    if isinstance(results, str):
        results = load_results(results)
    good: dict[str, list] = {}
    failed: dict[str, int] = {}
    for row in results["rows"]:
        good.setdefault(row["model"], [])
        failed.setdefault(row["model"], 0)
        if "error" in row:
            failed[row["model"]] += 1
        else:
            good[row["model"]].append(_row_metrics(row))
    lines = {}
    for model, rows in good.items():
        frame = pd.DataFrame(rows)
        line = {"n_seeds": len(rows), "n_failed": failed[model]}
        for column in frame.columns.drop("epochs") if rows else []:
            values = frame[column].dropna()
            line[f"{column}_mean"] = values.mean() if len(values) else np.nan
            line[f"{column}_std"] = values.std(ddof=1) if len(values) > 1 else np.nan
        if rows:
            line["rf_detection_max"] = frame["rf_detection"].max()
            line["efficacy_min_min"] = frame["efficacy_min"].min()
            line["epochs"] = frame["epochs"].max()
        lines[model] = line
    table = pd.DataFrame.from_dict(lines, orient="index")
    table.index.name = "model"
    return table


def _mean_std(line: pd.Series, metric: str, digits: int = 3) -> str:
    mean, std = line.get(f"{metric}_mean", np.nan), line.get(f"{metric}_std", np.nan)
    if pd.isna(mean):
        return "—"
    return f"{mean:.{digits}f}" if pd.isna(std) else f"{mean:.{digits}f} ± {std:.{digits}f}"


def markdown_table(results: dict) -> str:
    """The generators as a Markdown table (mean ± std over seeds), then a line on the setup."""
    header = (
        "| Generator | Seeds | Fit (s) | RF detection AUC | LR detection AUC "
        "| Efficacy ratio LR / RF / GB | Worst efficacy | Distance attack AUC | Exact copies "
        "| DCR share |\n"
        "|:--|--:|--:|:-:|:-:|:-:|:-:|:-:|--:|--:|"
    )
    lines = [header]
    table = summary(results)
    failed = [f"{m} ({int(n)} of its runs)" for m, n in table["n_failed"].items() if n]
    for model, line in table.iterrows():
        if line["n_seeds"] == 0:
            lines.append(f"| {model} | 0 | failed | — | — | — | — | — | — | — |")
            continue
        name = model if pd.isna(line["epochs"]) else f"{model} ({line['epochs']:.0f} epochs)"
        fit = "—" if pd.isna(line["fit_s_mean"]) else f"{line['fit_s_mean']:.0f}"
        ratios = " / ".join(
            "n/a" if pd.isna(line[f"efficacy_{f}_mean"]) else f"{line[f'efficacy_{f}_mean']:.3f}"
            for f in ("lr", "rf", "gb")
        )
        lines.append(
            f"| {name} | {int(line['n_seeds'])} | {fit} | {_mean_std(line, 'rf_detection')} "
            f"| {_mean_std(line, 'lr_detection')} | {ratios} "
            f"| {_mean_std(line, 'efficacy_min')} | {_mean_std(line, 'distance_attack')} "
            f"| {line['exact_copies_mean']:.3f} "
            f"| {line['dcr_share_mean']:.3f} |"
        )
    info, settings, sizes = results["machine"], results["settings"], results["sizes"]
    seeds = sorted({row["seed"] for row in results["rows"]})
    mode = " Quick smoke-test run: not the real benchmark." if settings.get("quick") else ""
    footer = (
        f"{_TABLE_NAMES.get(results['dataset'], results['dataset'])}: {sizes['train']:,} "
        f"training rows; synthetic tables as large as the training rows; held-out real rows: "
        f"{sizes['holdout']:,}. Mean ± standard deviation over seeds {seeds} (each seed a new "
        "split of the held-out rows and a new fit); worst efficacy: the lowest of the three "
        "families' ratios; distance attack: membership inference by the distance to the "
        "closest synthetic record, training rows against held-out rows. Ideal values: "
        "detection and attack AUC 0.5, efficacy ratio 1, exact copies 0, "
        f"DCR share 0.5. Detection: {settings['detection_splits']}-fold cross-validation, at "
        f"most {settings['detection_max_rows']} rows a side. Run on {info['date'][:10]}, "
        f"{info['cpu_count']} CPUs, torch {info['torch_version']} ({info['torch_threads']} "
        f"thread{'s' if info['torch_threads'] != 1 else ''}"
        f"{', ' + info['cuda'] if info['cuda'] else ''}).{mode}"
    )
    for remark in results.get("remarks", []):
        footer += f" {remark}"
    if failed:
        footer += f" Failed: {', '.join(failed)} (the JSON file says why)."
    return "\n".join(lines) + "\n\n" + footer + "\n"


def merge_results(old: dict, new: dict) -> dict:
    """``new`` with the rows of ``old`` whose (model, seed) it did not re-run kept in front.

    Only results measured on the same table with the same part sizes merge. The
    ``remarks`` of both (sentences the table's footer adds) are kept.

    Examples
    --------
    >>> old = {"dataset": "adult", "sizes": {"train": 9},
    ...        "rows": [{"model": "A", "seed": 0}, {"model": "B", "seed": 0}]}
    >>> new = {"dataset": "adult", "sizes": {"train": 9}, "rows": [{"model": "B", "seed": 0}]}
    >>> [row["model"] for row in merge_results(old, new)["rows"]]
    ['A', 'B']
    """
    if old.get("dataset") != new.get("dataset") or old.get("sizes") != new.get("sizes"):
        raise ValueError("The results to merge were measured on different data: run them again.")
    rerun = {(row["model"], row.get("seed")) for row in new["rows"]}
    kept = [row for row in old["rows"] if (row["model"], row.get("seed")) not in rerun]
    remarks = list(dict.fromkeys(old.get("remarks", []) + new.get("remarks", [])))
    return {**new, "rows": kept + new["rows"], **({"remarks": remarks} if remarks else {})}


def read_shipped(file_name: str, command: str = "tabgen_lib.bench") -> str:
    """The text of ``tabgen_lib/results/<file_name>``, wherever the package is installed.

    The results files of every benchmark command (``bench``, ``recipe_bench``,
    ``privacy_bench``) are package data; a missing one is a ``FileNotFoundError`` that
    names the ``command`` which writes it.
    """
    file = importlib.resources.files(__package__).joinpath("results", file_name)
    if not file.is_file():
        raise FileNotFoundError(
            f"tabgen_lib ships no {file_name}: run `python -m {command}` in a source checkout"
        )
    return file.read_text(encoding="utf-8")


def load_results(dataset: str = "adult") -> dict:
    """The benchmark results shipped with the package (``tabgen_lib/results/bench_<dataset>.json``).

    Examples
    --------
    >>> results = load_results()
    >>> results["dataset"], "AE-GAN" in [row["model"] for row in results["rows"]]
    ('adult', True)
    """
    return json.loads(read_shipped(f"bench_{dataset}.json"))


def results_markdown(dataset: str = "adult") -> str:
    """The shipped benchmark table (``tabgen_lib/results/bench_<dataset>.md``), as Markdown.

    Examples
    --------
    >>> results_markdown().startswith("| Generator | Seeds | Fit (s) |")
    True
    """
    return read_shipped(f"bench_{dataset}.md")
