# Multi-stage build of the hub: a Rust builder, then a small non-root Debian runtime.
# Build: docker build -t tiers-lieux-hub .   Run: docker run -p 8080:8080 -v hub-data:/var/lib/hub tiers-lieux-hub
FROM rust:1.95-bookworm AS builder
WORKDIR /src
ENV SQLX_OFFLINE=true CARGO_TERM_COLOR=never
COPY . .
RUN cargo build --release --locked --bin hub

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/hub --create-home hub
WORKDIR /app
COPY --from=builder /src/target/release/hub /usr/local/bin/hub
COPY mappings /app/mappings
COPY config.example.toml /app/config.example.toml
ENV HUB_DATA_DIR=/var/lib/hub \
    HUB_HTTP__BIND=0.0.0.0:8080 \
    HUB_MAPPINGS__DIR=/app/mappings
VOLUME /var/lib/hub
EXPOSE 8080
USER hub
HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["hub"]
CMD ["serve"]
