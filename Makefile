# Two entry points for a fresh machine: `make demo` and `make test`. Each installs what it needs.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install system-deps demo test lint nf-lint clean

# Debian packages: ffmpeg/ffprobe and libzbar0 (pyzbar's QR decoding) for the crop step,
# Java 17 for the Nextflow lint (scripts/nf_lint.py, run by the tests) and Chromium, which the
# tests use to render report.html as a person sees it.
system-deps:
	@command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null && command -v java >/dev/null \
	  && command -v chromium >/dev/null \
	  && (ldconfig -p 2>/dev/null || /sbin/ldconfig -p) | grep -q 'libzbar\.so\.0' \
	  || ($(SUDO) apt-get update && $(SUDO) apt-get install -y ffmpeg libzbar0 openjdk-17-jre-headless \
	       chromium)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: system-deps $(STAMP)

# Until the video steps exist, the demo quantifies the bundled pose file and scores the
# calls against its scripted truth.
demo: install
	$(VENV)/bin/scratchflow quantify examples/demo/demo_pose.h5 --out demo_output
	$(VENV)/bin/scratchflow evaluate --pred demo_output/demo_pose_scratch_bouts.csv \
		--truth examples/demo/demo_truth.csv --out demo_output/demo_scores.json
	$(VENV)/bin/scratchflow summarise demo_output --out demo_output/summary

test: install
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(PY) scripts/nf_lint.py

nf-lint: install
	$(PY) scripts/nf_lint.py

clean:
	rm -rf $(VENV) demo_output .pytest_cache .ruff_cache
