FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=grocer.settings.production \
    # What the container writes goes under /data (a volume) or /tmp, never /app: the code
    # stays root-owned and read-only for the `grocer` user.
    MEDIA_ROOT=/data/media \
    CELERY_BEAT_SCHEDULE_FILENAME=/data/beat/celerybeat-schedule \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    LOG_FORMAT=json
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings that load; these placeholders never reach a running container.
RUN SECRET_KEY=build-only-placeholder-$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://build:6379/0 \
    GROCER_ALLOW_LOCAL_MEDIA=true \
    python manage.py collectstatic --noinput
# A fixed numeric id, so Kubernetes' runAsNonRoot can check it; the writable paths belong to it.
RUN useradd --create-home --uid 10001 grocer \
    && mkdir -p /data/media /data/beat \
    && chown -R grocer:grocer /data
USER 10001
EXPOSE 8000
ENTRYPOINT ["/app/deploy/docker/entrypoint.sh"]
# Plain HTTP behind a TLS proxy: compose publishes the port on loopback for the host's
# proxy, Kubernetes sends traffic through the Service. No --proxy-headers: the app takes
# the client address from X-Forwarded-For only via TRUSTED_PROXIES (grocer/clientip.py).
# -v 0: daphne's plain-text access log off; Grocer logs each request as JSON.
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "-v", "0", "grocer.asgi:application"]
