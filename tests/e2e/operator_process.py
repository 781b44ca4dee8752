"""The operator under test, run as a separate process exactly as users run it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.e2e.cluster import eventually

OPERATOR_NAMESPACE = "aks-checklist-system"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OperatorProcess:
    def __init__(
        self,
        kubeconfig: Path,
        log_path: Path,
        env: dict[str, str] | None = None,
        peering: str | None = None,
        namespaces: tuple[str, ...] = (),
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.kubeconfig = kubeconfig
        self.log_path = log_path
        self.env = dict(env or {})
        self.peering_args = [f"--peering={peering}"] if peering else ["--standalone"]
        self.scope_args = [f"--namespace={ns}" for ns in namespaces] or ["--all-namespaces"]
        self.scope_args += extra_args
        self.process: subprocess.Popen[bytes] | None = None
        self.metrics_port = 0
        self.health_port = 0

    def start(self) -> None:
        self.metrics_port, self.health_port = free_port(), free_port()
        env = {**os.environ, **self.env, "KUBECONFIG": str(self.kubeconfig)}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aks_checklist",
                "run",
                *self.peering_args,
                *self.scope_args,
                "--operator-namespace",
                OPERATOR_NAMESPACE,
                "--metrics-port",
                str(self.metrics_port),
                "--liveness",
                f"http://127.0.0.1:{self.health_port}/healthz",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        eventually(self._healthy, timeout=60, what="the operator's liveness endpoint")

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(
                f"operator exited with {self.process.returncode}:\n{self.log_tail()}"
            )
        try:
            with urllib.request.urlopen(  # loopback
                f"http://127.0.0.1:{self.health_port}/healthz", timeout=2
            ) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def metrics(self) -> str:
        with urllib.request.urlopen(  # loopback
            f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5
        ) as response:
            text: str = response.read().decode()
            return text

    def writes(self) -> float:
        """Total write calls the operator made to the API server since it started."""
        pattern = re.compile(r"^aks_checklist_api_writes_total\{[^}]*\} (\S+)$", re.MULTILINE)
        return sum(float(value) for value in pattern.findall(self.metrics()))

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])
