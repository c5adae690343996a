"""Small tables shared by the tests of tabgen_lib.ctgan_steps (test_ctgan_steps*.py)."""

import numpy as np
import pandas as pd


def bimodal(n=400, seed=0):
    """``n`` values, half from N(0, 1) and half from N(20, 2)."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(0, 1, n // 2), rng.normal(20, 2, n // 2)])


def insurance_like(n=60, seed=0):
    """A table with two continuous and two discrete columns (one of them integer)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 65, n),
            "bmi": rng.normal(30, 5, n),
            "smoker": rng.choice(["no", "yes"], n, p=[0.8, 0.2]),
            "children": rng.choice([0, 1, 2, 5], n, p=[0.4, 0.3, 0.2, 0.1]),
        }
    )
