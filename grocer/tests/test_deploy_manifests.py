"""The Kubernetes manifests stay consistent with the app they deploy."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import resolve

K8S = Path(settings.BASE_DIR) / "deploy" / "kubernetes"


def _documents() -> dict[tuple[str, str], dict]:
    docs = {}
    for path in K8S.glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and "kind" in doc and doc["kind"] != "Kustomization":
                docs[(doc["kind"], doc["metadata"]["name"])] = doc
    return docs


DOCS = _documents()


def _container(kind: str, name: str) -> dict:
    return DOCS[(kind, name)]["spec"]["template"]["spec"]["containers"][0]


def test_kustomization_lists_every_manifest_but_the_secret_example():
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert listed == present


def test_web_probes_hit_real_endpoints():
    web = _container("Deployment", "web")
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for path in ("/readyz", "/healthz"):
        assert resolve(path).url_name in {"readyz", "healthz"}


def test_web_is_autoscaled_and_beat_is_a_singleton():
    hpa = DOCS[("HorizontalPodAutoscaler", "web")]["spec"]
    assert hpa["scaleTargetRef"]["name"] == "web"
    assert hpa["minReplicas"] >= 2
    beat = DOCS[("Deployment", "beat")]["spec"]
    assert beat["replicas"] == 1
    assert beat["strategy"]["type"] == "Recreate"


def test_pgbouncer_runs_in_transaction_mode_and_the_app_is_told():
    env = {e["name"]: e.get("value") for e in _container("Deployment", "pgbouncer")["env"]}
    assert env["PGBOUNCER_POOL_MODE"] == "transaction"
    config = DOCS[("ConfigMap", "grocer-config")]["data"]
    assert config["DATABASE_POOLER"] == "pgbouncer"
    assert config["DJANGO_SETTINGS_MODULE"] == "grocer.settings.production"


def test_migrations_bypass_the_pooler():
    job = DOCS[("Job", "grocer-migrate")]["spec"]["template"]["spec"]["containers"][0]
    override = {e["name"]: e for e in job["env"]}["DATABASE_URL"]
    assert override["valueFrom"]["secretKeyRef"]["key"] == "MIGRATE_DATABASE_URL"


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_containers_get_config_and_secrets(name):
    sources = _container("Deployment", name)["envFrom"]
    assert {"configMapRef": {"name": "grocer-config"}} in sources
    assert {"secretRef": {"name": "grocer-secrets"}} in sources


def test_pooler_setting_disables_server_side_cursors():
    """What DATABASE_POOLER=pgbouncer must change in the database settings."""
    import subprocess
    import sys

    code = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS'))"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "grocer.settings.local",
        "GROCER_QUIET": "1",
        "DATABASE_URL": "postgres://u@127.0.0.1:6432/grocer",
        "DATABASE_POOLER": "pgbouncer",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "True"
