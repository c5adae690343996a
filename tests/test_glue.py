"""tabgen_lib.notebook.glue writes myst-nb's glue record, with or without myst-nb."""

import IPython
import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell

from tabgen_lib import notebook


@pytest.fixture
def shown(monkeypatch):
    """Every display call, as (bundle, metadata), in a stand-in kernel."""
    calls = []
    shell = InteractiveShell.instance()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)

    def display(bundle, raw=False, metadata=None):
        assert raw
        calls.append((bundle, metadata))

    monkeypatch.setattr("IPython.display.display", display)
    monkeypatch.setattr("myst_nb.ext.glue.ipy_display", display)
    return calls


@pytest.mark.parametrize("value", [0.25, 42, "text", [1, 2]])
@pytest.mark.parametrize("display", [False, True])
def test_glue_writes_what_myst_nb_writes(shown, value, display):
    from myst_nb import glue as myst_glue

    assert notebook.glue("x", value, display=display) == value
    myst_glue("x", value, display=display)
    ours, theirs = shown
    assert ours == theirs
    bundle, metadata = ours
    assert metadata["scrapbook"] == {
        "name": "x",
        "mime_prefix": "" if display else notebook.GLUE_PREFIX,
    }
    assert bundle[("" if display else notebook.GLUE_PREFIX) + "text/plain"] == repr(value)


def test_glue_stores_numpy_scalars_as_plain_numbers(shown):
    assert type(notebook.glue("share", np.float64(0.5))) is float
    assert shown[0][0][notebook.GLUE_PREFIX + "text/plain"] == "0.5"


def test_glue_outside_a_kernel_only_returns(monkeypatch):
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    called = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: called.append(a))
    assert notebook.glue("x", 1) == 1 and called == []
