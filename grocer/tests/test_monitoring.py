"""deploy/monitoring/ refers to series the app really exports, and scrapes what the
manifests really run. (promtool checks and unit-tests the rules in .ci/run.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from django.conf import settings

from grocer import metrics

MONITORING = Path(settings.BASE_DIR) / "deploy" / "monitoring"
K8S = Path(settings.BASE_DIR) / "deploy" / "kubernetes"


def _exported_names() -> set[str]:
    """Every series name the app can emit: declared metrics and scrape-time readings."""
    names = set()
    for value in vars(metrics).values():
        describe = getattr(value, "describe", None)
        if describe and hasattr(value, "_name"):
            for family in describe():
                names.update(sample_name(family.name, family.type))
    for module in ("grocer/metrics.py", "vendors/metrics.py"):
        source = (Path(settings.BASE_DIR) / module).read_text()
        names.update(re.findall(r'GaugeMetricFamily\(\s*"(grocer_\w+)"', source))
    return names


def sample_name(name: str, kind: str) -> set[str]:
    if kind == "counter":
        return {f"{name}_total"}
    if kind == "histogram":
        return {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
    return {name}


def _expressions() -> list[str]:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    exprs += [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    return exprs


def test_rules_and_dashboard_use_only_exported_series():
    exported = _exported_names()
    used = {name for expr in _expressions() for name in re.findall(r"\bgrocer_\w+", expr)}
    assert used, "no grocer series referenced"
    assert used <= exported, sorted(used - exported)


def test_every_exported_series_is_on_the_dashboard():
    dashboard = (MONITORING / "grafana-dashboard.json").read_text()
    families = {re.sub(r"_(bucket|count|sum)$", "", name) for name in _exported_names()}
    families.discard("grocer_scrape_errors")
    missing = {name for name in families if name not in dashboard}
    assert not missing, sorted(missing)


def test_issue_alerts_exist():
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    names = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert {
        "GrocerHigh5xxRate",
        "GrocerHighLatencyP99",
        "GrocerSocketDisconnectRate",
        "GrocerEventPropagationP99",
        "GrocerCeleryQueueBacklog",
        "GrocerCeleryTaskFailureRate",
        "GrocerWhatsAppBreakerOpen",
        "GrocerWhatsAppPermanentErrors",
        "GrocerDatabaseConnectionsSaturated",
        "GrocerDatabasePoolSaturated",
        "GrocerReplicaLag",
    } <= names


def _k8s_docs() -> dict:
    docs = {}
    for path in K8S.glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "Deployment":
                docs[doc["metadata"]["name"]] = doc["spec"]["template"]
    return docs


def test_kubernetes_scrape_config_matches_the_manifests():
    config = yaml.safe_load((MONITORING / "prometheus-kubernetes.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    deployments = _k8s_docs()

    def kept(job: dict, source: str) -> re.Pattern:
        (rule,) = [
            r
            for r in job["relabel_configs"]
            if r.get("action") == "keep" and r["source_labels"] == [source]
        ]
        return re.compile(f"^(?:{rule['regex']})$")

    app_label = "__meta_kubernetes_pod_label_app"
    port_label = "__meta_kubernetes_pod_container_port_name"
    web = jobs["grocer-web"]
    assert web["metrics_path"] == "/metrics"
    assert web["authorization"]["type"] == "Bearer"
    scraped_web = [
        name
        for name, pod in deployments.items()
        if kept(web, app_label).match(pod["metadata"]["labels"]["app"])
    ]
    assert scraped_web == ["web"]
    web_ports = {p["name"] for p in deployments["web"]["spec"]["containers"][0]["ports"]}
    assert any(kept(web, port_label).match(port) for port in web_ports)

    worker = jobs["grocer-worker"]
    scraped_workers = sorted(
        name
        for name, pod in deployments.items()
        if kept(worker, app_label).match(pod["metadata"]["labels"]["app"])
    )
    assert scraped_workers == ["worker", "worker-whatsapp"]
    configmap = yaml.safe_load((K8S / "configmap.yaml").read_text())["data"]
    for name in scraped_workers:
        (port,) = [
            p
            for p in deployments[name]["spec"]["containers"][0]["ports"]
            if kept(worker, port_label).match(p["name"])
        ]
        assert port["containerPort"] == int(configmap["WORKER_METRICS_PORT"])
