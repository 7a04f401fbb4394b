# syntax=docker/dockerfile:1
# Atlas indexer (Atlas.Indexer.dll). Build from the repository root:
#   docker build -f deploy/docker/indexer.Dockerfile -t atlas/indexer:dev .
# (BuildKit reads deploy/docker/indexer.Dockerfile.dockerignore next to this file.)

# ---- build ---------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first with only the central package files and project files, so the restore layer
# is cached until a dependency changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY protocol/Atlas.Protocol.csproj protocol/
COPY protocol/ServiceDefaults/Atlas.ServiceDefaults.csproj protocol/ServiceDefaults/
COPY indexer/Atlas.Indexer.csproj indexer/
RUN dotnet restore indexer/Atlas.Indexer.csproj
COPY protocol/ protocol/
COPY indexer/ indexer/
RUN dotnet publish indexer/Atlas.Indexer.csproj -c Release --no-restore -o /out /p:UseAppHost=false

# ---- runtime -------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# Data volume owned by the image's non-root user (app, uid $APP_UID = 1654).
RUN mkdir -p /data && chown $APP_UID:$APP_UID /data && chmod 0700 /data
WORKDIR /app
COPY --from=build /out ./
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_EnableDiagnostics=0 \
    DOTNET_gcServer=0 \
    Indexer__Database=/data/indexer.db
USER $APP_UID
VOLUME ["/data"]
EXPOSE 8080
# No HEALTHCHECK here: the image has no curl/wget. Compose probes /health/ready with a bash
# /dev/tcp one-liner (deploy/compose/compose.yaml); systemd uses the same endpoint.
ENTRYPOINT ["dotnet", "Atlas.Indexer.dll"]
CMD ["run"]
