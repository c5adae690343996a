"""The kernel of the Colab simulation (tests/colab/simulate.py).

The simulation's kernelspec starts this file with the base environment's Python, in the
notebook's folder ``<run>/<chapter>/notebook``. It re-executes itself with the Python of
that chapter's own environment, ``<run>/<chapter>/env``, then imports the stand-in
``google.colab`` (the ``google`` folder next to this file), as Colab's kernel has it
imported, and starts IPython's kernel.
"""

import os
import sys
from pathlib import Path


def main() -> None:
    env = Path.cwd().parent / "env"
    if Path(sys.prefix).resolve() != env.resolve():
        python = str(env / "bin" / "python")
        os.execv(python, [python, *sys.argv])  # does not return
    import google.colab  # noqa: F401  (the stand-in: sys.path[0] is this file's folder)

    del sys.path[0]  # the notebook sees its environment and its own folder, not this one
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
