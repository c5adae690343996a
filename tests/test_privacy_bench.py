"""tabgen_lib.privacy_bench (the command), privacy_shadow_bench and privacy_results (its files)."""

import json
import math

import pandas as pd
import pytest

from tabgen_lib import privacy_bench, privacy_shadow_bench
from tabgen_lib.privacy import TOY_DISCRETE, toy_population
from tabgen_lib.privacy_bench import (
    DATASETS,
    GENERATORS,
    Dataset,
    PrivacySettings,
    public_domain,
    run_attacks,
    split_rows,
)
from tabgen_lib.privacy_results import (
    attack_summary,
    load_results,
    results_markdown,
    shadow_summary,
)
from tabgen_lib.privacy_shadow_bench import SHADOW_GENERATORS, run_shadow

TOY = Dataset(
    "toy",
    lambda: toy_population(500, random_state=5),
    TOY_DISCRETE,
    "smoker",
    ["age", "bmi", "region"],
    "smoker",
    {"members": 200, "non_members": 100, "reference": 100, "fresh": 100},
)
FAST = PrivacySettings(seeds=(0,), n_bootstrap=50)


def _one_class(parts, dataset, seed, settings):
    return parts["fresh"].assign(smoker="no"), 0.1, {}


def _broken(parts, dataset, seed, settings):
    raise RuntimeError("no luck")


REGISTRY = {
    "copy": lambda p, d, s, c: (p["members"].copy(), None, {}),
    "fresh": lambda p, d, s, c: (p["fresh"].copy(), None, {}),
    "one class": _one_class,
    "broken": _broken,
}


# ---------------------------------------------------------------- splits and domains


def test_split_rows_gives_four_disjoint_seeded_parts():
    parts = split_rows(TOY, seed=3)
    assert {k: len(v) for k, v in parts.items()} == TOY.sizes
    rows = pd.concat(parts.values())
    assert not rows.duplicated().any()  # disjoint (toy rows are all distinct)
    assert split_rows(TOY, seed=3)["members"].equals(parts["members"])
    assert not split_rows(TOY, seed=4)["members"].equals(parts["members"])
    assert len(split_rows(TOY, seed=3, quick=True)["members"]) == 30


def test_the_dp_domain_takes_no_member_value():
    parts = split_rows(TOY, seed=0)
    domain = public_domain(parts, TOY)
    reference = parts["reference"]
    assert domain["age"] == (reference["age"].min(), reference["age"].max())
    assert domain["region"] == ["east", "north", "south", "west"]  # the codebook
    assert parts["members"]["age"].max() != domain["age"][1]


def test_the_benchmark_covers_every_generator_and_both_data_sets():
    for name in (
        "AE-GAN",
        "AE-GMM",
        "AE-Diffusion",
        "CTGAN",
        "TVAE",
        "DP epsilon=1",
        "DP epsilon=3",
        "DP epsilon=10",
        "DP no noise",
        "fresh rows",
    ):
        assert name in GENERATORS
    assert list(SHADOW_GENERATORS)[:3] == [
        "training rows (released)",
        "AE-GMM (fast)",
        "DP no noise (fast)",
    ]
    assert set(DATASETS) == {"insurance", "adult"}
    assert DATASETS["insurance"].target == "smoker"


# ---------------------------------------------------------------- the attacks


@pytest.fixture(scope="module")
def toy_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    return run_attacks(TOY, list(REGISTRY), FAST, out, REGISTRY), out


def test_attacks_on_the_sanity_releases(toy_results):
    results, _ = toy_results
    rows = {row["model"]: row for row in results["rows"]}
    assert rows["copy"]["distance"]["auc"] == 1.0 and rows["copy"]["attribute"]["risk"] > 0.9
    fresh = rows["fresh"]["distance"]
    assert fresh["low"] < 0.5 < fresh["high"]  # fresh rows: chance
    assert rows["copy"]["density"]["auc"] > rows["fresh"]["density"]["auc"]
    assert set(rows["copy"]["efficacy"]) == {"lr", "rf", "gb"}
    assert rows["broken"]["error"] == "RuntimeError: no luck"


def test_a_synthetic_target_with_one_class_counts_as_chance(toy_results):
    results, _ = toy_results
    row = next(r for r in results["rows"] if r["model"] == "one class")
    assert "one class only" in row["efficacy_note"]
    for family in row["efficacy"].values():
        assert family["auc_synthetic"] == 0.5
        assert family["ratio"] == pytest.approx(0.5 / family["auc_real"])


def test_files_are_written_and_summarised(toy_results):
    results, out = toy_results
    assert json.loads((out / "privacy_toy.json").read_text()) == json.loads(json.dumps(results))
    markdown = (out / "privacy_toy.md").read_text()
    assert markdown.startswith("| Generator | Fit (s) | Distance AUC |")
    assert "| copy | — | 1.000 [1.00, 1.00] |" in markdown and "| broken | failed |" in markdown
    assert "Toy: 200 members, 100 non-members" in markdown
    summary = attack_summary(results)
    assert list(summary.index) == ["copy", "fresh", "one class"]
    assert summary.loc["copy", "distance_auc"] == 1.0 and math.isinf(summary.loc["copy", "epsilon"])
    assert summary.loc["one class", "fit_seconds"] == 0.1


def test_append_keeps_the_rows_it_does_not_redo(toy_results, tmp_path):
    results, out = toy_results
    (tmp_path / "privacy_toy.json").write_text((out / "privacy_toy.json").read_text())
    again = run_attacks(TOY, ["fresh"], FAST, tmp_path, REGISTRY, append=True)
    assert [row["model"] for row in again["rows"]] == ["copy", "one class", "broken", "fresh"]
    other = Dataset(**{**TOY.__dict__, "sizes": {**TOY.sizes, "fresh": 90}})
    with pytest.raises(ValueError, match="other sizes"):
        run_attacks(other, ["fresh"], FAST, tmp_path, REGISTRY, append=True)


@pytest.mark.parametrize(
    "name", ["AE-GAN", "AE-GMM", "AE-Diffusion", "CTGAN", "TVAE", "DP epsilon=3", "DP no noise"]
)
def test_the_course_generators_fit_in_quick_mode(name):
    quick = PrivacySettings(seeds=(1,), quick=True)
    parts = split_rows(TOY, seed=1, quick=True)
    synthetic, seconds, info = GENERATORS[name](parts, TOY, 1, quick)
    assert list(synthetic.columns) == list(TOY.load().columns)
    assert len(synthetic) == len(parts["members"]) and seconds > 0
    if name == "DP epsilon=3":
        assert info["delta"] == 1 / 30 and info["epsilon"] <= 3.0
    if name in ("CTGAN", "TVAE"):
        assert info == {"epochs": 2}


def test_efficacy_that_cannot_be_measured_is_said_not_hidden():
    parts = split_rows(TOY, seed=1, quick=True)
    one_class = parts["fresh"].assign(smoker="no")
    row = privacy_bench._efficacy(
        parts["members"][:6], one_class, parts["non_members"][:6], TOY, seed=0
    )  # too few real rows: even the real model cannot beat chance
    assert row["efficacy"] is None and "no better than chance" in row["efficacy_error"]
    unknown = parts["fresh"].assign(smoker=["maybe", "no"] * 15)
    row = privacy_bench._efficacy(parts["members"], unknown, parts["non_members"], TOY, seed=0)
    assert row["efficacy"] is None and "'maybe'" in row["efficacy_error"]
    summary = attack_summary({"rows": [{**_ROW, "efficacy": None}]})
    assert math.isnan(summary.loc["x", "efficacy"])


_ROW = {
    "model": "x",
    "seed": 0,
    "fit_seconds": None,
    "detection_rf": 0.5,
    "distance": {"auc": 0.5, "low": 0.4, "high": 0.6, "tpr_at_10": 0.1},
    "density": {"auc": 0.5, "low": 0.4, "high": 0.6, "tpr_at_10": 0.1},
    "attribute": {"risk": 0.0, "low": 0.0, "high": 0.1},
}


def test_adult_is_split_from_both_of_its_files():
    parts = split_rows(DATASETS["adult"], seed=0, quick=True)
    assert [len(p) for p in parts.values()] == [300, 100, 200, 300]
    assert set(parts["members"]["income"]) == {"<=50K", ">50K"}


def test_the_fast_shadow_generators_fit():
    train = toy_population(100, random_state=2)
    domain = public_domain({"reference": toy_population(300, random_state=3)}, TOY)
    for name in ("AE-GMM (fast)", "DP epsilon=3 (fast)"):
        fake = SHADOW_GENERATORS[name](train, 0, TOY_DISCRETE, domain)
        assert list(fake.columns) == list(train.columns) and len(fake) == len(train)


# ---------------------------------------------------------------- shadow models


def test_shadow_attack_on_the_released_training_rows(tmp_path):
    settings = PrivacySettings(seeds=(0,), quick=True, n_targets=2, n_bootstrap=20)
    registry = {
        "copy": SHADOW_GENERATORS["training rows (released)"],
        "broken": lambda train, seed, discrete, domain: None,
    }
    results = run_shadow(TOY, None, settings, tmp_path, registry)
    assert results["sizes"] == {"population": 200, "train_size": 50, "n_shadow": 4}
    assert len(results["targets"]["outlier"]) == 2
    copy = [row for row in results["rows"] if row["model"] == "copy"]
    assert [row["group"] for row in copy] == ["outlier", "average"]
    assert all(t["accuracy"] == 1.0 for t in copy[0]["per_target"])  # outliers: given away
    assert all("error" in row for row in results["rows"] if row["model"] == "broken")
    summary = shadow_summary(results)
    assert summary[["model", "group"]].values.tolist() == [["copy", "outlier"], ["copy", "average"]]
    assert summary.loc[0, "accuracy"] == 1.0 and summary.loc[0, "low"] > 0.5
    markdown = (tmp_path / "privacy_shadow.md").read_text()
    assert markdown.startswith("| Generator (fast settings) |") and "| copy | 1.000" in markdown
    assert "| broken |" not in markdown  # no result, no row
    # the caption states the fast generators' settings and the run time
    assert "Fast settings: AE-GMM ae_steps 300, ae_hidden 64," in markdown
    assert "DP ae_steps 100, diffusion_steps 200, batch_size 32." in markdown
    assert " min of wall-clock time in all, one PyTorch thread." in markdown
    assert results["settings"]["fast"] == privacy_shadow_bench.FAST_SETTINGS


def test_shadow_append_keeps_the_other_seeds_and_lists_them(tmp_path):
    registry = {"copy": SHADOW_GENERATORS["training rows (released)"]}
    settings = PrivacySettings(seeds=(0,), quick=True, n_targets=1, n_bootstrap=20)
    run_shadow(TOY, None, settings, tmp_path, registry)
    settings = PrivacySettings(seeds=(1,), quick=True, n_targets=1, n_bootstrap=20)
    results = run_shadow(TOY, None, settings, tmp_path, registry, append=True)
    assert sorted({row["seed"] for row in results["rows"]}) == [0, 1]
    assert results["settings"]["seeds"] == [0, 1]
    assert "seeds [0, 1]" in (tmp_path / "privacy_shadow.md").read_text()


def test_shadow_summary_of_nothing_is_empty():
    assert shadow_summary({"rows": []}).empty


# ---------------------------------------------------------------- shipped files and command


def test_shipped_results_load():
    results = load_results("insurance")
    assert results["dataset"] == "insurance" and results["rows"]
    assert results_markdown("insurance").startswith("| Generator |")
    with pytest.raises(FileNotFoundError, match="ships no privacy_nothing.json"):
        load_results("nothing")


def test_command_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(DATASETS, "insurance", TOY)
    monkeypatch.setattr(privacy_bench, "GENERATORS", {"copy": REGISTRY["copy"]})
    code = privacy_bench.main(
        [
            "--datasets",
            "insurance",
            "--seeds",
            "0",
            "--out-dir",
            str(tmp_path),
            "--threads",
            "1",
            "--quick",
        ]
    )
    assert code == 0 and (tmp_path / "privacy_toy.json").is_file()
    assert "| copy |" in capsys.readouterr().out
    monkeypatch.setattr(privacy_bench, "GENERATORS", {"broken": _broken})
    assert privacy_bench.main(["--datasets", "insurance", "--out-dir", str(tmp_path)]) == 1
    monkeypatch.setattr(privacy_shadow_bench, "SHADOW_GENERATORS", {"copy": lambda t, s, d, m: t})
    code = privacy_bench.main(["--shadow", "--quick", "--seeds", "0", "--out-dir", str(tmp_path)])
    assert code == 0 and (tmp_path / "privacy_shadow.json").is_file()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--models", "GPT"], "unknown model 'GPT'"),
        (["--shadow", "--models", "CTGAN"], "unknown model 'CTGAN'"),
        (["--datasets", "census"], "unknown data set 'census'"),
        (["--seeds", "a,b"], "--seeds must be integers"),
        (["--threads", "0"], "--threads must be at least 1"),
    ],
)
def test_command_line_refuses_bad_arguments(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        privacy_bench.main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err
