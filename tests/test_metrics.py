import numpy as np
import pytest
import torch

from tabgen_lib.metrics import binary_accuracy


def test_binary_accuracy_thresholds_logits_at_zero():
    logits = torch.tensor([3.0, 0.1, 0.0, -0.1, -2.0])
    assert binary_accuracy(logits, torch.tensor([1, 1, 0, 0, 0])) == 1.0
    assert binary_accuracy(logits, torch.tensor([0, 0, 1, 1, 1])) == 0.0
    assert binary_accuracy(logits, torch.tensor([1, 1, 1, 1, 1])) == pytest.approx(0.4)


def test_binary_accuracy_mixed_shapes_do_not_broadcast():
    # (n, 1) against (n,) would broadcast to (n, n) with a naive `==`; here both are flattened.
    logits = torch.tensor([[1.0], [-1.0], [2.0]])
    assert binary_accuracy(logits, torch.tensor([1.0, 0.0, 0.0])) == pytest.approx(2 / 3)
    assert binary_accuracy(logits.reshape(-1), torch.tensor([[1.0], [0.0], [1.0]])) == 1.0


def test_binary_accuracy_accepts_arrays_lists_bools_and_graph_tensors():
    logits = torch.tensor([1.0, -1.0], requires_grad=True)
    result = binary_accuracy(logits * 2, torch.tensor([True, False]))
    assert isinstance(result, float) and result == 1.0
    assert binary_accuracy(np.array([0.5, -0.5]), [1, 1]) == 0.5


def test_binary_accuracy_matches_a_direct_count():
    gen = torch.Generator().manual_seed(0)
    logits, targets = torch.randn(101, generator=gen), torch.randint(0, 2, (101,), generator=gen)
    hits = sum(
        int((s > 0) == bool(t)) for s, t in zip(logits.tolist(), targets.tolist(), strict=True)
    )
    assert binary_accuracy(logits, targets) == hits / 101
    assert 0 < hits < 101  # neither all right nor all wrong: the count is a real check


@pytest.mark.parametrize(
    ("logits", "targets", "error", "match"),
    [
        ("abc", [1], TypeError, "logits must be numbers"),
        (None, [1], TypeError, "logits"),
        ([1.0], {"a": 1}, TypeError, "targets"),
        ([["a"]], [1], TypeError, "numbers"),
        ([], [], ValueError, "empty"),
        ([1.0, 2.0], [1], ValueError, "one logit per target"),
        ([1.0, 2.0], [1, 2], ValueError, "0 and 1"),
        ([1.0, float("nan")], [1, 0], ValueError, "logits contains NaN"),
    ],
)
def test_binary_accuracy_bad_inputs(logits, targets, error, match):
    with pytest.raises(error, match=match):
        binary_accuracy(logits, targets)
