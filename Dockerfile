# The consign worker: stateless, configured only through the environment (see .env.example).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Only what the package needs: no .venv, var/ or tests in the image.
COPY pyproject.toml README.md config.py worker.py temporal_client.py ./
COPY codec ./codec
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY integrations ./integrations
COPY store ./store
COPY sandbox ./sandbox
COPY starter ./starter
RUN pip install . \
    && useradd --create-home --uid 10001 consign

USER consign
# SIGTERM (docker stop) lets the worker finish in-flight tasks before it exits.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "worker"]
