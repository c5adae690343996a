"""Exercise checks of chapter 13 (appendix: legacy GAN code): safe loading and exact resume."""

import pickle

import pytest
import torch

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError
from tabgen_lib.checks.ch13_legacy_gan_code import _SIDE_EFFECTS

from ._checks_helpers import assert_keeps_random_state, stub


def _resume(path, model, optimizer):
    state = torch.load(path, weights_only=True)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["rng"])
    return int(state["step"])


def test_check_load_weights():
    checks.check_load_weights(lambda p: torch.load(p, map_location="cpu", weights_only=True))
    with pytest.raises(ExerciseCheckError, match="ran code stored in it"):
        checks.check_load_weights(lambda p: torch.load(p, weights_only=False))
    assert not _SIDE_EFFECTS  # the check cleans up after a failure

    def unpickle(path):
        with open(path, "rb") as fh:
            return pickle.load(fh)

    with pytest.raises(ExerciseCheckError, match="raised"):
        checks.check_load_weights(unpickle)  # torch.save files are zip archives, not pickles
    with pytest.raises(ExerciseCheckError, match="should return the state dict"):
        checks.check_load_weights(lambda p: torch.nn.Linear(3, 2))
    with pytest.raises(ExerciseCheckError, match="differs from the saved one"):
        checks.check_load_weights(
            lambda p: {k: v + 1 for k, v in torch.load(p, weights_only=True).items()}
        )
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_load_weights(stub)


def test_check_load_weights_reports_stub_only_in_trap_call():
    calls = []

    def loads_once(path):
        calls.append(path)
        if len(calls) == 2:
            raise NotImplementedError
        return torch.load(path, weights_only=True)

    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_load_weights(loads_once)


def test_check_load_weights_requires_cpu():
    class FakeTensor(torch.Tensor):
        @property
        def device(self):
            return torch.device("meta")

    def to_fake(path):
        return {k: v.as_subclass(FakeTensor) for k, v in torch.load(path).items()}

    with pytest.raises(ExerciseCheckError, match="map_location='cpu'"):
        checks.check_load_weights(to_fake)


def test_check_resume():
    before = torch.get_rng_state()
    checks.check_resume(_resume)
    assert torch.equal(before, torch.get_rng_state())  # the check leaves the RNG alone


def _without(skip):
    def resume(path, model, optimizer):
        state = torch.load(path, weights_only=True)
        if skip != "model":
            model.load_state_dict(state["model"])
        if skip != "optimizer":
            optimizer.load_state_dict(state["optimizer"])
        if skip != "rng":
            torch.set_rng_state(state["rng"])
        return None if skip == "step" else int(state["step"])

    return resume


@pytest.mark.parametrize(
    ("skip", "message"),
    [
        ("model", "weights were not restored"),
        ("optimizer", "optimizer's state was not restored"),
        ("rng", "torch.set_rng_state"),
        ("step", "saved step as an int"),
    ],
)
def test_check_resume_finds_what_is_missing(skip, message):
    with pytest.raises(ExerciseCheckError, match=message):
        checks.check_resume(_without(skip))


def test_check_resume_stub():
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_resume(stub)


def _checkpoint_state(model, optimizer, step):
    return {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "step": step,
        "rng": torch.get_rng_state(),
    }


def test_check_checkpoint_state(capsys):
    checks.check_checkpoint_state(_checkpoint_state)
    assert capsys.readouterr().out.startswith("Correct! Weights, optimizer state, step and RNG")


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        ("optimizer", "lacks 'optimizer': the optimizer's state"),
        ("rng", "lacks 'rng': PyTorch's random state"),
        ("model", "lacks 'model'"),
        ("step", "lacks 'step'"),
    ],
)
def test_check_checkpoint_state_names_what_is_missing(drop, message):
    def incomplete(model, optimizer, step):
        state = _checkpoint_state(model, optimizer, step)
        del state[drop]
        return state

    with pytest.raises(ExerciseCheckError, match=message):
        checks.check_checkpoint_state(incomplete)


def test_check_checkpoint_state_finds_wrong_contents():
    with pytest.raises(ExerciseCheckError, match="weights_only=True"):
        checks.check_checkpoint_state(
            lambda m, o, s: {**_checkpoint_state(m, o, s), "model": m}  # the object itself
        )
    with pytest.raises(ExerciseCheckError, match="Restoring from your checkpoint failed"):
        checks.check_checkpoint_state(
            lambda m, o, s: {**_checkpoint_state(m, o, s), "rng": torch.zeros(3)}
        )
    with pytest.raises(ExerciseCheckError, match="should be the step you were given"):
        checks.check_checkpoint_state(lambda m, o, s: {**_checkpoint_state(m, o, s), "step": 0})
    stale_rng = torch.get_rng_state()  # a random state from another moment
    with pytest.raises(ExerciseCheckError, match="resumed run differs"):
        checks.check_checkpoint_state(
            lambda m, o, s: {**_checkpoint_state(m, o, s), "rng": stale_rng}
        )
    with pytest.raises(ExerciseCheckError, match="should return a dict"):
        checks.check_checkpoint_state(lambda m, o, s: [m, o, s])
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_checkpoint_state(stub)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_load_weights(lambda p: torch.load(p, map_location="cpu", weights_only=True))
        checks.check_resume(_resume)  # seeds its runs; the student's answer sets the state
        checks.check_checkpoint_state(_checkpoint_state)

    assert_keeps_random_state(monkeypatch, run)
