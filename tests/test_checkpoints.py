"""Tests of tabgen_lib.checkpoints: exact resume, safe loading, clear errors."""

import hashlib
import pickle
import random

import numpy as np
import pytest
import torch

from tabgen_lib.checkpoints import load_checkpoint, same_weights, save_checkpoint
from tabgen_lib.gan1d import discriminator_loss, generator_loss
from tabgen_lib.models import mlp


def _gan(seed=0):
    torch.manual_seed(seed)
    g, d = mlp(2, [8], 1), mlp(1, [8], 1)
    g_opt = torch.optim.Adam(g.parameters(), lr=1e-2, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), lr=1e-2, betas=(0.5, 0.999))
    return g, d, g_opt, d_opt


def _train(g, d, g_opt, d_opt, steps):
    """A tiny GAN loop that draws from all three global generators (torch, numpy, random)."""
    for _ in range(steps):
        shift = random.random() + np.random.rand()
        real = torch.randn(16, 1) + shift
        fake = g(torch.randn(16, 2))
        d_loss = discriminator_loss(d(real), d(fake.detach()))
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = generator_loss(d(g(torch.randn(16, 2))))
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()


def _seed(seed=123):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _named(g, d, g_opt, d_opt):
    return {"G": g, "D": d}, {"G": g_opt, "D": d_opt}


def test_round_trip_restores_state_and_continued_training(tmp_path):
    g, d, g_opt, d_opt = _gan(0)
    _seed()
    _train(g, d, g_opt, d_opt, 5)
    models, opts = _named(g, d, g_opt, d_opt)
    path = save_checkpoint(
        tmp_path / "ck.pt", models=models, optimizers=opts, step=5, extra={"loss": [1.0, 0.5]}
    )
    assert path == tmp_path / "ck.pt" and not (tmp_path / "ck.pt.tmp").exists()
    g2, d2, g_opt2, d_opt2 = _gan(1)
    assert not same_weights(g, g2)
    models2, opts2 = _named(g2, d2, g_opt2, d_opt2)
    info = load_checkpoint(path, models=models2, optimizers=opts2)
    assert info == {"step": 5, "extra": {"loss": [1.0, 0.5]}}
    assert same_weights(g, g2) and same_weights(d, d2)
    state, state2 = g_opt.state_dict()["state"], g_opt2.state_dict()["state"]
    assert all(torch.equal(state[k]["exp_avg"], state2[k]["exp_avg"]) for k in state)
    # both copies now continue from the same random state (restored by load_checkpoint)
    load_checkpoint(path, models={"G": g, "D": d}, optimizers={"G": g_opt, "D": d_opt})
    _train(g, d, g_opt, d_opt, 3)
    load_checkpoint(path, models=models2, optimizers=opts2)
    _train(g2, d2, g_opt2, d_opt2, 3)
    assert same_weights(g, g2) and same_weights(d, d2)


def test_resume_equals_uninterrupted_run(tmp_path):
    g, d, g_opt, d_opt = _gan(0)
    _seed()
    _train(g, d, g_opt, d_opt, 10)

    g1, d1, g_opt1, d_opt1 = _gan(0)
    _seed()
    _train(g1, d1, g_opt1, d_opt1, 4)
    models, opts = _named(g1, d1, g_opt1, d_opt1)
    save_checkpoint(tmp_path / "mid.pt", models=models, optimizers=opts, step=4)
    _seed(999)  # anything may happen to the random state in between
    g2, d2, g_opt2, d_opt2 = _gan(7)
    models2, opts2 = _named(g2, d2, g_opt2, d_opt2)
    step = load_checkpoint(tmp_path / "mid.pt", models=models2, optimizers=opts2)["step"]
    _train(g2, d2, g_opt2, d_opt2, 10 - step)
    assert same_weights(g, g2) and same_weights(d, d2)


def test_without_optimizer_or_rng_the_resume_differs(tmp_path):
    g, d, g_opt, d_opt = _gan(0)
    _seed()
    _train(g, d, g_opt, d_opt, 6)
    g1, d1, g_opt1, d_opt1 = _gan(0)
    _seed()
    _train(g1, d1, g_opt1, d_opt1, 3)
    save_checkpoint(tmp_path / "m.pt", models={"G": g1, "D": d1}, step=3)
    g2, d2, g_opt2, d_opt2 = _gan(0)
    load_checkpoint(tmp_path / "m.pt", models={"G": g2, "D": d2})
    _train(g2, d2, g_opt2, d_opt2, 3)  # fresh Adam moments
    assert not same_weights(g, g2)


def test_rng_not_restored_on_request(tmp_path):
    net = torch.nn.Linear(2, 1)
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "r.pt", models={"net": net}, step=0)
    a = torch.rand(3)
    load_checkpoint(tmp_path / "r.pt", models={"net": net}, restore_rng=False)
    assert not torch.equal(a, torch.rand(3))
    load_checkpoint(tmp_path / "r.pt", models={"net": net})
    assert torch.equal(a, torch.rand(3))


def _corrupt(tmp_path, transform):
    net = mlp(2, [16], 1)
    path = save_checkpoint(tmp_path / "c.pt", models={"net": net}, step=1)
    path.write_bytes(transform(path.read_bytes()))
    return path


def _flip_middle(raw):
    raw = bytearray(raw)
    for i in range(len(raw) // 2, len(raw) // 2 + 4):
        raw[i] ^= 0xFF
    return bytes(raw)


@pytest.mark.parametrize(
    "transform",
    [lambda raw: raw[: len(raw) // 2], lambda raw: raw[:100], lambda raw: b"", _flip_middle],
    ids=["truncated-half", "truncated-header", "empty", "flipped-bytes"],
)
def test_corrupted_or_truncated_file(tmp_path, transform):
    path = _corrupt(tmp_path, transform)
    net = mlp(2, [16], 1)
    before = [p.detach().clone() for p in net.parameters()]
    with pytest.raises(ValueError, match="not a valid tabgen checkpoint .corrupted or truncated"):
        load_checkpoint(path, models={"net": net})
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))


def test_plain_state_dict_is_not_a_checkpoint(tmp_path):
    torch.save(torch.nn.Linear(2, 1).state_dict(), tmp_path / "sd.pt")
    with pytest.raises(ValueError, match="format tag"):
        load_checkpoint(tmp_path / "sd.pt", models={"net": torch.nn.Linear(2, 1)})


class _Exploit:
    """Unpickling this object would create a file (a stand-in for running any code)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("writer", ["torch.save", "pickle.dump"])
def test_malicious_pickle_is_refused(tmp_path, writer):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    obj = {"format": "tabgen-checkpoint", "payload": _Exploit(marker)}
    if writer == "torch.save":
        torch.save(obj, path)
    else:
        with open(path, "wb") as fh:
            pickle.dump(obj, fh, protocol=2)
    assert not marker.exists()
    with pytest.raises(ValueError, match="not a valid tabgen checkpoint.*could run code"):
        load_checkpoint(path, models={"net": torch.nn.Linear(2, 1)})
    assert not marker.exists()


@pytest.mark.parametrize(
    ("outer", "message"),
    [
        ({"format": "tabgen-checkpoint", "version": 99}, "unknown format version"),
        ({"format": "tabgen-checkpoint", "version": 1}, "payload is missing"),
        (
            {
                "format": "tabgen-checkpoint",
                "version": 1,
                "sha256": hashlib.sha256(b"garbage").hexdigest(),
                "payload": torch.tensor(list(b"garbage"), dtype=torch.uint8),
            },
            "in the payload",
        ),
    ],
)
def test_forged_outer_containers(tmp_path, outer, message):
    torch.save(outer, tmp_path / "f.pt")
    with pytest.raises(ValueError, match=message):
        load_checkpoint(tmp_path / "f.pt", models={"net": torch.nn.Linear(1, 1)})


def test_the_exploit_is_real(tmp_path):
    """Sanity check of the test above: an unrestricted unpickler does run the code."""
    marker = tmp_path / "pwned"
    pickle.loads(pickle.dumps(_Exploit(marker))).close()
    assert marker.exists()


def test_mismatched_models_and_optimizers(tmp_path):
    g, d, g_opt, d_opt = _gan(0)
    models, opts = _named(g, d, g_opt, d_opt)
    path = save_checkpoint(tmp_path / "ck.pt", models=models, optimizers=opts, step=0)
    with pytest.raises(ValueError, match=r"'G', parameter '0.weight'.*\(8, 2\).*\(9, 2\)"):
        load_checkpoint(path, models={"G": mlp(2, [9], 1)})
    with pytest.raises(ValueError, match="missing keys"):
        load_checkpoint(path, models={"G": mlp(2, [8, 8], 1)})
    with pytest.raises(ValueError, match=r"no models named \['generator'\]"):
        load_checkpoint(path, models={"generator": mlp(2, [8], 1)})
    with pytest.raises(ValueError, match="no optimizers named"):
        load_checkpoint(path, models={"G": g}, optimizers={"opt": g_opt})
    two_groups = torch.optim.Adam([{"params": [g[0].weight]}, {"params": [g[0].bias]}])
    with pytest.raises(ValueError, match="Optimizer 'G' does not match"):
        load_checkpoint(path, models={"G": g}, optimizers={"G": two_groups})


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        load_checkpoint(tmp_path / "nope.pt", models={"net": torch.nn.Linear(1, 1)})
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_checkpoint(tmp_path / "no" / "x.pt", models={"net": torch.nn.Linear(1, 1)}, step=0)


def test_bad_types(tmp_path):
    net = torch.nn.Linear(1, 1)
    path = tmp_path / "x.pt"
    with pytest.raises(TypeError, match="path must be"):
        save_checkpoint(3, models={"net": net}, step=0)
    with pytest.raises(TypeError, match="models must be a dict"):
        save_checkpoint(path, models=net, step=0)
    with pytest.raises(ValueError, match="at least one"):
        save_checkpoint(path, models={}, step=0)
    with pytest.raises(TypeError, match=r"models\['net'\] must be a torch.nn"):
        save_checkpoint(path, models={"net": "weights"}, step=0)
    with pytest.raises(TypeError, match="names in models must be strings"):
        save_checkpoint(path, models={1: net}, step=0)
    with pytest.raises(TypeError, match="optimizers"):
        save_checkpoint(path, models={"net": net}, optimizers={"o": net}, step=0)
    with pytest.raises(TypeError, match="step must be an integer"):
        save_checkpoint(path, models={"net": net}, step=1.5)
    with pytest.raises(ValueError, match="non-negative"):
        save_checkpoint(path, models={"net": net}, step=-1)
    with pytest.raises(TypeError, match=r"extra\['a'\] is a ndarray"):
        save_checkpoint(path, models={"net": net}, step=0, extra={"a": np.zeros(2)})
    with pytest.raises(TypeError, match="key"):
        save_checkpoint(path, models={"net": net}, step=0, extra={(1, 2): 0})
    save_checkpoint(path, models={"net": net}, step=0, extra=[1, "a", (None, torch.ones(1))])
    with pytest.raises(TypeError, match="restore_rng"):
        load_checkpoint(path, models={"net": net}, restore_rng="yes")
    with pytest.raises(TypeError, match="must be a torch.nn.Module"):
        same_weights(net, "net")
    assert not same_weights(net, torch.nn.Linear(2, 1))
