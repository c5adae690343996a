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
    assert saved["settings"]["detection_seeds"] == [0] and saved["settings"]["seeds"] == [0]
    assert saved["sizes"] == {"train": 120, "holdout": 80, "stand_in": 60}
    copies, real, broken = saved["rows"]
    assert [copies["model"], real["model"], broken["model"]] == ["copies", "real rows", "broken"]
    assert {row["seed"] for row in saved["rows"]} == {0}
    for row in (copies, real):
        assert 0 <= row["distance_attack"]["low"] <= row["distance_attack"]["auc"] <= 1
        assert {"mean", "std", "scores"} <= set(row["detection_rf"]) <= set(row["detection_lr"])
        assert set(row["efficacy"]) == {"lr"}
        assert set(row["efficacy"]["lr"]) == {"auc_real", "auc_synthetic", "ratio"}
    assert copies["n_synthetic"] == 120 and real["n_synthetic"] == 60
    # the 120 training rows are subsampled to the 80 holdout rows: only their copies count
    assert copies["exact_copy_share"] == 1.0 and copies["dcr_share"] > 0.6
    assert copies["detection_rf"]["mean"] < 0.6  # the same rows shuffled
    # few distinct rows (62 ages x 3 jobs x 2 incomes): non-members often have a twin too
    assert copies["distance_attack"]["auc"] > 0.7 > real["distance_attack"]["auc"]
    assert real["fit_seconds"] is None and "RuntimeError: no model here" in broken["error"]

    table = (tmp_path / "bench_tiny.md").read_text()
    assert table == markdown_table(results)
    lines = table.splitlines()
    assert lines[0].startswith("| Generator | Seeds | Fit (s) | RF detection AUC")
    assert not any(line.startswith("#") for line in lines)  # includable under any heading
    assert lines[2].startswith("| copies | 1 | 0 | ") and "| 1.000 | 0." in lines[2]
    assert lines[3].startswith("| real rows | 1 | — | ") and "| broken | 0 | failed |" in lines[4]
    assert "Failed: broken (1 of its runs)" in table
    assert "[3/3] tiny, seed 0, broken" in capsys.readouterr().out


def test_several_seeds_give_mean_std_and_worst_case(tmp_path, data, fast, registry):
    results = run_bench(["copies", "real rows"], data, fast, tmp_path, registry, seeds=[0, 1, 2])
    assert [(row["model"], row["seed"]) for row in results["rows"][:3]] == [
        ("copies", 0),
        ("real rows", 0),
        ("copies", 1),
    ]
    table = bench.summary(results)
    assert table.loc["copies", "n_seeds"] == 3 and table.loc["copies", "n_failed"] == 0
    real = [row for row in results["rows"] if row["model"] == "real rows"]
    detections = [row["detection_rf"]["mean"] for row in real]
    assert table.loc["real rows", "rf_detection_mean"] == pytest.approx(np.mean(detections))
    assert table.loc["real rows", "rf_detection_std"] == pytest.approx(np.std(detections, ddof=1))
    assert table.loc["real rows", "rf_detection_max"] == max(detections)
    worst = min(min(v["ratio"] for v in row["efficacy"].values()) for row in real)
    assert table.loc["real rows", "efficacy_min_min"] == worst
    assert np.isnan(table.loc["real rows", "epochs"])
    assert "| copies | 3 | 0 | " in markdown_table(results) and " ± " in markdown_table(results)
    assert "seeds [0, 1, 2]" in markdown_table(results)
    with pytest.raises(ValueError, match="seeds is empty"):
        run_bench(["copies"], data, fast, tmp_path, registry, seeds=[])


def test_main_selects_models_and_returns_status(tmp_path, monkeypatch, data, fast, registry):
    monkeypatch.setattr(bench, "GENERATORS", registry)
    monkeypatch.setattr(bench, "load_bench_data", lambda dataset, seed, quick: data)
    monkeypatch.setattr(bench, "BenchSettings", lambda **kw: BenchSettings(**{**vars(fast), **kw}))
    argv = ["--models", "copies,real", "--quick", "--seeds", "0", "--tables", "adult"]
    assert bench.main([*argv, "--out-dir", str(tmp_path)]) == 0
    saved = json.loads((tmp_path / "bench_tiny.json").read_text())
    assert [row["model"] for row in saved["rows"]] == ["copies", "real rows"]
    assert (
        saved["settings"]["quick"] is True
        and "Quick smoke-test" in (tmp_path / "bench_tiny.md").read_text()
    )
    once = ["--models", "broken", "--seeds", "0", "--tables", "adult", "--out-dir", str(tmp_path)]
    assert bench.main([*once, "--append"]) == 1
    merged = json.loads((tmp_path / "bench_tiny.json").read_text())
    assert [row["model"] for row in merged["rows"]] == ["copies", "real rows", "broken"]
    assert (
        bench.main(
            [
                *once[:-4],
                "--seeds",
                "1,2",
                "--tables",
                "adult",
                "--out-dir",
                str(tmp_path),
                "--append",
            ]
        )
        == 1
    )
    merged = json.loads((tmp_path / "bench_tiny.json").read_text())
    assert [(r["model"], r["seed"]) for r in merged["rows"]][-2:] == [("broken", 1), ("broken", 2)]
    assert bench.main(once) == 1
    assert len(json.loads((tmp_path / "bench_tiny.json").read_text())["rows"]) == 1
    with pytest.raises(ValueError, match="different data"):
        bench.merge_results(saved, {**saved, "sizes": {"train": 1}})
    with pytest.raises(SystemExit):
        bench.main(["--models", "nope"])
    with pytest.raises(SystemExit):
        bench.main(["--ctgan-epochs", "0"])
    with pytest.raises(SystemExit):
        bench.main(["--tables", "nope"])
    with pytest.raises(SystemExit):
        bench.main(["--seeds", "a,b"])


def test_interrupted_append_keeps_the_old_rows(tmp_path, monkeypatch, data, fast, registry):
    @register("interrupted", registry)
    def interrupted(data, settings, cache):
        raise KeyboardInterrupt  # Ctrl-C in the middle of a long run

    monkeypatch.setattr(bench, "GENERATORS", registry)
    monkeypatch.setattr(bench, "load_bench_data", lambda dataset, seed, quick: data)
    monkeypatch.setattr(bench, "BenchSettings", lambda **kw: BenchSettings(**{**vars(fast), **kw}))
    one = ["--seeds", "0", "--tables", "adult", "--out-dir", str(tmp_path)]
    assert bench.main(["--models", "real", *one]) == 0
    with pytest.raises(KeyboardInterrupt):
        bench.main(["--models", "copies,interrupted", *one, "--append"])
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
    # a registered name with a comma in it, in any position
    assert resolve_models("AE-GAN, balanced D") == ["AE-GAN, balanced D"]
    assert resolve_models("AE-GAN,AE-GAN, balanced D,tvae") == [
        "AE-GAN",
        "AE-GAN, balanced D",
        "TVAE",
    ]
    with pytest.raises(ValueError, match="Unknown model 'GPT'"):
        resolve_models("GPT")
    with pytest.raises(ValueError, match="Unknown model 'balanced E'"):
        resolve_models("AE-GAN, balanced E")


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


def test_aegan_rows_fit_once_per_seed_and_cgan_keeps_label_shares(monkeypatch, data, fast):
    import tabgen_lib.aegan

    monkeypatch.setattr(tabgen_lib.aegan, "AEGAN", _FakeAEGAN)
    _FakeAEGAN.fits = 0
    cache, quick = {}, BenchSettings(quick=True, verbose=False)
    plain = bench.GENERATORS["AE-GAN"](data, quick, cache)
    again = bench.GENERATORS["AE-GAN"](data, quick, cache)
    assert _FakeAEGAN.fits == 1 and again.fit_seconds == plain.fit_seconds
    assert cache["AE-GAN"][0].kwargs["gan_steps"] == 20  # quick: tiny budgets
    assert cache["AE-GAN"][0].kwargs["random_state"] == 0
    assert len(plain.synthetic) == 120 and plain.fit_seconds >= 0
    conditional = bench.GENERATORS["cGAN"](data, quick, {})
    want = data.train["income"].value_counts()
    assert conditional.synthetic["income"].value_counts().to_dict() == want.to_dict()


def test_autoencoder_only_reconstructs_unseen_rows_with_the_aegmm(monkeypatch, data):
    import tabgen_lib.latent_gmm

    class FakeAEGMM(_FakeAEGAN):
        n_components_ = [3]

    monkeypatch.setattr(tabgen_lib.latent_gmm, "AEGMM", FakeAEGMM)
    FakeAEGMM.fits = 0
    cache, quick = {}, BenchSettings(quick=True, verbose=False)
    mixture = bench.GENERATORS["AE-GMM"](data, quick, cache)
    ceiling = bench.GENERATORS["autoencoder only"](data, quick, cache)
    assert FakeAEGMM.fits == 1 and "3 components" in mixture.note
    assert ceiling.fit_seconds is None  # the AE-GMM's fit, counted in its own row
    assert ceiling.synthetic.equals(data.stand_in.reset_index(drop=True))
    alone = bench.GENERATORS["autoencoder only"](data, quick, {})
    assert alone.fit_seconds is not None and FakeAEGMM.fits == 2


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
    assert calls == [7, ("seed", 0), ("seed", 0)] and len(made.synthetic) == 120
    assert "7 epochs" in made.note
    bench.GENERATORS["TVAE"](data, BenchSettings(quick=True, seed=3), {})
    assert calls[-3:] == [2, ("seed", 3), ("seed", 3)]


def test_load_bench_data_splits_the_test_set_in_disjoint_halves():
    full = bench.load_bench_data()
    assert len(full.train) == 32561
    assert abs(len(full.holdout) - len(full.stand_in)) <= 1
    assert len(full.holdout) + len(full.stand_in) == 16281
    quick = bench.load_bench_data(quick=True, seed=1)
    assert [len(quick.train), len(quick.holdout), len(quick.stand_in)] == [2000] * 3
    assert list(quick.train.columns) == list(full.train.columns)


@pytest.mark.parametrize(
    ("name", "sizes", "target"),
    [("insurance", (1004, 167, 167), "smoker"), ("tips", (146, 49, 49), "time")],
)
def test_small_tables_split_by_seed_without_overlap(name, sizes, target):
    first, other = bench.load_bench_data(name, seed=0), bench.load_bench_data(name, seed=1)
    assert (len(first.train), len(first.holdout), len(first.stand_in)) == sizes
    assert first.target == target and target in first.discrete_columns
    parts = [first.train, first.holdout, first.stand_in]
    whole = pd.concat(parts).drop_duplicates()
    # the parts cover the table once (rows may repeat in the table itself)
    assert sum(map(len, parts)) == sizes[0] + sizes[1] + sizes[2]
    assert len(whole) <= sum(map(len, parts))
    assert not first.train.equals(other.train)  # another seed, another split
    with pytest.raises(ValueError, match="Unknown benchmark table 'nope'"):
        bench.load_bench_data("nope")


def test_a_lost_class_skips_efficacy_only(tmp_path, data, fast, registry):
    results = run_bench(["one class"], data, fast, tmp_path, registry)
    row = results["rows"][0]
    assert row["efficacy"] is None and "one class only" in row["efficacy_error"]
    assert 0 <= row["detection_rf"]["mean"] <= 1 and 0 <= row["dcr_share"] <= 1
    table = markdown_table(results)
    assert "| one class | 1 | 1 | " in table and "| n/a / n/a / n/a |" in table


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


def test_remarks_survive_a_merge_and_reach_the_footer(tmp_path, data, fast, registry):
    old = run_bench(["copies"], data, fast, tmp_path, registry)
    old["remarks"] = ["CTGAN ran 50 epochs only."]
    new = run_bench(["real rows"], data, fast, tmp_path, registry)
    merged = bench.merge_results(old, new)
    assert merged["remarks"] == ["CTGAN ran 50 epochs only."]
    assert [row["model"] for row in merged["rows"]] == ["copies", "real rows"]
    assert markdown_table(merged).rstrip().endswith("CTGAN ran 50 epochs only.")
    assert "remarks" not in bench.merge_results(new, new)
