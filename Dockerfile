FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=grocer.settings.production
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings that load; these placeholders never reach a running container.
RUN SECRET_KEY=build-only-placeholder-$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://build:6379/0 \
    python manage.py collectstatic --noinput
RUN useradd --create-home grocer
USER grocer
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "grocer.asgi:application"]
