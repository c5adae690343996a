import random

import numpy as np
import pytest
import torch

from tabgen_lib import get_device, set_seed


def test_set_seed_makes_every_generator_repeat():
    set_seed(123)
    first = (random.random(), np.random.rand(), torch.rand(3))
    rng = set_seed(123)
    second = (random.random(), np.random.rand(), torch.rand(3))
    assert first[0] == second[0] and first[1] == second[1]
    assert torch.equal(first[2], second[2])
    assert isinstance(rng, np.random.Generator)
    assert rng.random() == np.random.default_rng(123).random()


@pytest.mark.parametrize("bad", ["1", 1.5, None, True])
def test_set_seed_rejects_non_integers(bad):
    with pytest.raises(TypeError, match="seed must be an instance of int"):
        set_seed(bad)


@pytest.mark.parametrize(
    ("bad", "match"), [(-1, "seed == -1, must be >= 0"), (2**32, "<= 4294967295")]
)
def test_set_seed_rejects_out_of_range(bad, match):
    with pytest.raises(ValueError, match=match):
        set_seed(bad)


def test_set_seed_accepts_numpy_integers():
    set_seed(np.int64(5))
    first = torch.rand(2)
    set_seed(5)
    assert torch.equal(first, torch.rand(2))


def test_get_device_defaults_to_what_is_available(monkeypatch):
    monkeypatch.delenv("TABGEN_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert get_device().type == expected


def test_get_device_override(monkeypatch):
    assert get_device("cpu") == torch.device("cpu")
    assert get_device(" CPU ") == torch.device("cpu")
    monkeypatch.setenv("TABGEN_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")


def test_get_device_errors(monkeypatch):
    with pytest.raises(ValueError, match="Unknown device"):
        get_device("tpu")
    with pytest.raises(TypeError):
        get_device(0)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no CUDA"):
        get_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device().type == "cuda"


def test_get_device_accepts_a_torch_device(monkeypatch):
    assert get_device(torch.device("cpu")) == torch.device("cpu")
    with pytest.raises(ValueError, match="Unknown device"):
        get_device(torch.device("meta"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no CUDA"):
        get_device(torch.device("cuda", 0))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device(torch.device("cuda", 0)) == torch.device("cuda", 0)
