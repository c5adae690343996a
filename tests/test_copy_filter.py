"""The copy filter: row fingerprints (tabgen_lib.copy_filter) and ``reject_copies`` in the
latent generators (tabgen_lib.latent_base)."""

import numpy as np
import pandas as pd
import pytest

from tabgen_lib.aegan import AEGAN
from tabgen_lib.checkpoints import read_checkpoint, save_checkpoint
from tabgen_lib.copy_filter import find_copies, row_fingerprints
from tabgen_lib.latent_base import MAX_REDRAWS
from tabgen_lib.latent_diffusion import AEDiffusion
from tabgen_lib.latent_gmm import AEGMM
from tabgen_lib.metrics import exact_copy_share

from ._latent_helpers import DISCRETE, make_table

FAST = dict(ae_hidden=(32,), latent_dim=4, ae_steps=400, batch_size=64, verbose=False)
FAST_MODELS = {
    "AEGMM": lambda **kw: AEGMM(**FAST, **kw),
    "AEDiffusion": lambda **kw: AEDiffusion(
        **FAST, diffusion_steps=200, denoiser_hidden=(32,), time_dim=8, sampling_steps=10, **kw
    ),
    "AEGAN": lambda **kw: AEGAN(**FAST, gan_hidden=(16,), gan_steps=40, noise_dim=4, **kw),
}


def grid_table(n=300, seed=0):
    """Small integers and one category: 600 possible rows, half of them in 300 rows."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 10, n)
    return pd.DataFrame(
        {
            "a": a,
            "b": rng.integers(0, 10, n),
            "c": rng.choice(["x", "y"], n, p=[0.4, 0.6]),
            "d": a + rng.integers(0, 3, n),
        }
    )


# ---------------------------------------------------------------- fingerprints
def test_fingerprints_are_pinned_so_saved_models_stay_valid_on_every_machine():
    frame = pd.DataFrame({"x": [1.5, -2.0], "c": ["a", None]})
    assert row_fingerprints(frame).dtype == np.uint64
    assert row_fingerprints(frame).tolist() == [13881222745817096109, 17538436550922520537]


def test_fingerprints_follow_exact_copy_share_equality():
    a = pd.DataFrame({"x": [1, 2, 0], "c": ["u", "v", None], "k": [True, False, True]})
    b = pd.DataFrame(
        {
            "x": [1.0, 2.0, -0.0],
            "c": pd.Categorical(["u", "v", np.nan]),
            "k": np.array([True, False, True], dtype=object),
        }
    )
    assert np.array_equal(row_fingerprints(a), row_fingerprints(b))
    changed = b.assign(x=[1.0, 2.000001, 0.0])
    assert find_copies(changed, row_fingerprints(a)).tolist() == [True, False, True]
    # the columns' order is part of a row
    assert not np.array_equal(row_fingerprints(a), row_fingerprints(a[["c", "x", "k"]]))


def test_find_copies_agrees_with_exact_copy_share_on_random_tables():
    rng = np.random.default_rng(3)
    for _ in range(5):
        real = pd.DataFrame({"i": rng.integers(0, 4, 60), "c": rng.choice(list("pqr"), 60)})
        fake = pd.DataFrame(
            {"i": rng.integers(0, 5, 80).astype(float), "c": rng.choice(list("pqrs"), 80)}
        )
        share = find_copies(fake, row_fingerprints(real)).mean()
        assert share == pytest.approx(exact_copy_share(fake, real))


def test_different_rows_get_different_fingerprints():
    frame = pd.DataFrame({"x": np.arange(10_000) / 7.0, "y": np.arange(10_000) % 13})
    assert len(np.unique(row_fingerprints(frame))) == len(frame)
    assert len(row_fingerprints(frame.iloc[:0])) == 0


def test_fingerprints_refuse_bad_input():
    with pytest.raises(TypeError, match="DataFrame"):
        row_fingerprints(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="no columns"):
        row_fingerprints(pd.DataFrame(index=range(3)))


# ---------------------------------------------------------------- the generators
@pytest.fixture(scope="module")
def grid():
    return grid_table()


@pytest.mark.parametrize("name", list(FAST_MODELS))
def test_reject_copies_removes_every_copy_and_counts_them(grid, name):
    plain = FAST_MODELS[name](random_state=0, reject_copies=False).fit(grid, ["c"])
    assert plain.copy_fingerprints_ is None
    assert exact_copy_share(plain.sample(400), grid) > 0.05
    model = FAST_MODELS[name](random_state=0).fit(grid, ["c"])
    rows = model.sample(400)
    assert exact_copy_share(rows, grid) == 0.0
    assert model.copies_rejected_ > 20
    assert list(rows.columns) == list(grid.columns) and rows.index.equals(pd.RangeIndex(400))
    assert rows.dtypes.equals(grid.dtypes)


def test_redrawn_rows_keep_their_labels(grid):
    model = AEGMM(**FAST, random_state=0, conditional_on="c").fit(grid, ["c"])
    rows = model.sample(300, condition="x")
    assert (rows["c"] == "x").all() and exact_copy_share(rows, grid) == 0.0
    mixed = model.sample(2000)
    assert exact_copy_share(mixed, grid) == 0.0
    assert (mixed["c"] == "x").mean() == pytest.approx(0.4, abs=0.05)


def test_without_copies_the_filter_changes_nothing():
    table = make_table()  # a continuous column of 3 decimals: no decoded row can be a copy
    on = AEGMM(**FAST, random_state=0).fit(table, DISCRETE)
    off = AEGMM(**FAST, random_state=0, reject_copies=False).fit(table, DISCRETE)
    assert on.sample(500).equals(off.sample(500))
    assert on.copies_rejected_ == 0


def test_filtered_sampling_is_reproducible(grid):
    a = AEGMM(**FAST, random_state=1).fit(grid, ["c"])
    b = AEGMM(**FAST, random_state=1).fit(grid, ["c"])
    assert a.sample(200).equals(b.sample(200)) and a.copies_rejected_ == b.copies_rejected_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 4 distinct rows
def test_a_table_whose_rows_are_all_known_raises_a_clear_error():
    rng = np.random.default_rng(0)
    tiny = pd.DataFrame({"a": rng.integers(0, 2, 200), "c": rng.choice(["x", "y"], 200)})
    model = AEGMM(**FAST, random_state=0).fit(tiny, ["c"])
    with pytest.raises(RuntimeError, match=f"after {MAX_REDRAWS} redraws.*reject_copies=False"):
        model.sample(50)
    assert len(model.set_params(reject_copies=False).sample(50)) == 50


def test_reject_copies_is_checked(grid):
    with pytest.raises(TypeError, match="reject_copies must be True or False"):
        AEGMM(**FAST, reject_copies="yes").fit(grid, ["c"])
    model = AEGMM(**FAST, random_state=0, reject_copies=False).fit(grid, ["c"])
    with pytest.raises(ValueError, match="fit it again with reject_copies=True"):
        model.set_params(reject_copies=True).sample(5)


def test_save_load_keeps_the_fingerprints(tmp_path, grid):
    model = AEGMM(**FAST, random_state=0).fit(grid, ["c"])
    model.sample(100)
    loaded = AEGMM.load(model.save(tmp_path / "m.pt"))
    assert np.array_equal(loaded.copy_fingerprints_, model.copy_fingerprints_)
    assert loaded.copy_fingerprints_.dtype == np.uint64
    assert loaded.copies_rejected_ == model.copies_rejected_
    assert loaded.sample(200).equals(model.sample(200))


def test_a_file_saved_before_the_filter_loads_without_it(tmp_path, grid):
    model = AEGMM(**FAST, random_state=0).fit(grid, ["c"])
    path = model.save(tmp_path / "new.pt")
    extra = read_checkpoint(path)["extra"]
    del extra["copy_fingerprints"], extra["copies_rejected"]
    del extra["params"]["reject_copies"]
    old = save_checkpoint(
        tmp_path / "old.pt", models=model._networks(), step=model.ae_best_step_, extra=extra
    )
    with pytest.warns(UserWarning, match="without the copy filter"):
        loaded = AEGMM.load(old)
    assert loaded.reject_copies is False and loaded.copy_fingerprints_ is None
    assert len(loaded.sample(20)) == 20
