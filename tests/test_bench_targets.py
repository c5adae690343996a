"""The benchmark's targets (tabgen_lib.bench_targets): logic on made-up rows; shipped file."""

import pandas as pd
import pytest

from tabgen_lib import bench_targets
from tabgen_lib.bench import default_out_dir
from tabgen_lib.bench_targets import best_course_generator, check_targets, targets_markdown


def _row(model, seed, rf, eff=(0.99, 0.99, 0.99), copies=0.0, fit=60.0):
    families = dict(zip(("lr", "rf", "gb"), eff, strict=True))
    return {
        "model": model,
        "seed": seed,
        "fit_seconds": fit,
        "note": "",
        "detection_rf": {"mean": rf},
        "detection_lr": {"mean": 0.5},
        "efficacy": {f: {"ratio": r} for f, r in families.items()},
        "exact_copy_share": copies,
        "dcr_share": 0.5,
    }


def _results(*rows):
    return {"rows": list(rows)}


def test_adult_targets_met_and_missed():
    adult = _results(
        _row("AE-GMM", 0, 0.69, (0.98, 0.98, 0.976)),
        _row("AE-GMM", 1, 0.70, (0.98, 0.98, 0.976)),
        _row("AE-GAN", 0, 0.95),
        _row("CTGAN", 0, 0.50),  # not a course generator: never the "best"
    )
    table = check_targets({"adult": adult}).set_index("target")
    assert set(table["generator"]) == {"AE-GMM"}
    assert table["met"].all()
    slow = _results(_row("AE-GMM", 0, 0.76, (0.98, 0.97, 0.94), fit=200.0))
    table = check_targets({"adult": slow}).set_index("target")
    assert not table["met"].any()
    assert table.loc["efficacy, lowest family's mean", "measured"] == "0.940"


def test_insurance_and_small_table_targets():
    insurance = _results(
        _row("AE-Diffusion", 0, 0.55, (0.99, 0.98, 0.97)),
        _row("CTGAN", 0, 0.91, (0.6, 0.5, 0.6)),
        _row("TVAE", 0, 0.97, (0.9, 0.8, 0.8)),
    )
    tips = _results(_row("AE-GMM", 0, 0.6, (0.95, 0.85, 0.99), copies=0.01))
    table = check_targets({"insurance": insurance, "tips": tips})
    ins = table[table["table"] == "Insurance"].set_index("target")
    assert ins["met"].all() and len(ins) == 5
    assert ins.loc["RF detection AUC below CTGAN's and TVAE's", "required"] == "< 0.910"
    small = table[table["table"] == "Tips"].set_index("target")["met"]
    assert small.to_dict() == {
        "efficacy, lowest family's mean": False,
        "RF detection AUC, mean": True,
        "exact copies of training rows, mean share": False,
    }


def test_best_course_generator_needs_one():
    line = pd.DataFrame({"rf_detection_mean": [0.5]}, index=pd.Index(["CTGAN"], name="model"))
    with pytest.raises(ValueError, match="No course generator"):
        best_course_generator(line)


def test_markdown_counts_the_missed_targets():
    text = targets_markdown({"tips": _results(_row("AE-GMM", 0, 0.9))})
    assert text.count("**no**") == 1 and "3 targets, 1 missed." in text


def test_the_shipped_targets_file_matches_the_shipped_results(tmp_path):
    shipped = (default_out_dir() / "bench_targets.md").read_text(encoding="utf-8")
    assert shipped == targets_markdown(), "run: python -m tabgen_lib.bench_targets"
    assert bench_targets.main(tmp_path) == 0
    assert (tmp_path / "bench_targets.md").read_text(encoding="utf-8") == shipped
