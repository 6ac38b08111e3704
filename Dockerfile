# MyoQA image: Django (web), Celery workers and the Node proxy share it; docker-compose.yml picks the command.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY proxy/package.json proxy/package-lock.json proxy/
RUN cd proxy && npm ci --omit=dev
COPY . .
COPY --from=frontend /src/frontend/dist frontend/dist
RUN useradd --create-home myoqa && mkdir -p /data/media /data/models && chown -R myoqa /data
USER myoqa
EXPOSE 8000 8080
