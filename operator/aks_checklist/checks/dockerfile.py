"""Dockerfile rules: an image's user, base and contents are judged before it is ever built.

Kubernetes only learns which user an image runs as, what its entrypoint is
and what its layers hold once a pod starts; a root user or a floating base
tag is in production by then. ``aks-checklist scan`` therefore reads the
Dockerfiles next to the manifests (``Dockerfile``, ``*.Dockerfile``,
``Containerfile``...) and judges them here, into the same report formats.

The parser is our own and small on purpose: CI has no Docker engine, and the
rules only need each instruction's keyword, line, flags, arguments (shell or
JSON form) and heredoc bodies, the stages (``FROM ... AS name``) and the
build-argument defaults that resolve ``FROM ${BASE}``. It reads a file the way
BuildKit does: parser directives (``# escape=``) only at the very top, and
comment and blank lines dropped even inside continued lines.

Where each rule looks, following what ends up in the shipped image:

- the final image is the last stage plus the earlier stages it is built
  ``FROM`` (its lineage). The user, the entrypoint, package caches and the
  base image are judged there only; the layers of other stages are not shipped;
- base-image pinning, remote ``ADD``, credentials, ``sudo`` and ``curl | sh``
  are judged in every stage: they decide what the build trusts and what is
  committed to source control, whichever stage they are in.

Every rule gives one finding per Dockerfile, passes included, whose message
names each offending line; ``details["line"]`` holds the first of them.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity
from aks_checklist.checks.podspec import secret_like_name

P, F, W, NA = Result.PASS, Result.FAIL, Result.WARN, Result.NOT_APPLICABLE
HIGH, MEDIUM, LOW = Severity.HIGH, Severity.MEDIUM, Severity.LOW

KIND = "Dockerfile"


def _rule(rule_id: str, title: str, severity: Severity) -> Rule:
    return Rule(rule_id, title, severity, "dockerfile")


NON_ROOT_USER = _rule(
    "APP-14/non-root-user", "The final image runs as a non-root numeric user", HIGH
)
BASE_IMAGE_PINNED = _rule("APP-14/base-image-pinned", "Every FROM pins a tag or a digest", MEDIUM)
NO_REMOTE_ADD = _rule(
    "APP-14/no-remote-add", "ADD downloads nothing from the network unverified", MEDIUM
)
EXEC_FORM = _rule(
    "APP-14/exec-form-entrypoint", "ENTRYPOINT and CMD use the exec (JSON) form", MEDIUM
)
PACKAGE_CACHE = _rule(
    "APP-14/package-cache-cleaned", "Package installs leave no cache in the image", LOW
)
NO_RECOMMENDS = _rule(
    "APP-14/no-install-recommends", "apt installs leave out recommended packages", LOW
)
NO_SUDO = _rule("APP-14/no-sudo", "RUN steps do not use sudo", MEDIUM)
NO_PIPE_TO_SHELL = _rule(
    "APP-14/no-pipe-to-shell", "No script is piped from the network into a shell", MEDIUM
)
NO_SECRETS = _rule(
    "APP-08/no-secrets-in-dockerfile", "No credentials in Dockerfile ENV or ARG values", HIGH
)
DISTROLESS = _rule(
    "CTR-07/distroless-runtime", "The final image is built on a distroless or empty base", LOW
)

RULES: tuple[Rule, ...] = (
    NO_SECRETS,
    NON_ROOT_USER,
    BASE_IMAGE_PINNED,
    NO_REMOTE_ADD,
    EXEC_FORM,
    PACKAGE_CACHE,
    NO_RECOMMENDS,
    NO_SUDO,
    NO_PIPE_TO_SHELL,
    DISTROLESS,
)

# --- which files are Dockerfiles --------------------------------------------------------------

_DOCKERFILE_NAMES = ("dockerfile", "containerfile")
# ``Dockerfile.<suffix>`` names that are something else: manifests, ignore files, templates
# that are not valid Dockerfiles until rendered, docs and editor leftovers.
_NOT_DOCKERFILE_SUFFIXES = frozenset(
    {
        "yaml", "yml", "json", "dockerignore", "md", "txt", "j2", "jinja", "jinja2", "tmpl",
        "tpl", "template", "in", "erb", "orig", "bak", "swp", "rej", "sh", "ps1",
    }
)  # fmt: skip


def is_dockerfile(path: str) -> bool:
    """Whether a file name says Dockerfile: ``Dockerfile``, ``Containerfile``,
    ``api.Dockerfile`` or ``Dockerfile.prod`` (any case), but not ``Dockerfile.yaml``,
    ``Dockerfile.dockerignore`` or a template such as ``Dockerfile.j2``."""
    name = os.path.basename(path).lower()
    if name in _DOCKERFILE_NAMES or name.endswith(".dockerfile"):
        return True
    base, dot, suffix = name.partition(".")
    return (
        bool(dot)
        and base in _DOCKERFILE_NAMES
        and suffix.rsplit(".", 1)[-1] not in _NOT_DOCKERFILE_SUFFIXES
    )


# --- the parser ---------------------------------------------------------------------------------


class DockerfileError(ValueError):
    """A file no builder would accept; ``line`` is 1-based, ``None`` for the file as a whole."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line is not None else message)
        self.line = line
        self.reason = message


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction; ``args`` has its flags removed and continuation lines joined."""

    keyword: str
    line: int
    args: str
    flags: tuple[tuple[str, str], ...] = ()
    exec_form: tuple[str, ...] | None = None
    heredocs: tuple[str, ...] = ()

    def flag(self, name: str) -> list[str]:
        """Values of every ``--name[=value]`` flag (``""`` for a bare one), in order."""
        return [value for key, value in self.flags if key == name]

    @property
    def script(self) -> str:
        """What a RUN step executes: the exec-form words, or the shell text and heredoc bodies."""
        if self.exec_form is not None:
            return " ".join(self.exec_form)
        return "\n".join((self.args, *self.heredocs))

    @property
    def source(self) -> str:
        """The instruction as written, on one line, for messages."""
        text = " ".join(self.args.split())
        return f"{self.keyword} {text}" if text else self.keyword


@dataclass(frozen=True, slots=True)
class Stage:
    """A build stage; ``resolved`` is ``image`` with build-argument defaults filled in, or
    ``None`` when one of its arguments has no default. ``parent`` indexes the earlier stage
    it builds on, if any."""

    index: int
    line: int
    image: str
    resolved: str | None
    name: str | None
    parent: int | None
    instructions: tuple[Instruction, ...]

    @property
    def label(self) -> str:
        return f"stage {self.name}" if self.name else "stage"

    @property
    def from_text(self) -> str:
        """``FROM x`` for messages, with the resolved image when build arguments changed it."""
        shown = self.image
        if self.resolved is not None and self.resolved != self.image:
            shown = f"{self.image} ({self.resolved})"
        return f"FROM {shown}"


@dataclass(frozen=True, slots=True)
class Dockerfile:
    """The parsed file: the ARGs before the first FROM (``preamble``), then the stages."""

    preamble: tuple[Instruction, ...]
    global_args: Mapping[str, str | None]
    stages: tuple[Stage, ...]
    escape: str = "\\"

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def lineage(self, stage: Stage | None = None) -> tuple[Stage, ...]:
        """``stage`` (default: the final one) and the stages it builds on, the root first."""
        chain = [self.final if stage is None else stage]
        while chain[-1].parent is not None:
            chain.append(self.stages[chain[-1].parent])
        return tuple(reversed(chain))


_KEYWORDS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
        "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
        "WORKDIR",
    }
)  # fmt: skip
_FLAG_KEYWORDS = frozenset({"ADD", "COPY", "FROM", "HEALTHCHECK", "RUN"})
_JSON_KEYWORDS = frozenset({"ADD", "CMD", "COPY", "ENTRYPOINT", "RUN", "SHELL", "VOLUME"})
_HEREDOC_KEYWORDS = frozenset({"ADD", "COPY", "RUN"})
_DIRECTIVE = re.compile(r"^#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$")
_KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_HEREDOC = re.compile(r"(?<!<)<<(?!<)(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_FLAG = re.compile(r"--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)")


def parse_dockerfile(text: str) -> Dockerfile:
    """Parses a Dockerfile; raises :class:`DockerfileError` for one no builder would accept."""
    lines = text.removeprefix("\ufeff").splitlines()
    escape = _escape_directive(lines)
    return _stages(list(_instructions(lines, escape)), escape)


def _escape_directive(lines: Sequence[str]) -> str:
    """The escape character from the parser directives, which are only read at the top:
    the first line that is not a known directive ends them (it is then a plain comment)."""
    escape = "\\"
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        match = _DIRECTIVE.match(line.strip())
        if match is None or match.group(1).lower() not in _KNOWN_DIRECTIVES:
            break
        name, value = match.group(1).lower(), match.group(2)
        if name in seen:
            raise DockerfileError(number, f"the {name} parser directive is given twice")
        seen.add(name)
        if name == "escape":
            if value not in ("\\", "`"):
                raise DockerfileError(number, f"escape must be \\ or `, not {value!r}")
            escape = value
    return escape


def _skippable(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _instructions(lines: Sequence[str], escape: str) -> Iterator[Instruction]:
    continued = re.compile(re.escape(escape) + r"[ \t]*$")
    index = 0
    while index < len(lines):
        if _skippable(lines[index]):
            index += 1
            continue
        start = index + 1
        parts: list[str] = []
        line = lines[index]
        while True:
            index += 1
            match = continued.search(line)
            if match is None:
                parts.append(line)
                break
            parts.append(line[: match.start()])
            # Comment and blank lines inside a continued instruction are dropped, as BuildKit does.
            while index < len(lines) and _skippable(lines[index]):
                index += 1
            if index >= len(lines):
                break  # a file that ends on a continuation: the instruction ends there
            line = lines[index]
        logical = "".join(parts).strip()
        if logical:  # a lone escape character at the end of the file continues nothing
            instruction, index = _instruction(logical, start, lines, index)
            yield instruction


def _instruction(
    logical: str, line: int, lines: Sequence[str], index: int
) -> tuple[Instruction, int]:
    """Builds one instruction; returns it with the index of the line after its heredocs."""
    written, *remainder = logical.split(None, 1)
    keyword, rest = written.upper(), "".join(remainder).strip()
    if keyword not in _KEYWORDS:
        raise DockerfileError(line, f"unknown instruction {written}")
    flags: list[tuple[str, str]] = []
    if keyword in _FLAG_KEYWORDS:
        while (flag := _FLAG.match(rest)) is not None:
            flags.append((flag.group(1), flag.group(2) or ""))
            rest = rest[flag.end() :]
    exec_form = _json_array(rest) if keyword in _JSON_KEYWORDS else None
    heredocs: list[str] = []
    if keyword in _HEREDOC_KEYWORDS and exec_form is None:
        for marker in _HEREDOC.finditer(rest):
            strip_tabs, word = marker.group(1) == "-", marker.group(3)
            body: list[str] = []
            while True:
                if index >= len(lines):
                    raise DockerfileError(line, f"heredoc <<{word} is never closed")
                text = lines[index].lstrip("\t") if strip_tabs else lines[index]
                index += 1
                if text.rstrip("\r") == word:
                    break
                body.append(text)
            heredocs.append("\n".join(body))
    instruction = Instruction(
        keyword=keyword,
        line=line,
        args=rest,
        flags=tuple(flags),
        exec_form=exec_form,
        heredocs=tuple(heredocs),
    )
    return instruction, index


def _json_array(text: str) -> tuple[str, ...] | None:
    """The exec form: a JSON array of strings. Anything else is the shell form."""
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(word, str) for word in value):
        return tuple(value)
    return None


def _stages(instructions: Sequence[Instruction], escape: str) -> Dockerfile:
    preamble: list[Instruction] = []
    global_args: dict[str, str | None] = {}
    heads: list[tuple[int, str, str | None, str | None, int | None]] = []
    bodies: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            image, name = _from_words(instruction)
            resolved = expand(image, global_args)
            heads.append((instruction.line, image, resolved, name, _stage_named(heads, resolved)))
            bodies.append([])
        elif not heads:
            if instruction.keyword != "ARG":
                raise DockerfileError(
                    instruction.line, f"{instruction.keyword} comes before the first FROM"
                )
            preamble.append(instruction)
            for name, default in arg_pairs(instruction):
                global_args[name] = None if default is None else expand(default, global_args)
        else:
            bodies[-1].append(instruction)
    if not heads:
        raise DockerfileError(None, "no FROM instruction")
    stages = tuple(
        Stage(index, line, image, resolved, name, parent, tuple(body))
        for index, ((line, image, resolved, name, parent), body) in enumerate(
            zip(heads, bodies, strict=True)
        )
    )
    return Dockerfile(tuple(preamble), global_args, stages, escape)


def _from_words(instruction: Instruction) -> tuple[str, str | None]:
    parts = instruction.args.split()
    if len(parts) == 1:
        return parts[0], None
    if len(parts) == 3 and parts[1].lower() == "as":
        return parts[0], parts[2]
    raise DockerfileError(instruction.line, "FROM takes an image and an optional AS <name>")


def _stage_named(
    heads: Sequence[tuple[int, str, str | None, str | None, int | None]], image: str | None
) -> int | None:
    """The earlier stage ``image`` names (stage names are case-insensitive), if any."""
    if image is None:
        return None
    for index in range(len(heads) - 1, -1, -1):
        name = heads[index][3]
        if name is not None and name.lower() == image.lower():
            return index
    return None


# --- variables and words ------------------------------------------------------------------------

_VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))|\$\{[^}]*\}"
)


def expand(text: str, variables: Mapping[str, str | None]) -> str | None:
    """``$NAME``, ``${NAME}``, ``${NAME:-default}`` and ``${NAME:+alt}`` filled in from
    ``variables``; ``None`` when a variable without a value (or another modifier) is used."""
    unresolved = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unresolved
        name = match.group(1) or match.group(4)
        if name is None:
            unresolved = True
            return ""
        value = variables.get(name)
        operator, word = match.group(2), match.group(3) or ""
        if operator in (":-", "-"):
            return value if value else word
        if operator in (":+", "+"):
            return word if value else ""
        if value is None:
            unresolved = True
            return ""
        return value

    result = _VARIABLE.sub(replace, text)
    return None if unresolved else result


def words(text: str) -> list[str]:
    """Shell-like words with quotes removed; a plain split when the quotes do not balance."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def arg_pairs(instruction: Instruction) -> list[tuple[str, str | None]]:
    """``ARG a=1 b`` -> ``[("a", "1"), ("b", None)]``."""
    pairs: list[tuple[str, str | None]] = []
    for word in words(instruction.args):
        name, equals, default = word.partition("=")
        pairs.append((name, default if equals else None))
    return pairs


def env_pairs(instruction: Instruction) -> list[tuple[str, str]]:
    """``ENV a=1 b="x y"`` and the legacy ``ENV name value with spaces``."""
    parts = words(instruction.args)
    if parts and "=" not in parts[0]:
        name, *value = instruction.args.split(None, 1)
        return [(name, " ".join(words("".join(value))))]
    return [(name, value) for name, _, value in (word.partition("=") for word in parts)]


def _scoped(
    dockerfile: Dockerfile, stages: Sequence[Stage]
) -> Iterator[tuple[Stage, Instruction, Mapping[str, str | None]]]:
    """Each instruction of ``stages`` (a lineage, root first) with the variables it sees:
    ENV values carry over to the stages built on top, ARGs only last for their stage (a
    global ARG must be declared again to be seen), and ENV wins over an ARG of the same name."""
    env: dict[str, str | None] = {}
    for stage in stages:
        args: dict[str, str | None] = {}
        for instruction in stage.instructions:
            scope = {**args, **env}
            yield stage, instruction, scope
            if instruction.keyword == "ARG":
                for name, default in arg_pairs(instruction):
                    args[name] = (
                        dockerfile.global_args.get(name)
                        if default is None
                        else expand(default, scope)
                    )
            elif instruction.keyword == "ENV":
                for name, value in env_pairs(instruction):
                    env[name] = expand(value, scope)


def _all_instructions(dockerfile: Dockerfile) -> Iterator[Instruction]:
    yield from dockerfile.preamble
    for stage in dockerfile.stages:
        yield from stage.instructions


# --- shell scripts of RUN steps -------------------------------------------------------------------

_PREFIX_WORDS = frozenset(
    {"if", "then", "else", "elif", "do", "while", "until", "!", "(", "{", "time", "exec",
     "command", "nice", "nohup", "xargs"}
)  # fmt: skip
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True, slots=True)
class Command:
    """A simple command of a RUN script: its words after prefixes such as ``sudo``, ``env``,
    ``then`` and ``VAR=value`` assignments, which are kept in ``assignments``."""

    words: tuple[str, ...]
    assignments: Mapping[str, str]
    sudo: bool

    @property
    def program(self) -> str:
        return os.path.basename(self.words[0]) if self.words else ""


def pipelines(script: str) -> list[list[Command]]:
    """The pipelines of a shell script (split at ``;``, ``&&``, ``||``, ``&`` and newlines),
    each a list of the commands joined by ``|``. Quotes are respected; good enough for the
    package-manager and download patterns the rules look for."""
    result: list[list[Command]] = []
    pipeline: list[Command] = []
    current: list[str] = []

    def end_command() -> None:
        command = _command(words("".join(current)))
        current.clear()
        if command.words or command.sudo:
            pipeline.append(command)

    def end_pipeline() -> None:
        end_command()
        if pipeline:
            result.append(list(pipeline))
            pipeline.clear()

    quote: str | None = None
    index = 0
    while index < len(script):
        char = script[index]
        if quote is not None:
            current.append(char)
            if char == quote:
                quote = None
            elif char == "\\" and quote == '"' and index + 1 < len(script):
                index += 1
                current.append(script[index])
        elif char in "'\"":
            quote = char
            current.append(char)
        elif char == "\\" and index + 1 < len(script):
            index += 1
            current.append("\\" + script[index])
        elif script.startswith(("&&", "||"), index):
            end_pipeline()
            index += 1
        elif char == "|":
            end_command()
        elif char in ";&\n":
            end_pipeline()
        elif char == "#" and (not current or current[-1].isspace()):
            newline = script.find("\n", index)
            index = len(script) if newline < 0 else newline
            continue
        else:
            current.append(char)
        index += 1
    end_pipeline()
    return result


def _command(parts: list[str]) -> Command:
    assignments: dict[str, str] = {}
    sudo = False
    position = 0
    while position < len(parts):
        word = parts[position]
        if word in _PREFIX_WORDS:
            position += 1
        elif _ASSIGNMENT.match(word):
            name, _, value = word.partition("=")
            assignments[name] = value
            position += 1
        elif word in ("env", "sudo"):
            sudo = sudo or word == "sudo"
            position += 1
            # Their own options (sudo -E, env -i); sudo -u takes a value.
            while position < len(parts) and parts[position].startswith("-"):
                position += 2 if parts[position] in ("-u", "-g") else 1
        else:
            break
    return Command(tuple(parts[position:]), assignments, sudo)


# --- the rules ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Verdict:
    """Collects one rule's problems in a file; :meth:`finding` turns them into its finding."""

    rule: Rule
    ref: ObjectRef
    path: str
    problems: list[tuple[Result, int, str]] = field(default_factory=list)

    def fail(self, line: int, text: str) -> None:
        self.problems.append((F, line, text))

    def warn(self, line: int, text: str) -> None:
        self.problems.append((W, line, text))

    def finding(self, passed: str, line: int | None = None) -> Finding:
        """The worst problem's result with every problem's line, or a pass."""
        if self.problems:
            result = F if any(result is F for result, _, _ in self.problems) else W
            message = "; ".join(f"line {at}: {text}" for _, at, text in self.problems)
            line = self.problems[0][1]
        else:
            result, message = P, passed
        return self.single(result, message, line)

    def single(self, result: Result, message: str, line: int | None = None) -> Finding:
        return Finding(
            rule=self.rule.id,
            result=result,
            severity=self.rule.severity,
            message=message,
            object=self.ref,
            file=self.path,
            details={"line": str(line)} if line else {},
        )


# --- APP-08: credentials in ENV and ARG --------------------------------------------------------

_INERT_VALUES = frozenset({"", "true", "false", "yes", "no", "on", "off", "0", "1", "none", "null"})
# Values that are credentials under any name: Azure storage and Service Bus connection
# strings, SAS signatures, private keys.
_SECRET_VALUE = re.compile(
    r"AccountKey=|SharedAccessKey=|[?&]sig=|-----BEGIN [A-Z ]*PRIVATE KEY", re.IGNORECASE
)
_ONLY_VARIABLES = re.compile(r"^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)+$")


def _credential(name: str, value: str) -> bool:
    if _SECRET_VALUE.search(value):
        return True
    text = value.strip()
    return secret_like_name(name) and text.lower() not in _INERT_VALUES and not text.startswith("/")


def _secrets(dockerfile: Dockerfile, verdict: _Verdict) -> Finding:
    """An ENV value, even one copied from a build argument, is stored in the image's
    configuration; an ARG default is committed with the file, and the values of build
    arguments are kept in the image history."""
    for instruction in _all_instructions(dockerfile):
        line = instruction.line
        if instruction.keyword == "ENV":
            for name, value in env_pairs(instruction):
                if _credential(name, value):
                    verdict.fail(
                        line,
                        f"ENV {name} bakes a credential into the image configuration, readable "
                        "by anyone who can pull the image; provide it at run time from a Secret "
                        "or Azure Key Vault",
                    )
        elif instruction.keyword == "ARG":
            for name, default in arg_pairs(instruction):
                literal = default is not None and not _ONLY_VARIABLES.match(default)
                if literal and _credential(name, default or ""):
                    verdict.fail(
                        line,
                        f"ARG {name} has a credential as its default value, committed with the "
                        "Dockerfile and recorded in the image history",
                    )
                elif not literal and secret_like_name(name):
                    verdict.warn(
                        line,
                        f"build argument {name} looks like a credential; build arguments are "
                        "recorded in the image history, so pass it with RUN --mount=type=secret",
                    )
    return verdict.finding("no ENV or ARG value holds a credential")


# --- APP-14: user ---------------------------------------------------------------------------

_ROOT_USERS = frozenset({"root", "containeradministrator"})


def _user(dockerfile: Dockerfile, verdict: _Verdict) -> Finding:
    """A named user is a Warn: the kubelet can only enforce runAsNonRoot on a numeric UID."""
    lineage = dockerfile.lineage()
    final = dockerfile.final.label
    last: tuple[Instruction, Mapping[str, str | None]] | None = None
    for _, instruction, scope in _scoped(dockerfile, lineage):
        if instruction.keyword == "USER":
            last = (instruction, scope)
    if last is None:
        base = lineage[0].resolved or lineage[0].image
        if base.lower() == "scratch":
            why = "builds FROM scratch, so it runs as root (UID 0)"
        elif "nonroot" in (_image_parts(base)[1] or "").lower():
            return verdict.single(
                W,
                f"the final {final} sets no USER and relies on the base image {base} to switch "
                "to a non-root user; state it with USER <uid>",
            )
        else:
            why = f"runs as whatever user {base} defines, which is root for most base images"
        return verdict.single(F, f"the final {final} sets no USER, so it {why}")
    instruction, scope = last
    raw = next(iter(instruction.args.split()), "")
    value = expand(raw, scope)
    user = (value or "").split(":", 1)[0]
    if value is None:
        verdict.warn(
            instruction.line,
            f"USER {raw} uses a build argument without a value, so whether the image runs as "
            "root cannot be told",
        )
    elif user.lower() in _ROOT_USERS or (user.isdigit() and int(user) == 0) or not user:
        verdict.fail(instruction.line, f"USER {raw} runs the container as root")
    elif not user.isdigit():
        verdict.warn(
            instruction.line,
            f"USER {raw} names a user rather than a UID; Kubernetes cannot verify runAsNonRoot "
            "for a user name, so give the numeric UID (USER 10001)",
        )
    return verdict.finding(f"the final {final} runs as the non-root UID {user}", instruction.line)


# --- APP-14: pinned base images -----------------------------------------------------------------


def _image_parts(reference: str) -> tuple[str, str | None, str | None]:
    """``registry:5000/team/app:1.2@sha256:...`` -> (``registry:5000/team/app``, tag, digest)."""
    name, at, digest = reference.partition("@")
    tag: str | None = None
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        name, tag = name[:colon], name[colon + 1 :] or None
    return name, tag, digest if at else None


def _pinned(dockerfile: Dockerfile, verdict: _Verdict) -> Finding:
    """``scratch`` and earlier stages need no pin; an image from a build argument is judged
    by the argument's default."""
    for stage in dockerfile.stages:
        if stage.resolved is None:
            verdict.warn(
                stage.line,
                f"FROM {stage.image} uses a build argument without a default, so whether the "
                "base image is pinned cannot be told",
            )
            continue
        if stage.parent is not None or stage.resolved.lower() == "scratch":
            continue
        _, tag, digest = _image_parts(stage.resolved)
        if digest:
            continue
        if tag is None:
            verdict.fail(
                stage.line,
                f"{stage.from_text} names no tag, so every build takes whatever latest points "
                "to; pin a version tag or a digest",
            )
        elif tag.lower() == "latest":
            verdict.fail(
                stage.line,
                f"{stage.from_text} uses the floating latest tag; pin a version tag or a digest",
            )
    return verdict.finding("every FROM names a tag or a digest other than latest")


# --- APP-14: remote ADD ---------------------------------------------------------------------------

_REMOTE = re.compile(r"^(?:https?://|git://|ssh://|git@)", re.IGNORECASE)


def _remote_add(dockerfile: Dockerfile, verdict: _Verdict) -> Finding:
    """``ADD --checksum=...`` is accepted: the builder verifies what it downloads."""
    for instruction in _all_instructions(dockerfile):
        if instruction.keyword != "ADD" or instruction.flag("checksum"):
            continue
        if instruction.exec_form is not None:
            parts = list(instruction.exec_form)
        else:
            parts = words(instruction.args)
        remote = [source for source in parts[:-1] if _REMOTE.match(source)]
        if remote:
            verdict.fail(
                instruction.line,
                f"ADD downloads {', '.join(remote)} without verifying it; add "
                "--checksum=sha256:<digest> or download and verify it in a RUN step",
            )
    return verdict.finding("no ADD downloads unverified content")


# --- APP-14: exec form ----------------------------------------------------------------------------


def _exec_form(dockerfile: Dockerfile, verdict: _Verdict) -> Finding:
    """ENTRYPOINT and CMD as the final image has them: an ENTRYPOINT clears a CMD inherited
    from an earlier stage, but not one set before it in its own stage."""
    entrypoint: Instruction | None = None
    cmd: tuple[Instruction, int] | None = None
    for stage, instruction, _ in _scoped(dockerfile, dockerfile.lineage()):
        if instruction.keyword == "ENTRYPOINT":
            entrypoint = instruction
            if cmd is not None and cmd[1] != stage.index:
                cmd = None
        elif instruction.keyword == "CMD":
            cmd = (instruction, stage.index)
    chosen = sorted(
        (i for i in (entrypoint, cmd[0] if cmd else None) if i is not None), key=lambda i: i.line
    )
    if not chosen:
        return verdict.single(
            NA,
            f"the final {dockerfile.final.label} sets neither ENTRYPOINT nor CMD and keeps its "
            "base image's",
        )
    for instruction in chosen:
        if instruction.exec_form is None:
            verdict.fail(
                instruction.line,
                f"{instruction.source} uses the shell form, so /bin/sh -c runs as PID 1: "
                "SIGTERM does not reach the application and the image needs a shell; write "
                f'{instruction.keyword} ["executable", "argument"]',
            )
    shown = " and ".join(f"{i.keyword} {json.dumps(list(i.exec_form or ()))}" for i in chosen)
    verb = "use" if len(chosen) > 1 else "uses"
    return verdict.finding(f"{shown} {verb} the exec form", chosen[0].line)


# --- APP-14: package caches and recommends --------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Manager:
    name: str
    programs: frozenset[str]
    verbs: frozenset[str]
    # Removing one of these (or a cache mount over it) keeps the layer clean.
    caches: tuple[str, ...]
    advice: str
    # Options that stop the install from keeping a cache at all.
    no_cache_flags: tuple[str, ...] = ()
    # Subcommands that empty the cache (``dnf clean all``).
    clean: tuple[tuple[str, ...], ...] = ()


_APT = _Manager(
    "apt",
    frozenset({"apt-get", "apt", "aptitude"}),
    frozenset({"install"}),
    ("/var/lib/apt/lists",),
    "end the same RUN with rm -rf /var/lib/apt/lists/*",
)
_PIP = _Manager(
    "pip",
    frozenset(),
    frozenset({"install"}),
    ("/root/.cache/pip", "~/.cache/pip", "$HOME/.cache/pip", "${HOME}/.cache/pip"),
    "add --no-cache-dir or set ENV PIP_NO_CACHE_DIR=1",
    ("--no-cache-dir",),
)
_APK = _Manager(
    "apk",
    frozenset({"apk"}),
    frozenset({"add"}),
    ("/var/cache/apk",),
    "use apk add --no-cache",
    ("--no-cache",),
)
_RPM_MANAGERS = tuple(
    _Manager(
        program,
        frozenset({program}),
        frozenset({"install", "groupinstall", "reinstall"}),
        (f"/var/cache/{program}",),
        f"end the same RUN with {program} clean all",
        clean=(("clean", "all"),),
    )
    for program in ("yum", "dnf", "microdnf", "tdnf")
)
_ZYPPER = _Manager(
    "zypper",
    frozenset({"zypper"}),
    frozenset({"install", "in"}),
    ("/var/cache/zypp",),
    "end the same RUN with zypper clean --all",
    clean=(("clean",), ("cc",)),
)
_MANAGERS = (_APT, _APK, *_RPM_MANAGERS, _ZYPPER)
_PIP_PROGRAM = re.compile(r"pip(?:[0-9]+(?:\.[0-9]+)?)?")
_PYTHON_PROGRAM = re.compile(r"python(?:[0-9]+(?:\.[0-9]+)?)?")
_RECOMMENDS_OFF = re.compile(r"Install-Recommends\W+(?:0|false)\b", re.IGNORECASE)


def _installer(command: Command) -> _Manager | None:
    """The package manager ``command`` installs packages with, if it does."""
    program, rest = command.program, command.words[1:]
    if _PYTHON_PROGRAM.fullmatch(program) and rest[:2] == ("-m", "pip"):
        program, rest = "pip", rest[2:]
    if _PIP_PROGRAM.fullmatch(program):
        verb = next((word for word in rest if not word.startswith("-")), None)
        return _PIP if verb == "install" else None
    for manager in _MANAGERS:
        if program in manager.programs and any(word in manager.verbs for word in rest):
            return manager
    return None


def _cache_mounts(instruction: Instruction) -> list[str]:
    """Targets of ``RUN --mount=type=cache``: what is written there is not in the layer."""
    targets = []
    for mount in instruction.flag("mount"):
        options = dict(part.partition("=")[::2] for part in mount.split(","))
        if options.get("type") == "cache":
            target = options.get("target") or options.get("dst") or options.get("destination")
            if target:
                targets.append(target)
    return targets


def _covers(path: str, cache: str) -> bool:
    """Whether removing (or mounting over) ``path`` takes ``cache`` with it."""
    path = path.strip("'\"").rstrip("*").rstrip("/")
    return len(path) > 1 and (cache == path or cache.startswith(path + "/"))


def _cleaned(manager: _Manager, commands: Sequence[Command], mounts: Sequence[str]) -> bool:
    """Whether the same RUN removes the manager's cache or keeps it on a cache mount."""
    if any(_covers(target, cache) for target in mounts for cache in manager.caches):
        return True
    for command in commands:
        if command.program == "rm" and any(
            _covers(word, cache) for word in command.words[1:] for cache in manager.caches
        ):
            return True
        if command.program in manager.programs:
            subcommand = tuple(word for word in command.words[1:] if not word.startswith("-"))
            if any(subcommand[: len(clean)] == clean for clean in manager.clean):
                return True
    return False


@dataclass(frozen=True, slots=True)
class _Install:
    manager: _Manager
    command: Command
    clean: bool


def _lineage_runs(dockerfile: Dockerfile) -> Iterator[tuple[Instruction, list[_Install]]]:
    """Every RUN of the final image's lineage with its package installs, and whether each
    leaves a cache behind (pip also honours ``PIP_NO_CACHE_DIR`` from ENV, ARG or the line)."""
    for _, instruction, scope in _scoped(dockerfile, dockerfile.lineage()):
        if instruction.keyword != "RUN":
            continue
        commands = [command for pipeline in pipelines(instruction.script) for command in pipeline]
        mounts = _cache_mounts(instruction)
        installs = []
        for command in commands:
            manager = _installer(command)
            if manager is None:
                continue
            clean = any(flag in command.words for flag in manager.no_cache_flags)
            clean = clean or _cleaned(manager, commands, mounts)
            if manager is _PIP:
                clean = clean or bool(
                    command.assignments.get("PIP_NO_CACHE_DIR", scope.get("PIP_NO_CACHE_DIR"))
                )
            installs.append(_Install(manager, command, clean))
        yield instruction, installs


def _package_cache(dockerfile: Dockerfile, verdict: _Verdict) -> Finding:
    managers: set[str] = set()
    for instruction, installs in _lineage_runs(dockerfile):
        for install in installs:
            managers.add(install.manager.name)
            if not install.clean:
                verdict.fail(
                    instruction.line,
                    f"{install.command.program} install leaves its package cache in the layer; "
                    f"{install.manager.advice}",
                )
    if not managers:
        return verdict.single(
            NA,
            "the final image's stages install no packages with apt, apk, yum, dnf, microdnf, "
            "tdnf, zypper or pip",
        )
    return verdict.finding(f"every {', '.join(sorted(managers))} install leaves no cache behind")


def _recommends(dockerfile: Dockerfile, verdict: _Verdict) -> Finding:
    """Recommends can also be turned off for good with ``APT::Install-Recommends "0"`` in an
    apt configuration file written by an earlier (or the same) RUN."""
    configured = seen = False
    for instruction, installs in _lineage_runs(dockerfile):
        configured = configured or bool(_RECOMMENDS_OFF.search(instruction.script))
        for install in installs:
            if install.manager is not _APT:
                continue
            seen = True
            options = install.command.words
            if configured or {"--no-install-recommends", "--without-recommends"} & set(options):
                continue
            verdict.warn(
                instruction.line,
                f"{install.command.program} install also pulls in recommended packages; add "
                "--no-install-recommends",
            )
    if not seen:
        return verdict.single(NA, "the final image's stages install no apt packages")
    return verdict.finding("every apt install leaves out recommended packages")


# --- APP-14: sudo and curl | sh ------------------------------------------------------------

_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ash", "ksh", "fish", "python", "python3"})
_DOWNLOADERS = frozenset({"curl", "wget"})
_SUBSTITUTED_DOWNLOAD = re.compile(r"(?:\$\(|<\(|`)\s*(?:curl|wget)\b")


def _runs(dockerfile: Dockerfile) -> Iterator[tuple[Instruction, list[list[Command]]]]:
    for instruction in _all_instructions(dockerfile):
        if instruction.keyword == "RUN":
            yield instruction, pipelines(instruction.script)


def _sudo(dockerfile: Dockerfile, verdict: _Verdict) -> Finding:
    for instruction, found in _runs(dockerfile):
        if any(command.sudo for pipeline in found for command in pipeline):
            verdict.fail(
                instruction.line,
                "RUN uses sudo: build steps already run as the USER in effect, and sudo in an "
                "image is a setuid path to root; switch with USER root and back instead",
            )
    return verdict.finding("no RUN step uses sudo")


def _downloads_into_shell(pipeline: Sequence[Command]) -> bool:
    programs = [command.program for command in pipeline]
    piped = any(
        program in _DOWNLOADERS and any(later in _SHELLS for later in programs[at + 1 :])
        for at, program in enumerate(programs)
    )
    return piped or any(
        command.program in _SHELLS
        and any(_SUBSTITUTED_DOWNLOAD.search(word) for word in command.words[1:])
        for command in pipeline
    )


def _pipe_to_shell(dockerfile: Dockerfile, verdict: _Verdict) -> Finding:
    for instruction, found in _runs(dockerfile):
        if any(_downloads_into_shell(pipeline) for pipeline in found):
            verdict.fail(
                instruction.line,
                "RUN executes a script straight from the network; download it, verify its "
                "checksum or signature, then run it",
            )
    return verdict.finding("no RUN step pipes a download into a shell")


# --- CTR-07: distroless -------------------------------------------------------------------------


def _distroless(dockerfile: Dockerfile, verdict: _Verdict) -> Finding:
    """Only a preference (Warn): the final image's base is ``scratch`` or a distroless one."""
    root = dockerfile.lineage()[0]
    if root.resolved is None:
        verdict.warn(
            root.line,
            f"FROM {root.image} uses a build argument without a default, so the final image's "
            "base cannot be told",
        )
    elif root.resolved.lower() != "scratch" and "distroless" not in root.resolved.lower():
        verdict.warn(
            root.line,
            f"the final image is built on {root.resolved}, whose shell and package tools the "
            "application does not need at run time; prefer a distroless base",
        )
    return verdict.finding(f"the final image is built on {root.resolved}", root.line)


# --- entry point --------------------------------------------------------------------------------


def dockerfile_ref(path: str) -> ObjectRef:
    """How reports name a Dockerfile: kind ``Dockerfile``, no namespace, its path as the name."""
    return ObjectRef(api_version="", kind=KIND, namespace=None, name=path)


_JUDGES: tuple[tuple[Rule, Callable[[Dockerfile, _Verdict], Finding]], ...] = (
    (NO_SECRETS, _secrets),
    (NON_ROOT_USER, _user),
    (BASE_IMAGE_PINNED, _pinned),
    (NO_REMOTE_ADD, _remote_add),
    (EXEC_FORM, _exec_form),
    (PACKAGE_CACHE, _package_cache),
    (NO_RECOMMENDS, _recommends),
    (NO_SUDO, _sudo),
    (NO_PIPE_TO_SHELL, _pipe_to_shell),
    (DISTROLESS, _distroless),
)


def check_dockerfile(text: str, path: str) -> list[Finding]:
    """One finding per rule of :data:`RULES` for the Dockerfile ``text`` read from ``path``.

    Raises :class:`DockerfileError` when the text is no Dockerfile a builder would accept.
    """
    dockerfile = parse_dockerfile(text)
    ref = dockerfile_ref(path)
    return [judge(dockerfile, _Verdict(rule, ref, path)) for rule, judge in _JUDGES]
