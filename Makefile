# `make run` and `make test` create the environment (.venv, pinned by requirements.lock)
# the first time, with the Python named by .python-version (3.12) or python3.12, and
# install this project into it (editable), so `import sim` works from any directory.
PYTHON ?= $(shell command -v python3.12 2>/dev/null || command -v python3)
VENV := .venv
READY := $(VENV)/.ready-$(shell cat requirements.lock pyproject.toml Makefile | cksum | cut -d' ' -f1)

.PHONY: run test env clean

env: $(READY)

$(READY): requirements.lock pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python >= 3.12 is needed (mesa 3.5); found " + sys.version.split()[0])'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --editable .  # import sim from any directory
	touch $@

run: $(READY)
	$(VENV)/bin/python run.py $(ARGS)

test: $(READY)
	$(VENV)/bin/python -m pytest -q $(ARGS)

clean:
	rm -rf $(VENV)
