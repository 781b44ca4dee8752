"""``aks-checklist dashboard`` is a subcommand with its documented flags and defaults."""

from __future__ import annotations

import pytest

from aks_checklist.cli import build_parser
from aks_checklist.commands import dashboard


def test_defaults_listen_on_loopback_only() -> None:
    args = build_parser().parse_args(["dashboard"])
    assert args.handler is dashboard.handle
    assert (args.address, args.port, args.kubeconfig, args.context, args.output) == (
        "127.0.0.1",
        8080,
        None,
        None,
        None,
    )


def test_flags_pick_the_cluster_address_and_output() -> None:
    args = build_parser().parse_args(
        ["dashboard", "--kubeconfig", "k.yaml", "--context", "prod", "--port", "0", "--output", "-"]
    )
    assert (args.kubeconfig, args.context, args.port, args.output) == ("k.yaml", "prod", 0, "-")


def test_a_port_must_be_a_number() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["dashboard", "--port", "http"])
