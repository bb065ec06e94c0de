"""The commands, one module each: `python -m sim.NAME` (calibrate, structures, compare, condition, discover,
optimize, sensitivity, bench). `python -m sim` itself is sim/__main__.py."""
