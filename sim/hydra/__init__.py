"""Everything that touches Hydra: composing configs (configs), each sweep job's config (jobs),
bad input before a run starts (preflight), the batch sweeper and launcher, the comparison
callback, and the one module that reaches into Hydra's internals (compat)."""
