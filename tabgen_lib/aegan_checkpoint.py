"""Save a fitted latent generator (:class:`~tabgen_lib.aegan.AEGAN`,
:class:`~tabgen_lib.latent_gmm.AEGMM`, :class:`~tabgen_lib.latent_diffusion.AEDiffusion`)
to one file, and load it back.

The file is a :func:`tabgen_lib.checkpoints.save_checkpoint` checkpoint: the weights of the
model's networks, and as plain data (lists, numbers, text, tensors -- nothing that runs code
when read with ``torch.load(weights_only=True)``) the model's ``get_params()``, the
transformer's state, the labels, the history, the latent model's own numbers (a mixture's
means and covariances), the fingerprints of the training rows (the copy filter's,
:mod:`tabgen_lib.copy_filter`) and the state of ``sample_rng_``. A loaded model therefore samples
exactly the rows the saved one would have sampled next.

Examples
--------
>>> import tempfile, numpy as np, pandas as pd
>>> from tabgen_lib.aegan import AEGAN
>>> table = pd.DataFrame({"x": np.arange(40.0), "c": ["a", "b"] * 20})
>>> model = AEGAN(ae_hidden=[8], gan_hidden=[8], ae_steps=2, gan_steps=2, batch_size=16,
...               random_state=0, verbose=False).fit(table, ["c"])
>>> path = save_aegan(model, Path(tempfile.mkdtemp()) / "model.pt")
>>> loaded = load_aegan(AEGAN, path, device="cpu")
>>> loaded.sample(3).equals(model.sample(3))
True
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from .checkpoints import load_checkpoint, read_checkpoint, save_checkpoint
from .runtime import get_device
from .transforms import TabularTransformer, _dtype_from_state, _dtype_state
from .validation import check_fitted, forked_torch_rng

__all__ = ["load_aegan", "load_latent_model", "save_aegan", "save_latent_model"]


def save_latent_model(model, path) -> Path:
    """Write the fitted ``model`` to ``path`` (``model.save(path)``); returns the path.

    Weights and plain data only, no pickled code; the ``device`` parameter is stored as text.
    """
    check_fitted(model, "sample_rng_")
    params = model.get_params()
    params["device"] = None if model.device is None else str(model.device)
    dtype = model.label_dtype_
    extra = {
        "kind": type(model).__name__,
        "params": params,
        "transformer": model.transformer_.get_state(),
        "columns": list(model.columns_),
        "labels": list(model.labels_),
        "label_dtype": None if dtype is None else _dtype_state(dtype),
        "label_freq": model.label_freq_.tolist(),
        "history": {k: list(v) for k, v in model.history_.items()},
        "sample_rng": model.sample_rng_.get_state(),
        "latent_range": [model.latent_low_.cpu(), model.latent_high_.cpu()],
        "ae_best_step": model.ae_best_step_,
        "latent": model._latent_state(),
        "copy_fingerprints": _fingerprints_out(model.copy_fingerprints_),
        "copies_rejected": int(model.copies_rejected_),
    }
    return save_checkpoint(path, models=model._networks(), step=model.ae_best_step_, extra=extra)


def _fingerprints_out(fingerprints):
    # uint64 -> int64 bits: a tensor, which torch.load(weights_only=True) reads back
    return None if fingerprints is None else torch.from_numpy(fingerprints.view(np.int64).copy())


def _restore_copy_filter(model, extra: dict, path) -> None:
    """The fingerprints of the training rows; a file saved before the filter has none."""
    if "copy_fingerprints" not in extra:
        warnings.warn(
            f"{path} was saved by a version of tabgen_lib without the copy filter: it keeps no "
            "fingerprints of its training rows, so it samples with reject_copies=False. Fit "
            "and save the model again to filter copies.",
            UserWarning,
            stacklevel=3,
        )
        model.reject_copies = False
        model.copy_fingerprints_, model.copies_rejected_ = None, 0
        return
    fingerprints = extra["copy_fingerprints"]
    if fingerprints is not None:
        fingerprints = fingerprints.numpy().view(np.uint64).copy()
    model.copy_fingerprints_ = fingerprints
    model.copies_rejected_ = int(extra["copies_rejected"])


def load_latent_model(cls, path, device=None):
    """An instance of ``cls`` read from ``path`` (``cls.load(path, device=None)``); it
    samples on where the saved model stopped.

    ``device`` (``"cpu"``, ``"cuda"``, a :class:`torch.device` or ``None`` for
    :func:`tabgen_lib.get_device`'s choice) is where the loaded model runs. A file that is
    not a checkpoint of a ``cls`` model, or one written by an incompatible version, raises a
    :class:`ValueError`; the caller's random state is left as it was.
    """
    extra = read_checkpoint(path)["extra"]
    if not isinstance(extra, dict) or extra.get("kind") != cls.__name__:
        raise ValueError(f"{path} is a checkpoint, but not of an {cls.__name__} model.")
    resolved = get_device(device)
    try:
        model = cls(**{**extra["params"], "device": device})
        model.device_ = resolved
        model.transformer_ = TabularTransformer.from_state(extra["transformer"])
        model.columns_ = list(extra["columns"])
        model.labels_ = list(extra["labels"])
        dtype = extra["label_dtype"]
        model.label_dtype_ = None if dtype is None else _dtype_from_state(dtype)
        model.label_freq_ = torch.tensor(extra["label_freq"], dtype=torch.float32)
        model.history_ = {k: list(v) for k, v in extra["history"].items()}
        low, high = extra["latent_range"]
        model.latent_low_, model.latent_high_ = low.to(resolved), high.to(resolved)
        model.ae_best_step_ = extra["ae_best_step"]
        model._set_latent_state(extra["latent"])
        _restore_copy_filter(model, extra, path)
        with forked_torch_rng(0, resolved):  # initial weights, overwritten below
            model._build()
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(
            f"{path} holds an {cls.__name__} saved by an incompatible version of tabgen_lib "
            f"({type(err).__name__}: {err}); fit and save the model again."
        ) from err
    load_checkpoint(path, models=model._networks(), restore_rng=False)
    for net in model._networks().values():
        net.eval()
    for p in model.autoencoder_.parameters():
        p.requires_grad_(False)
    model.sample_rng_ = torch.Generator()
    model.sample_rng_.set_state(extra["sample_rng"])
    return model


# old names, kept for existing code
save_aegan = save_latent_model
load_aegan = load_latent_model
