"""Loading manifests from files, directories and stdin, and scanning them with the engine."""

from __future__ import annotations

import io
import os
import random
import re
import types
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml

from aks_checklist.checks import engine
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, Result, Rule, Severity
from aks_checklist.checks.snapshot import Snapshot
from aks_checklist.policy import Waiver
from aks_checklist.scan import (
    STDIN_NAME,
    LoadedObject,
    ScanError,
    _split_documents,
    load_documents,
    scan,
)
from aks_checklist.sources.documents import _marker_starts, read_text

FIXTURES = Path(__file__).parent / "fixtures" / "manifests"
SHOP = str(FIXTURES / "shop")
BROKEN = str(FIXTURES / "broken")


def summary(objects: list[LoadedObject]) -> list[tuple[str, int, str, str]]:
    return [
        (os.path.basename(o.file), o.document, str(o.obj["kind"]), o.obj["metadata"]["name"])
        for o in objects
    ]


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


# --- directories and files -------------------------------------------------------------------


def test_directory_is_read_recursively_in_sorted_order() -> None:
    """Helm output, Lists, JSON and legacy API versions all load; Chart.yaml and .github do not."""
    objects, errors = load_documents([SHOP])
    assert errors == []
    assert summary(objects) == [
        ("api.yaml", 0, "Deployment", "api"),
        ("api.yaml", 1, "Service", "api"),
        ("legacy-apis.yaml", 0, "Deployment", "legacy"),
        ("legacy-apis.yaml", 1, "PodDisruptionBudget", "legacy"),
        ("legacy-apis.yaml", 2, "CronJob", "cleanup"),
        ("web-helm.yaml", 0, "ServiceAccount", "web"),
        ("web-helm.yaml", 2, "Service", "web"),
        ("web-helm.yaml", 3, "Deployment", "web"),
        ("web-helm.yaml", 4, "HorizontalPodAutoscaler", "web"),
        ("web-helm.yaml", 5, "PodDisruptionBudget", "web"),
        ("worker-list.json", 0, "Deployment", "worker"),
        ("worker-list.json", 0, "ConfigMap", "worker-settings"),
    ]


def test_file_names_keep_the_path_as_given() -> None:
    objects, _ = load_documents([SHOP])
    assert objects[0].file == os.path.join(SHOP, "api.yaml")


def test_broken_documents_are_reported_and_the_rest_still_loads() -> None:
    objects, errors = load_documents([BROKEN])
    assert summary(objects) == [
        ("a-configmap.yaml", 0, "ConfigMap", "settings"),
        ("b-broken.yaml", 0, "Service", "orders"),
        ("b-broken.yaml", 2, "Deployment", "orders"),
    ]
    assert [(os.path.basename(e.file), e.document) for e in errors] == [
        ("b-broken.yaml", 1),
        ("c-not-an-object.yaml", 0),
        ("d-invalid.json", 0),
    ]
    assert errors[0].message.startswith("invalid YAML: ")
    # The line number is counted from the top of the file, not of the document.
    assert "line 19" in errors[0].message
    assert errors[1].message == "not a Kubernetes object but a string"
    assert errors[2].message.startswith("invalid JSON: ")


def test_missing_path_is_an_error_without_document_index() -> None:
    objects, errors = load_documents(["/nonexistent/manifests"])
    assert objects == []
    assert errors == [ScanError("/nonexistent/manifests", None, "no such file or directory")]


def test_explicit_file_is_read_whatever_its_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "rendered.txt", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    objects, errors = load_documents([path])
    assert (summary(objects), errors) == ([("rendered.txt", 0, "ConfigMap", "a")], [])


def test_directories_only_pick_manifest_extensions(tmp_path: Path) -> None:
    write(tmp_path, "a.YML", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: upper}\n")
    write(tmp_path, "b.txt", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: text}\n")
    write(tmp_path, ".hidden.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hidden}\n")
    write(
        tmp_path, "sub/c.json", '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "c"}}'
    )
    objects, errors = load_documents([str(tmp_path)])
    assert errors == []
    assert [o.obj["metadata"]["name"] for o in objects] == ["upper", "c"]


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(0, id="empty"),
        pytest.param(100, id="small"),
        pytest.param(3 * (1 << 20) + 7, id="larger-than-one-read"),
    ],
)
def test_a_file_is_read_whole_whatever_its_size(tmp_path: Path, size: int) -> None:
    content = ("# filler line\n" * (size // 14 + 1))[:size]
    path = write(tmp_path, "big.yaml", content)
    errors: list[ScanError] = []
    assert read_text(path, errors) == content
    assert errors == []


def test_a_directory_named_as_a_file_is_an_error(tmp_path: Path) -> None:
    errors: list[ScanError] = []
    assert read_text(str(tmp_path), errors) is None
    assert errors == [ScanError(str(tmp_path), None, "cannot read: Is a directory")]


def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path, "latin1.yaml", "kind: ConfigMap\nmetadata: {name: caf\xe9}\n".encode("latin-1")
    )
    objects, errors = load_documents([path])
    assert objects == []
    assert errors == [ScanError(path, None, "not UTF-8 text")]


def test_byte_order_mark_and_crlf_are_tolerated(tmp_path: Path) -> None:
    """Windows line endings, even in a file with a broken document (the splitter's path)."""
    docs = [
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
        "kind: [\n",
        "kind: Secret\nmetadata: {name: b}\n",
    ]
    text = "---\n".join(docs).replace("\n", "\r\n")
    path = write(tmp_path, "windows.yaml", b"\xef\xbb\xbf" + text.encode())
    objects, errors = load_documents([path])
    assert [e.document for e in errors] == [1]
    assert summary(objects) == [
        ("windows.yaml", 0, "ConfigMap", "a"),
        ("windows.yaml", 2, "Secret", "b"),
    ]


# --- documents -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", [], id="empty-file"),
        pytest.param("# just a comment\n", [], id="comment-only"),
        pytest.param("---\n---\n", [], id="only-separators"),
        pytest.param("kind: A\nmetadata: {name: a}\n", [(0, "a")], id="no-separator"),
        pytest.param("---\nkind: A\nmetadata: {name: a}\n", [(0, "a")], id="leading-separator"),
        pytest.param(
            "# c\n---\nkind: A\nmetadata: {name: a}\n---\nkind: B\nmetadata: {name: b}\n",
            [(0, "a"), (1, "b")],
            id="comment-before-first-separator",
        ),
        pytest.param(
            "kind: A\nmetadata: {name: a}\n---\n---\nkind: B\nmetadata: {name: b}\n",
            [(0, "a"), (2, "b")],
            id="empty-document-keeps-its-index",
        ),
        pytest.param(
            "--- {kind: A, metadata: {name: a}}\n", [(0, "a")], id="content-on-separator-line"
        ),
    ],
)
def test_document_indexes_match_a_yaml_stream(text: str, expected: list[tuple[int, str]]) -> None:
    objects, errors = load_documents(["-"], stdin=io.StringIO(text))
    assert errors == []
    assert [(o.document, o.obj["metadata"]["name"]) for o in objects] == expected


@pytest.mark.parametrize(
    "name",
    ["web-helm.yaml", "api.yaml", "legacy-apis.yaml"],
)
def test_document_splitting_agrees_with_the_yaml_parser(name: str) -> None:
    """The fallback splitter used for broken files must number documents like the parser does."""
    text = (FIXTURES / "shop" / name).read_text()
    streamed = list(yaml.safe_load_all(text))
    split = [doc for _, chunk in _split_documents(text) for doc in yaml.safe_load_all(chunk)]
    assert split == streamed


def test_document_markers_are_where_yaml_puts_them() -> None:
    """``---`` at a line start, then a blank, a line end or the end: YAML's marker rule."""
    marker = re.compile(r"^---(?=[ \t\r]|$)", re.MULTILINE)
    rng = random.Random(13)  # noqa: S311  # test data, not cryptography
    pieces = ["---", "-", "--", "\n", "\r", "\t", " ", "a", "---\n", "\n---", "----", "\r\n"]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        starts = [match.start() for match in marker.finditer(text)]
        assert _marker_starts(text) == starts, text


def test_content_line_is_the_first_line_splitlines_finds_content_on() -> None:
    """Read from the top line by line, it agrees with splitting every line break there is."""
    from aks_checklist.sources.documents import _content_line, _content_line_of_lines

    rng = random.Random(11)  # noqa: S311  # test data, not cryptography
    pieces = ["---", "--- # c", "---x", "# c", "  # c", "", " ", "a: 1", "\t", "\r", "\x85"]
    pieces += ["\u2028", "\x0b", "b", "---a: 1", "- x", "\r\n"]
    for _ in range(4000):
        chunk = "".join(rng.choice(pieces) + rng.choice(["\n", "", "\n\n"]) for _ in range(5))
        assert _content_line(7, chunk) == _content_line_of_lines(7, chunk), repr(chunk)


def test_broken_document_keeps_later_indexes_stable(tmp_path: Path) -> None:
    text = "kind: A\nmetadata: {name: a}\n---\nkind: [\n---\n\n---\nkind: B\nmetadata: {name: b}\n"
    objects, errors = load_documents([write(tmp_path, "x.yaml", text)])
    assert [(o.document, o.obj["metadata"]["name"]) for o in objects] == [(0, "a"), (3, "b")]
    assert [e.document for e in errors] == [1]
    assert "line 4" in errors[0].message or "line 5" in errors[0].message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("- a\n- b\n", "not a Kubernetes object but a list", id="list-document"),
        pytest.param("42\n", "not a Kubernetes object but a number", id="number-document"),
        pytest.param(
            "metadata: {name: a}\nspec: {}\n", "object has metadata but no kind", id="no-kind"
        ),
        pytest.param(
            "kind: List\nitems: [{kind: ConfigMap, metadata: {name: a}}, 3]\n",
            "List item 1 is not a Kubernetes object",
            id="bad-list-item",
        ),
    ],
)
def test_documents_that_are_not_objects_are_errors(text: str, message: str) -> None:
    _, errors = load_documents(["-"], stdin=io.StringIO(text))
    assert errors == [ScanError(STDIN_NAME, 0, message)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("replicaCount: 2\nimage: {tag: 1.0}\n", id="helm-values"),
        pytest.param("apiVersion: v2\nname: chart\nversion: 1.0.0\n", id="chart-yaml"),
    ],
)
def test_plain_config_files_are_skipped_quietly(text: str) -> None:
    assert load_documents(["-"], stdin=io.StringIO(text)) == ([], [])


def test_typed_lists_are_expanded_with_their_document_index() -> None:
    text = (
        "kind: ConfigMap\nmetadata: {name: first}\n---\n"
        "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n"
        "- {apiVersion: apps/v1, kind: Deployment, metadata: {name: a}}\n"
        "- {apiVersion: apps/v1, kind: Deployment, metadata: {name: b}}\n"
    )
    objects, _ = load_documents(["-"], stdin=io.StringIO(text))
    assert [(o.document, o.obj["metadata"]["name"]) for o in objects] == [
        (0, "first"),
        (1, "a"),
        (1, "b"),
    ]


def test_stdin_accepts_json() -> None:
    text = '{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p"}}]}'
    objects, errors = load_documents(["-"], stdin=io.StringIO(text))
    assert errors == []
    assert [(o.file, o.obj["kind"]) for o in objects] == [(STDIN_NAME, "Pod")]


# --- scanning with a stand-in engine ---------------------------------------------------------

LIVENESS = Rule(
    "APP-01/liveness-probe", "Containers have a liveness probe", Severity.HIGH, "workload"
)
REPLICAS = Rule("APP-05/replicas", "More than one replica", Severity.MEDIUM, "workload")


def fake_check(snapshot: Snapshot, settings: CheckSettings) -> Iterator[Finding]:
    for workload in snapshot.workloads:
        for container in workload.containers():
            probe = "livenessProbe" in container.spec
            yield LIVENESS.finding(
                Result.PASS if probe else Result.FAIL,
                f"container {container.name} {'has' if probe else 'has no'} livenessProbe",
                workload.ref,
                container=container.name,
            )
        replicas = snapshot.effective_min_replicas(workload)
        if replicas is not None:
            yield REPLICAS.finding(
                Result.PASS if replicas > 1 else Result.FAIL, f"{replicas} replica(s)", workload.ref
            )


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replaces the category modules by one small rule set, so these tests judge scan.py only."""
    module = types.SimpleNamespace(RULES=(LIVENESS, REPLICAS), check=fake_check)
    monkeypatch.setattr(engine, "_category_modules", lambda: (module,))


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME}
spec:
  replicas: 1
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      containers: [{name: main, image: contoso.azurecr.io/NAME:1.0.0}]
"""


@pytest.mark.usefixtures("fake_engine")
def test_scan_attaches_the_file_of_each_object() -> None:
    result = scan([SHOP])
    assert result.objects_count == 12
    assert result.errors == []
    files = {(f.object.name, os.path.basename(f.file or "")) for f in result.findings if f.object}
    assert files == {
        ("api", "api.yaml"),
        ("legacy", "legacy-apis.yaml"),
        ("cleanup", "legacy-apis.yaml"),
        ("web", "web-helm.yaml"),
        ("worker", "worker-list.json"),
    }


@pytest.mark.usefixtures("fake_engine")
def test_scan_judges_legacy_kinds_and_defaults_missing_fields() -> None:
    """extensions/v1beta1 Deployment without selector or replicas: judged by kind, replicas 1."""
    result = scan([os.path.join(SHOP, "legacy-apis.yaml")])
    legacy = {f.rule: f for f in result.findings if f.object and f.object.name == "legacy"}
    assert legacy["APP-05/replicas"].result is Result.FAIL
    assert legacy["APP-05/replicas"].message == "1 replica(s)"
    assert legacy["APP-05/replicas"].object.api_version == "extensions/v1beta1"  # type: ignore[union-attr]


@pytest.mark.usefixtures("fake_engine")
def test_scan_uses_autoscaler_floor_across_documents() -> None:
    """The Helm chart's HPA (minReplicas 2) in another document counts for its Deployment."""
    result = scan([os.path.join(SHOP, "web-helm.yaml")])
    [replicas] = [f for f in result.findings if f.rule == "APP-05/replicas"]
    assert replicas.result is Result.PASS


@pytest.mark.usefixtures("fake_engine")
@pytest.mark.parametrize(
    ("namespace", "expected"),
    [pytest.param(None, "default", id="default"), pytest.param("shop", "shop", id="given")],
)
def test_objects_without_namespace_are_judged_in_default_or_the_given_one(
    namespace: str | None, expected: str
) -> None:
    stdin = io.StringIO(DEPLOYMENT.replace("NAME", "a"))
    result = scan(["-"], namespace=namespace, stdin=stdin)
    assert {f.object.namespace for f in result.findings if f.object} == {expected}
    assert {f.file for f in result.findings} == {STDIN_NAME}


@pytest.mark.usefixtures("fake_engine")
def test_explicit_namespace_is_kept() -> None:
    stdin = io.StringIO(
        DEPLOYMENT.replace("NAME", "a").replace("{name: a}", "{name: a, namespace: x}", 1)
    )
    result = scan(["-"], namespace="shop", stdin=stdin)
    assert {f.object.namespace for f in result.findings if f.object} == {"x"}


@pytest.mark.usefixtures("fake_engine")
def test_scan_applies_disabled_rules_and_waivers() -> None:
    settings = CheckSettings(disabled=frozenset({"APP-05"}))
    waivers = [Waiver(rule="APP-01/liveness-probe", reason="legacy app", name="legacy")]
    result = scan([SHOP], settings=settings, waivers=waivers, today=date(2026, 1, 1))
    assert {f.rule for f in result.findings} == {"APP-01/liveness-probe"}
    by_name = {f.object.name: f for f in result.findings if f.object}
    assert by_name["legacy"].result is Result.WAIVED
    assert by_name["legacy"].message.endswith("waived: legacy app")
    assert by_name["api"].result is Result.FAIL


@pytest.mark.usefixtures("fake_engine")
def test_scan_keeps_going_past_broken_files() -> None:
    result = scan([BROKEN])
    assert [e.document for e in result.errors] == [1, 0, 0]
    assert [f.object.name for f in result.findings if f.object] == ["orders", "orders"]


@pytest.mark.usefixtures("fake_engine")
def test_storage_classes_are_judged_once_however_many_namespaces() -> None:
    text = "\n---\n".join(
        [
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: managed-premium}\n"
            "provisioner: disk.csi.azure.com\nvolumeBindingMode: Immediate",
            DEPLOYMENT.replace("NAME", "a").replace("{name: a}", "{name: a, namespace: one}", 1),
            DEPLOYMENT.replace("NAME", "b").replace("{name: b}", "{name: b, namespace: two}", 1),
        ]
    )
    result = scan(["-"], stdin=io.StringIO(text))
    storage = [f for f in result.findings if f.object and f.object.kind == "StorageClass"]
    assert len(storage) == 1
    assert storage[0].file == STDIN_NAME
    assert storage[0].object.namespace is None  # type: ignore[union-attr]
    disabled = scan(
        ["-"],
        stdin=io.StringIO(text),
        settings=CheckSettings(disabled=frozenset({storage[0].item})),
    )
    assert not [f for f in disabled.findings if f.object and f.object.kind == "StorageClass"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "kind: {a: 1}\nmetadata: {name: a}\n",
            "has a kind that is not a string, so is not a Kubernetes object",
            id="kind-mapping",
        ),
        pytest.param(
            "apiVersion: [v1]\nkind: Pod\n",
            "has an apiVersion that is not a string, so is not a Kubernetes object",
            id="api-version-list",
        ),
        pytest.param(
            "kind: Pod\nmetadata: [a]\n",
            "has metadata that is not a mapping, so is not a Kubernetes object",
            id="metadata-list",
        ),
        pytest.param(
            "kind: Pod\nmetadata: {name: [a]}\n",
            "has a metadata.name that is not a string, so is not a Kubernetes object",
            id="name-list",
        ),
        pytest.param(
            "kind: Pod\nmetadata: {name: a, namespace: {x: 1}}\n",
            "has a metadata.namespace that is not a string, so is not a Kubernetes object",
            id="namespace-mapping",
        ),
        pytest.param(
            "kind: Pod\nmetadata: {name: a, labels: [x]}\n",
            "has metadata.labels that is not a mapping, so is not a Kubernetes object",
            id="labels-list",
        ),
        pytest.param(
            "kind: List\nitems: [{kind: Pod, metadata: []}]\n",
            "List item 0 has metadata that is not a mapping, so is not a Kubernetes object",
            id="list-item-envelope",
        ),
    ],
)
def test_objects_the_api_server_could_not_decode_are_errors(text: str, message: str) -> None:
    """Wrong types in the envelope (kind, metadata) are input errors, not crashes in the checks."""
    objects, errors = load_documents(["-"], stdin=io.StringIO(text))
    assert objects == []
    assert errors == [ScanError(STDIN_NAME, 0, message)]


def test_incomplete_objects_are_still_loaded() -> None:
    """Missing metadata, spec or apiVersion is for the checks to judge, not a load error."""
    text = "kind: Deployment\n---\nkind: Pod\nmetadata: null\n---\nkind: Service\nmetadata: {}\n"
    objects, errors = load_documents(["-"], stdin=io.StringIO(text))
    assert errors == []
    assert [o.obj["kind"] for o in objects] == ["Deployment", "Pod", "Service"]


def test_a_check_that_crashes_costs_one_namespace_not_the_scan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fragile(snapshot: Snapshot, settings: CheckSettings) -> Iterator[Finding]:
        if snapshot.namespace == "two":
            raise TypeError("unhashable type: 'list'")
        yield from fake_check(snapshot, settings)

    module = types.SimpleNamespace(RULES=(LIVENESS, REPLICAS), check=fragile)
    monkeypatch.setattr(engine, "_category_modules", lambda: (module,))
    text = "\n---\n".join(
        DEPLOYMENT.replace("NAME", name).replace(
            f"{{name: {name}}}", f"{{name: {name}, namespace: {name}}}", 1
        )
        for name in ("one", "two")
    )
    result = scan(["-"], stdin=io.StringIO(text))
    assert {f.object.namespace for f in result.findings if f.object} == {"one"}
    [error] = result.errors
    assert error.file == STDIN_NAME
    assert error.document is None
    assert error.message == (
        "the checks failed on namespace two (<stdin>), so its results are missing: "
        "TypeError: unhashable type: 'list'"
    )


# --- lines -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("kind: A\nmetadata: {name: a}\n", [("a", 1)], id="single"),
        pytest.param(
            "# header\n\n---\n# Source: x/templates/a.yaml\nkind: A\nmetadata: {name: a}\n"
            "---\n\nkind: B\nmetadata: {name: b}\n",
            [("a", 5), ("b", 9)],
            id="comments-and-markers-skipped",
        ),
        pytest.param(
            "kind: A\nmetadata: {name: a}\ndata:\n  f: |\n    ---\n    x\n---\nkind: B\n"
            "metadata: {name: b}\n",
            [("a", 1), ("b", 8)],
            id="indented-marker-in-a-block-scalar-is-text",
        ),
        pytest.param(
            "apiVersion: v1\nkind: List\nitems:\n- kind: A\n  metadata: {name: a}\n"
            "- kind: B\n  metadata:\n    name: b\nmetadata: {}\n",
            [("a", 4), ("b", 6)],
            id="list-items-at-their-own-lines",
        ),
        pytest.param(
            "kind: A\nmetadata: {name: a}\n---\nkind: [\n---\nkind: B\nmetadata: {name: b}\n",
            [("a", 1), ("b", 6)],
            id="after-a-broken-document",
        ),
        pytest.param(
            '\n\n{"kind": "A", "metadata": {"name": "a"}}', [("a", 3)], id="json-after-blank-lines"
        ),
    ],
)
def test_objects_know_the_line_their_document_starts_on(
    text: str, expected: list[tuple[str, int]]
) -> None:
    objects, _ = load_documents(["-"], stdin=io.StringIO(text))
    assert [(o.obj["metadata"]["name"], o.line) for o in objects] == expected
