"""Dockerfile rules and their parser: every rule passes, fails and handles its edge cases."""

from __future__ import annotations

import re

import pytest

from aks_checklist.catalog import load_catalog
from aks_checklist.checks.dockerfile import (
    RULES,
    DockerfileError,
    check_dockerfile,
    expand,
    is_dockerfile,
    parse_dockerfile,
    pipelines,
)
from aks_checklist.checks.model import Finding, ObjectRef, Result

PASS, FAIL, WARN, NA = Result.PASS, Result.FAIL, Result.WARN, Result.NOT_APPLICABLE
DIGEST = "sha256:" + "0123456789abcdef" * 4
PATH = "services/api/Dockerfile"
# A final stage every rule is happy with, for tests that vary something else.
CLEAN_TAIL = ("USER 10001", 'ENTRYPOINT ["/app"]')


def text(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def judge(rule: str, *lines: str) -> Finding:
    """The finding of ``rule`` for a Dockerfile made of ``lines``."""
    found = [f for f in check_dockerfile(text(*lines), PATH) if f.rule == rule]
    assert len(found) == 1, found
    return found[0]


def result(rule: str, *lines: str) -> Result:
    return judge(rule, *lines).result


# --- file names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("Dockerfile", True, id="dockerfile"),
        pytest.param("dockerfile", True, id="lower-case"),
        pytest.param("Containerfile", True, id="containerfile"),
        pytest.param("build/api.Dockerfile", True, id="suffix-with-directory"),
        pytest.param("api.dockerfile", True, id="suffix-lower-case"),
        pytest.param("Dockerfile.prod", True, id="dockerfile-dot-variant"),
        pytest.param("Containerfile.worker", True, id="containerfile-dot-variant"),
        pytest.param("Dockerfile.yaml", False, id="manifest-suffix"),
        pytest.param("Dockerfile.dockerignore", False, id="per-dockerfile-ignore-file"),
        pytest.param("api.Dockerfile.dockerignore", False, id="ignore-file-of-suffixed-name"),
        pytest.param("Dockerfile.j2", False, id="template"),
        pytest.param("Dockerfile.prod.tmpl", False, id="template-of-variant"),
        pytest.param("MyDockerfile", False, id="name-only-ends-in-dockerfile"),
        pytest.param("deployment.yaml", False, id="manifest"),
        pytest.param(".dockerignore", False, id="dockerignore"),
    ],
)
def test_is_dockerfile_follows_the_naming_conventions(name: str, expected: bool) -> None:
    assert is_dockerfile(name) is expected


# --- parser -------------------------------------------------------------------------------------


def test_continued_lines_join_and_drop_inner_comments_and_blank_lines() -> None:
    parsed = parse_dockerfile(
        text(
            "FROM debian:12",
            "RUN apt-get update \\",
            "# a comment inside the instruction",
            "",
            "    && apt-get install -y curl \\  ",
            "    && echo done",
            "USER 1000",
        )
    )
    run, user = parsed.final.instructions
    assert run.keyword == "RUN"
    assert run.line == 2
    assert " ".join(run.args.split()) == "apt-get update && apt-get install -y curl && echo done"
    assert (user.keyword, user.line, user.args) == ("USER", 7, "1000")


def test_escape_directive_makes_the_backtick_the_continuation_character() -> None:
    parsed = parse_dockerfile(
        text(
            "# escape=`",
            "FROM mcr.example.com/windows/servercore:ltsc2022",
            "RUN powershell -Command `",
            "    Write-Host C:\\temp\\",
            "WORKDIR C:\\app\\",
        )
    )
    run, workdir = parsed.final.instructions
    assert parsed.escape == "`"
    assert run.args.split() == ["powershell", "-Command", "Write-Host", "C:\\temp\\"]
    assert (workdir.keyword, workdir.line) == ("WORKDIR", 5)


def test_escape_directive_after_a_comment_is_only_a_comment() -> None:
    parsed = parse_dockerfile(
        text("# a plain comment first", "# escape=`", "FROM debian:12", "RUN echo a \\", "  b")
    )
    assert parsed.escape == "\\"
    (run,) = parsed.final.instructions
    assert run.args.split() == ["echo", "a", "b"]


def test_directives_may_come_in_any_order_and_case() -> None:
    parsed = parse_dockerfile(text("# syntax=docker/dockerfile:1", "# ESCAPE = `", "FROM x:1"))
    assert parsed.escape == "`"


@pytest.mark.parametrize(
    ("lines", "line", "reason"),
    [
        pytest.param(("",), None, "no FROM instruction", id="empty"),
        pytest.param(("# only a comment", "ARG A=1"), None, "no FROM", id="no-from"),
        pytest.param(("RUN echo hi", "FROM x:1"), 1, "RUN comes before the first FROM", id="run"),
        pytest.param(("FROM x:1", "FORM y"), 2, "unknown instruction FORM", id="typo"),
        pytest.param(("FROM x:1 y",), 1, "optional AS <name>", id="from-two-words"),
        pytest.param(("FROM x:1 AS",), 1, "optional AS <name>", id="from-as-without-name"),
        pytest.param(("# escape=\\", "# escape=`", "FROM x:1"), 2, "given twice", id="twice"),
        pytest.param(("# escape=!", "FROM x:1"), 1, "escape must be", id="bad-escape"),
        pytest.param(("FROM x:1", "RUN <<EOF", "echo"), 2, "<<EOF is never closed", id="heredoc"),
    ],
)
def test_files_no_builder_accepts_raise_with_the_line(
    lines: tuple[str, ...], line: int | None, reason: str
) -> None:
    with pytest.raises(DockerfileError) as caught:
        check_dockerfile(text(*lines), PATH)
    assert caught.value.line == line
    assert reason in str(caught.value)
    if line is not None:
        assert str(caught.value).startswith(f"line {line}: ")


def test_keywords_are_case_insensitive_and_bom_and_crlf_are_tolerated() -> None:
    parsed = parse_dockerfile("\ufefffrom python:3.11 as Build\r\nuser 1000\r\n")
    assert parsed.final.name == "Build"
    (user,) = parsed.final.instructions
    assert (user.keyword, user.args) == ("USER", "1000")


def test_a_lone_continuation_at_the_end_of_the_file_is_ignored() -> None:
    parsed = parse_dockerfile("FROM x:1\nRUN echo hi \\\n")
    (run,) = parsed.final.instructions
    assert run.args == "echo hi"


@pytest.mark.parametrize(
    ("args", "exec_form"),
    [
        pytest.param('["/app", "--port", "80"]', ("/app", "--port", "80"), id="json-array"),
        pytest.param("[]", (), id="empty-array"),
        pytest.param("[/app, --port]", None, id="not-json"),
        pytest.param('["/app", 80]', None, id="non-string-element"),
        pytest.param("/app --port 80", None, id="shell-form"),
        pytest.param("['/app']", None, id="single-quotes-are-not-json"),
    ],
)
def test_exec_form_is_a_json_array_of_strings(args: str, exec_form: tuple[str, ...] | None) -> None:
    (cmd,) = parse_dockerfile(text("FROM x:1", f"CMD {args}")).final.instructions
    assert cmd.exec_form == exec_form


def test_flags_are_separated_from_the_arguments() -> None:
    (run,) = parse_dockerfile(
        text(
            "FROM x:1",
            "RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=npm --network=none"
            " npm ci --omit=dev",
        )
    ).final.instructions
    assert run.flag("mount") == ["type=cache,target=/root/.cache", "type=secret,id=npm"]
    assert run.flag("network") == ["none"]
    assert run.args == "npm ci --omit=dev"


def test_commands_keep_their_leading_dashes() -> None:
    """CMD takes no flags: --help is the command's own argument."""
    (cmd,) = parse_dockerfile(text("FROM x:1", "CMD --help")).final.instructions
    assert (cmd.flags, cmd.args) == ((), "--help")


def test_stages_know_their_names_and_the_stage_they_build_on() -> None:
    parsed = parse_dockerfile(
        text(
            "FROM golang:1.22 AS Build",
            "RUN go build",
            "FROM build AS test",
            "FROM scratch",
            "COPY --from=build /out /app",
            "FROM test",
        )
    )
    assert [(s.index, s.name, s.parent) for s in parsed.stages] == [
        (0, "Build", None),
        (1, "test", 0),
        (2, None, None),
        (3, None, 1),
    ]
    assert [s.index for s in parsed.lineage()] == [0, 1, 3]
    assert [s.line for s in parsed.stages] == [1, 3, 4, 6]


def test_a_stage_cannot_build_on_a_later_stage_of_the_same_name() -> None:
    parsed = parse_dockerfile(text("FROM app:1.0", "FROM x:1 AS app"))
    assert parsed.stages[0].parent is None


@pytest.mark.parametrize(
    ("preamble", "image", "resolved"),
    [
        pytest.param(("ARG BASE=python:3.11",), "$BASE", "python:3.11", id="dollar-name"),
        pytest.param(("ARG BASE=python:3.11",), "${BASE}", "python:3.11", id="braces"),
        pytest.param(("ARG TAG=3.11",), "python:${TAG}-slim", "python:3.11-slim", id="inside"),
        pytest.param((), "python:${TAG:-3.12}", "python:3.12", id="default-when-unset"),
        pytest.param(("ARG TAG=3.11",), "python:${TAG:-3.12}", "python:3.11", id="set-wins"),
        pytest.param(("ARG S=1",), "python:3.11${S:+-slim}", "python:3.11-slim", id="alternate"),
        pytest.param((), "python:3.11${S:+-slim}", "python:3.11", id="alternate-unset"),
        pytest.param(("ARG A=3", "ARG B=${A}.11"), "python:$B", "python:3.11", id="chained"),
        pytest.param(("ARG BASE",), "$BASE", None, id="no-default"),
        pytest.param((), "$BASE", None, id="undeclared"),
        pytest.param(("ARG T=3.11",), "python:${T%.*}", None, id="unsupported-modifier"),
    ],
)
def test_from_resolves_build_arguments_from_their_defaults(
    preamble: tuple[str, ...], image: str, resolved: str | None
) -> None:
    parsed = parse_dockerfile(text(*preamble, f"FROM {image}"))
    assert parsed.final.image == image
    assert parsed.final.resolved == resolved


def test_expand_leaves_text_without_variables_alone() -> None:
    assert expand("python:3.11", {}) == "python:3.11"
    assert expand("a-$X-b", {"X": "1"}) == "a-1-b"


def test_heredoc_bodies_belong_to_their_instruction() -> None:
    parsed = parse_dockerfile(
        text(
            "FROM debian:12",
            "RUN <<EOF",
            "apt-get install -y curl",
            "FROM this-is-not-an-instruction",
            "EOF",
            "COPY <<-'one' <<two /etc/",
            "\t\tfirst file",
            "\tone",
            "second file",
            "two",
            "USER 1000",
        )
    )
    assert len(parsed.stages) == 1
    run, copy, user = parsed.final.instructions
    assert run.heredocs == ("apt-get install -y curl\nFROM this-is-not-an-instruction",)
    assert "apt-get install -y curl" in run.script
    assert copy.heredocs == ("first file", "second file")
    assert (user.keyword, user.line) == ("USER", 11)


def test_here_strings_and_shifts_are_not_heredocs() -> None:
    (run,) = parse_dockerfile(
        text("FROM x:1", "RUN cat <<< hello && echo $((1<<2))")
    ).final.instructions
    assert run.heredocs == ()


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        pytest.param("a && b | c; d", [["a"], ["b", "c"], ["d"]], id="operators"),
        pytest.param("a || b & c\nd", [["a"], ["b"], ["c"], ["d"]], id="or-background-newline"),
        pytest.param("echo 'x && y | z'", [["echo"]], id="single-quoted"),
        pytest.param('echo "x; \\"y\\" | z"', [["echo"]], id="double-quoted"),
        pytest.param("a # b && c\nd", [["a"], ["d"]], id="comment"),
        pytest.param("then apt-get x; fi", [["apt-get"], ["fi"]], id="shell-keyword"),
        pytest.param("DEBIAN_FRONTEND=x env -i apt-get y", [["apt-get"]], id="assignment-env"),
    ],
)
def test_run_scripts_split_into_pipelines_of_commands(
    script: str, expected: list[list[str]]
) -> None:
    assert [[c.program for c in pipeline] for pipeline in pipelines(script)] == expected


def test_commands_keep_inline_assignments_and_note_sudo() -> None:
    ((command,),) = pipelines("PIP_NO_CACHE_DIR=1 sudo -u app -E /usr/bin/pip install x")
    assert command.assignments == {"PIP_NO_CACHE_DIR": "1"}
    assert command.sudo
    assert command.words == ("/usr/bin/pip", "install", "x")
    assert command.program == "pip"


# --- the findings ---------------------------------------------------------------------------------


def test_every_rule_reports_once_on_the_file_in_rule_order() -> None:
    findings = check_dockerfile(text("FROM python:3.11", *CLEAN_TAIL), PATH)
    assert [f.rule for f in findings] == [rule.id for rule in RULES]
    ref = ObjectRef(api_version="", kind="Dockerfile", namespace=None, name=PATH)
    for finding, rule in zip(findings, RULES, strict=True):
        assert finding.object == ref
        assert finding.file == PATH
        assert finding.severity == rule.severity
        assert finding.container is None


def test_rules_are_dockerfile_rules_of_items_that_are_checked_automatically() -> None:
    catalog = load_catalog()
    assert len({rule.id for rule in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.scope == "dockerfile"
        assert catalog[rule.item].automation in ("kubernetes", "both"), rule.id


def test_problems_name_their_lines_and_the_first_is_in_the_details() -> None:
    finding = judge(
        "APP-14/base-image-pinned",
        "FROM python:3.11 AS a",
        "FROM node AS b",
        "FROM busybox:latest",
        *CLEAN_TAIL,
    )
    assert finding.result is FAIL
    assert re.findall(r"line (\d+):", finding.message) == ["2", "3"]
    assert finding.details == {"line": "2"}


# --- APP-14/non-root-user -------------------------------------------------------------------------

USER = "APP-14/non-root-user"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(("FROM python:3.11", "USER 10001"), PASS, id="numeric-uid"),
        pytest.param(("FROM python:3.11", "USER 10001:10001"), PASS, id="uid-and-gid"),
        pytest.param(("FROM python:3.11", "USER 1000:0"), PASS, id="root-group-non-root-user"),
        pytest.param(("FROM python:3.11", "USER root"), FAIL, id="root"),
        pytest.param(("FROM python:3.11", "USER 0"), FAIL, id="uid-0"),
        pytest.param(("FROM python:3.11", "USER 0:1000"), FAIL, id="uid-0-with-group"),
        pytest.param(("FROM python:3.11", "USER root:root"), FAIL, id="root-root"),
        pytest.param(("FROM x:1", "USER ContainerAdministrator"), FAIL, id="windows-admin"),
        pytest.param(("FROM python:3.11",), FAIL, id="no-user"),
        pytest.param(("FROM scratch",), FAIL, id="scratch-without-user"),
        pytest.param(("FROM python:3.11", "USER app"), WARN, id="named-user"),
        pytest.param(("FROM python:3.11", "USER 1000", "USER root"), FAIL, id="last-user-wins"),
        pytest.param(("FROM python:3.11", "USER root", "USER 1000"), PASS, id="switch-back"),
        pytest.param(("FROM x:1", "ARG UID=1001", "USER $UID"), PASS, id="arg-with-default"),
        pytest.param(("FROM x:1", "ARG UID", "USER ${UID}"), WARN, id="arg-without-default"),
        pytest.param(("FROM x:1", "ENV APP_UID=4321", "USER ${APP_UID}"), PASS, id="from-env"),
        pytest.param(("FROM x:1", "ARG UID=0", "USER $UID"), FAIL, id="arg-resolving-to-root"),
        pytest.param(("ARG UID=1001", "FROM x:1", "USER $UID"), WARN, id="global-arg-unseen"),
        pytest.param(
            ("ARG UID=1001", "FROM x:1", "ARG UID", "USER $UID"), PASS, id="global-arg-redeclared"
        ),
        pytest.param(
            ("FROM x:1 AS base", "USER 1000", "FROM base"), PASS, id="inherited-from-parent-stage"
        ),
        pytest.param(
            ("FROM x:1 AS build", "USER 1000", "FROM y:1"), FAIL, id="builder-user-not-shipped"
        ),
    ],
)
def test_non_root_user(lines: tuple[str, ...], expected: Result) -> None:
    assert result(USER, *lines) is expected


def test_non_root_user_messages_say_why() -> None:
    assert "sets no USER" in judge(USER, "FROM python:3.11").message
    assert "python:3.11" in judge(USER, "FROM python:3.11").message
    assert "root (UID 0)" in judge(USER, "FROM scratch").message
    named = judge(USER, "FROM python:3.11", "USER app")
    assert "numeric UID" in named.message
    assert named.details == {"line": "2"}
    passed = judge(USER, "FROM python:3.11", "USER 10001:10001")
    assert passed.message == "the final stage runs as the non-root UID 10001"
    assert passed.details == {"line": "2"}


def test_base_image_that_says_nonroot_is_only_a_warning_without_user() -> None:
    finding = judge(USER, "FROM registry.example.com/distroless/static:nonroot")
    assert finding.result is WARN
    assert "USER <uid>" in finding.message


# --- APP-14/base-image-pinned ---------------------------------------------------------------------

PINNED = "APP-14/base-image-pinned"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(("FROM python:3.11.2-slim",), PASS, id="version-tag"),
        pytest.param((f"FROM python@{DIGEST}",), PASS, id="digest"),
        pytest.param((f"FROM python:3.11@{DIGEST}",), PASS, id="tag-and-digest"),
        pytest.param((f"FROM python:latest@{DIGEST}",), PASS, id="latest-pinned-by-digest"),
        pytest.param(("FROM python",), FAIL, id="no-tag"),
        pytest.param(("FROM python:latest",), FAIL, id="latest"),
        pytest.param(("FROM python:LATEST",), FAIL, id="latest-upper-case"),
        pytest.param(("FROM registry.example.com:5000/team/app",), FAIL, id="port-is-not-a-tag"),
        pytest.param(("FROM registry.example.com:5000/team/app:1.2",), PASS, id="port-and-tag"),
        pytest.param(("FROM --platform=$BUILDPLATFORM golang:1.22",), PASS, id="platform-flag"),
        pytest.param(("FROM scratch",), PASS, id="scratch"),
        pytest.param(("FROM golang:1.22 AS build", "FROM build"), PASS, id="stage-reference"),
        pytest.param(("FROM golang AS build", "FROM build"), FAIL, id="unpinned-builder"),
        pytest.param(("ARG BASE=python:3.11", "FROM $BASE"), PASS, id="arg-default-pinned"),
        pytest.param(("ARG BASE=python", "FROM ${BASE}"), FAIL, id="arg-default-unpinned"),
        pytest.param(("ARG BASE", "FROM ${BASE}"), WARN, id="arg-without-default"),
        pytest.param(("ARG BASE", "FROM $BASE", "FROM node"), FAIL, id="fail-beats-warn"),
    ],
)
def test_base_image_pinned(lines: tuple[str, ...], expected: Result) -> None:
    assert result(PINNED, *lines, *CLEAN_TAIL) is expected


def test_base_image_message_shows_what_a_build_argument_resolved_to() -> None:
    finding = judge(PINNED, "ARG BASE=python", "FROM ${BASE}")
    assert "FROM ${BASE} (python) names no tag" in finding.message
    assert finding.details == {"line": "2"}


# --- APP-14/no-remote-add ------------------------------------------------------------------------

REMOTE = "APP-14/no-remote-add"


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        pytest.param("ADD https://example.com/tool.tgz /opt/", FAIL, id="https"),
        pytest.param("ADD HTTP://example.com/tool.tgz /opt/", FAIL, id="http-upper-case"),
        pytest.param("ADD git@example.com:team/repo.git /src", FAIL, id="git-ssh"),
        pytest.param("ADD local.tgz https://example.com/a /opt/", FAIL, id="second-source"),
        pytest.param('ADD ["https://example.com/a", "/opt/a"]', FAIL, id="exec-form"),
        pytest.param(
            f"ADD --checksum={DIGEST} https://example.com/tool.tgz /opt/", PASS, id="checksum"
        ),
        pytest.param("ADD tool.tgz /opt/", PASS, id="local-archive"),
        pytest.param("ADD ./https/file /opt/", PASS, id="local-path-named-https"),
        pytest.param("COPY app/ /app/", PASS, id="copy"),
    ],
)
def test_no_remote_add(instruction: str, expected: Result) -> None:
    assert result(REMOTE, "FROM x:1", instruction, *CLEAN_TAIL) is expected


def test_remote_add_is_judged_in_builder_stages_too() -> None:
    finding = judge(
        REMOTE, "FROM x:1 AS build", "ADD https://example.com/a /a", "FROM y:1", *CLEAN_TAIL
    )
    assert finding.result is FAIL
    assert "https://example.com/a" in finding.message


# --- APP-08/no-secrets-in-dockerfile --------------------------------------------------------------

SECRETS = "APP-08/no-secrets-in-dockerfile"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(("ENV DB_PASSWORD=hunter2",), FAIL, id="env-password"),
        pytest.param(("ENV API_KEY abc123",), FAIL, id="legacy-env-form"),
        pytest.param(('ENV MODE=prod GITHUB_TOKEN="ghp x"',), FAIL, id="second-pair"),
        pytest.param(("ENV apiToken=abc",), FAIL, id="camel-case"),
        pytest.param(("ARG NPM_TOKEN", "ENV NPM_TOKEN=${NPM_TOKEN}"), FAIL, id="env-copies-arg"),
        pytest.param(
            ("ENV STORAGE=DefaultEndpointsProtocol=https;AccountName=a;AccountKey=b",),
            FAIL,
            id="connection-string-under-any-name",
        ),
        pytest.param(("ENV TOKEN_FILE=/run/secrets/token",), PASS, id="pointer-to-a-file"),
        pytest.param(("ENV DB_PASSWORD=/run/secrets/db",), PASS, id="path-value"),
        pytest.param(('ENV API_TOKEN=""',), PASS, id="empty-value"),
        pytest.param(("ENV VAULT_TOKEN_ENABLED=true",), PASS, id="flag"),
        pytest.param(("ENV PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH",), PASS, id="ordinary"),
        pytest.param(("ARG SIGNING_KEY=abc",), FAIL, id="arg-default"),
        pytest.param(("ARG NPM_TOKEN",), WARN, id="arg-without-default"),
        pytest.param(("ARG NPM_TOKEN=$CI_TOKEN",), WARN, id="arg-default-is-a-variable"),
        pytest.param(("ARG VERSION=1.0 NPM_TOKEN",), WARN, id="second-arg"),
        pytest.param(("ARG VERSION=1.0",), PASS, id="arg-ordinary"),
        pytest.param(("ARG SECRET_NAME=db",), PASS, id="arg-names-a-secret"),
    ],
)
def test_no_secrets_in_env_or_arg(lines: tuple[str, ...], expected: Result) -> None:
    assert result(SECRETS, "FROM x:1", *lines, *CLEAN_TAIL) is expected


def test_secrets_before_the_first_from_and_in_builder_stages_count() -> None:
    finding = judge(
        SECRETS,
        "ARG REGISTRY_PASSWORD=s3cret",
        "FROM x:1 AS build",
        "ENV DEPLOY_TOKEN=abc",
        "FROM y:1",
        *CLEAN_TAIL,
    )
    assert finding.result is FAIL
    assert "ARG REGISTRY_PASSWORD" in finding.message
    assert "ENV DEPLOY_TOKEN" in finding.message
    assert "s3cret" not in finding.message  # the report must not repeat the credential


# --- APP-14/exec-form-entrypoint -----------------------------------------------------------------

EXEC = "APP-14/exec-form-entrypoint"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(('ENTRYPOINT ["/app"]',), PASS, id="entrypoint"),
        pytest.param(('CMD ["/app", "serve"]',), PASS, id="cmd"),
        pytest.param(('ENTRYPOINT ["/app"]', 'CMD ["serve"]'), PASS, id="both"),
        pytest.param(("ENTRYPOINT /app serve",), FAIL, id="shell-entrypoint"),
        pytest.param(("CMD python app.py",), FAIL, id="shell-cmd"),
        pytest.param(('ENTRYPOINT ["/app"]', "CMD serve --port 80"), FAIL, id="shell-cmd-args"),
        pytest.param(("CMD [/app]",), FAIL, id="broken-json-is-shell"),
        pytest.param((), NA, id="neither"),
        pytest.param(("CMD /app", 'CMD ["/app"]'), PASS, id="last-cmd-wins"),
        pytest.param(("CMD /app serve", 'ENTRYPOINT ["/app"]'), FAIL, id="same-stage-cmd-kept"),
    ],
)
def test_exec_form_entrypoint(lines: tuple[str, ...], expected: Result) -> None:
    assert result(EXEC, "FROM x:1", *lines) is expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            ("FROM x:1 AS base", "CMD /app", "FROM base"), FAIL, id="cmd-inherited-from-stage"
        ),
        pytest.param(
            ("FROM x:1 AS base", "CMD /app", "FROM base", 'ENTRYPOINT ["/app"]'),
            PASS,
            id="entrypoint-clears-inherited-cmd",
        ),
        pytest.param(
            ("FROM x:1 AS build", "CMD /app", "FROM y:1"), NA, id="other-stages-do-not-count"
        ),
    ],
)
def test_exec_form_follows_the_final_stage_lineage(
    lines: tuple[str, ...], expected: Result
) -> None:
    assert result(EXEC, *lines) is expected


def test_exec_form_messages() -> None:
    failed = judge(EXEC, "FROM x:1", "CMD python   app.py")
    assert "CMD python app.py uses the shell form" in failed.message
    assert failed.details == {"line": "2"}
    passed = judge(EXEC, "FROM x:1", 'ENTRYPOINT ["aks-checklist", "run"]')
    assert passed.message == 'ENTRYPOINT ["aks-checklist", "run"] uses the exec form'


# --- APP-14/package-cache-cleaned ---------------------------------------------------------------

CACHE = "APP-14/package-cache-cleaned"
APT_CLEAN = "RUN apt-get update && apt-get install -y --no-install-recommends curl \\"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param((APT_CLEAN, " && rm -rf /var/lib/apt/lists/*"), PASS, id="apt-cleaned"),
        pytest.param(("RUN apt-get install -y curl",), FAIL, id="apt-not-cleaned"),
        pytest.param(
            ("RUN apt-get install -y curl", "RUN rm -rf /var/lib/apt/lists/*"),
            FAIL,
            id="apt-cleaned-in-a-later-layer",
        ),
        pytest.param(
            ("RUN apt-get update; apt-get install -y curl; rm -rf '/var/lib/apt/lists'",),
            PASS,
            id="apt-semicolons-and-quotes",
        ),
        pytest.param(("RUN apt-get install -y curl && apt-get clean",), FAIL, id="apt-get-clean"),
        pytest.param(
            ("RUN --mount=type=cache,target=/var/lib/apt apt-get install -y curl",),
            PASS,
            id="apt-cache-mount",
        ),
        pytest.param(("RUN apk add --no-cache curl",), PASS, id="apk-no-cache"),
        pytest.param(("RUN apk add curl",), FAIL, id="apk"),
        pytest.param(("RUN apk add curl && rm -rf /var/cache/apk/*",), PASS, id="apk-removed"),
        pytest.param(("RUN pip install flask",), FAIL, id="pip"),
        pytest.param(("RUN pip install --no-cache-dir flask",), PASS, id="pip-no-cache-dir"),
        pytest.param(("RUN pip --no-cache-dir install flask",), PASS, id="pip-global-option"),
        pytest.param(("RUN python3 -m pip install flask",), FAIL, id="python-m-pip"),
        pytest.param(("RUN /opt/venv/bin/pip3.11 install flask",), FAIL, id="pip-by-path"),
        pytest.param(("ENV PIP_NO_CACHE_DIR=1", "RUN pip install flask"), PASS, id="pip-env"),
        pytest.param(("ARG PIP_NO_CACHE_DIR=1", "RUN pip install flask"), PASS, id="pip-arg"),
        pytest.param(("RUN PIP_NO_CACHE_DIR=1 pip install flask",), PASS, id="pip-inline-env"),
        pytest.param(
            ("RUN --mount=type=cache,target=/root/.cache/pip pip install flask",),
            PASS,
            id="pip-cache-mount",
        ),
        pytest.param(("RUN pip install flask && rm -rf /root/.cache",), PASS, id="pip-removed"),
        pytest.param(('RUN ["pip", "install", "flask"]',), FAIL, id="pip-exec-form"),
        pytest.param(("RUN dnf install -y git && dnf clean all",), PASS, id="dnf-clean-all"),
        pytest.param(("RUN yum install -y git",), FAIL, id="yum"),
        pytest.param(("RUN microdnf install git",), FAIL, id="microdnf"),
        pytest.param(("RUN tdnf install -y git && tdnf clean all",), PASS, id="tdnf-clean-all"),
        pytest.param(("RUN dnf install -y git && yum clean all",), FAIL, id="other-tool-cleaned"),
        pytest.param(("RUN zypper --non-interactive in git && zypper clean -a",), PASS, id="zyp"),
        pytest.param(("RUN <<EOF", "apt-get install -y curl", "EOF"), FAIL, id="heredoc"),
        pytest.param(("RUN apt-get update && apt-get upgrade -y",), NA, id="no-install"),
        pytest.param(("RUN pip uninstall -y setuptools",), NA, id="pip-uninstall"),
        pytest.param(("RUN echo apt-get install curl",), NA, id="words-not-commands"),
    ],
)
def test_package_cache_cleaned(lines: tuple[str, ...], expected: Result) -> None:
    assert result(CACHE, "FROM x:1", *lines, *CLEAN_TAIL) is expected


def test_package_cache_is_judged_only_in_stages_the_final_image_is_built_on() -> None:
    builder_only = ("FROM x:1 AS build", "RUN pip install flask", "FROM y:1", *CLEAN_TAIL)
    assert result(CACHE, *builder_only) is NA
    lineage = ("FROM x:1 AS base", "RUN pip install flask", "FROM base", *CLEAN_TAIL)
    assert result(CACHE, *lineage) is FAIL


def test_package_cache_message_names_each_install() -> None:
    finding = judge(CACHE, "FROM x:1", "RUN apk add curl", "RUN pip install a", *CLEAN_TAIL)
    assert finding.message.startswith("line 2: apk install leaves its package cache")
    assert "apk add --no-cache" in finding.message
    assert "line 3: pip install" in finding.message
    assert "--no-cache-dir" in finding.message
    passed = judge(CACHE, "FROM x:1", "RUN apk add --no-cache curl", *CLEAN_TAIL)
    assert passed.message == "every apk install leaves no cache behind"


# --- APP-14/no-install-recommends ----------------------------------------------------------------

RECOMMENDS = "APP-14/no-install-recommends"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(("RUN apt-get install -y --no-install-recommends curl",), PASS, id="flag"),
        pytest.param(("RUN apt-get install -y curl",), WARN, id="missing"),
        pytest.param(("RUN apt install -y curl",), WARN, id="apt"),
        pytest.param(
            ("RUN apt-get install -y -o APT::Install-Recommends=false curl",), PASS, id="option"
        ),
        pytest.param(
            (
                "RUN echo 'APT::Install-Recommends \"0\";' > /etc/apt/apt.conf.d/99norecommends",
                "RUN apt-get install -y curl",
            ),
            PASS,
            id="apt-configuration",
        ),
        pytest.param(("RUN apk add --no-cache curl",), NA, id="not-apt"),
        pytest.param((), NA, id="no-install"),
    ],
)
def test_no_install_recommends(lines: tuple[str, ...], expected: Result) -> None:
    assert result(RECOMMENDS, "FROM debian:12", *lines, *CLEAN_TAIL) is expected


# --- APP-14/no-sudo -------------------------------------------------------------------------------

SUDO = "APP-14/no-sudo"


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        pytest.param("RUN sudo apt-get install -y curl", FAIL, id="sudo"),
        pytest.param("RUN make && sudo -E make install", FAIL, id="sudo-later-in-the-line"),
        pytest.param("RUN apt-get install -y sudo", PASS, id="installing-the-package"),
        pytest.param("RUN echo sudo", PASS, id="word-not-command"),
        pytest.param("RUN make install", PASS, id="none"),
    ],
)
def test_no_sudo(run: str, expected: Result) -> None:
    assert result(SUDO, "FROM x:1", run, *CLEAN_TAIL) is expected


# --- APP-14/no-pipe-to-shell ---------------------------------------------------------------------

PIPE = "APP-14/no-pipe-to-shell"


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        pytest.param("RUN curl -fsSL https://example.com/i.sh | sh", FAIL, id="curl-sh"),
        pytest.param("RUN wget -qO- https://example.com/i.sh | bash -s --", FAIL, id="wget-bash"),
        pytest.param("RUN curl -fsSL https://example.com/i | sudo bash", FAIL, id="sudo-bash"),
        pytest.param("RUN curl -sS https://example.com/get.py | python3 -", FAIL, id="python"),
        pytest.param("RUN curl -s https://example.com/i | tee /tmp/i | sh", FAIL, id="through-tee"),
        pytest.param('RUN sh -c "$(curl -fsSL https://example.com/i)"', FAIL, id="substitution"),
        pytest.param("RUN bash <(curl -s https://example.com/i)", FAIL, id="process-subst"),
        pytest.param(
            "RUN curl -fsSLo /tmp/i.sh https://example.com/i && sha256sum -c s && sh /tmp/i.sh",
            PASS,
            id="download-verify-run",
        ),
        pytest.param("RUN curl -fsSL https://example.com/a.tgz | tar -xz", PASS, id="to-tar"),
        pytest.param("RUN echo 'curl https://example.com | sh'", PASS, id="quoted"),
    ],
)
def test_no_pipe_to_shell(run: str, expected: Result) -> None:
    assert result(PIPE, "FROM x:1", run, *CLEAN_TAIL) is expected


# --- CTR-07/distroless-runtime -------------------------------------------------------------------

DISTROLESS = "CTR-07/distroless-runtime"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(("FROM scratch",), PASS, id="scratch"),
        pytest.param(
            ("FROM registry.example.com/distroless/static:nonroot",), PASS, id="distroless"
        ),
        pytest.param(
            ("FROM golang:1.22 AS build", "FROM registry.example.com/distroless/base:1"),
            PASS,
            id="builder-is-not-shipped",
        ),
        pytest.param(("FROM python:3.11-slim",), WARN, id="slim-distribution"),
        pytest.param(
            ("FROM registry.example.com/distroless/base:1 AS run", "FROM debian:12"),
            WARN,
            id="only-the-final-stage-counts",
        ),
        pytest.param(("FROM scratch AS base", "FROM base"), PASS, id="through-stage-reference"),
        pytest.param(("ARG BASE", "FROM $BASE"), WARN, id="unresolved"),
    ],
)
def test_distroless_runtime_is_a_preference(lines: tuple[str, ...], expected: Result) -> None:
    finding = judge(DISTROLESS, *lines, *CLEAN_TAIL)
    assert finding.result is expected
    assert finding.result is not FAIL
