"""The real tables of the benchmark (:mod:`tabgen_lib.bench`): one seeded split per run.

Each table is cut, by the run's seed, into three disjoint parts:

* ``train``: what every generator is fitted on;
* ``holdout``: unseen real rows, the test set of the efficacy models and the held-out
  side of the DCR share;
* ``stand_in``: other unseen real rows, released by the ``"real rows"`` generator and
  reconstructed by ``"autoencoder only"`` (the best a generator can hope for).

The tables (:data:`BENCH_TABLES`):

* ``"adult"``: UCI Adult (:func:`~tabgen_lib.data.load_adult`); its own training split
  is ``train``, its test split is cut in two seeded halves. Target ``income``.
* ``"insurance"``: the medical-insurance table (:func:`~tabgen_lib.data.load_insurance`),
  1,338 people: 75 % ``train``, the rest cut in two halves. Target ``smoker``.
* ``"tips"``: 244 restaurant bills (Bryant & Smith 1995), shipped inside plotly, which
  the course already depends on (through sdmetrics): a small table the course's
  generators were never tuned on. 60 % ``train``, 20 % each for the other two.
  Target ``time`` (lunch or dinner).

Examples
--------
>>> data = load_bench_data("tips", seed=0)
>>> data.name, len(data.train), len(data.holdout), len(data.stand_in), data.target
('tips', 146, 49, 49, 'time')
>>> sorted(data.discrete_columns)
['day', 'sex', 'smoker', 'time']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .data import ADULT_DISCRETE, ADULT_TARGET, INSURANCE_DISCRETE, load_adult, load_insurance

__all__ = ["BENCH_TABLES", "QUICK_ROWS", "BenchData", "load_bench_data"]

#: ``--quick`` keeps at most this many rows of each part (a smoke test).
QUICK_ROWS = 2000


@dataclass
class BenchData:
    """The real tables of a benchmark run (see the module docstring)."""

    train: pd.DataFrame
    holdout: pd.DataFrame
    stand_in: pd.DataFrame
    discrete_columns: list = field(default_factory=lambda: list(ADULT_DISCRETE))
    target: str = ADULT_TARGET
    name: str = "adult"


def _three_parts(frame: pd.DataFrame, train_share: float, seed: int) -> list[pd.DataFrame]:
    shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    n_train = round(train_share * len(frame))
    rest = shuffled.iloc[n_train:]
    n_holdout = (len(rest) + 1) // 2
    return [shuffled.iloc[:n_train], rest.iloc[:n_holdout], rest.iloc[n_holdout:]]


def _adult(seed: int) -> tuple[list[pd.DataFrame], list, str]:
    train, test = load_adult()
    holdout = test.sample(frac=0.5, random_state=seed)
    return [train, holdout, test.drop(index=holdout.index)], list(ADULT_DISCRETE), ADULT_TARGET


def _insurance(seed: int) -> tuple[list[pd.DataFrame], list, str]:
    return _three_parts(load_insurance(), 0.75, seed), list(INSURANCE_DISCRETE), "smoker"


def _tips(seed: int) -> tuple[list[pd.DataFrame], list, str]:
    import plotly.data

    tips = plotly.data.tips()
    return _three_parts(tips, 0.6, seed), ["sex", "smoker", "day", "time"], "time"


#: name -> function(seed) -> ([train, holdout, stand_in], discrete columns, target)
BENCH_TABLES = {"adult": _adult, "insurance": _insurance, "tips": _tips}


def load_bench_data(dataset: str = "adult", seed: int = 0, quick: bool = False) -> BenchData:
    """The three parts of ``dataset`` for the run with this ``seed``.

    ``quick`` keeps :data:`QUICK_ROWS` random rows of each part. A ``ValueError`` names
    the known tables for an unknown one.
    """
    if dataset not in BENCH_TABLES:
        raise ValueError(f"Unknown benchmark table {dataset!r}; choose from {list(BENCH_TABLES)}.")
    tables, discrete, target = BENCH_TABLES[dataset](seed)
    if quick:
        tables = [t.sample(n=min(QUICK_ROWS, len(t)), random_state=seed) for t in tables]
    parts = (t.reset_index(drop=True) for t in tables)
    return BenchData(*parts, discrete_columns=discrete, target=target, name=dataset)
