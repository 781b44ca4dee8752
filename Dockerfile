# The operator's image; build it from the repository root:
#   docker build -t aks-checklist-operator:<version> .
#
# Two stages. The builder installs the package and its dependencies into a virtualenv at
# /opt/venv; the runtime stage is distroless Python holding nothing but that venv: no shell, no
# package manager, a numeric non-root user. Bytecode is compiled at build time and Python is told
# not to write any, so the container runs with readOnlyRootFilesystem; the only writable path it
# may need is /tmp (the Kubernetes client puts client certificates from a kubeconfig there),
# which the Deployment mounts as an emptyDir.
#
# Why the builder is Debian 12 and not a python:3.11 image: a venv does not hold a copy of its
# interpreter, it links to the one that created it. The distroless runtime's interpreter is
# Debian 12's own Python 3.11 at /usr/bin/python3.11, so creating the venv with that same
# package at that same path keeps the venv's links, and the ABI of compiled dependencies, valid
# in the runtime stage, without copying site-packages around or setting PYTHONPATH.

FROM debian:12.12-slim AS builder
RUN apt-get update \
    && apt-get install --yes --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
RUN python3.11 -m venv /opt/venv \
    && /opt/venv/bin/python -m pip install --no-cache-dir --upgrade pip
WORKDIR /src
COPY pyproject.toml README.md ./
COPY operator/ operator/
# The installer itself is not needed at run time: remove it from the venv that ships.
RUN /opt/venv/bin/python -m pip install --no-cache-dir '.[azure]' \
    && /opt/venv/bin/python -m pip uninstall --yes pip setuptools

FROM gcr.io/distroless/python3-debian12:nonroot
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:/usr/bin:/bin \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
# 65532 is the distroless "nonroot" user; numeric so the kubelet can enforce runAsNonRoot.
USER 65532:65532
ENTRYPOINT ["aks-checklist", "run"]
