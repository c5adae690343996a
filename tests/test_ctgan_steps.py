"""The package tabgen_lib.ctgan_steps: its layout, re-exports and old names.

The pieces are tested in test_ctgan_steps_<module>.py; the parity with rdt and the
learning test in test_ctgan_steps_rdt_parity.py and test_ctgan_steps_learning.py.
"""

import importlib
from pathlib import Path

import pytest

import tabgen_lib.ctgan_steps as ctgan_steps
from tabgen_lib import gan1d, transforms

# every public name of the single-module tabgen_lib.ctgan_steps, before it became a package
OLD_NAMES = [
    "ConditionSampler",
    "ConditionalGenerator",
    "ModeNormalizer",
    "PackedCritic",
    "Span",
    "TableTransformer",
    "TeachingCTGAN",
    "apply_activations",
    "conditional_loss",
    "generator_loss",
    "gradient_penalty",
    "log_frequency_probabilities",
    "pack",
    "train_step",
]
MODULES = ["transformer", "sampler", "networks", "losses", "synthesizer"]


@pytest.mark.parametrize("name", OLD_NAMES)
def test_every_old_name_is_still_importable(name):
    assert name in ctgan_steps.__all__
    assert getattr(ctgan_steps, name) is not None


def test_old_names_are_aliases_of_the_new_ones():
    assert ctgan_steps.TableTransformer is ctgan_steps.CTGANTransformer
    assert ctgan_steps.Span is ctgan_steps.OutputSpan
    assert ctgan_steps.generator_loss is ctgan_steps.ctgan_generator_loss


def test_new_names_differ_from_their_look_alikes():
    assert ctgan_steps.CTGANTransformer is not transforms.TabularTransformer
    assert ctgan_steps.OutputSpan is not transforms.ColumnSpan
    assert ctgan_steps.ctgan_generator_loss is not gan1d.generator_loss
    for new, other in [
        (ctgan_steps.CTGANTransformer, "TabularTransformer"),
        (ctgan_steps.OutputSpan, "ColumnSpan"),
        (ctgan_steps.ctgan_generator_loss, "gan1d.generator_loss"),
    ]:
        assert other in new.__doc__  # the docstring says which is which


@pytest.mark.parametrize("module", MODULES)
def test_each_module_is_short_and_its_names_are_re_exported(module):
    mod = importlib.import_module(f"tabgen_lib.ctgan_steps.{module}")
    assert len(Path(mod.__file__).read_text().splitlines()) < 400
    for name in mod.__all__:
        assert getattr(ctgan_steps, name) is getattr(mod, name)
        assert name in ctgan_steps.__all__
