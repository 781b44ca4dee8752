"""Cluster-wide evidence: which tools are installed, and what nodes and storage look like.

Many checklist items ask "do you use X" (GitOps, canary releases, a runtime
security agent, backups, a cost tool). The cluster answers without Azure: the
tools register CustomResourceDefinitions (found by discovery or as CRD
objects), run controllers and DaemonSets in some namespace, and leave labels on
Nodes; StorageClasses, PersistentVolumeClaims, CSINodes and VolumeAttachments
tell the storage story. :class:`ClusterEvidence` holds those objects, from a
live cluster (``complete``: what is not there is absent) or from manifests
(what is not in the files may still be in the cluster); :func:`check_evidence`
judges them, purely.

Absence of evidence is only evidence of absence in a complete view: from
manifests a missing tool yields no finding at all, a found one still Passes.
Advisory items Warn when the tool is missing; strict ones (a runtime agent,
backups of stateful workloads, an image admission gate) Fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import Any

from aks_checklist.checks.addons import (
    APP_LABELS,
    CLUSTER_REF,
    DEFENDER_SENSOR,
    AddonSignature,
    availability_zone,
    node_name,
)
from aks_checklist.checks.engine import CheckSettings
from aks_checklist.checks.model import Finding, ObjectRef, Result, Rule, Severity
from aks_checklist.checks.snapshot import as_dict, as_list, labels_of, meta
from aks_checklist.checks.verdicts import apply_requirements
from aks_checklist.records import Frozen

_set = object.__setattr__

Obj = dict[str, Any]
Verdict = tuple[Result, str]


def _rule(rule_id: str, title: str, severity: Severity = Severity.LOW) -> Rule:
    return Rule(rule_id, title, severity, "cluster")


APP_23 = _rule("APP-23/progressive-delivery", "A canary or blue/green delivery tool is installed")
APP_24 = _rule("APP-24/dapr", "Dapr is installed for microservice building blocks")
CSEC_06 = _rule(
    "CSEC-06/image-admission-gate",
    "An admission gate verifies images before they run",
    Severity.HIGH,
)
CTR_01 = _rule(
    "CTR-01/image-scanner-in-cluster",
    "An image vulnerability scanner runs in the cluster",
    Severity.MEDIUM,
)
CTR_03 = _rule(
    "CTR-03/runtime-security-agent",
    "A runtime security agent runs on every node",
    Severity.HIGH,
)
CTR_04 = _rule("CTR-04/vulnerable-images-held-back", "Unverified images are held back at admission")
NET_22 = _rule("NET-22/service-mesh-installed", "A service mesh is installed")
OPS_06 = _rule("OPS-06/continuous-checks", "An AksChecklistPolicy re-checks the cluster regularly")
OPS_09 = _rule("OPS-09/tracing-installed", "OpenTelemetry tracing is set up in the cluster")
OPS_12 = _rule("OPS-12/gitops-agent", "A GitOps agent (Flux or Argo CD) deploys workloads")
OPS_26 = _rule("OPS-26/virtual-node-present", "A virtual node can take burst pods")
OPS_27 = _rule("OPS-27/spot-nodes", "Spot nodes run interruptible work, and only that")
RES_01 = _rule("RES-01/virtual-node-present", "A virtual node can take burst pods")
RES_03 = _rule("RES-03/spot-nodes", "Spot nodes run interruptible work, and only that")
RES_04 = _rule("RES-04/arm64-nodes", "Some nodes run on Arm64")
RES_10 = _rule("RES-10/cost-allocation-tool", "A cost allocation tool (OpenCost, Kubecost) runs")
STO_01 = _rule("STO-01/csi-storage-classes", "Claims use CSI-driver StorageClasses")
STO_02 = _rule(
    "STO-02/disk-attach-headroom", "Nodes have room for more disk attachments", Severity.MEDIUM
)
STO_04 = _rule("STO-04/volume-backups", "Persistent volumes are backed up", Severity.HIGH)
STO_05 = _rule("STO-05/zone-redundant-disks", "Claims on multi-zone nodes use zone-redundant disks")
WIN_08 = _rule(
    "WIN-08/gmsa-credential-specs",
    "Pods that use gMSA have the GMSACredentialSpec CRD to resolve it",
    Severity.MEDIUM,
)

RULES: tuple[Rule, ...] = (
    APP_23,
    APP_24,
    CSEC_06,
    CTR_01,
    CTR_03,
    CTR_04,
    NET_22,
    OPS_06,
    OPS_09,
    OPS_12,
    OPS_26,
    OPS_27,
    RES_01,
    RES_03,
    RES_04,
    RES_10,
    STO_01,
    STO_02,
    STO_04,
    STO_05,
    WIN_08,
)

# Kinds the evidence rules read, wherever they are (namespaced ones from every namespace).
EVIDENCE_KINDS = frozenset(
    {
        "CustomResourceDefinition",
        "Deployment",
        "DaemonSet",
        "StatefulSet",
        "Node",
        "StorageClass",
        "PersistentVolumeClaim",
        "CSINode",
        "VolumeAttachment",
        "AksChecklistPolicy",
        "ClusterPolicy",
        "Policy",
        "Ingress",
    }
)


class ClusterEvidence(Frozen):
    """Objects of the kinds in :data:`EVIDENCE_KINDS`, plus CRD names found by discovery.

    ``crds`` holds ``<plural>.<group>`` names (``kustomizations.kustomize.toolkit.fluxcd.io``);
    CustomResourceDefinition objects among ``objects`` add theirs. ``complete`` says the
    objects are everything the cluster has (a live cluster), not a manifest set.
    """

    _fields = ("objects", "crds", "complete")
    _compared = (*_fields, "_kinds")
    objects: tuple[Obj, ...]
    crds: frozenset[str]
    complete: bool
    _kinds: dict[str, list[Obj]]

    def __init__(
        self,
        objects: tuple[Obj, ...] = (),
        crds: frozenset[str] = frozenset(),
        complete: bool = False,
    ) -> None:
        _set(self, "objects", objects)
        _set(self, "crds", crds)
        _set(self, "complete", complete)
        kinds: dict[str, list[Obj]] = {}
        for obj in objects:
            kinds.setdefault(str(obj.get("kind") or ""), []).append(obj)
        _set(self, "_kinds", kinds)

    @classmethod
    def of(
        cls, objects: Iterable[Obj], *, crds: Iterable[str] = (), complete: bool = False
    ) -> ClusterEvidence:
        kept = tuple(obj for obj in objects if obj.get("kind") in EVIDENCE_KINDS)
        return cls(objects=kept, crds=frozenset(crds), complete=complete)

    def kind(self, kind: str) -> list[Obj]:
        return self._kinds.get(kind, [])

    @property
    def crd_names(self) -> frozenset[str]:
        named = {str(meta(crd).get("name") or "") for crd in self.kind("CustomResourceDefinition")}
        return frozenset(name.lower() for name in named | self.crds if name)

    @property
    def workloads(self) -> list[Obj]:
        return [*self.kind("Deployment"), *self.kind("DaemonSet"), *self.kind("StatefulSet")]

    @cached_property
    def named_workloads(self) -> list[tuple[Obj, str, dict[str, str]]]:
        """The workloads with their names and labels, read once for all the tools that look."""
        return [(obj, str(meta(obj).get("name") or ""), labels_of(obj)) for obj in self.workloads]

    @cached_property
    def workload_marks(self) -> tuple[frozenset[str], frozenset[str]]:
        """Every workload's name, and every value of their app labels: all a tool that is
        recognised by names and labels can match (see :meth:`AddonSignature.may_match`)."""
        named = self.named_workloads
        return (
            frozenset(name for _, name, _ in named),
            frozenset(labels[key] for _, _, labels in named for key in APP_LABELS if key in labels),
        )

    @property
    def nodes(self) -> list[Obj]:
        return self.kind("Node")


class Tool(Frozen):
    """A tool, recognised by its CRDs (exact names or API-group suffixes) or its workloads."""

    _fields = __slots__ = ("what", "crds", "groups", "workloads")
    what: str
    crds: frozenset[str]
    groups: tuple[str, ...]
    workloads: AddonSignature | None

    def __init__(
        self,
        what: str,
        crds: frozenset[str] = frozenset(),
        groups: tuple[str, ...] = (),
        workloads: AddonSignature | None = None,
    ) -> None:
        _set(self, "what", what)
        _set(self, "crds", crds)
        _set(self, "groups", groups)
        _set(self, "workloads", workloads)

    def found(self, evidence: ClusterEvidence) -> list[str]:
        """What shows it is installed, as short texts; empty when nothing does."""
        seen = [
            f"CRD {name}"
            for name in sorted(evidence.crd_names)
            if name in self.crds or any(name.endswith("." + group) for group in self.groups)
        ][:2]
        # Most tools are recognised by exact names, which most scans hold none of.
        if self.workloads is not None and self.workloads.may_match(*evidence.workload_marks):
            seen += [
                f"{obj.get('kind')} {meta(obj).get('namespace') or '-'}/{meta(obj).get('name')}"
                for obj, name, labels in evidence.named_workloads
                if self.workloads.matches_named(name, labels)
            ][:2]
        return seen


def _sig(what: str, *names: str, prefixes: tuple[str, ...] = ()) -> AddonSignature:
    return AddonSignature(what, names=frozenset(names), prefixes=prefixes, apps=frozenset(names))


FLUX = Tool(
    "Flux",
    groups=("toolkit.fluxcd.io",),
    workloads=_sig("Flux", "kustomize-controller", "helm-controller", "source-controller"),
)
ARGO_CD = Tool(
    "Argo CD",
    crds=frozenset({"applications.argoproj.io", "applicationsets.argoproj.io"}),
    workloads=_sig("Argo CD", "argocd-application-controller", "argocd-server"),
)
ARGO_ROLLOUTS = Tool(
    "Argo Rollouts",
    crds=frozenset({"rollouts.argoproj.io"}),
    workloads=_sig("Argo Rollouts", "argo-rollouts"),
)
FLAGGER = Tool("Flagger", groups=("flagger.app",), workloads=_sig("Flagger", "flagger"))
DAPR = Tool(
    "Dapr",
    groups=("dapr.io",),
    workloads=_sig("Dapr", "dapr-operator", "dapr-sidecar-injector"),
)
ISTIO = Tool(
    "Istio", groups=("istio.io",), workloads=_sig("Istio", "istiod", prefixes=("istiod-",))
)
LINKERD = Tool("Linkerd", groups=("linkerd.io",), workloads=_sig("Linkerd", "linkerd-destination"))
OPENTELEMETRY = Tool(
    "OpenTelemetry",
    groups=("opentelemetry.io",),
    workloads=_sig(
        "OpenTelemetry", "opentelemetry-collector", "otel-collector", prefixes=("otel-collector",)
    ),
)
VELERO = Tool(
    "Velero",
    crds=frozenset({"schedules.velero.io", "backups.velero.io"}),
    workloads=_sig("Velero", "velero"),
)
AKS_BACKUP = Tool(
    "Azure Backup for AKS",
    groups=("dataprotection.microsoft.com",),
    workloads=_sig("Azure Backup", "dataprotection-microsoft-kubernetes-agent"),
)
COST = Tool(
    "a cost tool",
    workloads=_sig(
        "OpenCost or Kubecost", "opencost", "kubecost-cost-analyzer", prefixes=("kubecost-",)
    ),
)
TRIVY = Tool(
    "Trivy operator",
    crds=frozenset({"vulnerabilityreports.aquasecurity.github.io"}),
    workloads=_sig("Trivy operator", "trivy-operator"),
)
DEFENDER = Tool("the Defender sensor", workloads=DEFENDER_SENSOR)
RATIFY = Tool(
    "Ratify",
    groups=("config.ratify.deislabs.io", "config.ratify.dev"),
    workloads=_sig("Ratify", "ratify"),
)
RUNTIME_AGENTS = AddonSignature(
    "a runtime security agent",
    names=frozenset({"falco", "tetragon", "neuvector-enforcer-pod", "sysdig-agent"}),
    prefixes=("microsoft-defender-collector", "falco-", "tetragon-", "neuvector-enforcer"),
    apps=frozenset({"falco", "tetragon", "neuvector-enforcer-pod", "sysdig-agent"}),
)
GITOPS_MARKS = ("kustomize.toolkit.fluxcd.io/name", "helm.toolkit.fluxcd.io/name")
ARGO_MARKS = ("argocd.argoproj.io/tracking-id", "argocd.argoproj.io/instance")
CANARY_ANNOTATION = "nginx.ingress.kubernetes.io/canary"
DAPR_ANNOTATION = "dapr.io/enabled"
OTEL_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
ARCH_LABEL = "kubernetes.io/arch"
SPOT_LABEL = "kubernetes.azure.com/scalesetpriority"
IN_TREE = {"kubernetes.io/azure-disk", "kubernetes.io/azure-file"}
DISK_DRIVER = "disk.csi.azure.com"
GMSA_CRD = "gmsacredentialspecs.windows.k8s.io"


def check_evidence(
    evidence: ClusterEvidence, settings: CheckSettings | None = None
) -> list[Finding]:
    """Every evidence finding; rules ``settings`` disables are dropped."""
    settings = settings or CheckSettings()
    judges: tuple[tuple[Rule, Callable[[ClusterEvidence], Iterable[Finding]]], ...] = (
        (APP_23, _tools(APP_23, (ARGO_ROLLOUTS, FLAGGER), _canary_marks, "canary releases")),
        (APP_24, _tools(APP_24, (DAPR,), _dapr_marks, "Dapr")),
        (CSEC_06, _gate(CSEC_06, Result.FAIL)),
        (CTR_01, _tools(CTR_01, (TRIVY, DEFENDER), None, "an image vulnerability scanner")),
        (CTR_03, _runtime),
        (CTR_04, _gate(CTR_04, Result.WARN)),
        (NET_22, _tools(NET_22, (ISTIO, LINKERD), None, "a service mesh")),
        (OPS_06, _continuous),
        (OPS_09, _tools(OPS_09, (OPENTELEMETRY,), _otel_marks, "distributed tracing")),
        (OPS_12, _tools(OPS_12, (FLUX, ARGO_CD), _gitops_marks, "GitOps")),
        (OPS_26, _virtual_node(OPS_26)),
        (RES_01, _virtual_node(RES_01)),
        (OPS_27, _spot(OPS_27)),
        (RES_03, _spot(RES_03)),
        (RES_04, _arm64),
        (RES_10, _tools(RES_10, (COST,), None, "cost allocation")),
        (STO_01, _csi_classes),
        (STO_02, _attach_headroom),
        (STO_04, _backups),
        (STO_05, _zone_redundant),
        (WIN_08, _gmsa),
    )
    findings: list[Finding] = []
    for rule, judge in judges:
        if settings.enabled(rule.id):
            findings.extend(judge(evidence))
    return apply_requirements(findings, settings.required)


def _on_cluster(rule: Rule, verdict: Verdict) -> Finding:
    return rule.finding(verdict[0], verdict[1], CLUSTER_REF)


def _absent(rule: Rule, evidence: ClusterEvidence, result: Result, message: str) -> list[Finding]:
    """Nothing found: a finding only when the view is complete (see the module docstring)."""
    return [_on_cluster(rule, (result, message))] if evidence.complete else []


Marks = Callable[[ClusterEvidence], list[str]]


def _tools(
    rule: Rule, tools: tuple[Tool, ...], marks: Marks | None, what: str
) -> Callable[[ClusterEvidence], list[Finding]]:
    def judge(evidence: ClusterEvidence) -> list[Finding]:
        seen = [
            f"{tool.what} ({', '.join(found)})" for tool in tools if (found := tool.found(evidence))
        ]
        if marks is not None:
            seen += marks(evidence)
        if seen:
            return [_on_cluster(rule, (Result.PASS, f"found: {'; '.join(seen[:3])}"))]
        looked = ", ".join(tool.what for tool in tools)
        return _absent(
            rule,
            evidence,
            Result.WARN,
            f"no sign of {what}: none of {looked} is installed (no CRD, no controller)",
        )

    return judge


def _with_marks(
    evidence: ClusterEvidence, kinds: tuple[str, ...], test: Callable[[Obj], bool]
) -> list[str]:
    hits = [
        f"{obj.get('kind')} {meta(obj).get('namespace') or '-'}/{meta(obj).get('name')}"
        for kind in kinds
        for obj in evidence.kind(kind)
        if test(obj)
    ]
    return [f"{len(hits)} marked object(s), e.g. {hits[0]}"] if hits else []


def _template(obj: Obj) -> Obj:
    return as_dict(as_dict(obj.get("spec")).get("template"))


def _canary_marks(evidence: ClusterEvidence) -> list[str]:
    return _with_marks(
        evidence,
        ("Ingress",),
        lambda o: str(as_dict(meta(o).get("annotations")).get(CANARY_ANNOTATION)).lower() == "true",
    )


def _dapr_marks(evidence: ClusterEvidence) -> list[str]:
    return _with_marks(
        evidence,
        ("Deployment", "StatefulSet"),
        lambda o: (
            str(as_dict(meta(_template(o)).get("annotations")).get(DAPR_ANNOTATION)).lower()
            == "true"
        ),
    )


def _otel_marks(evidence: ClusterEvidence) -> list[str]:
    def exports(obj: Obj) -> bool:
        spec = as_dict(_template(obj).get("spec"))
        return any(
            as_dict(env).get("name") == OTEL_ENV
            for container in as_list(spec.get("containers"))
            for env in as_list(as_dict(container).get("env"))
        )

    return _with_marks(evidence, ("Deployment", "StatefulSet", "DaemonSet"), exports)


def _gitops_marks(evidence: ClusterEvidence) -> list[str]:
    def tracked(obj: Obj) -> bool:
        marks = {**labels_of(obj), **as_dict(meta(obj).get("annotations"))}
        return any(key in marks for key in (*GITOPS_MARKS, *ARGO_MARKS))

    return _with_marks(evidence, ("Deployment", "StatefulSet", "DaemonSet"), tracked)


def _verify_images_policies(evidence: ClusterEvidence) -> list[str]:
    found = []
    for policy in [*evidence.kind("ClusterPolicy"), *evidence.kind("Policy")]:
        if not str(policy.get("apiVersion") or "").startswith("kyverno.io/"):
            continue
        rules = as_list(as_dict(policy.get("spec")).get("rules"))
        if any(as_dict(rule).get("verifyImages") for rule in rules):
            found.append(f"Kyverno {policy.get('kind')} {meta(policy).get('name')} (verifyImages)")
    return found


def _gate(rule: Rule, missing: Result) -> Callable[[ClusterEvidence], list[Finding]]:
    def judge(evidence: ClusterEvidence) -> list[Finding]:
        seen = _verify_images_policies(evidence)
        ratify = RATIFY.found(evidence)
        if ratify:
            seen.append(f"Ratify ({', '.join(ratify)})")
        if seen:
            return [
                _on_cluster(
                    rule, (Result.PASS, f"images are verified at admission: {'; '.join(seen[:3])}")
                )
            ]
        return _absent(
            rule,
            evidence,
            missing,
            "nothing verifies images at admission (no Ratify, no Kyverno verifyImages policy): "
            "a vulnerable or unsigned image is admitted like any other",
        )

    return judge


def _ready_everywhere(daemonset: Obj) -> bool:
    status = as_dict(daemonset.get("status"))
    desired, ready = status.get("desiredNumberScheduled"), status.get("numberReady")
    return not isinstance(desired, int) or desired == ready


def _runtime(evidence: ClusterEvidence) -> list[Finding]:
    agents = [
        ds
        for ds in evidence.kind("DaemonSet")
        if RUNTIME_AGENTS.matches(ds) or DEFENDER_SENSOR.matches(ds)
    ]
    if not agents:
        return _absent(
            CTR_03,
            evidence,
            Result.FAIL,
            "no runtime security agent (Defender sensor, Falco, Tetragon, NeuVector) runs as a "
            "DaemonSet: attacks in running containers go unnoticed",
        )
    names = ", ".join(f"{meta(a).get('namespace')}/{meta(a).get('name')}" for a in agents[:3])
    if all(_ready_everywhere(a) for a in agents):
        return [_on_cluster(CTR_03, (Result.PASS, f"runtime agent on every node: {names}"))]
    return [
        _on_cluster(
            CTR_03,
            (Result.FAIL, f"the runtime agent ({names}) is not ready on every node it should run"),
        )
    ]


def _continuous(evidence: ClusterEvidence) -> list[Finding]:
    policies = evidence.kind("AksChecklistPolicy")
    if policies:
        first = policies[0]
        every = as_dict(first.get("spec")).get("reevaluateEvery") or "10m"
        return [
            _on_cluster(
                OPS_06,
                (
                    Result.PASS,
                    f"AksChecklistPolicy {meta(first).get('name')} re-checks every {every}",
                ),
            )
        ]
    return _absent(
        OPS_06, evidence, Result.WARN, "no AksChecklistPolicy: nothing re-checks the cluster"
    )


def _virtual_node(rule: Rule) -> Callable[[ClusterEvidence], list[Finding]]:
    def judge(evidence: ClusterEvidence) -> list[Finding]:
        virtual = [
            n
            for n in evidence.nodes
            if labels_of(n).get("type") == "virtual-kubelet"
            or node_name(n).startswith("virtual-node-aci")
        ]
        if virtual:
            return [_on_cluster(rule, (Result.PASS, f"virtual node {node_name(virtual[0])}"))]
        if not evidence.nodes:
            return []
        return _absent(
            rule, evidence, Result.WARN, "no virtual node (ACI connector) among the nodes"
        )

    return judge


def _spot(rule: Rule) -> Callable[[ClusterEvidence], list[Finding]]:
    def judge(evidence: ClusterEvidence) -> list[Finding]:
        spot = [n for n in evidence.nodes if labels_of(n).get(SPOT_LABEL, "").lower() == "spot"]
        stateful = [
            f"{meta(s).get('namespace')}/{meta(s).get('name')}"
            for s in evidence.kind("StatefulSet")
            if any(
                as_dict(t).get("key") == SPOT_LABEL
                for t in as_list(as_dict(_template(s).get("spec")).get("tolerations"))
            )
        ]
        if stateful:
            return [
                _on_cluster(
                    rule,
                    (
                        Result.WARN,
                        f"StatefulSets tolerate spot eviction ({', '.join(stateful[:3])}): "
                        "their state is lost when Azure reclaims the node",
                    ),
                )
            ]
        if spot:
            return [
                _on_cluster(
                    rule, (Result.PASS, f"{len(spot)} spot node(s), e.g. {node_name(spot[0])}")
                )
            ]
        if not evidence.nodes:
            return []
        return _absent(
            rule, evidence, Result.WARN, "no spot nodes: interruptible work pays full price"
        )

    return judge


def _arm64(evidence: ClusterEvidence) -> list[Finding]:
    if not evidence.nodes:
        return []
    arm = [n for n in evidence.nodes if labels_of(n).get(ARCH_LABEL) == "arm64"]
    if arm:
        return [
            _on_cluster(
                RES_04, (Result.PASS, f"{len(arm)} Arm64 node(s), e.g. {node_name(arm[0])}")
            )
        ]
    return _absent(
        RES_04, evidence, Result.WARN, "no Arm64 nodes: Arm64 VMs cost less for the same work"
    )


def _classes(evidence: ClusterEvidence) -> dict[str, Obj]:
    return {str(meta(sc).get("name")): sc for sc in evidence.kind("StorageClass")}


def _default_class(classes: Mapping[str, Obj]) -> str | None:
    for name, sc in classes.items():
        annotations = as_dict(meta(sc).get("annotations"))
        if annotations.get("storageclass.kubernetes.io/is-default-class") == "true":
            return name
    return None


def _claim_class(claim: Obj, default: str | None) -> str | None:
    name = as_dict(claim.get("spec")).get("storageClassName")
    return default if name is None else (str(name) or None)


def _claim_text(claim: Obj) -> str:
    return f"{meta(claim).get('namespace')}/{meta(claim).get('name')}"


def _csi_classes(evidence: ClusterEvidence) -> list[Finding]:
    claims = evidence.kind("PersistentVolumeClaim")
    classes = _classes(evidence)
    if not claims or not classes:
        return []
    default = _default_class(classes)
    in_tree = [
        _claim_text(c)
        for c in claims
        if (name := _claim_class(c, default)) in classes
        and classes[name].get("provisioner") in IN_TREE
    ]
    if in_tree:
        return [
            _on_cluster(
                STO_01,
                (
                    Result.WARN,
                    f"claims on in-tree (removed) volume plugins: {', '.join(in_tree[:3])}; use "
                    "disk.csi.azure.com or file.csi.azure.com classes",
                ),
            )
        ]
    return [
        _on_cluster(STO_01, (Result.PASS, f"all {len(claims)} claim(s) use CSI-driver classes"))
    ]


def _zones(evidence: ClusterEvidence) -> set[str]:
    return {zone for node in evidence.nodes if (zone := availability_zone(node))}


def _zone_redundant(evidence: ClusterEvidence) -> list[Finding]:
    claims = evidence.kind("PersistentVolumeClaim")
    classes = _classes(evidence)
    if not claims or not classes or len(_zones(evidence)) < 2:
        return []
    default = _default_class(classes)
    lrs = [
        _claim_text(c)
        for c in claims
        if (name := _claim_class(c, default)) in classes
        and classes[name].get("provisioner") == DISK_DRIVER
        and str(as_dict(classes[name].get("parameters")).get("skuName") or "")
        .upper()
        .endswith("_LRS")
    ]
    if lrs:
        return [
            _on_cluster(
                STO_05,
                (
                    Result.WARN,
                    f"locally redundant disks on nodes spread over zones ({', '.join(lrs[:3])}): a "
                    "pod moved to another zone cannot attach them; use a ZRS skuName",
                ),
            )
        ]
    return [
        _on_cluster(STO_05, (Result.PASS, "disk claims use zone-redundant or zonal-safe classes"))
    ]


def _attach_headroom(evidence: ClusterEvidence) -> list[Finding]:
    attached: dict[str, int] = {}
    for attachment in evidence.kind("VolumeAttachment"):
        spec = as_dict(attachment.get("spec"))
        if spec.get("attacher") == DISK_DRIVER:
            node = str(spec.get("nodeName") or "")
            attached[node] = attached.get(node, 0) + 1
    findings = []
    for csinode in evidence.kind("CSINode"):
        name = str(meta(csinode).get("name") or "")
        driver = next(
            (
                as_dict(d)
                for d in as_list(as_dict(csinode.get("spec")).get("drivers"))
                if as_dict(d).get("name") == DISK_DRIVER
            ),
            None,
        )
        limit = as_dict(as_dict(driver).get("allocatable")).get("count") if driver else None
        if not isinstance(limit, int) or limit <= 0:
            continue
        used = attached.get(name, 0)
        ref = ObjectRef(api_version="storage.k8s.io/v1", kind="CSINode", namespace=None, name=name)
        text = f"{used} of {limit} Azure disks attached"
        if used >= limit:
            verdict = (Result.FAIL, f"{text}: the next pod with a disk cannot start here")
        elif used * 5 >= limit * 4:
            verdict = (Result.WARN, f"{text} (over 80 %): pick a size that takes more disks")
        else:
            verdict = (Result.PASS, text)
        findings.append(STO_02.finding(verdict[0], verdict[1], ref))
    return findings


def _backups(evidence: ClusterEvidence) -> list[Finding]:
    claims = evidence.kind("PersistentVolumeClaim")
    if not claims:
        if evidence.complete:
            return [
                _on_cluster(
                    STO_04, (Result.NOT_APPLICABLE, "no PersistentVolumeClaim: nothing to back up")
                )
            ]
        return []
    seen = [
        f"{tool.what} ({', '.join(found)})"
        for tool in (VELERO, AKS_BACKUP)
        if (found := tool.found(evidence))
    ]
    if seen:
        return [_on_cluster(STO_04, (Result.PASS, f"volumes are backed up by {'; '.join(seen)}"))]
    return _absent(
        STO_04,
        evidence,
        Result.FAIL,
        f"{len(claims)} claim(s) (e.g. {_claim_text(claims[0])}) but no backup tool (Velero, Azure "
        "Backup for AKS): their data is lost with the disk",
    )


def _gmsa_users(evidence: ClusterEvidence) -> list[str]:
    users = []
    for workload in evidence.workloads:
        spec = as_dict(_template(workload).get("spec"))
        contexts = [as_dict(spec.get("securityContext"))] + [
            as_dict(as_dict(c).get("securityContext")) for c in as_list(spec.get("containers"))
        ]
        if any(as_dict(c.get("windowsOptions")).get("gmsaCredentialSpecName") for c in contexts):
            users.append(f"{meta(workload).get('namespace')}/{meta(workload).get('name')}")
    return users


def _gmsa(evidence: ClusterEvidence) -> list[Finding]:
    users = _gmsa_users(evidence)
    if not users:
        return []
    if GMSA_CRD in evidence.crd_names:
        return [
            _on_cluster(WIN_08, (Result.PASS, f"gMSA pods ({', '.join(users[:3])}) and the CRD"))
        ]
    return _absent(
        WIN_08,
        evidence,
        Result.FAIL,
        f"pods name a gMSA credential spec ({', '.join(users[:3])}) but {GMSA_CRD} is not "
        "installed: enable gMSA on the cluster (az aks update --enable-windows-gmsa)",
    )
