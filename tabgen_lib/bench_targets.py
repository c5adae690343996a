"""The benchmark's targets, checked against its results: which are met, which are missed.

The course set itself targets for its own generators (the latent models of chapters 09
to 11), measured by ``make bench`` (:mod:`tabgen_lib.bench`):

- **Adult**: the best course generator at a random-forest detection AUC of at most 0.70
  (mean over seeds; no seed above 0.75), an efficacy ratio of at least 0.975 for each of
  the three model families (mean over seeds; no seed's worst family below 0.95), and a
  fit of at most 120 s;
- **Insurance**: the best course generator below both of ctgan's CTGAN and TVAE in
  detection, and above both in worst efficacy;
- **every small table** (insurance, tips): efficacy of at least 0.90 for every family,
  detection of at most 0.80 and no exact copy of a training row (which the latent
  generators' copy filter, :mod:`tabgen_lib.copy_filter`, guarantees).

"Best course generator" is, per table, the one with the lowest mean RF detection AUC.
:func:`check_targets` returns one line per target with the measured value;
:func:`targets_markdown` writes the book's table, and ``python -m
tabgen_lib.bench_targets`` writes it next to the results
(``tabgen_lib/results/bench_targets.md``). A test keeps that file in step with the
results files.

Examples
--------
>>> table = check_targets()
>>> list(table.columns)
['table', 'target', 'generator', 'required', 'measured', 'met']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .bench_results import load_results, summary

__all__ = [
    "COURSE_GENERATORS",
    "best_course_generator",
    "check_targets",
    "targets_markdown",
]

#: The course's own generators (the rows of the benchmark that the targets are about).
COURSE_GENERATORS = ("AE-GAN", "AE-GAN, balanced D", "cGAN", "AE-GMM", "AE-Diffusion")
#: The tables whose targets are those of a small table.
SMALL_TABLES = ("insurance", "tips")
_NAMES = {"adult": "Adult", "insurance": "Insurance", "tips": "Tips"}


def best_course_generator(table: pd.DataFrame) -> str:
    """The course generator with the lowest mean RF detection AUC in a :func:`summary`."""
    ours = table.loc[[m for m in COURSE_GENERATORS if m in table.index]]
    if ours.empty:
        raise ValueError(f"No course generator among the results' rows {list(table.index)}.")
    return str(ours["rf_detection_mean"].idxmin())


def _lowest_family(line: pd.Series) -> float:
    return float(min(line[f"efficacy_{f}_mean"] for f in ("lr", "rf", "gb")))


def _line(table, target, generator, required, measured, met) -> dict:
    return {
        "table": _NAMES.get(table, table),
        "target": target,
        "generator": generator,
        "required": required,
        "measured": measured,
        "met": bool(met),
    }


def check_targets(results: dict | None = None) -> pd.DataFrame:
    """One line per target: the table, the target, the generator, required and measured.

    ``results``: table name -> results dict (default: the shipped results of every table
    of :data:`SMALL_TABLES` and Adult). A table without results is skipped.
    """
    if results is None:
        results = {name: load_results(name) for name in ("adult", *SMALL_TABLES)}
    lines = []
    if "adult" in results:
        table = summary(results["adult"])
        best = best_course_generator(table)
        line = table.loc[best]
        lowest = _lowest_family(line)
        lines += [
            _line(
                "adult",
                "RF detection AUC, mean",
                best,
                "≤ 0.70",
                f"{line['rf_detection_mean']:.3f}",
                line["rf_detection_mean"] <= 0.70,
            ),
            _line(
                "adult",
                "RF detection AUC, worst seed",
                best,
                "≤ 0.75",
                f"{line['rf_detection_max']:.3f}",
                line["rf_detection_max"] <= 0.75,
            ),
            _line(
                "adult",
                "efficacy, lowest family's mean",
                best,
                "≥ 0.975",
                f"{lowest:.3f}",
                lowest >= 0.975,
            ),
            _line(
                "adult",
                "efficacy, worst seed and family",
                best,
                "≥ 0.95",
                f"{line['efficacy_min_min']:.3f}",
                line["efficacy_min_min"] >= 0.95,
            ),
            _line(
                "adult",
                "fit time, mean (s)",
                best,
                "≤ 120",
                f"{line['fit_s_mean']:.0f}",
                line["fit_s_mean"] <= 120,
            ),
        ]
    if "insurance" in results:
        table = summary(results["insurance"])
        best = best_course_generator(table)
        line, rivals = (
            table.loc[best],
            table.loc[[m for m in ("CTGAN", "TVAE") if m in table.index]],
        )
        if len(rivals):
            names = " and ".join(f"{m}'s" for m in rivals.index)
            lines += [
                _line(
                    "insurance",
                    f"RF detection AUC below {names}",
                    best,
                    f"< {rivals['rf_detection_mean'].min():.3f}",
                    f"{line['rf_detection_mean']:.3f}",
                    line["rf_detection_mean"] < rivals["rf_detection_mean"].min(),
                ),
                _line(
                    "insurance",
                    f"worst efficacy above {names}",
                    best,
                    f"> {rivals['efficacy_min_mean'].max():.3f}",
                    f"{line['efficacy_min_mean']:.3f}",
                    line["efficacy_min_mean"] > rivals["efficacy_min_mean"].max(),
                ),
            ]
    for name in SMALL_TABLES:
        if name not in results:
            continue
        table = summary(results[name])
        best = best_course_generator(table)
        line = table.loc[best]
        lowest, copies = _lowest_family(line), line["exact_copies_mean"]
        lines += [
            _line(
                name,
                "efficacy, lowest family's mean",
                best,
                "≥ 0.90",
                f"{lowest:.3f}",
                lowest >= 0.90,
            ),
            _line(
                name,
                "RF detection AUC, mean",
                best,
                "≤ 0.80",
                f"{line['rf_detection_mean']:.3f}",
                line["rf_detection_mean"] <= 0.80,
            ),
            _line(
                name,
                "exact copies of training rows, mean share",
                best,
                "0",
                f"{copies:.3f}",
                np.isclose(copies, 0.0),
            ),
        ]
    return pd.DataFrame(
        lines, columns=["table", "target", "generator", "required", "measured", "met"]
    )


def targets_markdown(results: dict | None = None) -> str:
    """The targets as a Markdown table (the book's), with a line on how to read it."""
    table = check_targets(results)
    out = ["| Table | Target | Best course generator | Required | Measured | Met |"]
    out.append("|:--|:--|:--|:-:|:-:|:-:|")
    for row in table.itertuples(index=False):
        met = "yes" if row.met else "**no**"
        out.append(
            f"| {row.table} | {row.target} | {row.generator} | {row.required} | "
            f"{row.measured} | {met} |"
        )
    n_missed = int((~table["met"]).sum())
    out += [
        "",
        f"{len(table)} targets, {n_missed} missed. The best course generator of a table is "
        "the one with the lowest mean RF detection AUC; every value is read from the "
        "results files of the tables above (means over their seeds). The course's latent "
        "generators redraw every sampled row that copies a training row (`reject_copies`), "
        "so their exact-copy targets hold by construction; the distance attack of the "
        "tables above still measures near copies.",
    ]
    return "\n".join(out) + "\n"


def main(out_dir: Path | str | None = None) -> int:
    """Write ``bench_targets.md`` (from the shipped results) into ``out_dir``.

    Default: the results folder of a source checkout (:func:`tabgen_lib.bench.default_out_dir`).
    """
    from .bench import default_out_dir

    path = Path(out_dir or default_out_dir()) / "bench_targets.md"
    path.write_text(targets_markdown(), encoding="utf-8")
    print(f"Written: {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
