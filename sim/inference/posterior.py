"""The posterior of the fitted parameters: emcee's ensemble sampler on the exact log-posterior.

The log-posterior is the one the fit maximises (sim.inference.fit.Problem): the event-history
likelihood of the record plus each parameter's weak normal prior on its free scale. emcee's
affine-invariant ensemble sampler (Foreman-Mackey et al. 2013, PASP 125) moves walkers with a mix
of differential-evolution proposals (ter Braak 2006; ter Braak & Vrugt 2008), which suit the
curved, correlated posterior of a weight and a threshold. The walkers start in a small ball
around the mode; the first `burn` steps are dropped. ArviZ (Martins et al.) gives the
diagnostics, treating each walker as a chain: rank-normalised split R-hat and the bulk effective
sample size (Vehtari et al. 2021, Bayesian Analysis 16(2)).

Evaluations run in two processes when the machine has two cores: each worker is started fresh
(spawn: forking a process that runs numba's threads may deadlock) and receives the problem
once; each move sends each worker half of the walkers' positions in one message.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass

import arviz
import emcee
import numpy as np
import pandas as pd

from sim.config.errors import ConfigError
from sim.config.validate import between
from sim.inference.fit import Problem, from_free, to_free

_PROBLEM: Problem | None = None  # the problem of this process (set in each worker at its start)
KEPT_STEPS = 200  # steps of every walker kept in the draws table (thinned evenly): ~10,000 draws


@dataclass(frozen=True)
class SamplerConfig:
    walkers: int = dataclasses.field(default=48, metadata=between(4, 10_000))
    steps: int = dataclasses.field(default=3000, metadata=between(2, 1_000_000))
    burn: int = dataclasses.field(default=1000, metadata=between(0, 1_000_000))
    seed: int = dataclasses.field(default=0, metadata=between(0, 2**63 - 1))

    def __post_init__(self):
        if self.burn >= self.steps:
            raise ConfigError(
                "posterior.burn", f"expected fewer than steps ({self.steps}), got {self.burn}"
            )


@dataclass(frozen=True)
class Posterior:
    names: list[str]
    draws: pd.DataFrame  # walker, step, then each parameter on its natural scale
    rhat: dict[str, float]
    ess: dict[str, float]
    acceptance: float
    seconds: float
    prior_sd: float
    steps: int  # kept after burn-in, before thinning

    def summary(self) -> pd.DataFrame:
        """Median and 90% / 95% intervals of each parameter, with its diagnostics."""
        rows = []
        for name in self.names:
            x = self.draws[name].to_numpy()
            q = np.quantile(x, [0.025, 0.05, 0.5, 0.95, 0.975])
            rows.append(
                {
                    "parameter": name,
                    "median": q[2],
                    "low95": q[0],
                    "low90": q[1],
                    "high90": q[3],
                    "high95": q[4],
                    "rhat": self.rhat[name],
                    "ess_bulk": self.ess[name],
                }
            )
        return pd.DataFrame(rows)


def _log_posteriors(zs: np.ndarray) -> np.ndarray:
    return np.array([_PROBLEM.log_posterior(z) for z in zs])


class _Split:
    """The log-posteriors of a batch of walkers, the batch split evenly across the pool's
    processes: one message each way per process and move, not one per walker."""

    def __init__(self, pool, processes: int):
        self.pool, self.processes = pool, processes

    def __call__(self, zs: np.ndarray) -> np.ndarray:
        if self.pool is None:
            return _log_posteriors(zs)
        return np.concatenate(self.pool.map(_log_posteriors, np.array_split(zs, self.processes)))


def _set_problem(problem: Problem) -> None:
    global _PROBLEM
    _PROBLEM = problem


def _start_worker(problem: Problem) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    _set_problem(problem)


def sample(
    problem: Problem, start: dict[str, float], settings: SamplerConfig, watch=None
) -> Posterior:
    """Sample the posterior of `problem` from walkers around `start` (the mode, natural scale);
    `watch("posterior steps", done, total)` is told every 100 steps."""
    _set_problem(problem)
    rng = np.random.default_rng(settings.seed)
    centre = np.array([to_free(n, start[n]) for n in problem.names])
    ball = centre + 1e-2 * problem.prior_sd * rng.standard_normal((settings.walkers, len(centre)))
    lows, highs = np.array(problem.bounds).T
    ball = np.clip(ball, lows + 1e-6, highs - 1e-6)
    moves = [(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)]
    began = time.perf_counter()
    processes = min(os.cpu_count() or 1, 2)
    context = multiprocessing.get_context("spawn")
    pool_of = lambda: context.Pool(processes, initializer=_start_worker, initargs=(problem,))
    with pool_of() if processes > 1 else _NoPool() as pool:
        sampler = emcee.EnsembleSampler(
            settings.walkers, len(centre), _Split(pool, processes), moves=moves, vectorize=True
        )
        sampler.random_state = np.random.RandomState(settings.seed).get_state()
        for step, _ in enumerate(sampler.sample(ball, iterations=settings.steps), start=1):
            if watch is not None and (step % 100 == 0 or step == settings.steps):
                watch("posterior steps", step, settings.steps)
    seconds = time.perf_counter() - began
    chain = sampler.get_chain(discard=settings.burn)  # (steps, walkers, parameters), free scale
    natural = np.vectorize(lambda j, z: from_free(problem.names[j], z))(
        np.arange(len(centre))[None, None, :], chain
    )
    thin = max(
        len(natural) // KEPT_STEPS, 1
    )  # the diagnostics read every step; the table keeps fewer
    return Posterior(
        names=list(problem.names),
        draws=_table(natural[::thin], problem.names, settings.burn, thin),
        **_diagnostics(natural, problem.names),
        acceptance=float(np.mean(sampler.acceptance_fraction)),
        seconds=seconds,
        prior_sd=problem.prior_sd,
        steps=len(natural),
    )


def _table(natural: np.ndarray, names: list[str], burn: int, thin: int) -> pd.DataFrame:
    steps, walkers, _ = natural.shape
    table = pd.DataFrame(natural.reshape(steps * walkers, -1), columns=names)
    table.insert(0, "step", np.repeat(burn + thin * np.arange(steps), walkers))
    table.insert(0, "walker", np.tile(np.arange(walkers), steps))
    return table


def _diagnostics(natural: np.ndarray, names: list[str]) -> dict:
    """ArviZ's R-hat and bulk ESS per parameter, each walker a chain."""
    data = arviz.from_dict({"posterior": {n: natural[:, :, j].T for j, n in enumerate(names)}})
    rhat, ess = arviz.rhat(data), arviz.ess(data, method="bulk")  # DataTrees of the posterior group
    return {
        "rhat": {n: float(rhat[n].values) for n in names},
        "ess": {n: float(ess[n].values) for n in names},
    }


class _NoPool:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
