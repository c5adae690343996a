"""TeachingCTGAN learns: a small model beats an untrained one on a toy table.

The toy table has a discrete column with three categories of unequal frequency (60, 30
and 10 %) and a continuous column whose mean depends on the category (0, 4, 8). A small
TeachingCTGAN trained for 400 steps is compared with the same model after one step.

Measured with random_state 0..11 (400 steps, about 3 s of training on an idle 2-core
machine): detection AUC (random forest, one seed) 0.58-0.71 trained against 0.83-0.91
untrained; total variation distance of the category shares 0.004-0.05 trained, 0.21-0.29
untrained, 0.23 for uniform shares; the per-category means of the continuous column
always in the real order. The thresholds leave a margin to all of these.
"""

import numpy as np
import pandas as pd
import pytest

from tabgen_lib.ctgan_steps import TeachingCTGAN
from tabgen_lib.metrics import detection_auc

MEANS = {"red": 0.0, "green": 4.0, "blue": 8.0}
SHARES = {"red": 0.6, "green": 0.3, "blue": 0.1}


def _toy_table(n=500, seed=0):
    rng = np.random.default_rng(seed)
    colour = rng.choice(list(SHARES), size=n, p=list(SHARES.values()))
    x = pd.Series(MEANS)[colour].to_numpy() + rng.normal(0, 1, n)
    return pd.DataFrame({"x": x, "colour": colour})


def _model(epochs, batch_size, random_state):
    return TeachingCTGAN(
        epochs=epochs,
        batch_size=batch_size,
        pac=10,
        noise_dim=16,
        generator_dim=(64, 64),
        critic_dim=(64, 64),
        lr=2e-3,
        random_state=random_state,
        progress=False,
    )


def _total_variation(table, shares):
    got = table["colour"].value_counts(normalize=True).reindex(shares.index, fill_value=0)
    return 0.5 * float((got - shares).abs().sum())


def learning_measures(random_state: int) -> dict:
    """Detection AUC and category-share distance of a trained and an untrained model."""
    real = _toy_table()
    shares = real["colour"].value_counts(normalize=True)
    trained = _model(40, 50, random_state).fit(real, ["colour"])  # 40 epochs x 10 steps
    untrained = _model(1, 500, random_state).fit(real, ["colour"])  # a single step
    synthetic = {"trained": trained.sample(500), "untrained": untrained.sample(500)}
    measures = {"uniform tv": 0.5 * float((shares - 1 / 3).abs().sum())}
    for name, table in synthetic.items():
        measures[f"{name} auc"] = detection_auc(real, table, ["colour"], seeds=(0,))["mean"]
        measures[f"{name} tv"] = _total_variation(table, shares)
    by_colour = synthetic["trained"].groupby("colour")["x"].mean()
    measures["trained means"] = by_colour.reindex(list(MEANS)).to_numpy()
    return measures


@pytest.mark.parametrize("random_state", [0])
def test_a_small_teaching_ctgan_beats_an_untrained_one(random_state):
    m = learning_measures(random_state)
    assert m["untrained auc"] > 0.78  # the untrained samples are easy to tell apart
    assert m["trained auc"] < 0.78 and m["trained auc"] < m["untrained auc"] - 0.08
    assert m["trained tv"] < 0.1 < m["uniform tv"]  # closer to the real shares than uniform
    assert m["trained tv"] < 0.5 * m["untrained tv"]
    assert np.all(np.diff(m["trained means"]) > 0)  # x grows with the category, as in the data
