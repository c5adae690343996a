"""Stand-in for Colab's ``google.colab`` (see tests/colab/simulate.py).

Colab's kernel has ``google.colab`` imported before the first cell runs; the course's
setup cell asks only that (``"google.colab" in sys.modules``). There is deliberately no
``google/__init__.py``: ``google`` stays a namespace package, as it is in Colab, so
packages such as protobuf can still add their own ``google.*`` modules.
"""
