"""Exercise checks of chapter 06 (classifying circles)."""

import pytest
import torch
from torch import nn

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError

from ._checks_helpers import assert_keeps_random_state, stub


def _classifier():
    return nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)
    )


def test_check_build_classifier(capsys):
    checks.check_build_classifier(_classifier)
    assert capsys.readouterr().out.endswith("after 500 epochs of Adam (threshold 0.9).\n")
    with pytest.raises(ExerciseCheckError, match="straight boundary"):
        checks.check_build_classifier(lambda: nn.Linear(2, 1), epochs=100)
    with pytest.raises(ExerciseCheckError, match="nn.Module"):
        checks.check_build_classifier(lambda: None)
    with pytest.raises(ExerciseCheckError, match="no parameters"):
        checks.check_build_classifier(lambda: nn.Identity())
    with pytest.raises(ExerciseCheckError, match=r"output \(800, 1\)"):
        checks.check_build_classifier(lambda: nn.Linear(2, 2))
    with pytest.raises(ExerciseCheckError, match="failed on an input"):
        checks.check_build_classifier(lambda: nn.Linear(3, 1))
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_build_classifier(stub)


def test_check_build_classifier_refuses_bad_settings():
    with pytest.raises(ValueError, match="epochs == 0, must be >= 1"):
        checks.check_build_classifier(_classifier, epochs=0)
    with pytest.raises(ValueError, match="threshold == 1.5, must be <= 1"):
        checks.check_build_classifier(_classifier, threshold=1.5)
    with pytest.raises(TypeError, match="threshold must be an instance of float"):
        checks.check_build_classifier(_classifier, threshold="high")


def _collapse(with_bias=True, order_right=True):
    def collapse_linears(layers):
        W, b = layers[0].weight, layers[0].bias
        for layer in layers[1:]:
            W = layer.weight @ W if order_right else (W.T @ layer.weight.T).T * 2
            b = layer.weight @ b + layer.bias if with_bias else layer.bias
        single = nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            single.weight.copy_(W)
            single.bias.copy_(b)
        return single

    return collapse_linears


def test_check_collapse_linears(capsys):
    checks.check_collapse_linears(_collapse())
    assert capsys.readouterr().out.startswith("Correct! One nn.Linear reproduces")
    with pytest.raises(ExerciseCheckError, match="earlier bias"):
        checks.check_collapse_linears(_collapse(with_bias=False))
    with pytest.raises(ExerciseCheckError, match="right to left"):
        checks.check_collapse_linears(_collapse(order_right=False))
    with pytest.raises(ExerciseCheckError, match="return an nn.Linear"):
        checks.check_collapse_linears(lambda layers: nn.Sequential(*layers))
    with pytest.raises(ExerciseCheckError, match="2 inputs to 1 output"):
        checks.check_collapse_linears(lambda layers: nn.Linear(2, 2))
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_collapse_linears(stub)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_build_classifier(_classifier, epochs=5, threshold=0.0)  # seeds the model
        checks.check_collapse_linears(_collapse())  # seeds the stacks; the answer draws

    assert_keeps_random_state(monkeypatch, run)
