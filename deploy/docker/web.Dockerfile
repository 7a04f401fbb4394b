# syntax=docker/dockerfile:1
# Atlas map site: static files built by npm, served by Caddy (TLS, security headers, search proxy).
#   docker build -f deploy/docker/web.Dockerfile -t atlas/web:dev .

# ---- build ---------------------------------------------------------------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# ---- runtime -------------------------------------------------------------------------------
FROM caddy:2.10-alpine AS runtime
# Run as an unprivileged user; compose sets net.ipv4.ip_unprivileged_port_start=0 so it can
# still bind 80/443 inside its own network namespace without capabilities.
RUN addgroup -S -g 10001 atlasweb && adduser -S -D -H -u 10001 -G atlasweb atlasweb \
 && mkdir -p /data/caddy /config/caddy \
 && chown -R atlasweb:atlasweb /data /config
# The official binary carries cap_net_bind_service=+ep; with cap_drop: [ALL] exec of such a file
# fails (EPERM), so drop the file capability: binding low ports comes from the sysctl above.
RUN setcap -r /usr/bin/caddy
COPY deploy/caddy/ /etc/caddy/
COPY --from=build /src/web/dist/ /srv/
ENV XDG_DATA_HOME=/data XDG_CONFIG_HOME=/config
USER atlasweb
EXPOSE 80 443 443/udp
# No HEALTHCHECK instruction: compose probes http://127.0.0.1:2080/healthz (served by the Caddyfile).
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
