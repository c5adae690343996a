"""Save and resume training safely: models, optimizers, step counter and random states.

A checkpoint written by :func:`save_checkpoint` holds everything an exact resume needs:

- the ``state_dict`` of every model and every optimizer (Adam's moment estimates too);
- the step counter and any small ``extra`` data (a loss history, a config);
- the states of the global random generators (PyTorch CPU and CUDA, NumPy, Python's
  ``random``), so that the noise and batches drawn after a resume are the ones an
  uninterrupted run would have drawn.

:func:`load_checkpoint` reads it back with ``torch.load(..., weights_only=True)``: the
file is unpickled with an allow-list of plain types (tensors, numbers, strings, lists,
dicts), so a file that was tampered with cannot run code. The payload also carries a
SHA-256 digest, so a truncated or corrupted file fails with a clear :class:`ValueError`
instead of loading silently wrong numbers.

- :func:`save_checkpoint`, :func:`load_checkpoint` -- write and restore a training state
- :func:`same_weights` -- whether two models hold bit-identical parameters and buffers
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import random
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn

__all__ = ["FORMAT", "load_checkpoint", "read_checkpoint", "same_weights", "save_checkpoint"]

#: The format tag written into every checkpoint (a file without it is refused).
FORMAT = "tabgen-checkpoint"
_VERSION = 1
_PLAIN = (str, int, float, bool, type(None), torch.Tensor)


# ------------------------------------------------------------------------------ helpers


def _as_path(path, name: str = "path") -> Path:
    if isinstance(path, bool) or not isinstance(path, str | os.PathLike):
        raise TypeError(f"{name} must be a str or a pathlib.Path, got {type(path).__name__}.")
    return Path(path)


def _check_named(objects, name: str, cls: type, required: bool) -> dict:
    if objects is None and not required:
        return {}
    if not isinstance(objects, Mapping):
        raise TypeError(
            f"{name} must be a dict of name -> {cls.__name__}, e.g. "
            f"{{'generator': G}}, got {type(objects).__name__}."
        )
    if required and not objects:
        raise ValueError(f"{name} must name at least one {cls.__name__}.")
    for key, obj in objects.items():
        if not isinstance(key, str):
            raise TypeError(f"The names in {name} must be strings, got {key!r}.")
        if not isinstance(obj, cls):
            raise TypeError(
                f"{name}[{key!r}] must be a {cls.__module__}.{cls.__name__}, "
                f"got {type(obj).__name__}."
            )
    return dict(objects)


def _check_plain(value, where: str = "extra") -> None:
    """``extra`` must survive ``weights_only=True``: plain data and tensors only."""
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str | int):
                raise TypeError(f"{where} has a key {key!r}: use strings or integers as keys.")
            _check_plain(item, f"{where}[{key!r}]")
        return
    raise TypeError(
        f"{where} is a {type(value).__name__}; a checkpoint's extra data may only hold "
        "numbers, strings, booleans, None, tensors, and lists/tuples/dicts of them "
        "(convert NumPy arrays with torch.as_tensor or .tolist())."
    )


def _rng_states() -> dict:
    np_state = np.random.get_state(legacy=False)
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {
            "key": torch.as_tensor(np_state["state"]["key"].astype(np.int64)),
            "pos": int(np_state["state"]["pos"]),
            "has_gauss": int(np_state["has_gauss"]),
            "gauss": float(np_state["gauss"]),
        },
        "python": {"state": list(random.getstate()[1]), "gauss_next": random.getstate()[2]},
    }


def _set_rng_states(states: dict) -> None:
    torch.set_rng_state(states["torch"])
    if states["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    npy = states["numpy"]
    np.random.set_state(
        {
            "bit_generator": "MT19937",
            "state": {"key": npy["key"].numpy().astype(np.uint32), "pos": npy["pos"]},
            "has_gauss": npy["has_gauss"],
            "gauss": npy["gauss"],
        }
    )
    py = states["python"]
    random.setstate((3, tuple(py["state"]), py["gauss_next"]))


def _invalid(path: Path, reason: str) -> ValueError:
    return ValueError(
        f"{path} is not a valid tabgen checkpoint (corrupted or truncated?): {reason}. "
        "Delete it and resume from an earlier checkpoint, or train again."
    )


def _reason(err: Exception) -> str:
    """A one-line account of why torch.load failed (its own messages span many lines)."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(err).splitlines()]
    lines = [line for line in lines if line]
    if isinstance(err, pickle.UnpicklingError):
        detail = next((line for line in lines if "Unsupported global" in line), "")
        return (
            "it holds pickled objects other than tensors and plain data, which are refused "
            f"because loading them could run code ({detail or 'weights_only=True'})"
        )
    detail = f"{type(err).__name__}: {lines[0]}" if lines else type(err).__name__
    return f"it cannot be read as a PyTorch file ({detail})"


def _match_model(name: str, model: nn.Module, state: Mapping) -> None:
    """Raise a ValueError naming the first difference between a model and a saved state."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    if missing or unexpected:
        raise ValueError(
            f"The checkpoint's model {name!r} does not match the model you passed: "
            f"missing keys {missing}, unexpected keys {unexpected}. "
            "Build the model with the same architecture as when it was saved."
        )
    for key, tensor in own.items():
        saved = state[key]
        if not isinstance(saved, torch.Tensor) or saved.shape != tensor.shape:
            got = tuple(saved.shape) if isinstance(saved, torch.Tensor) else type(saved).__name__
            raise ValueError(
                f"Model {name!r}, parameter {key!r}: the checkpoint has shape {got}, "
                f"the model {tuple(tensor.shape)}. Build the model with the same sizes "
                "as when it was saved."
            )


# ------------------------------------------------------------------------------ public


def save_checkpoint(
    path,
    *,
    models: Mapping[str, nn.Module],
    optimizers: Mapping[str, torch.optim.Optimizer] | None = None,
    step: int,
    extra=None,
) -> Path:
    """Write a training state to ``path`` (atomically: a crash never leaves half a file).

    Parameters
    ----------
    path : str or Path
        Where to write; the parent folder must exist. An existing file is replaced.
    models : dict of str -> nn.Module
        The networks, by name (e.g. ``{"generator": G, "discriminator": D}``).
    optimizers : dict of str -> Optimizer, optional
        Their optimizers, by name; needed for an exact resume with Adam or momentum.
    step : int
        How many training steps have been done (non-negative).
    extra : optional
        Small plain data to keep alongside: numbers, strings, tensors, and lists or
        dicts of them (e.g. the loss history).

    Returns
    -------
    Path
        The path written.

    Examples
    --------
    >>> import tempfile, torch
    >>> from tabgen_lib.models import mlp
    >>> net = mlp(2, [4], 1)
    >>> opt = torch.optim.Adam(net.parameters())
    >>> path = tempfile.mkdtemp() + "/ckpt.pt"
    >>> _ = save_checkpoint(path, models={"net": net}, optimizers={"opt": opt}, step=3)
    >>> load_checkpoint(path, models={"net": mlp(2, [4], 1)})["step"]
    3
    """
    path = _as_path(path)
    models = _check_named(models, "models", nn.Module, required=True)
    optimizers = _check_named(optimizers, "optimizers", torch.optim.Optimizer, required=False)
    if isinstance(step, bool) or not isinstance(step, int | np.integer):
        raise TypeError(f"step must be an integer, got {type(step).__name__}.")
    if step < 0:
        raise ValueError(f"step must be non-negative, got {step}.")
    _check_plain(extra)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"The folder {path.parent} does not exist: create it first.")

    payload = {
        "step": int(step),
        "models": {k: m.state_dict() for k, m in models.items()},
        "optimizers": {k: o.state_dict() for k, o in optimizers.items()},
        "rng": _rng_states(),
        "extra": extra,
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    outer = {
        "format": FORMAT,
        "version": _VERSION,
        "sha256": hashlib.sha256(data).hexdigest(),
        "payload": torch.frombuffer(bytearray(data), dtype=torch.uint8),
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(outer, tmp)
    os.replace(tmp, path)
    return path


def _read(path: Path) -> dict:
    """Load and verify a checkpoint file; any problem becomes a ValueError."""
    try:
        outer = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - every failure means "not a valid checkpoint"
        raise _invalid(path, _reason(err)) from err
    if not isinstance(outer, dict) or outer.get("format") != FORMAT:
        raise _invalid(path, "it does not carry the tabgen checkpoint format tag")
    if outer.get("version") != _VERSION:
        raise _invalid(path, f"unknown format version {outer.get('version')!r}")
    blob = outer.get("payload")
    if not isinstance(blob, torch.Tensor) or blob.dtype != torch.uint8:
        raise _invalid(path, "the payload is missing")
    data = blob.numpy().tobytes()
    if hashlib.sha256(data).hexdigest() != outer.get("sha256"):
        raise _invalid(path, "its SHA-256 checksum does not match its content")
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - only reachable with a forged checksum
        raise _invalid(path, f"{type(err).__name__} in the payload") from err


def load_checkpoint(
    path,
    *,
    models: Mapping[str, nn.Module],
    optimizers: Mapping[str, torch.optim.Optimizer] | None = None,
    restore_rng: bool = True,
) -> dict:
    """Restore a state written by :func:`save_checkpoint` into existing models/optimizers.

    The file is verified (format tag, checksum, no pickled code) and every model is
    compared with its saved state *before* anything is changed, so a failed load leaves
    your objects as they were.

    Parameters
    ----------
    path : str or Path
        The checkpoint file.
    models : dict of str -> nn.Module
        Freshly built models with the same architecture and names as when saving.
    optimizers : dict of str -> Optimizer, optional
        Optimizers over those models' parameters, by the names used when saving.
    restore_rng : bool
        Also restore the global random states (needed for an exact resume).

    Returns
    -------
    dict
        ``{"step": int, "extra": ...}`` as given to :func:`save_checkpoint`.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        The file is not a valid checkpoint (corrupted, truncated, or holding anything
        but plain data), or it does not match the models/optimizers given.
    TypeError
        An argument has the wrong type.

    Examples
    --------
    >>> import tempfile, torch
    >>> net = torch.nn.Linear(3, 1)
    >>> path = tempfile.mkdtemp() + "/net.pt"
    >>> _ = save_checkpoint(path, models={"net": net}, step=10, extra={"loss": [0.5, 0.2]})
    >>> fresh = torch.nn.Linear(3, 1)
    >>> load_checkpoint(path, models={"net": fresh})
    {'step': 10, 'extra': {'loss': [0.5, 0.2]}}
    >>> same_weights(net, fresh)
    True
    """
    path = _as_path(path)
    models = _check_named(models, "models", nn.Module, required=True)
    optimizers = _check_named(optimizers, "optimizers", torch.optim.Optimizer, required=False)
    if not isinstance(restore_rng, bool):
        raise TypeError(f"restore_rng must be True or False, got {restore_rng!r}.")
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path.resolve()}.")
    state = _read(path)

    for kind, given in (("models", models), ("optimizers", optimizers)):
        saved = set(state[kind])
        if set(given) - saved:
            raise ValueError(
                f"The checkpoint has no {kind} named {sorted(set(given) - saved)}; "
                f"it holds {sorted(saved)}."
            )
    for name, model in models.items():
        _match_model(name, model, state["models"][name])
    for name, opt in optimizers.items():
        saved_groups = state["optimizers"][name]["param_groups"]
        sizes = [len(g["params"]) for g in opt.param_groups]
        if [len(g["params"]) for g in saved_groups] != sizes:
            raise ValueError(
                f"Optimizer {name!r} does not match the checkpoint: it has parameter groups "
                f"of sizes {sizes}, the checkpoint "
                f"{[len(g['params']) for g in saved_groups]}. Build it over the same model."
            )

    for name, model in models.items():
        model.load_state_dict(state["models"][name])
    for name, opt in optimizers.items():
        opt.load_state_dict(state["optimizers"][name])
    if restore_rng:
        _set_rng_states(state["rng"])
    return {"step": state["step"], "extra": state["extra"]}


def read_checkpoint(path) -> dict:
    """Verify a checkpoint and return its ``{"step": int, "extra": ...}`` without loading weights.

    Useful when the architecture to build is described in ``extra`` (read it first, build
    the models, then call :func:`load_checkpoint`).

    Examples
    --------
    >>> import tempfile, torch
    >>> path = tempfile.mkdtemp() + "/net.pt"
    >>> _ = save_checkpoint(path, models={"net": torch.nn.Linear(2, 1)}, step=1, extra={"width": 2})
    >>> read_checkpoint(path)
    {'step': 1, 'extra': {'width': 2}}
    """
    path = _as_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path.resolve()}.")
    state = _read(path)
    return {"step": state["step"], "extra": state["extra"]}


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    """Whether two models have the same parameter and buffer names and bit-identical values.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0); a = torch.nn.Linear(2, 1)
    >>> _ = torch.manual_seed(0); b = torch.nn.Linear(2, 1)
    >>> same_weights(a, b), same_weights(a, torch.nn.Linear(2, 1))
    (True, False)
    """
    for name, model in (("a", a), ("b", b)):
        if not isinstance(model, nn.Module):
            raise TypeError(f"{name} must be a torch.nn.Module, got {type(model).__name__}.")
    sa, sb = a.state_dict(), b.state_dict()
    if sa.keys() != sb.keys():
        return False
    return all(sa[k].shape == sb[k].shape and torch.equal(sa[k].cpu(), sb[k].cpu()) for k in sa)
