# Two commands for a fresh machine: `make run` (the default scenario) and `make test`.
# Each creates .venv with Python 3.12 (Mesa 3.5 needs it) and installs the project on first use.

PY312 := $(shell for p in python3.12 $(HOME)/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	$$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: run test viz install clean format

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PY312)" || { echo "error: Python 3.12 not found (Mesa 3.5 needs it); install python3.12" >&2; exit 2; }
	$(PY312) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -c constraints.txt -e ".[test]"
	$(VENV)/bin/python -c "from sim.api import warm_up; warm_up()"  # compile the numba kernel once
	rm -f $(VENV)/.installed-*; touch $@

run: $(STAMP)
	$(VENV)/bin/python -m sim $(ARGS)

viz: $(STAMP)  # the interactive page, on http://127.0.0.1:8765 only
	SOLARA_TELEMETRY_MIXPANEL_ENABLE=False $(VENV)/bin/solara run sim/api/page.py --host 127.0.0.1 --port 8765 --production

test: $(STAMP)  # two workers, each a whole test file at a time (module fixtures run once)
	$(VENV)/bin/python -m pytest -q -n 2 --dist loadfile $(ARGS)

format: $(STAMP)  # what the tests check: ruff's format and lint rules (pyproject.toml)
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) outputs multirun
