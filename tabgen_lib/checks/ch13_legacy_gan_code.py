"""Checks of chapter 13 (appendix), *Running and modernising legacy GAN code*
(``notebooks/13_legacy_gan_code.ipynb``): what a checkpoint must hold, an exact resume, and
safe loading (:func:`check_load_weights`, the chapter's earlier exercise, kept for the
student notebooks that still call it)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import torch

from tabgen_lib.validation import forked_torch_rng

from ._core import _call, _fail, _own_rng, _passed

__all__ = ["check_checkpoint_state", "check_load_weights", "check_resume"]

_SIDE_EFFECTS: list[str] = []


def _record_side_effect(what: str) -> str:
    """Called only if a check's booby-trapped file is unpickled without ``weights_only``."""
    _SIDE_EFFECTS.append(what)
    return what


class _BoobyTrap:
    def __reduce__(self):
        return (_record_side_effect, ("code from the file ran",))


@_own_rng
def check_load_weights(load_weights: Callable) -> None:
    """Check ``load_weights(path) -> dict``: loads a saved state dict onto the CPU and
    refuses a file that would run code (``torch.load(..., weights_only=True)``).

    Examples
    --------
    >>> import torch
    >>> check_load_weights(lambda path: torch.load(path, map_location="cpu", weights_only=True))
    Correct! The state dict loads; the booby-trapped file was refused, unexecuted.
    """
    with tempfile.TemporaryDirectory() as tmp:
        honest, trap = Path(tmp) / "honest.pt", Path(tmp) / "trap.pt"
        net = torch.nn.Linear(3, 2)
        torch.save(net.state_dict(), honest)
        state = _call(load_weights, "load_weights", honest)
        if not isinstance(state, dict) or set(state) != {"weight", "bias"}:
            _fail("`load_weights` should return the state dict: {'weight': ..., 'bias': ...}.")
        for key, value in net.state_dict().items():
            if not isinstance(state[key], torch.Tensor) or not torch.equal(state[key], value):
                _fail(f"The loaded {key!r} differs from the saved one: return torch.load's result.")
            if state[key].device.type != "cpu":
                _fail("Load onto the CPU: pass map_location='cpu'.")
        torch.save({"weight": torch.ones(2), "bias": _BoobyTrap()}, trap)
        _SIDE_EFFECTS.clear()
        try:
            load_weights(trap)
        except NotImplementedError:
            _fail("`load_weights` is not implemented yet: replace the `...` and the `raise` line.")
        except Exception:  # noqa: BLE001 - refusing the file is the right answer
            if not _SIDE_EFFECTS:
                _passed("The state dict loads; the booby-trapped file was refused, unexecuted.")
                return
        _SIDE_EFFECTS.clear()
        _fail(
            "Loading the booby-trapped file ran code stored in it. Pass weights_only=True to "
            "torch.load so that only tensors and plain data are accepted."
        )


def _resume_setup(seed: int):
    with forked_torch_rng(seed):
        model = torch.nn.Sequential(
            torch.nn.Linear(3, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(16, 1)
        )
    return model, torch.optim.Adam(model.parameters(), lr=0.01)


def _resume_train(model, optimizer, steps: int) -> None:
    """``steps`` steps on fresh random batches, with dropout: both draw from the global
    generator, so a resumed run equals the uninterrupted one only with its random state."""
    model.train()
    for _ in range(steps):
        x = torch.randn(32, 3)
        loss = ((model(x) - x.sum(1, keepdim=True)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


@_own_rng
def check_resume(resume: Callable) -> None:
    """Check ``resume(path, model, optimizer) -> int`` for checkpoints saved as
    ``{"model": ..., "optimizer": ..., "step": ..., "rng": torch.get_rng_state()}``:
    continuing after it must equal an uninterrupted run exactly.

    Examples
    --------
    >>> import torch
    >>> def resume(path, model, optimizer):
    ...     state = torch.load(path, weights_only=True)
    ...     model.load_state_dict(state["model"])
    ...     optimizer.load_state_dict(state["optimizer"])
    ...     torch.set_rng_state(state["rng"])
    ...     return int(state["step"])
    >>> check_resume(resume)
    Correct! Model, optimizer and RNG restored: the resumed run equals the uninterrupted one.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ckpt.pt"
        with forked_torch_rng(0):  # the uninterrupted run: 10 steps
            ref, ref_opt = _resume_setup(1)
            _resume_train(ref, ref_opt, 10)
        with forked_torch_rng(0):  # the same run, saved after 5 steps
            model, opt = _resume_setup(1)
            _resume_train(model, opt, 5)
            rng = torch.get_rng_state()
        saved = {k: v.clone() for k, v in model.state_dict().items()}
        state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 5}
        torch.save({**state, "rng": rng}, path)
        with forked_torch_rng(123):  # the random state has moved on before the resume
            fresh, fresh_opt = _resume_setup(2)
            step = _call(resume, "resume", path, fresh, fresh_opt)
            if isinstance(step, bool) or not isinstance(step, int) or step != 5:
                _fail(f"`resume` should return the saved step as an int (5), got {step!r}.")
            if any(not torch.equal(v, saved[k]) for k, v in fresh.state_dict().items()):
                _fail("The model's weights were not restored: call model.load_state_dict(...).")
            if not fresh_opt.state:
                _fail(
                    "The optimizer's state was not restored: Adam's moment estimates start "
                    "again from zero. Call optimizer.load_state_dict(...)."
                )
            _resume_train(fresh, fresh_opt, 5)
    pairs = zip(fresh.parameters(), ref.parameters(), strict=True)
    if any(not torch.equal(a, b) for a, b in pairs):
        _fail(
            "Weights and optimizer are restored, but the continued run differs from the "
            "uninterrupted one: restore the random state with torch.set_rng_state(...)."
        )
    _passed("Model, optimizer and RNG restored: the resumed run equals the uninterrupted one.")


_PIECES = {
    "model": "the model's weights (model.state_dict())",
    "optimizer": "the optimizer's state (optimizer.state_dict()): Adam's moment estimates "
    "and step counts",
    "step": "the step counter",
    "rng": "PyTorch's random state (torch.get_rng_state()): the next batches and dropout masks",
}


@_own_rng
def check_checkpoint_state(checkpoint_state: Callable) -> None:
    """Check ``checkpoint_state(model, optimizer, step) -> dict``: everything an exact
    resume needs, as ``{"model": ..., "optimizer": ..., "step": ..., "rng": ...}``.

    The check trains a small network with dropout and Adam for 5 steps, saves your dict with
    ``torch.save``, loads it with ``torch.load(..., weights_only=True)`` into fresh objects
    after the random state has moved on, trains 5 more steps and compares the weights with
    an uninterrupted run of 10 steps, bit for bit.

    Examples
    --------
    >>> import torch
    >>> def checkpoint_state(model, optimizer, step):
    ...     return {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
    ...             "step": step, "rng": torch.get_rng_state()}
    >>> check_checkpoint_state(checkpoint_state)
    Correct! Weights, optimizer state, step and RNG: the resumed run equals the uninterrupted one.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ckpt.pt"
        with forked_torch_rng(0):  # the uninterrupted run: 10 steps
            ref, ref_opt = _resume_setup(1)
            _resume_train(ref, ref_opt, 10)
        with forked_torch_rng(0):  # the same run, checkpointed after 5 steps
            model, opt = _resume_setup(1)
            _resume_train(model, opt, 5)
            state = _call(checkpoint_state, "checkpoint_state", model, opt, 5)
            if not isinstance(state, dict):
                _fail(f"`checkpoint_state` should return a dict, got {type(state).__name__}.")
            missing = [key for key in _PIECES if key not in state]
            if missing:
                _fail(
                    "The checkpoint lacks "
                    + "; ".join(f"{key!r}: {_PIECES[key]}" for key in missing)
                    + ". Without it the resumed run is not the interrupted one."
                )
            torch.save(state, path)
        try:
            loaded = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # noqa: BLE001 - reported to the student
            _fail(
                "The checkpoint cannot be loaded with weights_only=True "
                f"({type(err).__name__}): store state dicts, tensors and numbers, not the "
                "model or optimizer objects themselves."
            )
        with forked_torch_rng(123):  # the random state has moved on before the resume
            fresh, fresh_opt = _resume_setup(2)
            try:
                fresh.load_state_dict(loaded["model"])
                fresh_opt.load_state_dict(loaded["optimizer"])
                torch.set_rng_state(loaded["rng"])
            except Exception as err:  # noqa: BLE001 - reported to the student
                _fail(
                    f"Restoring from your checkpoint failed ({type(err).__name__}: {err}). "
                    "Store model.state_dict(), optimizer.state_dict() and torch.get_rng_state()."
                )
            step = loaded["step"]
            if isinstance(step, bool) or not isinstance(step, int) or step != 5:
                _fail(f"'step' should be the step you were given (5), got {step!r}.")
            _resume_train(fresh, fresh_opt, 5)
    pairs = zip(fresh.parameters(), ref.parameters(), strict=True)
    if any(not torch.equal(a, b) for a, b in pairs):
        _fail(
            "The resumed run differs from the uninterrupted one: save the state at the moment "
            "of the checkpoint (state dicts of this model and optimizer, torch.get_rng_state())."
        )
    _passed("Weights, optimizer state, step and RNG: the resumed run equals the uninterrupted one.")
