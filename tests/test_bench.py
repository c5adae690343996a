"""The benchmark command on a tiny table, with injected generators (no heavy fits)."""

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tabgen_lib import bench
from tabgen_lib.bench import (
    BenchData,
    BenchSettings,
    Generated,
    markdown_table,
    proportional_counts,
    register,
    resolve_models,
    run_bench,
)


def _tiny(n, seed):
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, size=n)
    job = rng.choice(["a", "b", "c"], size=n)
    income = np.where(age + rng.normal(scale=10, size=n) > 50, ">50K", "<=50K")
    return pd.DataFrame({"age": age, "job": job, "income": income})


@pytest.fixture
def data():
    return BenchData(
        train=_tiny(120, 0),
        holdout=_tiny(80, 1),
        stand_in=_tiny(60, 2),
        discrete_columns=["job", "income"],
        target="income",
        name="tiny",
    )


@pytest.fixture
def fast():
    return BenchSettings(detection_seeds=(0,), detection_splits=2, efficacy_models=("lr",))


@pytest.fixture
def registry():
    mine = {"real rows": bench.GENERATORS["real rows"]}

    @register("copies", mine)
    def copies(data, settings, cache):
        return Generated(data.train.sample(frac=1.0, random_state=0), fit_seconds=0.01)

    @register("one class", mine)
    def one_class(data, settings, cache):
        return Generated(data.train.assign(income="<=50K"), fit_seconds=1.0)

    @register("broken", mine)
    def broken(data, settings, cache):
        raise RuntimeError("no model here")

    return mine


def test_run_bench_writes_json_and_markdown(tmp_path, data, fast, registry, capsys):
    results = run_bench(["copies", "real rows", "broken"], data, fast, tmp_path, registry)
    saved = json.loads((tmp_path / "bench_tiny.json").read_text())
    assert saved == json.loads(json.dumps(results))
    assert set(saved) == {"dataset", "machine", "settings", "sizes", "rows"}
    assert {"cpu_count", "torch_threads", "torch_version", "date"} <= set(saved["machine"])
    assert saved["settings"]["detection_seeds"] == [0] and saved["settings"]["seed"] == 0
    assert saved["sizes"] == {"train": 120, "holdout": 80, "stand_in": 60}
    copies, real, broken = saved["rows"]
    assert [copies["model"], real["model"], broken["model"]] == ["copies", "real rows", "broken"]
    for row in (copies, real):
        assert {"mean", "std", "scores"} <= set(row["detection_rf"]) <= set(row["detection_lr"])
        assert set(row["efficacy"]) == {"lr"}
        assert set(row["efficacy"]["lr"]) == {"auc_real", "auc_synthetic", "ratio"}
    assert copies["n_synthetic"] == 120 and real["n_synthetic"] == 60
    # the 120 training rows are subsampled to the 80 holdout rows: only their copies count
    assert copies["exact_copy_share"] == 1.0 and copies["dcr_share"] > 0.6
    assert copies["detection_rf"]["mean"] < 0.6  # the same rows shuffled
    assert real["fit_seconds"] is None and "RuntimeError: no model here" in broken["error"]

    table = (tmp_path / "bench_tiny.md").read_text()
    assert table == markdown_table(results)
    lines = table.splitlines()
    assert lines[0].startswith("| Generator | Fit (s) | RF detection AUC")
    assert not any(line.startswith("#") for line in lines)  # includable under any heading
    assert lines[2].startswith("| copies | 0 | ") and "| 1.000 | 0." in lines[2]
    assert lines[3].startswith("| real rows | — | ") and "| broken | failed |" in lines[4]
    assert "Failed: broken" in table
    assert "[3/3] broken" in capsys.readouterr().out


def test_main_selects_models_and_returns_status(tmp_path, monkeypatch, data, fast, registry):
    monkeypatch.setattr(bench, "GENERATORS", registry)
    monkeypatch.setattr(bench, "load_bench_data", lambda quick, seed: data)
    monkeypatch.setattr(bench, "BenchSettings", lambda **kw: BenchSettings(**{**vars(fast), **kw}))
    assert bench.main(["--models", "copies,real", "--quick", "--out-dir", str(tmp_path)]) == 0
    saved = json.loads((tmp_path / "bench_tiny.json").read_text())
    assert [row["model"] for row in saved["rows"]] == ["copies", "real rows"]
    assert (
        saved["settings"]["quick"] is True
        and "Quick smoke-test" in (tmp_path / "bench_tiny.md").read_text()
    )
    assert bench.main(["--models", "broken", "--out-dir", str(tmp_path), "--append"]) == 1
    merged = json.loads((tmp_path / "bench_tiny.json").read_text())
    assert [row["model"] for row in merged["rows"]] == ["copies", "real rows", "broken"]
    assert bench.main(["--models", "broken", "--out-dir", str(tmp_path)]) == 1
    assert len(json.loads((tmp_path / "bench_tiny.json").read_text())["rows"]) == 1
    with pytest.raises(ValueError, match="different data"):
        bench.merge_results(saved, {**saved, "sizes": {"train": 1}})
    with pytest.raises(SystemExit):
        bench.main(["--models", "nope"])
    with pytest.raises(SystemExit):
        bench.main(["--ctgan-epochs", "0"])


def test_interrupted_append_keeps_the_old_rows(tmp_path, monkeypatch, data, fast, registry):
    @register("interrupted", registry)
    def interrupted(data, settings, cache):
        raise KeyboardInterrupt  # Ctrl-C in the middle of a long run

    monkeypatch.setattr(bench, "GENERATORS", registry)
    monkeypatch.setattr(bench, "load_bench_data", lambda quick, seed: data)
    monkeypatch.setattr(bench, "BenchSettings", lambda **kw: BenchSettings(**{**vars(fast), **kw}))
    assert bench.main(["--models", "real", "--out-dir", str(tmp_path)]) == 0
    with pytest.raises(KeyboardInterrupt):
        bench.main(["--models", "copies,interrupted", "--out-dir", str(tmp_path), "--append"])
    saved = json.loads((tmp_path / "bench_tiny.json").read_text())
    assert [row["model"] for row in saved["rows"]] == ["real rows", "copies"]
    table = (tmp_path / "bench_tiny.md").read_text()
    assert "| real rows |" in table and "| copies |" in table
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench_tiny.json", "bench_tiny.md"]


def test_write_is_atomic(tmp_path, monkeypatch, data, fast, registry):
    results = run_bench(["copies"], data, fast, tmp_path, registry)
    before = {p.name: p.read_text() for p in tmp_path.iterdir()}
    replaced = []
    real_replace = bench.os.replace

    def replace(src, dst):
        replaced.append((Path(src), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(bench.os, "replace", replace)
    bench._write(results, tmp_path)
    # each file is written to a temporary file in the same folder, then renamed over it
    assert sorted(dst.name for _, dst in replaced) == ["bench_tiny.json", "bench_tiny.md"]
    assert all(src.parent == dst.parent == tmp_path and src != dst for src, dst in replaced)

    def broken_table(results):
        raise KeyboardInterrupt

    monkeypatch.setattr(bench, "markdown_table", broken_table)
    with pytest.raises(KeyboardInterrupt):
        bench._write({**results, "rows": []}, tmp_path)
    # the interrupted write leaves the Markdown file whole and no temporary file behind
    assert (tmp_path / "bench_tiny.md").read_text() == before["bench_tiny.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench_tiny.json", "bench_tiny.md"]


def test_resolve_models():
    assert resolve_models(None) == list(bench.GENERATORS)
    assert resolve_models("AE-GAN,cgan, CTGAN,tvae,real,AE") == [
        "AE-GAN",
        "cGAN",
        "CTGAN",
        "TVAE",
        "real rows",
        "autoencoder only",
    ]
    assert resolve_models("ctgan,CTGAN") == ["CTGAN"]
    with pytest.raises(ValueError, match="Unknown model 'GPT'"):
        resolve_models("GPT")


def test_proportional_counts_sum_and_shares():
    labels = pd.Series(["x"] * 76 + ["y"] * 24)
    assert proportional_counts(labels, 1000) == {"x": 760, "y": 240}
    counts = proportional_counts(pd.Series(list("aab") * 5 + ["c"]), 7)
    assert sum(counts.values()) == 7 and counts["a"] >= counts["b"] >= counts["c"]


class _FakeAEGAN:
    """Stands in for tabgen_lib.aegan.AEGAN: records its calls, returns real rows."""

    fits = 0

    def __init__(self, conditional_on=None, **kwargs):
        self.conditional_on, self.kwargs = conditional_on, kwargs

    def fit(self, data, discrete_columns):
        type(self).fits += 1
        self.data = data
        return self

    def sample(self, n, condition=None):
        rows = self.data if condition is None else self.data[self.data["income"] == condition]
        return rows.sample(n=n, replace=True, random_state=0).reset_index(drop=True)

    def reconstruct(self, data):
        return data.copy()


def test_aegan_rows_share_one_fit_and_cgan_keeps_label_shares(monkeypatch, data, fast):
    import tabgen_lib.aegan

    monkeypatch.setattr(tabgen_lib.aegan, "AEGAN", _FakeAEGAN)
    _FakeAEGAN.fits = 0
    cache, quick = {}, BenchSettings(quick=True, verbose=False)
    plain = bench.GENERATORS["AE-GAN"](data, quick, cache)
    ceiling = bench.GENERATORS["autoencoder only"](data, quick, cache)
    assert _FakeAEGAN.fits == 1 and cache["AE-GAN"][0].kwargs["ae_epochs"] == 2
    assert len(plain.synthetic) == 120 and plain.fit_seconds >= 0
    assert ceiling.fit_seconds is None  # reconstructions of unseen rows, not of the training rows
    assert ceiling.synthetic.equals(data.stand_in.reset_index(drop=True))
    alone = bench.GENERATORS["autoencoder only"](data, quick, {})
    assert alone.fit_seconds is not None and _FakeAEGAN.fits == 2
    conditional = bench.GENERATORS["cGAN"](data, quick, {})
    want = data.train["income"].value_counts()
    assert conditional.synthetic["income"].value_counts().to_dict() == want.to_dict()


def test_ctgan_rows_use_the_epoch_setting(monkeypatch, data):
    import ctgan

    calls = []

    class Fake(_FakeAEGAN):
        def __init__(self, epochs, verbose):
            calls.append(epochs)

        def set_random_state(self, seed):
            calls.append(("seed", seed))

    monkeypatch.setattr(ctgan, "CTGAN", Fake)
    monkeypatch.setattr(ctgan, "TVAE", Fake)
    made = bench.GENERATORS["CTGAN"](data, BenchSettings(ctgan_epochs=7), {})
    assert calls == [7, ("seed", 0)] and len(made.synthetic) == 120 and "7 epochs" in made.note
    bench.GENERATORS["TVAE"](data, BenchSettings(quick=True, seed=3), {})
    assert calls[-2:] == [2, ("seed", 3)]


def test_load_bench_data_splits_the_test_set_in_disjoint_halves():
    full = bench.load_bench_data()
    assert len(full.train) == 32561
    assert abs(len(full.holdout) - len(full.stand_in)) <= 1
    assert len(full.holdout) + len(full.stand_in) == 16281
    quick = bench.load_bench_data(quick=True, seed=1)
    assert [len(quick.train), len(quick.holdout), len(quick.stand_in)] == [2000] * 3
    assert list(quick.train.columns) == list(full.train.columns)


def test_a_lost_class_skips_efficacy_only(tmp_path, data, fast, registry):
    results = run_bench(["one class"], data, fast, tmp_path, registry)
    row = results["rows"][0]
    assert row["efficacy"] is None and "one class only" in row["efficacy_error"]
    assert 0 <= row["detection_rf"]["mean"] <= 1 and 0 <= row["dcr_share"] <= 1
    table = markdown_table(results)
    assert "| one class | 1 | " in table and "| n/a |" in table
    assert "Failed: efficacy of one class" in table


def test_shipped_results_are_package_data():
    results = bench.load_results()
    assert results["dataset"] == "adult" and {"AE-GAN", "real rows"} <= {
        row["model"] for row in results["rows"]
    }
    assert bench.results_markdown() == markdown_table(results)  # the two files agree
    with pytest.raises(FileNotFoundError, match="ships no bench_nope.json"):
        bench.load_results("nope")
    # pyproject ships every file of the results folder (a git install in Colab has them)
    config = tomllib.loads((Path(bench.__file__).parents[1] / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["tabgen_lib"]
    package = Path(bench.__file__).parent
    shipped = {p for pattern in globs for p in package.glob(pattern)}
    assert shipped == set((package / "results").iterdir()) and len(shipped) >= 2


def test_default_out_dir_is_the_checkout_or_the_current_folder(tmp_path):
    package = tmp_path / "tabgen_lib"
    package.mkdir()
    assert bench.default_out_dir(package) == Path("bench_results")  # installed: not in it
    (tmp_path / "pyproject.toml").write_text("")
    assert bench.default_out_dir(package) == package / "results"  # a source checkout
    assert bench.RESULTS_DIR == Path(bench.__file__).resolve().parent / "results"
