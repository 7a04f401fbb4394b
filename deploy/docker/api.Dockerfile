# syntax=docker/dockerfile:1
# Atlas node (Atlas.Api.dll). Build from the repository root:
#   docker build -f deploy/docker/api.Dockerfile -t atlas/node:dev .
# (BuildKit reads deploy/docker/api.Dockerfile.dockerignore next to this file.)

# ---- build ---------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first with only the central package files and project files, so the restore layer
# is cached until a dependency changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY protocol/Atlas.Protocol.csproj protocol/
COPY protocol/ServiceDefaults/Atlas.ServiceDefaults.csproj protocol/ServiceDefaults/
COPY api/Atlas.Api.csproj api/
RUN dotnet restore api/Atlas.Api.csproj
COPY protocol/ protocol/
COPY api/ api/
RUN dotnet publish api/Atlas.Api.csproj -c Release --no-restore -o /out /p:UseAppHost=false

# ---- the node's own pages (propose, receipt, console): web/ built with --mode node -> dist-node
FROM node:22-bookworm-slim AS pages
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npx vite build --mode node

# ---- runtime -------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# Data volume owned by the image's non-root user (app, uid $APP_UID = 1654).
RUN mkdir -p /data && chown $APP_UID:$APP_UID /data && chmod 0700 /data
WORKDIR /app
COPY --from=build /out ./
# Found by the node's default Node:PagesDir ("pages" next to the executable).
COPY --from=pages /src/web/dist-node/ ./pages/
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_EnableDiagnostics=0 \
    DOTNET_gcServer=0 \
    Node__DataDir=/data
USER $APP_UID
VOLUME ["/data"]
EXPOSE 8080
# No HEALTHCHECK here: the image has no curl/wget. Compose probes /health/ready with a bash
# /dev/tcp one-liner (deploy/compose/compose.yaml); systemd uses the same endpoint.
ENTRYPOINT ["dotnet", "Atlas.Api.dll"]
CMD ["serve"]
