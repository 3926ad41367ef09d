# Thin wrappers over tasks.py, which needs nothing but Python.
PY ?= python3

.PHONY: run demo test bench build lint
run:
	$(PY) tasks.py run
demo:
	$(PY) tasks.py run --demo
test:
	$(PY) tasks.py test
bench:
	$(PY) tasks.py bench
build:
	$(PY) tasks.py build
lint:
	$(PY) tasks.py lint
