"""Stage 1 of every latent generator (tabgen_lib.autoencoder_stage): a step budget with
early stopping instead of a fixed number of epochs."""

import numpy as np
import pytest
import torch

from tabgen_lib import aegan_checkpoint, aegan_training
from tabgen_lib.aegan import AEGAN
from tabgen_lib.autoencoder_stage import (
    EVAL_EVERY,
    _validation_loss,
    split_validation,
    train_autoencoder,
)
from tabgen_lib.models import Autoencoder
from tabgen_lib.transforms import ColumnSpan
from tabgen_lib.validation import forked_torch_rng

from ._latent_helpers import DISCRETE, dependent_table, make_table

FAST = dict(ae_hidden=(32,), gan_hidden=(32,), gan_steps=2, batch_size=64, verbose=False)


def small_autoencoder(width=4, latent_dim=2):
    spans = [ColumnSpan(f"x{i}", "continuous", i, i + 1) for i in range(width)]
    with forked_torch_rng(0):
        return Autoencoder(spans, latent_dim=latent_dim, hidden=[64])


def test_split_validation_holds_out_a_share_and_keeps_two_training_rows():
    rng = torch.Generator().manual_seed(0)
    train, val = split_validation(100, 0.1, rng)
    assert len(val) == 10 and len(train) == 90
    assert sorted(torch.cat([train, val]).tolist()) == list(range(100))
    assert len(split_validation(100, 0.0, rng)[1]) == 0  # no early stopping
    assert len(split_validation(4, 0.49, rng)[1]) == 2  # round(1.96) = 2, two rows are left
    assert len(split_validation(3, 0.49, rng)[0]) == 2  # never fewer than two training rows


def test_early_stopping_stops_after_patience_and_keeps_the_best_weights():
    # 32 training rows of 4 independent numbers through a 2-d latent: the autoencoder
    # memorises them, and the loss of 16 other rows is best after 50 steps, then rises
    g = torch.Generator().manual_seed(0)
    x = torch.rand(48, 4, generator=g) * 2 - 1
    ae = small_autoencoder()
    h = train_autoencoder(
        ae,
        x[:32],
        steps=3000,
        lr=1e-2,
        batch_size=32,
        latent_noise=0.0,
        rng=g,
        x_val=x[32:],
        patience=200,
    )
    best = int(np.argmin(h["ae_val"]))
    assert h["ae_step"][-1] < 3000  # stopped early ...
    assert h["ae_step"][-1] - h["ae_step"][best] == 200  # ... `patience` steps after the best
    assert h["ae_val"][-1] > h["ae_val"][best]
    # the weights kept are the best ones, not the last ones
    assert _validation_loss(ae, x[32:]) == pytest.approx(h["ae_val"][best], rel=1e-6)
    assert not ae.training and not any(p.requires_grad for p in ae.parameters())


def test_without_validation_rows_every_step_is_taken_and_the_last_weights_kept():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(40, 4, generator=g) * 2 - 1
    h = train_autoencoder(
        small_autoencoder(),
        x,
        steps=120,
        lr=1e-3,
        batch_size=16,
        latent_noise=0.1,
        rng=g,
        patience=10,
    )
    assert h["ae_step"] == [EVAL_EVERY, 2 * EVAL_EVERY, 120] and h["ae_val"] == []
    model = AEGAN(**FAST, ae_steps=30, ae_validation=0.0, random_state=0).fit(
        make_table(), DISCRETE
    )
    assert model.ae_best_step_ == 30 and model.history_["ae_val"] == []


def test_epochs_are_deprecated_and_converted_to_steps():
    table = make_table()  # 400 rows, 360 after holding out 10 % for validation
    with pytest.warns(FutureWarning, match=r"ae_epochs is deprecated.*ae_epochs=2 is 10 steps"):
        model = AEGAN(**FAST, ae_epochs=2, ae_patience=1000, random_state=0).fit(table, DISCRETE)
    assert model.history_["ae_step"][-1] == 2 * (360 // 64)
    assert model.ae_epochs == 2  # stored as given
    g = torch.Generator().manual_seed(0)
    with pytest.warns(FutureWarning, match="give steps="):
        h = train_autoencoder(
            small_autoencoder(),
            torch.zeros(40, 4),
            epochs=3,
            lr=1e-3,
            batch_size=16,
            latent_noise=0.0,
            rng=g,
        )
    assert h["ae_step"][-1] == 3 * (40 // 16)
    with pytest.raises(TypeError, match="steps="):
        train_autoencoder(
            small_autoencoder(), torch.zeros(4, 4), lr=1e-3, batch_size=2, latent_noise=0.0, rng=g
        )
    with pytest.raises(ValueError, match="ae_epochs == 0"):
        AEGAN(**FAST, ae_epochs=0).fit(table, DISCRETE)


def test_the_default_budget_trains_the_autoencoder_of_a_small_table():
    """400 rows, fewer than one default batch: 20 epochs were 20 steps, and the autoencoder
    learnt nothing. The step budget with early stopping trains it."""
    table = dependent_table()
    model = AEGAN(gan_steps=1, random_state=0, verbose=False).fit(table, ["c"])
    back = model.reconstruct(table)
    # measured (random state 0): best step 600 of 1,100; 100 % of c and corr(x) 0.9996
    assert model.ae_best_step_ > 100
    assert (back["c"] == table["c"]).mean() > 0.95
    assert np.corrcoef(back["x"], table["x"])[0, 1] > 0.95


def test_old_import_paths_still_work():
    assert aegan_training.train_autoencoder is train_autoencoder
    assert aegan_checkpoint.save_aegan is aegan_checkpoint.save_latent_model
    assert aegan_checkpoint.load_aegan is aegan_checkpoint.load_latent_model
