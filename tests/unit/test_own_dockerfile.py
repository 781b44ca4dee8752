"""The operator's own image recipe passes its own Dockerfile rules.

The image is built and run by tests/e2e/test_image.py (buildah, minutes); these
fast checks read the file: that it keeps the promises the deployment relies on
(non-root numeric user, exec-form entrypoint, nothing written at run time), that
the scanner finds nothing wrong with it, and that its build arguments default to
the real base images.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from aks_checklist.checks.dockerfile import (
    RULES,
    arg_pairs,
    check_dockerfile,
    env_pairs,
    parse_dockerfile,
)
from aks_checklist.checks.model import Result
from aks_checklist.scan import scan

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


def test_own_dockerfile_has_no_failing_or_unevaluable_rule() -> None:
    result = scan([str(DOCKERFILE)])
    assert result.errors == []
    assert [f.rule for f in result.findings] == [rule.id for rule in RULES]
    bad = [
        f"{f.rule}: {f.message}" for f in result.findings if f.result in (Result.FAIL, Result.ERROR)
    ]
    assert bad == []


def test_own_dockerfile_has_no_warnings_either() -> None:
    warned = [
        f"{f.rule}: {f.message}"
        for f in scan([str(DOCKERFILE)]).findings
        if f.result is Result.WARN
    ]
    assert warned == []


def test_own_dockerfile_is_actually_judged() -> None:
    """Guards the tests above against passing because nothing applied."""
    passed = {f.rule for f in scan([str(DOCKERFILE)]).findings if f.result is Result.PASS}
    assert {
        "APP-14/non-root-user",
        "APP-14/exec-form-entrypoint",
        "APP-14/base-image-pinned",
        "CTR-07/distroless-runtime",
        "APP-08/no-secrets-in-dockerfile",
    } <= passed


def test_builder_stage_would_pass_as_an_image_of_its_own() -> None:
    """The cache rules only judge what ships; the builder keeps them anyway."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    builder_only = text[: text.index("\nFROM ", text.index("FROM ") + 1)]
    found = {f.rule: f.result for f in check_dockerfile(builder_only, "builder")}
    assert found["APP-14/package-cache-cleaned"] is Result.PASS
    assert found["APP-14/no-install-recommends"] is Result.PASS


def test_runtime_stage_matches_what_the_deployment_expects() -> None:
    """Numeric user 65532 (runAsUser in the Deployment), `aks-checklist run` as the exec-form
    entrypoint (the Deployment passes only args), and no bytecode written at run time."""
    parsed = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
    assert len(parsed.stages) >= 2
    final = parsed.final.instructions
    (user,) = [i for i in final if i.keyword == "USER"]
    assert user.args == "65532:65532"
    (entrypoint,) = [i for i in final if i.keyword == "ENTRYPOINT"]
    assert entrypoint.exec_form == ("aks-checklist", "run")
    env = dict(pair for i in final if i.keyword == "ENV" for pair in env_pairs(i))
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PATH"].split(":")[0] == "/opt/venv/bin"
    assert not [i for i in final if i.keyword == "RUN"], "the runtime stage needs no shell"


def test_dockerignore_keeps_what_the_build_copies() -> None:
    """Every COPY source from the build context is let through by .dockerignore."""
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def included(path: str) -> bool:
        keep = True
        for pattern in patterns:
            negated = pattern.startswith("!")
            body = pattern.removeprefix("!").rstrip("/")
            if fnmatch.fnmatchcase(path, body) or path.startswith(body + "/"):
                keep = negated
        return keep

    parsed = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
    sources = [
        source.rstrip("/")
        for stage in parsed.stages
        for i in stage.instructions
        if i.keyword == "COPY" and not i.flag("from")
        for source in i.args.split()[:-1]
    ]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert included(source), f"{source} is excluded by .dockerignore"
    assert included("operator/aks_checklist/catalog/items.yaml")
    assert not included(".venv/bin/python")
    assert not included("tests/unit/test_own_dockerfile.py")


def test_base_images_are_build_arguments_defaulting_to_the_real_bases() -> None:
    """hack/image/build.sh swaps in local stand-ins; a plain `docker build` gets the real ones."""
    parsed = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
    assert parsed.global_args == {
        "BUILDER_IMAGE": "debian:12.12-slim",
        "RUNTIME_IMAGE": "gcr.io/distroless/python3-debian12:nonroot",
    }
    assert [stage.image for stage in parsed.stages] == ["${BUILDER_IMAGE}", "${RUNTIME_IMAGE}"]
    assert [stage.resolved for stage in parsed.stages] == list(parsed.global_args.values())


def test_pip_settings_are_arguments_without_defaults() -> None:
    """No index, host or CA path is written into the Dockerfile: the builder's own are passed."""
    parsed = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
    builder = parsed.stages[0].instructions
    declared = [pair for i in builder if i.keyword == "ARG" for pair in arg_pairs(i)]
    assert declared == [
        ("PIP_INDEX_URL", None),
        ("PIP_EXTRA_INDEX_URL", None),
        ("PIP_TRUSTED_HOST", None),
        ("PIP_CERT", None),
    ]
