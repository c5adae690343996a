"""Tables and random-state helpers shared by the tests of the latent generators
(AEGAN, AEGMM, AEDiffusion)."""

import random

import numpy as np
import pandas as pd
import torch

DISCRETE = ["city", "label"]


def make_table(n=400, seed=0):
    """Two continuous columns (one depends on the label) and two discrete ones."""
    rng = np.random.default_rng(seed)
    label = rng.choice(["no", "yes"], size=n, p=[0.7, 0.3])
    return pd.DataFrame(
        {
            "age": rng.integers(18, 70, size=n) + np.where(label == "yes", 10, 0),
            "score": rng.normal(size=n).round(3),
            "city": rng.choice(["Oslo", "Rome", "Lima"], size=n),
            "label": label,
        }
    )


def dependent_table(n=400, seed=0):
    """A discrete column with shares 60/30/10 % and a continuous one that follows it."""
    rng = np.random.default_rng(seed)
    c = rng.choice(["a", "b", "c"], size=n, p=[0.6, 0.3, 0.1])
    x = pd.Series(c).map({"a": -2.0, "b": 0.0, "c": 2.0}).to_numpy() + rng.normal(0, 0.5, n)
    return pd.DataFrame({"x": x.round(3), "c": c})


def uniform_columns(real, seed=1):
    """Each column drawn uniformly (x over its range, c over its categories): a trivial baseline."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.uniform(real["x"].min(), real["x"].max(), len(real)),
            "c": rng.choice(sorted(real["c"].unique()), len(real)),
        }
    )


def total_variation(rows, real, column="c"):
    shares = real[column].value_counts(normalize=True)
    fake = rows[column].value_counts(normalize=True).reindex(shares.index, fill_value=0.0)
    return 0.5 * float((fake - shares).abs().sum())


def global_states():
    return torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()


def same_states(a, b):
    return torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]


def seed_globals(seed=7):
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
