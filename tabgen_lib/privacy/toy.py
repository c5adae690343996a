"""A small made-up population for trying the attacks: seconds to sample, no download.

Three groups of people (a mixture of three Gaussians in ``age`` and ``bmi``); whether a
person smokes depends on the group, the ``charges`` depend on age and smoking, and
``region`` is pure noise. Its discrete columns are :data:`TOY_DISCRETE`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tabgen_lib.validation import check_int, check_random_state

__all__ = ["TOY_DISCRETE", "toy_population"]

#: The discrete columns of :func:`toy_population`.
TOY_DISCRETE = ["smoker", "region"]

_SHARES = [0.5, 0.3, 0.2]
_AGE = [(30.0, 6.0), (50.0, 8.0), (65.0, 5.0)]  # mean, standard deviation per group
_BMI = [(24.0, 3.0), (29.0, 4.0), (33.0, 3.0)]
_SMOKER = [0.1, 0.4, 0.7]  # share of smokers per group


def toy_population(n_rows: int = 1000, random_state: int | None = 0) -> pd.DataFrame:
    """``n_rows`` independent people: ``age``, ``bmi``, ``smoker``, ``region``, ``charges``.

    Rows are independent draws, so two calls with different ``random_state`` give two
    disjoint samples of the same population: members, non-members, a reference sample, or
    "synthetic" rows of a generator that learned the distribution perfectly.

    Examples
    --------
    >>> people = toy_population(5, random_state=0)
    >>> list(people.columns)
    ['age', 'bmi', 'smoker', 'region', 'charges']
    >>> toy_population(5, random_state=0).equals(people)
    True
    """
    n_rows = check_int(n_rows, "n_rows", min_value=1)
    rng = np.random.default_rng(check_random_state(random_state))
    group = rng.choice(3, size=n_rows, p=_SHARES)
    age = rng.normal([_AGE[g][0] for g in group], [_AGE[g][1] for g in group])
    bmi = rng.normal([_BMI[g][0] for g in group], [_BMI[g][1] for g in group])
    smoker = rng.random(n_rows) < np.take(_SMOKER, group)
    charges = 2000 + 250 * age + 20000 * smoker + rng.normal(0, 3000, n_rows)
    return pd.DataFrame(
        {
            "age": age.round(1),
            "bmi": bmi.round(1),
            "smoker": np.where(smoker, "yes", "no"),
            "region": rng.choice(["north", "south", "east", "west"], size=n_rows),
            "charges": charges.round(0),
        }
    )
