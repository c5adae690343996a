"""Shared by the tests of ``tabgen_lib.checks``: what every chapter's test file needs."""

import random

import numpy as np
import torch


def stub(*args):
    """An unfinished exercise, as the student notebooks hand it out."""
    raise NotImplementedError


def assert_keeps_random_state(monkeypatch, run) -> None:
    """``run()`` (one or more checks) leaves PyTorch's, NumPy's and Python's global random
    state as it was and never reseeds the CUDA generators (``torch.manual_seed`` does)."""
    torch.manual_seed(321)
    np.random.seed(321)
    random.seed(321)
    torch_before, numpy_before = torch.get_rng_state(), np.random.get_state()[1].copy()
    python_before = random.getstate()
    reseeded = []
    monkeypatch.setattr(torch.cuda, "manual_seed_all", reseeded.append)
    run()
    assert torch.equal(torch.get_rng_state(), torch_before)
    assert np.array_equal(np.random.get_state()[1], numpy_before)
    assert random.getstate() == python_before
    assert reseeded == [], "a check reseeded the CUDA generators: seed with forked_torch_rng"
