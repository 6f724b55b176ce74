"""The Kubernetes manifests stay consistent with the app they deploy."""

import os
import re
import subprocess
import sys
import time
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


def _migrate_job() -> dict:
    (job,) = [doc for (kind, _), doc in DOCS.items() if kind == "Job"]
    return job


def test_migrations_run_as_the_owner_and_bypass_the_pooler():
    job = _migrate_job()["spec"]["template"]["spec"]["containers"][0]
    assert job["command"][-2:] == ["migrate", "--noinput"]
    assert {"secretRef": {"name": "grocer-secrets"}} in job["envFrom"]
    assert "DATABASE_URL" not in {e["name"] for e in job.get("env", [])}
    secret = yaml.safe_load((K8S / "secret.example.yaml").read_text())["stringData"]
    # manage.py swaps in DATABASE_MIGRATE_URL for `migrate` (grocer/tests/test_database_roles.py).
    assert secret["DATABASE_MIGRATE_URL"].startswith("postgres://grocer_owner:")
    assert "pgbouncer" not in secret["DATABASE_MIGRATE_URL"]
    assert secret["DATABASE_URL"].startswith("postgres://grocer_app:")
    assert "@pgbouncer:" in secret["DATABASE_URL"]
    assert secret["POSTGRES_USER"] == "grocer_app"  # what PgBouncer logs in as


@pytest.mark.parametrize("name", ["web", "worker", "worker-whatsapp", "beat"])
def test_app_containers_get_config_and_secrets(name):
    sources = _container("Deployment", name)["envFrom"]
    assert {"configMapRef": {"name": "grocer-config"}} in sources
    assert {"secretRef": {"name": "grocer-secrets"}} in sources


def test_pooler_setting_disables_server_side_cursors():
    """What DATABASE_POOLER=pgbouncer must change in the database settings."""
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


# --- Validation against a current Kubernetes's schemas -----------------------------------


def test_every_manifest_validates_against_current_kubernetes_schemas():
    """Strict: an unknown field (a typo in a probe, say) is an error, not ignored."""
    import kubernetes_validate

    version = kubernetes_validate.latest_version()
    assert tuple(int(part) for part in version.split(".")[:2]) >= (1, 33)
    validated = 0
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") == "Kustomization":
                continue
            kubernetes_validate.validate(doc, version, strict=True)
            validated += 1
    assert validated >= len(DOCS)


def test_the_validation_catches_a_broken_manifest():
    import kubernetes_validate

    broken = DOCS[("Deployment", "web")]
    broken = {**broken, "spec": {**broken["spec"], "replica": 2}}  # typo for "replicas"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


# --- Release pinning ---------------------------------------------------------------------


def test_migrate_job_is_named_after_the_pinned_release():
    """A fixed name fails on the next release (a Job's template is immutable) and `latest`
    records nothing about which code migrated the database."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    (image,) = [i for i in kustomization["images"] if i["name"] == "grocer"]
    tag = str(image["newTag"])
    assert tag and tag != "latest"
    job = _migrate_job()
    assert job["metadata"]["name"] == f"grocer-migrate-{tag}"
    assert job["spec"]["ttlSecondsAfterFinished"] > 0


# --- Pod security ------------------------------------------------------------------------

APP_DEPLOYMENTS = ["web", "worker", "worker-whatsapp", "beat"]


def _dockerfile_uid() -> int:
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    user = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    return int(user[-1])


@pytest.mark.parametrize("name", [*APP_DEPLOYMENTS, "migrate"])
def test_app_pods_run_unprivileged_on_a_read_only_root(name):
    pod = (_migrate_job() if name == "migrate" else DOCS[("Deployment", name)])["spec"]["template"][
        "spec"
    ]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == _dockerfile_uid()
    for container in pod["containers"]:
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"]["drop"] == ["ALL"]
        # Metrics files, uploads in flight: /tmp must be writable on a read-only root.
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert "/tmp" in mounts  # noqa: S108


def test_beat_writes_its_schedule_to_a_volume():
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    schedule = dockerfile.split("CELERY_BEAT_SCHEDULE_FILENAME=")[1].split()[0]
    container = _container("Deployment", "beat")
    mounts = [m["mountPath"] for m in container["volumeMounts"]]
    assert any(schedule.startswith(mount.rstrip("/") + "/") for mount in mounts)


@pytest.mark.parametrize("name", ["web", "worker", "worker-whatsapp"])
def test_disruption_budgets_cover_the_scaled_deployments(name):
    budget = DOCS[("PodDisruptionBudget", name)]["spec"]
    labels = DOCS[("Deployment", name)]["spec"]["template"]["metadata"]["labels"]
    assert budget["selector"]["matchLabels"].items() <= labels.items()
    assert budget.get("minAvailable", 0) >= 1 or budget.get("maxUnavailable") == 1


def test_ingress_keeps_sockets_open_and_reaches_web():
    ingress = DOCS[("Ingress", "grocer")]
    annotations = ingress["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    (rule,) = ingress["spec"]["rules"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "web"
    web_ports = {p["name"] for p in DOCS[("Service", "web")]["spec"]["ports"]}
    assert backend["port"]["name"] in web_ports
    # The app believes X-Forwarded-* only from the proxies it is told about.
    assert DOCS[("ConfigMap", "grocer-config")]["data"]["TRUSTED_PROXIES"]
    assert "--proxy-headers" not in _container("Deployment", "web")["command"]


# --- Configuration the app needs ----------------------------------------------------------


def _configured_names() -> set[str]:
    secret = yaml.safe_load((K8S / "secret.example.yaml").read_text())["stringData"]
    return set(secret) | set(DOCS[("ConfigMap", "grocer-config")]["data"])


def test_whatsapp_can_be_configured_from_the_secret_or_configmap():
    """`whatsapp.is_configured()` needs the token *and* the phone number id."""
    import inspect

    from vendors import whatsapp

    needed = set(re.findall(r"settings\.(WHATSAPP_\w+)", inspect.getsource(whatsapp.is_configured)))
    assert needed == {"WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"}
    assert needed | {"WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"} <= _configured_names()


def test_several_web_pods_store_photos_in_a_bucket():
    assert DOCS[("Deployment", "web")]["spec"]["replicas"] > 1
    names = _configured_names()
    assert "AWS_STORAGE_BUCKET_NAME" in names
    assert "GROCER_ALLOW_LOCAL_MEDIA" not in names
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "METRICS_TOKEN"} <= names


def _production_settings(**env: str) -> subprocess.CompletedProcess:
    base = {
        "DJANGO_SETTINGS_MODULE": "grocer.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "grocer.example",
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/grocer",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "PATH": "/usr/bin:/bin",
    }
    code = "import django; django.setup(); from django.conf import settings; print('ok')"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )


def test_production_refuses_local_photo_storage_unless_told():
    refused = _production_settings()
    assert refused.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in refused.stderr
    assert _production_settings(AWS_STORAGE_BUCKET_NAME="photos").stdout.strip() == "ok"
    assert _production_settings(GROCER_ALLOW_LOCAL_MEDIA="true").stdout.strip() == "ok"


# --- Worker liveness ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["worker", "worker-whatsapp"])
def test_worker_liveness_probe_needs_no_expansion_and_starts_no_django(name):
    probe = _container("Deployment", name)["livenessProbe"]["exec"]["command"]
    joined = " ".join(probe)
    # Kubernetes expands $(VAR) only from the container's env, and HOSTNAME is not there.
    assert "$(" not in joined
    assert probe[0] == "sh"
    assert not re.search(r"celery\s+-A|\binspect\b|\bpython\b|manage\.py", joined)
    liveness_file = DOCS[("ConfigMap", "grocer-config")]["data"]["CELERY_LIVENESS_FILE"]
    assert liveness_file in joined


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.timeout(300)  # a real worker starts
@pytest.mark.django_db(transaction=True)
def test_worker_liveness_probe_passes_while_the_worker_runs_and_fails_after(tmp_path):
    """The manifests' probe command, against a real worker's liveness file."""
    from grocer.tests.worker import Worker, worker_env

    alive = tmp_path / "celery-alive"
    probe = _container("Deployment", "worker")["livenessProbe"]["exec"]["command"]
    configured = DOCS[("ConfigMap", "grocer-config")]["data"]["CELERY_LIVENESS_FILE"]
    probe = [part.replace(configured, str(alive)) for part in probe]

    def probe_passes() -> bool:
        return subprocess.run(probe, capture_output=True).returncode == 0

    env = worker_env(CELERY_LIVENESS_FILE=str(alive), CELERY_LIVENESS_SECONDS="0.5")
    with Worker(env) as worker:
        worker.wait_ready()
        assert probe_passes()
        # Stale (as if the consumer had hung): the probe fails until the worker touches it.
        old = time.time() - 600
        os.utime(alive, (old, old))
        assert not probe_passes()
        deadline = time.monotonic() + 20
        while not probe_passes():
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.2)
    assert not alive.exists()
    assert not probe_passes()


def test_probes_and_scrapes_by_pod_address_pass_host_validation():
    """Kubernetes sends the pod IP as Host to probes (and Prometheus to /metrics)."""
    env = {e["name"]: e for e in _container("Deployment", "web")["env"]}
    assert env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.ALLOWED_HOSTS)"
    )
    base = {
        "DJANGO_SETTINGS_MODULE": "grocer.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "grocer.example",
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/grocer",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "AWS_STORAGE_BUCKET_NAME": "photos",
        "POD_IP": "10.1.2.3",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=base,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "['grocer.example', '10.1.2.3']"


def test_whatsapp_workers_keep_their_database_connections():
    """With the configmap's CONN_MAX_AGE=0 every send opened and closed a connection to
    PgBouncer (round trips on every message); compose's worker-whatsapp keeps them too."""
    env = {e["name"]: e.get("value") for e in _container("Deployment", "worker-whatsapp")["env"]}
    assert int(env["CONN_MAX_AGE"]) > 0
