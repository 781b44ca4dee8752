"""Starts and stops etcd, kube-apiserver and kube-controller-manager as local processes.

Every process gets its own process group and is told by the kernel to die
with its parent (``PR_SET_PDEATHSIG``), so a crashed test run leaves no
orphans; :meth:`ControlPlane.stop` terminates them in reverse start order.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from aks_checklist.testing import certs
from aks_checklist.testing.binaries import Binaries, find_binaries

SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24"
STOP_GRACE_SECONDS = 10.0


class ControlPlaneError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGKILL it when the parent process dies."""
    pr_set_pdeathsig = 1
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


class ControlPlane:
    """A running control plane; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        binaries: Binaries | None = None,
        controller_manager: bool = True,
    ) -> None:
        self._own_workdir = workdir is None
        self.workdir = (
            Path(tempfile.mkdtemp(prefix="aks-checklist-cp-")) if workdir is None else workdir
        ).resolve()
        self._binaries = binaries
        self._with_controller_manager = controller_manager
        self._processes: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []
        self.apiserver_port = 0
        self.kubeconfig = self.workdir / "kubeconfig"

    @property
    def binaries(self) -> Binaries:
        if self._binaries is None:
            self._binaries = find_binaries()
        return self._binaries

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.apiserver_port}"

    def __enter__(self) -> ControlPlane:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, timeout: float = 120.0) -> None:
        binaries = self.binaries
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self._pki = certs.generate(self.workdir / "pki")
            self.apiserver_port = _free_port()
            self._write_kubeconfig()
            self._start_etcd(binaries, timeout)
            self._start_apiserver(binaries, timeout)
            if self._with_controller_manager and binaries.kube_controller_manager:
                self._start_controller_manager(binaries, timeout)
                # Default ServiceAccounts prove the controllers are really reconciling.
                self._wait(
                    "the default ServiceAccount",
                    lambda: self._get("/api/v1/namespaces/default/serviceaccounts/default") == 200,
                    timeout,
                )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for name, process, log in reversed(self._processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(STOP_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            log.close()
            del name
        self._processes.clear()
        if self._own_workdir:
            subprocess.run(["rm", "-rf", str(self.workdir)], check=False)

    # -- chaos: what the e2e suite does to a running control plane --------------------------

    def restart_apiserver(self, timeout: float = 120.0, down_seconds: float = 0.0) -> None:
        """Kills kube-apiserver (every watch breaks), waits ``down_seconds``, starts it again.

        SIGKILL, as a crash or an OOM kill would: a graceful shutdown drains connections and,
        with a paused client on the other end, takes longer than the tests want to wait.
        """
        for index, (name, process, log) in enumerate(self._processes):
            if name == "kube-apiserver":
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                log.close()
                del self._processes[index]
                break
        time.sleep(down_seconds)
        self._start_apiserver(self.binaries, timeout)

    def compact_etcd(self) -> int:
        """Compacts etcd at its current revision, so no watch can resume from before; returns it."""
        base = f"http://127.0.0.1:{self.etcd_port}/v3"
        status = _post_json(f"{base}/maintenance/status", {})
        revision = int(status["header"]["revision"])
        _post_json(f"{base}/kv/compaction", {"revision": revision, "physical": True})
        return revision

    # -- processes ---------------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # only calls prctl; no locks taken
            cwd=self.workdir,
        )
        self._processes.append((name, process, log))
        return process

    def _start_etcd(self, binaries: Binaries, timeout: float) -> None:
        self.etcd_port, peer_port = _free_port(), _free_port()
        client_url = f"http://127.0.0.1:{self.etcd_port}"
        self._spawn(
            "etcd",
            [
                str(binaries.etcd),
                "--data-dir",
                str(self.workdir / "etcd"),
                "--listen-client-urls",
                client_url,
                "--advertise-client-urls",
                client_url,
                "--listen-peer-urls",
                f"http://127.0.0.1:{peer_port}",
                "--initial-advertise-peer-urls",
                f"http://127.0.0.1:{peer_port}",
                "--initial-cluster",
                f"default=http://127.0.0.1:{peer_port}",
                "--unsafe-no-fsync=true",
                "--quota-backend-bytes",
                str(4 * 1024**3),
            ],
        )
        self._wait("etcd", lambda: _http_ok(f"{client_url}/health"), timeout, process="etcd")

    def _start_apiserver(self, binaries: Binaries, timeout: float) -> None:
        pki = self._pki
        self._spawn(
            "kube-apiserver",
            [
                str(binaries.kube_apiserver),
                f"--etcd-servers=http://127.0.0.1:{self.etcd_port}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={self.apiserver_port}",
                f"--cert-dir={self.workdir / 'apiserver-certs'}",
                f"--tls-cert-file={pki.serving_cert}",
                f"--tls-private-key-file={pki.serving_key}",
                f"--client-ca-file={pki.ca_cert}",
                f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={pki.service_account_pub}",
                f"--service-account-signing-key-file={pki.service_account_key}",
                "--allow-privileged=true",
                "--event-ttl=1h",
            ],
        )
        self._wait(
            "kube-apiserver", lambda: self._get("/readyz") == 200, timeout, process="kube-apiserver"
        )

    def _start_controller_manager(self, binaries: Binaries, timeout: float) -> None:
        assert binaries.kube_controller_manager is not None
        port = _free_port()
        pki = self._pki
        kubeconfig = str(self.kubeconfig)
        self._spawn(
            "kube-controller-manager",
            [
                str(binaries.kube_controller_manager),
                f"--kubeconfig={kubeconfig}",
                f"--authentication-kubeconfig={kubeconfig}",
                f"--authorization-kubeconfig={kubeconfig}",
                "--bind-address=127.0.0.1",
                f"--secure-port={port}",
                f"--cert-dir={self.workdir / 'kcm-certs'}",
                f"--service-account-private-key-file={pki.service_account_key}",
                f"--root-ca-file={pki.ca_cert}",
                f"--cluster-signing-cert-file={pki.ca_cert}",
                f"--cluster-signing-key-file={pki.ca_key}",
                f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
                "--use-service-account-credentials=true",
                "--leader-elect=false",
                "--controllers=*",
            ],
        )
        self._wait(
            "kube-controller-manager",
            lambda: _http_ok(f"https://127.0.0.1:{port}/healthz", verify=False),
            timeout,
            process="kube-controller-manager",
        )

    def _wait(
        self, what: str, ready: Callable[[], bool], timeout: float, *, process: str | None = None
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc, _ in self._processes:
                if proc.poll() is not None:
                    raise ControlPlaneError(
                        f"{name} exited with code {proc.returncode} while waiting for {what}:\n"
                        + self.log_tail(name)
                    )
            if ready():
                return
            time.sleep(0.2)
        raise ControlPlaneError(
            f"{what} was not ready after {timeout:.0f}s"
            + (f":\n{self.log_tail(process)}" if process else "")
        )

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.workdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # -- client side -----------------------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self._pki.ca_cert))
        context.load_cert_chain(str(self._pki.admin_cert), str(self._pki.admin_key))
        return context

    def _get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(  # noqa: S310  # fixed https URL on loopback
                self.server + path, context=self._ssl_context(), timeout=5
            ) as response:
                status: int = response.status
                return status
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, OSError):
            return 0

    def version(self) -> dict[str, str]:
        with urllib.request.urlopen(  # noqa: S310  # fixed https URL on loopback
            self.server + "/version", context=self._ssl_context(), timeout=5
        ) as response:
            data: dict[str, str] = json.load(response)
            return data

    def _write_kubeconfig(self) -> None:
        def b64(path: Path) -> str:
            return base64.b64encode(path.read_bytes()).decode()

        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "local",
                    "cluster": {
                        "server": self.server,
                        "certificate-authority-data": b64(self._pki.ca_cert),
                    },
                }
            ],
            "users": [
                {
                    "name": "admin",
                    "user": {
                        "client-certificate-data": b64(self._pki.admin_cert),
                        "client-key-data": b64(self._pki.admin_key),
                    },
                }
            ],
            "contexts": [{"name": "local", "context": {"cluster": "local", "user": "admin"}}],
            "current-context": "local",
        }
        self.kubeconfig.write_text(json.dumps(config, indent=2))
        self.kubeconfig.chmod(0o600)


def _http_ok(url: str, *, verify: bool = True) -> bool:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, context=context, timeout=5) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    """A call to etcd's JSON gateway (loopback, plain HTTP)."""
    request = urllib.request.Request(  # noqa: S310  # a loopback URL we built ourselves
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # same
        answer: dict[str, Any] = json.loads(response.read())
        return answer
