# Two commands on a fresh machine with only python3, python3-venv, git and make: `make run` and
# `make test`. Both first check the system packages Qt needs (Debian/Ubuntu: installed when
# missing, as root or through sudo; otherwise one line names the command to run), then build
# .venv from the exact pins in requirements.lock the first time.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(open('requirements.lock','rb').read()+open('pyproject.toml','rb').read()+open('requirements-nodeps.lock','rb').read()).hexdigest()[:12])")


.PHONY: venv run test lint bench soak format clean deps deps-run screenshots



$(STAMP): requirements.lock requirements-nodeps.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-nodeps.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . \
	  || $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

# System packages: what the window needs (run), and that plus the tests' file readers (test).
deps:
	@sh packaging/system-deps.sh test

deps-run:
	@sh packaging/system-deps.sh run

run: deps-run $(STAMP)
	$(BIN)/credence $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check provenance labels desktop tests
	$(BIN)/ruff format --check provenance labels desktop tests
	$(BIN)/lint-imports

test: deps lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_ARGS)

soak: deps $(STAMP)
	CREDENCE_SOAK=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m slow tests/reliability $(PYTEST_ARGS)

screenshots: deps $(STAMP)
	$(BIN)/python packaging/screenshots.py

bench: deps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.benchmarks $(BENCH_ARGS)

format: $(STAMP)
	$(BIN)/ruff format provenance labels desktop tests
	$(BIN)/ruff check --fix provenance labels desktop tests

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

# A self-contained one-folder desktop bundle under dist/credence/, then its smoke test.
# PyInstaller comes from requirements-packaging.lock and is installed into .venv only here.
.PHONY: package
PKG_STAMP := $(VENV)/.packaging-$(shell $(PYTHON) -c "import hashlib;print(hashlib.sha256(open('requirements-packaging.lock','rb').read()).hexdigest()[:12])")

$(PKG_STAMP): requirements-packaging.lock $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-packaging.lock -c requirements.lock
	@rm -f $(VENV)/.packaging-*
	@touch $@

package: $(PKG_STAMP)
	rm -rf build/credence dist/credence
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build packaging/credence.spec
	packaging/smoke_test.sh dist/credence
	@du -sh dist/credence
