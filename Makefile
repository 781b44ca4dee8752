# The two front-door commands are `make demo` and `make test`; both do every
# set-up step themselves on a fresh clone (venv, dependencies, control plane).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CLUSTER_DIR := .cluster
export GOTOOLCHAIN := local

.PHONY: help
help:  ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,azure]'
	touch $(STAMP)

.PHONY: venv
venv: $(STAMP)  ## Create the virtualenv with every dependency

.PHONY: control-plane
control-plane:  ## Build (or reuse) etcd, kube-apiserver, kube-controller-manager, kubectl
	bash hack/control-plane/build.sh

.PHONY: tools
tools:  ## Build (or reuse) the pinned helm and kustomize the scanner tests render with
	bash hack/tools/build.sh

.PHONY: image
image:  ## Build the operator image with buildah (on local Debian stand-in bases; BASES=dockerfile for the real ones)
	BASES=$(BASES) bash hack/image/build.sh

.PHONY: lint
lint: $(STAMP)  ## ruff (lint + format check) and the import-linter layer contracts
	$(BIN)/ruff check operator tests benchmarks
	$(BIN)/ruff format --check operator tests benchmarks
	$(BIN)/lint-imports

.PHONY: typecheck
typecheck: $(STAMP)  ## mypy --strict on the package
	$(BIN)/mypy

.PHONY: unit
unit: $(STAMP) tools  ## Unit tests only (no cluster)
	$(BIN)/pytest tests/unit

.PHONY: e2e
e2e: $(STAMP) control-plane  ## e2e tests on a local control plane (or AKS_CHECKLIST_E2E_KUBECONFIG)
	$(BIN)/pytest tests/e2e

.PHONY: test
test: $(STAMP) control-plane tools lint typecheck  ## Everything: lint, types, unit and e2e tests
	$(BIN)/pytest tests/unit tests/e2e

.PHONY: demo
demo: $(STAMP) control-plane  ## Run the operator end to end on a local cluster and show compliance
	$(BIN)/aks-checklist demo

.PHONY: cluster
cluster: $(STAMP) control-plane  ## Start a local control plane in the background (.cluster/kubeconfig)
	@if [ -f $(CLUSTER_DIR)/ready ]; then echo "Already running: $$(cat $(CLUSTER_DIR)/ready)"; exit 0; fi
	@mkdir -p $(CLUSTER_DIR)
	@setsid nohup $(BIN)/python -m aks_checklist.testing serve $(CLUSTER_DIR) > $(CLUSTER_DIR)/serve.log 2>&1 < /dev/null &
	@for i in $$(seq 1 600); do \
	  [ -f $(CLUSTER_DIR)/ready ] && break; \
	  if [ $$i -gt 5 ] && [ ! -f $(CLUSTER_DIR)/pid ]; then cat $(CLUSTER_DIR)/serve.log; exit 1; fi; \
	  sleep 0.2; done
	@[ -f $(CLUSTER_DIR)/ready ] || { cat $(CLUSTER_DIR)/serve.log; exit 1; }
	@echo "Control plane ready: $$(cat $(CLUSTER_DIR)/ready)"
	@echo "export KUBECONFIG=$(CURDIR)/$(CLUSTER_DIR)/kubeconfig"

.PHONY: cluster-down
cluster-down:  ## Stop the background control plane
	@if [ -f $(CLUSTER_DIR)/pid ]; then \
	  pid=$$(cat $(CLUSTER_DIR)/pid); kill $$pid 2>/dev/null || true; \
	  for i in $$(seq 1 150); do kill -0 $$pid 2>/dev/null || break; sleep 0.2; done; \
	  echo "Control plane stopped"; \
	else echo "No control plane running"; fi
	@rm -rf $(CLUSTER_DIR)/state $(CLUSTER_DIR)/ready $(CLUSTER_DIR)/pid

.PHONY: clean
clean: cluster-down  ## Remove the virtualenv and caches (not the control-plane binaries)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache $(CLUSTER_DIR)

.PHONY: readme
readme: $(STAMP)  ## Regenerate the checklist coverage table in README.md
	$(BIN)/python hack/readme_coverage.py
