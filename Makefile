# Two entry points for a fresh machine: `make demo` and `make test`. Each installs what it needs.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
# DeepLabCut 2.x (TensorFlow) projects: TensorFlow pins numpy < 2, so its own environment.
TF_VENV  ?= .venv-tf
TF_PY    := $(TF_VENV)/bin/python
TF_STAMP := $(TF_VENV)/.installed-tf

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install install-tf system-deps demo identity-demo test lint nf-lint nextflow-runtime nextflow-test \
	container-check clean

# Debian packages: ffmpeg/ffprobe and libzbar0 (pyzbar's QR decoding) for the crop step,
# Java 17 for the Nextflow lint (scripts/nf_lint.py, run by the tests) and Chromium, which the
# tests use to render report.html as a person sees it. python3-venv: Debian splits ensurepip out,
# and `python3 -m venv` needs it.
# Only what is missing, and without recommended packages (which would bring systemd, avahi,
# samba and ghostscript, and upgrade the rest).
system-deps:
	@missing=""; \
	command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || missing="$$missing ffmpeg"; \
	(ldconfig -p 2>/dev/null || /sbin/ldconfig -p) | grep -q 'libzbar\.so\.0' \
	  || missing="$$missing libzbar0"; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	python3 -c 'import ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install:$$missing"; \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

# DeepLabCut 3.0.2 brings PyPI's default torch build (CUDA libraries included; .venv is 6.8 GB);
# it runs on the CPU too. Not --quiet: the install takes minutes, and pip's lines show progress. Never mix in a CPU-only torch wheel: PyPI's torchvision does not match.
$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar on -e '.[dev,dlc]'
	touch $@

install: system-deps $(STAMP)

# The same DeepLabCut 3.0.2 with TensorFlow 2.15 and numpy 1.26 (pip reuses the torch wheel it
# downloaded for .venv).
$(TF_STAMP): pyproject.toml
	python3 -m venv $(TF_VENV)
	$(TF_PY) -m pip install --quiet --upgrade pip
	$(TF_PY) -m pip install --progress-bar on -e '.[dev,tf]'
	touch $@

install-tf: system-deps $(TF_STAMP)

# The bundled synthetic experiment end to end: four raw videos with QR codes and metadata ->
# crop -> pose (the demo DeepLabCut model, CPU) -> quantify (5-s time bins) -> review clips of
# 2 bouts per mouse -> summary, pruritogen against vehicle, and report.html, then
# the calls against the scripted truth. The demo's enclosures are 192 px, 20 px from each code.
DEMO_CROP := --box-size 192 --offset-x 20
demo: install
	$(VENV)/bin/scratchflow run examples/demo_experiment --model examples/demo_model/project \
		--out demo_output $(DEMO_CROP) --params examples/demo_experiment/params.yaml \
		--control vehicle --clips-per-mouse 2 --truth examples/demo_experiment/truth_bouts.csv

# Identity repair on a rendered 20-s open arena with four colour-marked mice: the injected
# errors are in identity_demo/arena_injected_errors.csv, the repairs (and review clips of the
# 3 least confident) in identity_demo/identity/. Then the whole open-arena run on the same
# video and tracks: identity, quantify per colour, and the report in identity_demo/run/.
identity-demo: install
	$(PY) examples/make_identity_demo.py identity_demo
	$(VENV)/bin/scratchflow identity identity_demo/arena.mp4 identity_demo/arena.h5 \
		--colours red,green,blue,yellow --out identity_demo/identity --clips 3
	mkdir -p identity_demo/tracks && ln -sf ../arena.h5 identity_demo/tracks/arena.h5
	$(VENV)/bin/scratchflow run identity_demo --arena open --pose-dir identity_demo/tracks \
		--colours red,green,blue,yellow --out identity_demo/run

# Everything in .venv (the Nextflow pipeline included), then the TensorFlow engine's tests in
# .venv-tf.
test: install install-tf nextflow-runtime
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -m "not tensorflow"
	$(TF_PY) -m pytest -m tensorflow

lint: install
	$(VENV)/bin/ruff check .
	$(PY) scripts/nf_lint.py

nf-lint: install
	$(PY) scripts/nf_lint.py

# Nextflow 24.10 from Maven Central (scripts/nextflow/pom.xml) into build/nextflow/lib, started by
# scripts/nextflow/nextflow: for machines without the official launcher, which downloads its jar
# from nextflow.io (docs/nextflow.md). Maven comes from Debian when missing.
NXF_LIB   := build/nextflow/lib
NXF_STAMP := $(NXF_LIB)/.complete
$(NXF_STAMP): scripts/nextflow/pom.xml
	@command -v mvn >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y maven)
	rm -rf $(NXF_LIB)
	mvn -q -B -f scripts/nextflow/pom.xml dependency:copy-dependencies \
		-DoutputDirectory=$(CURDIR)/$(NXF_LIB)
	touch $@

nextflow-runtime: $(NXF_STAMP)

# `nextflow run main.nf -profile test` on the demo experiment, with a broken raw video added,
# and -resume, against `scratchflow run` (tests/test_nextflow_run.py; 3-8 min on 2 cores).
nextflow-test: install nextflow-runtime
	$(PY) -m pytest -m nextflow

# The CPU image built with podman from a locally made base image, and crop, quantify and
# summarise of -profile test run in it (scripts/containers/check.sh; Debian, root; not in CI).
container-check: install nextflow-runtime
	scripts/containers/check.sh

clean:
	rm -rf $(VENV) $(TF_VENV) demo_output identity_demo .pytest_cache .ruff_cache
