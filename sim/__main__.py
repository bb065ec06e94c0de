"""`python -m sim [overrides]`: the default scenario, a Hydra app (sim.hydra.app)."""

from sim.hydra.app import console

if __name__ == "__main__":
    console()
