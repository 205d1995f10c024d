"""pytest settings for running the chapters under nbval.

The notebooks' figures are stored as the PNGs that Jupyter's inline backend produces. A
``MPLBACKEND`` inherited from the shell (e.g. ``Agg`` on a headless machine) would replace that
backend in the kernels nbval starts, so figures would have no image output and every glued
figure would fail to compare. The kernels inherit this process's environment, so drop it here.
"""
import os

os.environ.pop("MPLBACKEND", None)
