"""Figures from tables, never from models: each function takes a table and returns a Figure.

One module per family of figures: a run's (`run`), a comparison of jobs (`comparison`), the
calibration's (`calibration`), a sensitivity study's (`sensitivity`) and the countries' network
(`network`); `caption` holds what they share, the line under each figure. Importing any of them
first runs this package, which chooses the file backend for all.
"""

import matplotlib

matplotlib.use("Agg")  # files, not windows: runs headless and in workers
