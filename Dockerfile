# railguard serve: the guard as an HTTP service (Bedrock ApplyGuardrail, OpenAI chat, SageMaker runtime).
#
#   docker build -t railguard .
#   docker run -p 8080:8080 -e RAILGUARD_API_KEY=... railguard
#
# Specs are baked in from specs/ (the default command serves them); mount your own over
# /app/specs, or mount a server.yaml and run `railguard serve --config /etc/railguard/server.yaml`.
# The server is stateless: run as many replicas as the load needs behind a load balancer.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY railguard ./railguard
COPY validators ./validators
# The core plus the server extra only: no torch, spaCy or Ray in the serving image.
RUN python -m venv /opt/railguard \
 && /opt/railguard/bin/pip install --upgrade pip \
 && /opt/railguard/bin/pip install '.[server]'

FROM python:3.11-slim
ENV PATH=/opt/railguard/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1
RUN groupadd --system --gid 10001 railguard \
 && useradd --system --uid 10001 --gid railguard --home-dir /app --shell /usr/sbin/nologin railguard
COPY --from=build /opt/railguard /opt/railguard
WORKDIR /app
COPY --chown=root:root --chmod=0644 specs/*.yaml /app/specs/
USER 10001:10001
EXPOSE 8080
# /readyz is 200 once every spec is compiled and warmed; /healthz only says the process answers.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=2).status == 200 else 1)"]
# SIGTERM drains in-flight requests (up to the config's limits.drain_s, 30 s by default).
STOPSIGNAL SIGTERM
ENTRYPOINT ["railguard", "serve"]
# Listen on every interface inside the container; authentication stays on (RAILGUARD_API_KEY or
# a server.yaml with auth.api_keys / auth.sigv4), since --no-auth is refused off loopback.
CMD ["--host", "0.0.0.0", "--port", "8080", "/app/specs/bank-support.yaml", "/app/specs/patient-assistant.yaml", "/app/specs/hr-assistant.yaml"]
