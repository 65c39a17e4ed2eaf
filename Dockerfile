# usergate image: build in a Rust stage, run the binary alone on slim Debian as an unprivileged user.
#   docker build -t usergate .
#   docker run -d -p 8080:8080 -v usergate-data:/var/lib/usergate \
#     -e USERGATE_PUBLIC_URL=http://HOST:8080/SOAP/ -e USERGATE_BOOTSTRAP_PASSWORD=... usergate
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --locked --release --bin usergate

FROM debian:bookworm-slim
# curl only for the health check; the binary itself needs nothing but libc (SQLite is compiled in).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/usergate --shell /usr/sbin/nologin usergate \
    && mkdir -p /var/lib/usergate \
    && chown usergate:usergate /var/lib/usergate \
    && chmod 0700 /var/lib/usergate
COPY --from=build /src/target/release/usergate /usr/local/bin/usergate
USER usergate
WORKDIR /var/lib/usergate
# Inside the container the server must listen on every interface; publish the port to choose who reaches it.
# Logs: the default log_filter (info, request lines off); USERGATE_LOG_FILTER=info adds a line per request.
ENV USERGATE_LISTEN=0.0.0.0:8080 \
    USERGATE_DB=/var/lib/usergate/usergate.db
VOLUME /var/lib/usergate
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
# docker stop sends SIGTERM: in-flight requests are answered, the WAL checkpointed, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["usergate"]
CMD ["serve"]
