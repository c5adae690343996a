"""The privacy benchmark's result files: writing, reading and summarising them.

:mod:`tabgen_lib.privacy_bench` writes ``privacy_<name>.json`` and ``privacy_<name>.md``
(``name``: ``insurance``, ``adult`` or ``shadow``) into ``tabgen_lib/results``, package
data like the benchmark's (:mod:`tabgen_lib.bench`): :func:`load_results` and
:func:`results_markdown` read the shipped files wherever the package is installed.
:func:`attack_summary` and :func:`shadow_summary` turn the per-seed rows into one row per
generator, as chapter 12's figures and tables need them.

A JSON file holds ``dataset``, ``machine``, ``settings``, ``sizes`` and ``rows``: for the
attacks one row per generator and seed (``distance`` and ``density`` with ``auc``,
``low``, ``high`` and ``tpr_at_10``; ``attribute`` with ``risk``, ``low``, ``high``;
``efficacy`` (per model family ``auc_real``, ``auc_synthetic`` and ``ratio``; a synthetic
target with one class counts as AUC 0.5, with an ``efficacy_note``), ``detection_rf``,
``fit_seconds``; ``epsilon`` for the DP rows; or ``error``), for the shadow-model attack
one row per generator, seed and target group with ``per_target`` results.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .bench import _write_atomically, machine_info
from .bench_results import read_shipped
from .privacy._stats import wilson

__all__ = [
    "attack_summary",
    "attacks_markdown",
    "load_results",
    "new_results",
    "results_markdown",
    "save_results",
    "shadow_markdown",
    "shadow_summary",
]


def _key(row: dict) -> tuple:
    return row["model"], row["seed"], row.get("group")


def new_results(kind: str, settings: dict, sizes: dict, out_dir: Path, append=False, planned=()):
    """An empty results dict; with ``append``, holding the rows of the existing file that
    this run does not redo (``planned``: their ``(model, seed, group)`` keys), if that file
    was measured on the same ``sizes`` (else a :class:`ValueError` before any fit)."""
    results = {
        "dataset": kind,
        "machine": machine_info(),
        "settings": settings,
        "sizes": sizes,
        "rows": [],
    }
    path = Path(out_dir) / f"privacy_{kind}.json"
    if append and path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        if old["sizes"] != sizes:
            raise ValueError(f"{path} was measured on other sizes: run it again without append.")
        planned = set(planned)
        results["rows"] = [row for row in old["rows"] if _key(row) not in planned]
        if "seeds" in settings:  # the file's settings cover the seeds of the rows it keeps
            kept = {row["seed"] for row in results["rows"]}
            results["settings"] = {**settings, "seeds": sorted(kept | set(settings["seeds"]))}
    return results


def save_results(results: dict, out_dir: Path) -> None:
    """Write the JSON file and its Markdown table, each replaced atomically."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"privacy_{results['dataset']}"
    shadow = results["dataset"] == "shadow"
    markdown = shadow_markdown(results) if shadow else attacks_markdown(results)
    _write_atomically(stem.with_suffix(".json"), json.dumps(results, indent=2) + "\n")
    _write_atomically(stem.with_suffix(".md"), markdown)


# ---------------------------------------------------------------- membership and utility


def _mean_ratio(row: dict) -> float:
    """The mean efficacy ratio of a row over the model families (LR, RF, GB); NaN if none."""
    if not row["efficacy"]:
        return np.nan
    return float(np.mean([family["ratio"] for family in row["efficacy"].values()]))


def attack_summary(results: dict) -> pd.DataFrame:
    """One row per generator (in run order): means over the seeds of every number, and the
    envelope (lowest low, highest high) of the seeds' 95 % intervals.

    Columns: ``distance_auc``, ``distance_low``, ``distance_high`` (and the same for
    ``density``), ``tpr_at_10``, ``attribute_risk`` / ``_low`` / ``_high``, ``efficacy``
    (mean ratio over the model families), ``detection_rf``, ``fit_seconds``, ``epsilon``
    (``inf`` for a generator without a guarantee) and ``seeds``.

    Examples
    --------
    >>> row = {"model": "copy", "seed": 0, "fit_seconds": None, "detection_rf": 0.5,
    ...        "distance": {"auc": 1.0, "low": 1.0, "high": 1.0, "tpr_at_10": 1.0},
    ...        "density": {"auc": 0.9, "low": 0.8, "high": 1.0, "tpr_at_10": 0.8},
    ...        "attribute": {"risk": 0.9, "low": 0.8, "high": 1.0},
    ...        "efficacy": {"lr": {"ratio": 1.0}}}
    >>> summary = attack_summary({"rows": [row, {**row, "seed": 1, "detection_rf": 0.7}]})
    >>> summary.loc["copy", ["distance_auc", "detection_rf", "seeds"]].tolist()
    [1.0, 0.6, 2.0]
    """
    summary = {}
    for row in results["rows"]:
        if "error" not in row:
            summary.setdefault(row["model"], []).append(row)
    records = {}
    for model, rows in summary.items():
        record = {}
        for attack in ("distance", "density"):
            record[f"{attack}_auc"] = np.mean([r[attack]["auc"] for r in rows])
            record[f"{attack}_low"] = min(r[attack]["low"] for r in rows)
            record[f"{attack}_high"] = max(r[attack]["high"] for r in rows)
        record["tpr_at_10"] = np.mean([r["distance"]["tpr_at_10"] for r in rows])
        record["attribute_risk"] = np.mean([r["attribute"]["risk"] for r in rows])
        record["attribute_low"] = min(r["attribute"]["low"] for r in rows)
        record["attribute_high"] = max(r["attribute"]["high"] for r in rows)
        ratios = [_mean_ratio(r) for r in rows]
        record["efficacy"] = np.nanmean(ratios) if not np.isnan(ratios).all() else np.nan
        record["detection_rf"] = np.mean([r["detection_rf"] for r in rows])
        fits = [r["fit_seconds"] for r in rows if r["fit_seconds"] is not None]
        record["fit_seconds"] = np.mean(fits) if fits else np.nan
        record["epsilon"] = max(r.get("epsilon", np.inf) for r in rows)
        record["seeds"] = len(rows)
        records[model] = record
    frame = pd.DataFrame.from_dict(records, orient="index")
    frame.index.name = "model"
    return frame


def _seeds(results: dict) -> list:
    return sorted({row["seed"] for row in results["rows"]})


def attacks_markdown(results: dict) -> str:
    """The membership table: one row per generator, then a line on the setup."""
    lines = [
        "| Generator | Fit (s) | Distance AUC | Density AUC | TPR at 10 % FPR | Attribute risk "
        "| Efficacy ratio LR / RF / GB | RF detection AUC |",
        "|:--|--:|:-:|:-:|:-:|:-:|:-:|:-:|",
    ]
    summary = attack_summary(results)
    for model in dict.fromkeys(row["model"] for row in results["rows"]):
        if model not in summary.index:
            lines.append(f"| {model} | failed | — | — | — | — | — | — |")
            continue
        s = summary.loc[model]
        rows = [r for r in results["rows"] if r["model"] == model and "error" not in r]
        name = model + (f" ({rows[0]['epochs']} epochs)" if "epochs" in rows[0] else "")
        measured = [r["efficacy"] for r in rows if r["efficacy"]]
        efficacy = (
            " / ".join(f"{np.mean([e[k]['ratio'] for e in measured]):.2f}" for k in measured[0])
            if measured
            else "n/a"
        )
        cells = [
            name,
            "—" if np.isnan(s["fit_seconds"]) else f"{s['fit_seconds']:.0f}",
            *(
                f"{s[f'{a}_auc']:.3f} [{s[f'{a}_low']:.2f}, {s[f'{a}_high']:.2f}]"
                for a in ("distance", "density")
            ),
            f"{s['tpr_at_10']:.3f}",
            f"{s['attribute_risk']:.3f} [{s['attribute_low']:.2f}, {s['attribute_high']:.2f}]",
            efficacy,
            f"{s['detection_rf']:.3f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    sizes, info = results["sizes"], results["machine"]
    footer = (
        f"{results['dataset'].capitalize()}: {sizes['members']:,} members, "
        f"{sizes['non_members']:,} non-members, {sizes['reference']:,} reference rows, "
        f"{sizes['fresh']:,} fresh rows; mean over seeds {_seeds(results)} (a new split and "
        "fit per seed), in brackets the lowest and highest bound of the seeds' 95 % intervals. "
        f"Run on {info['date'][:10]}, {info['cpu_count']} CPUs, torch {info['torch_version']}."
    )
    if results["settings"]["quick"]:
        footer += " Quick smoke test: the numbers mean nothing."
    return "\n".join(lines) + "\n\n" + footer + "\n"


# ---------------------------------------------------------------- shadow models


def shadow_summary(results: dict) -> pd.DataFrame:
    """Per generator and target group: the accuracy pooled over targets and seeds, its
    Wilson 95 % interval over all their test tables, and the best target's mean accuracy.

    Examples
    --------
    >>> row = {"model": "copy", "seed": 0, "group": "outlier", "n_test_tables": 4,
    ...        "per_target": [{"target": 7, "accuracy": 1.0}, {"target": 9, "accuracy": 0.5}]}
    >>> table = shadow_summary({"rows": [row]})
    >>> table.loc[0, ["model", "group"]].tolist(), float(table.loc[0, "accuracy"])
    (['copy', 'outlier'], 0.75)
    >>> float(table.loc[0, "best_target"])
    1.0
    """
    records = [
        {"model": row["model"], "group": row["group"], "n": row["n_test_tables"], **target}
        for row in results["rows"]
        for target in row.get("per_target", [])
    ]
    if not records:
        return pd.DataFrame(columns=["model", "group", "accuracy", "low", "high", "best_target"])
    frame = pd.DataFrame(records)
    frame["correct"] = (frame["accuracy"] * frame["n"]).round().astype(int)
    summary = []
    for (model, group), rows in frame.groupby(["model", "group"], sort=False):
        rate, error = wilson(int(rows["correct"].sum()), int(rows["n"].sum()))
        summary.append(
            {
                "model": model,
                "group": group,
                "accuracy": rows["accuracy"].mean(),
                "low": max(rate - error, 0.0),
                "high": min(rate + error, 1.0),
                "best_target": rows.groupby("target")["accuracy"].mean().max(),
                "tables": int(rows["n"].sum()),
            }
        )
    return pd.DataFrame(summary)


def _setting(value) -> str:
    """A setting as the caption writes it: a list of layer widths as ``64x64``."""
    if isinstance(value, list | tuple):
        return "x".join(str(v) for v in value)
    return str(value)


def shadow_markdown(results: dict) -> str:
    """The shadow-model attack: one row per generator, outliers and average records."""
    summary = shadow_summary(results)
    lines = [
        "| Generator (fast settings) | Outliers: accuracy [95 %] | best outlier "
        "| Average records: accuracy [95 %] | best average record |",
        "|:--|:-:|:-:|:-:|:-:|",
    ]
    for model in dict.fromkeys(summary["model"]):
        cells = [model]
        for group in ("outlier", "average"):
            mine = summary[(summary["model"] == model) & (summary["group"] == group)]
            if mine.empty:
                cells += ["—", "—"]
                continue
            r = mine.iloc[0]
            cells += [
                f"{r['accuracy']:.3f} [{r['low']:.2f}, {r['high']:.2f}]",
                f"{r['best_target']:.3f}",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    sizes, settings = results["sizes"], results["settings"]
    footer = (
        f"Insurance: {settings['n_targets']} outliers and {settings['n_targets']} average "
        f"records of the {sizes['population']:,} rows; per target and seed, {sizes['n_shadow']} "
        f"training sets of {sizes['train_size']} rows, each fitted with and without the target; "
        "half the pairs train the classifier, half test it. Accuracy: mean over targets and "
        f"seeds {_seeds(results)}; 0.5 is chance. Interval: Wilson 95 % over all test tables."
    )
    seconds = sum(row.get("seconds", 0.0) for row in results["rows"])
    footer += f" Run time: {seconds / 60:.0f} min of wall-clock time in all, one PyTorch thread."
    fast = settings.get("fast")
    if fast:
        footer += (
            " Fast settings: "
            + "; ".join(
                f"{name} " + ", ".join(f"{key} {_setting(value)}" for key, value in values.items())
                for name, values in fast.items()
            )
            + "."
        )
    if settings["quick"]:
        footer += " Quick smoke test: the numbers mean nothing."
    return "\n".join(lines) + "\n\n" + footer + "\n"


# ---------------------------------------------------------------- the shipped files


def load_results(name: str = "insurance") -> dict:
    """The shipped results ``privacy_<name>.json`` (``"insurance"``, ``"adult"`` or
    ``"shadow"``), package data wherever tabgen_lib is installed.

    Examples
    --------
    >>> load_results("insurance")["dataset"]
    'insurance'
    """
    return json.loads(read_shipped(f"privacy_{name}.json", "tabgen_lib.privacy_bench"))


def results_markdown(name: str = "insurance") -> str:
    """The shipped table ``privacy_<name>.md`` (no heading), for ``IPython.display.Markdown``.

    Examples
    --------
    >>> results_markdown("insurance").startswith("| Generator | Fit (s) |")
    True
    """
    return read_shipped(f"privacy_{name}.md", "tabgen_lib.privacy_bench")
