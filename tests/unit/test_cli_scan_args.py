"""``scan``'s quick command-line reading gives argparse's arguments, or leaves the line to it."""

from __future__ import annotations

import itertools
import random

import pytest

from aks_checklist.cli import build_parser, main
from aks_checklist.commands.scan import parse_quickly


def argparse_reading(argv: list[str]) -> dict[str, object] | None:
    """What ``aks-checklist scan ARGV`` parses to with argparse, None for a usage error."""
    try:
        return vars(build_parser(["scan", *argv]).parse_args(["scan", *argv]))
    except SystemExit:
        return None


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["a.yaml"], id="one-path"),
        pytest.param(["a.yaml", "dir", "-"], id="paths-and-stdin"),
        pytest.param(["--format", "json", "a.yaml"], id="option-first"),
        pytest.param(["a.yaml", "-o", "sarif", "--fail-on", "medium"], id="options-after"),
        pytest.param(["--format=policyreport", "--fail-on=LOW", "a"], id="equals-forms"),
        pytest.param(["-n", "shop", "--namespace", "web", "a"], id="last-one-wins"),
        pytest.param(["--helm-values", "v1.yaml", "--helm-values=v2.yaml", "c"], id="repeated"),
        pytest.param(["--kustomize", "never", "--dedupe", "--show-passed", "a"], id="flags"),
        pytest.param(["--no-color", "--policy", "p.yaml", "a"], id="policy"),
        pytest.param(["--namespace=", "a"], id="empty-value"),
        pytest.param(["a=b", ""], id="odd-paths"),
    ],
)
def test_plain_command_lines_read_as_argparse_reads_them(argv: list[str]) -> None:
    quick = parse_quickly(argv)
    assert quick is not None
    assert vars(quick) == argparse_reading(argv)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="no-path"),
        pytest.param(["-h"], id="help"),
        pytest.param(["--help", "a"], id="long-help"),
        pytest.param(["--form", "json", "a"], id="abbreviation"),
        pytest.param(["--format", "xml", "a"], id="bad-choice"),
        pytest.param(["--fail-on", "urgent", "a"], id="bad-severity"),
        pytest.param(["a", "--format"], id="missing-value"),
        pytest.param(["--namespace", "-x", "a"], id="value-like-an-option"),
        pytest.param(["-ojson", "a"], id="attached-short-option"),
        pytest.param(["-o=json", "a"], id="short-option-equals"),
        pytest.param(["a", "--dedupe", "b"], id="paths-split-by-an-option"),
        pytest.param(["--", "a"], id="double-dash"),
        pytest.param(["--dedupe=yes", "a"], id="flag-with-value"),
        pytest.param(["--unknown", "a"], id="unknown-option"),
        pytest.param(["-1", "a"], id="negative-number"),
    ],
)
def test_anything_else_is_left_to_argparse(argv: list[str]) -> None:
    assert parse_quickly(argv) is None


def test_random_command_lines_are_read_as_argparse_reads_them_or_left_to_it() -> None:
    words = ["a", "b", "-", "--format", "json", "-o", "table", "--fail-on", "low", "--dedupe"]
    words += ["--kustomize", "always", "-n", "ns", "--helm-values=v", "--show-passed", "--"]
    words += ["--no-color", "--policy", "--format=sarif", "-h", "--namespace=x", "--fail-on=Hi"]
    rng = random.Random(13)  # noqa: S311  # reproducible test data, not secrets
    lines = [list(line) for line in itertools.product(words[:6], repeat=2)]
    lines += [[rng.choice(words) for _ in range(rng.randint(1, 7))] for _ in range(1500)]
    quick_ones = 0
    for argv in lines:
        quick = parse_quickly(argv)
        if quick is None:
            continue
        quick_ones += 1
        assert vars(quick) == argparse_reading(argv), argv
    assert quick_ones > 200


def test_a_command_line_left_to_argparse_still_gets_its_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["scan", "--form", "xml", "a.yaml"])
    assert exited.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err
