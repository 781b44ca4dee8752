# The operator's image; build it from the repository root:
#   docker build -t aks-checklist-operator:<version> .
# or without a container engine, with buildah: `make image` (see hack/image/build.sh).
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
#
# Both bases are build arguments so a machine without registry access can build on stand-ins
# of its own (hack/image/bases.sh makes them from Debian packages); the defaults are the real
# images and are what a release is built on.

ARG BUILDER_IMAGE=debian:12.12-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/python3-debian12:nonroot

FROM ${BUILDER_IMAGE} AS builder
# The package index pip uses and the CA bundle it trusts, when the building machine's are not
# pip's defaults (hack/image/build.sh passes the machine's own pip settings, and mounts its CA
# bundle for the RUN steps only); unset means pip's defaults.
ARG PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST PIP_CERT
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

FROM ${RUNTIME_IMAGE}
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:/usr/bin:/bin \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
# 65532 is the distroless "nonroot" user; numeric so the kubelet can enforce runAsNonRoot.
USER 65532:65532
ENTRYPOINT ["aks-checklist", "run"]
