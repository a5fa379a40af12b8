# syntax=docker/dockerfile:1
# Build: cgo is needed for the embedded SQLite (mattn/go-sqlite3).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# .dockerignore keeps a developer's data/ (database, keys), .git and secrets
# out of the build context.
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/continuity ./server

# Run: a slim Debian with only the binary, the demo scenario and a non-root user,
# whose data folder (database, backups, signing keys) only that user can read.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin continuity \
    && mkdir -p /app/data && chown continuity:continuity /app/data && chmod 0700 /app/data
WORKDIR /app
COPY --from=build /out/continuity /app/continuity
COPY testdata/scenario /app/testdata/scenario
USER continuity
# The volume must be writable by uid 10001: a bind mount of a root-owned
# folder is refused at start with what to run (chown 10001:10001 FOLDER).
VOLUME ["/app/data"]
# 8080: the API, for the reverse proxy only (do not publish it beside the
# proxy). 9090: /metrics, for Prometheus on the container network only.
EXPOSE 8080 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/app/continuity", "probe", "--url", "http://127.0.0.1:8080/readyz"]
# SIGTERM drains in-flight requests for up to 30 s. Docker's default stop
# timeout is 10 s: run with --stop-timeout 40 (compose: stop_grace_period:
# 40s), or a stop cuts the drain short.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/continuity"]
# Behind a reverse proxy add --trusted-proxies with the proxy's address or
# its container network (e.g. --trusted-proxies 172.30.0.10), so the
# per-address limits see each tablet, not the proxy (deploy/compose.yaml).
CMD ["serve", "--addr", "0.0.0.0:8080", "--metrics-addr", "0.0.0.0:9090", "--db", "/app/data/continuity.db"]
