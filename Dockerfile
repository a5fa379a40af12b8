# syntax=docker/dockerfile:1
# Build: cgo is needed for the embedded SQLite (mattn/go-sqlite3).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
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
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/app/continuity", "probe", "--url", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["/app/continuity"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--db", "/app/data/continuity.db"]
