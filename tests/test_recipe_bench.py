"""tabgen_lib.recipe_bench: the latent GAN's recipe variants over seeds, and its result files."""

import json

import numpy as np
import pandas as pd
import pytest

from tabgen_lib import recipe_bench
from tabgen_lib.privacy import TOY_DISCRETE, toy_population
from tabgen_lib.recipe_bench import (
    VARIANTS,
    RecipeData,
    RecipeSettings,
    evaluate,
    latent_sweep,
    markdown_table,
    run_recipe,
    summary,
)

TOY = RecipeData(
    toy_population(300, random_state=1),
    toy_population(120, random_state=2),
    list(TOY_DISCRETE),
    "smoker",
    "toy",
)
QUICK = RecipeSettings(
    seeds=(0, 1),
    variants=("method recipe", "course defaults", "latent 16 (course defaults)"),
    ae_steps=20,
    gan_steps=10,
)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("recipe")
    return run_recipe(QUICK, data=TOY, out_dir=out, progress=lambda _: None), out


def test_quick_run_writes_one_row_per_seed_and_variant(quick_run):
    results, out = quick_run
    assert len(results["rows"]) == 2 * 3
    assert results["sizes"] == {"fit": 300, "validation": 120}
    row = results["rows"][0]
    assert row["variant"] == "method recipe" and row["seed"] == 0 and row["latent_dim"] == 32
    for key in ("rf_detection", "lr_detection", "efficacy_lr", "efficacy_rf", "efficacy_gb"):
        assert 0.0 <= row[key] <= 2.0, key
    assert row["efficacy_min"] == min(row[f"efficacy_{f}"] for f in ("lr", "rf", "gb"))
    assert row["ae_best_step"] <= 20
    assert json.loads((out / "recipe_toy.json").read_text()) == json.loads(json.dumps(results))
    assert (out / "recipe_toy.md").read_text() == markdown_table(results)


def test_same_seed_same_numbers(quick_run):
    results, out = quick_run
    again = recipe_bench.fit_variant("course defaults", 1, TOY, QUICK)
    first = next(r for r in results["rows"] if r["variant"] == "course defaults" and r["seed"] == 1)
    for key in ("rf_detection", "lr_detection", "efficacy_min", "ae_best_step"):
        assert again[key] == first[key], key


def test_summary_means_and_sweep(quick_run):
    results, _ = quick_run
    table = summary(results)
    assert list(table.index) == list(QUICK.variants)
    assert (table["n_seeds"] == 2).all()
    rows = pd.DataFrame(results["rows"])
    recipe = rows[rows["variant"] == "method recipe"]
    assert table.loc["method recipe", "rf_detection_mean"] == pytest.approx(
        recipe["rf_detection"].mean()
    )
    assert table.loc["method recipe", "rf_detection_std"] == pytest.approx(
        np.std(recipe["rf_detection"])
    )
    assert table.loc["method recipe", "efficacy_min_min"] == recipe["efficacy_min"].min()
    sweep = latent_sweep(results)
    assert list(sweep.index) == [16, 32] and sweep.index.name == "latent_dim"
    assert (sweep["latent_dim"] == [16, 32]).all()
    text = markdown_table(results)
    assert text.startswith("| Variant | Latent size |") and "± " in text
    assert "from [0, 1]" in text and "ae_steps=20, gan_steps=10" in text


def test_lost_class_counts_as_chance():
    synthetic = TOY.fit.assign(smoker=TOY.fit["smoker"].iloc[0])
    row = evaluate(synthetic, TOY, 0, QUICK)
    assert "one class" in row["efficacy_note"]
    assert row["efficacy_min"] < 0.75  # 0.5 / the real models' AUC


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="Unknown variant"):
        run_recipe(RecipeSettings(variants=("nope",)), data=TOY, out_dir=tmp_path)
    with pytest.raises(ValueError, match="seeds is empty"):
        run_recipe(RecipeSettings(seeds=()), data=TOY, out_dir=tmp_path)
    assert not list(tmp_path.iterdir()), "nothing is fitted or written before the checks"
    with pytest.raises(ValueError, match="no rows"):
        summary({"rows": []})
    with pytest.raises(ValueError, match="not a recipe_bench file"):
        summary({"rows": [{"model": "AE-GAN"}]})
    with pytest.raises(ValueError, match="sweep"):
        latent_sweep({"rows": [{**_row(), "variant": "balanced D"}]})
    with pytest.raises(SystemExit):
        recipe_bench.main(["--variants", "nope"])
    with pytest.raises(SystemExit):
        recipe_bench.main(["--seeds", "a,b"])


def _row(**changes):
    row = {
        "variant": "method recipe",
        "seed": 0,
        "latent_dim": 32,
        "fit_s": 1.0,
        "ae_best_step": 50,
        "rf_detection": 0.9,
        "lr_detection": 0.8,
        "efficacy_lr": 0.9,
        "efficacy_rf": 0.9,
        "efficacy_gb": 0.9,
        "efficacy_min": 0.9,
    }
    return {**row, **changes}


def test_every_variant_is_a_valid_aegan():
    from tabgen_lib.aegan import AEGAN

    for name in VARIANTS:
        AEGAN(**recipe_bench._model_kwargs(name, 0, RecipeSettings()))._check_params()
    recipe = VARIANTS["method recipe"]
    assert recipe["pac"] == 1 and recipe["batch_norm"] is False and recipe["latent_noise"] == 0
    assert VARIANTS["balanced D"] == {"d_lr_factor": 1.0, "k_steps_g": 1}


def test_append_keeps_the_other_rows(tmp_path):
    first = RecipeSettings(seeds=(0,), variants=("balanced D",), ae_steps=20, gan_steps=5)
    run_recipe(first, data=TOY, out_dir=tmp_path, progress=lambda _: None)
    more = RecipeSettings(seeds=(0, 1), variants=("method recipe",), ae_steps=20, gan_steps=5)
    results = run_recipe(more, data=TOY, out_dir=tmp_path, progress=lambda _: None, append=True)
    keys = [(r["variant"], r["seed"]) for r in results["rows"]]
    assert keys == [("balanced D", 0), ("method recipe", 0), ("method recipe", 1)]
    assert results["settings"]["variants"] == ["balanced D", "method recipe"]
    assert results["settings"]["seeds"] == [0, 1]
    assert json.loads((tmp_path / "recipe_toy.json").read_text())["rows"] == results["rows"]
    other = RecipeSettings(seeds=(0,), variants=("method recipe",), ae_steps=30, gan_steps=5)
    with pytest.raises(ValueError, match="other rows or settings"):
        run_recipe(other, data=TOY, out_dir=tmp_path, append=True)


def test_shipped_results_read():
    results = recipe_bench.load_results()
    table = summary(results)
    assert {"method recipe", "course defaults", "balanced D"} <= set(table.index)
    assert (table.loc[["method recipe", "course defaults", "balanced D"], "n_seeds"] >= 3).all()
    assert recipe_bench.results_markdown().startswith("| Variant |")
    assert list(latent_sweep(results).index) == [16, 32, 64]
    with pytest.raises(FileNotFoundError, match="recipe_nope"):
        recipe_bench.load_results("nope")
