# MyoQA image: Django (web), Celery workers and the Node proxy share it; docker-compose.yml picks the command.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci
COPY frontend/ ./
RUN npm run build

# The proxy's dependencies, installed by Node 20's npm; the runtime image takes Node 20 itself from this stage
# (proxy/package.json declares "engines": {"node": ">=20"}; Debian bookworm's own nodejs package is 18).
FROM node:20-bookworm-slim AS proxy
WORKDIR /src/proxy
COPY proxy/package.json proxy/package-lock.json ./
RUN npm ci --omit=dev

# The hospital login's python-ldap is built against OpenLDAP's headers; the runtime image needs only the libraries.
FROM python:3.11-slim-bookworm AS ldap-wheels
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libldap2-dev libsasl2-dev \
    && rm -rf /var/lib/apt/lists/*
COPY requirements-ldap.txt ./
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements-ldap.txt

FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update && apt-get install -y --no-install-recommends libldap-2.5-0 libsasl2-2 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=proxy /usr/local/bin/node /usr/local/bin/node
RUN node -e "const [major] = process.versions.node.split('.').map(Number); if (major < 20) process.exit(1)"
WORKDIR /app
COPY requirements.txt requirements-ldap.txt ./
COPY --from=ldap-wheels /wheels /wheels
RUN pip install --no-cache-dir -r requirements.txt \
    && pip install --no-cache-dir --no-index --find-links /wheels -r requirements-ldap.txt && rm -rf /wheels
COPY . .
COPY --from=proxy /src/proxy/node_modules proxy/node_modules
COPY --from=frontend /src/frontend/dist frontend/dist
RUN useradd --create-home myoqa && mkdir -p /data/media /data/models && chown -R myoqa /data
USER myoqa
EXPOSE 8000 8080
