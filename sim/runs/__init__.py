"""One run end to end, with no Hydra: a config through the engines to tables (runner), what it
writes and prints (write), and long work that can be seen and stopped (progress)."""
