# syntax=docker/dockerfile:1
# Plexward: multi-stage build. Stage 1 builds the API server and the SPA with the project's own
# set-up script (same pinned tools as development and CI); stage 2 is a small non-root runtime.

FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN bash scripts/setup.sh \
 && bash scripts/build-web.sh \
 && cargo build --release --locked -p plexward \
 && install -D target/release/plexward /out/plexward \
 && cp -r dist /out/web

FROM debian:bookworm-slim AS runtime
# ca-certificates: Plexward talks to plex.tv and your server over TLS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin plexward \
 && mkdir -p /data && chown plexward:plexward /data && chmod 700 /data
COPY --from=build /out/plexward /usr/local/bin/plexward
COPY --from=build /out/web /usr/share/plexward/web
ENV PLEXWARD_BIND=0.0.0.0 \
    PLEXWARD_PORT=5000 \
    PLEXWARD_DATA_DIR=/data \
    PLEXWARD_WEB_DIR=/usr/share/plexward/web
USER plexward
VOLUME ["/data"]
EXPOSE 5000
# The binary checks itself (no curl in the image); it reads the same config as the server.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["plexward", "healthcheck"]
ENTRYPOINT ["plexward"]
CMD ["serve"]
