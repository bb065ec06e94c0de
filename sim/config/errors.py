"""The one error every bad input becomes: the key, the problem, and the file it came from."""

from __future__ import annotations


class ConfigError(ValueError):
    """A bad configuration value: `key` is its dotted path, `file` where it came from."""

    def __init__(self, key: str, problem: str, file: str | None = None):
        self.key, self.problem, self.file = key, problem, file
        where = f" ({file})" if file else ""
        super().__init__(f"{key}: {problem}{where}" if key else f"{problem}{where}")

    def in_file(self, file: str) -> ConfigError:
        return ConfigError(self.key, self.problem, file)
