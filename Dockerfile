# The consign worker: stateless, configured only through the environment (see .env.example).
# Runtime dependencies only, pinned with hashes in requirements.lock (`make lock`): no sandboxes,
# no Temporal dev server, no test tools (those are the [sandbox] and [dev] extras).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The locked dependencies first: this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

# Only what the worker and the CLI need: no sandbox/, .venv, var/ or tests in the image.
COPY pyproject.toml README.md config.py worker.py worker_services.py startup.py webhooks.py replay_guard.py health.py temporal_client.py monitoring.py ./
COPY codec ./codec
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY integrations ./integrations
COPY store ./store
COPY starter ./starter
COPY reporting ./reporting
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 consign

USER 10001
# SIGTERM (docker stop, Kubernetes) lets the worker finish in-flight tasks before it exits.
STOPSIGNAL SIGTERM
# /healthz and /readyz when CONSIGN_HEALTH_PORT is set (docs/deploy.md)
EXPOSE 8081
CMD ["python", "-m", "worker"]
