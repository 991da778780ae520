# The reconciler image for users with Docker: the same bundle as `npm run build:image` (lib/reconciler/main.ts bundled
# by scripts/build-reconciler.mjs, the Kubernetes client and prom-client included) on distroless Node.js 24 (LTS).
# Runs as uid/gid 65532 and writes nothing to disk, so a read-only root filesystem works (the platform chart mounts
# only /tmp as writable). `npm run build:image` builds the equivalent image without a container engine.
#
#   docker build -t ghcr.io/cdk8s-kubeflow-workspaces/reconciler:<package version> .

# --- build: the same bundle as `npm run build:reconciler`
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No lifecycle scripts are needed: esbuild's binary comes from its platform package.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build-reconciler.mjs scripts/
COPY lib lib
RUN node scripts/build-reconciler.mjs --outfile /out/reconciler.js && node /out/reconciler.js --version

# --- runtime: distroless Node.js 24 on Debian 12, no shell, no package manager; `nonroot` is uid/gid 65532
FROM gcr.io/distroless/nodejs24-debian12:nonroot
COPY --from=build /out/reconciler.js /app/reconciler.js
WORKDIR /app
USER 65532:65532
ENV NODE_ENV=production
LABEL org.opencontainers.image.title="cdk8s-kubeflow-workspaces reconciler" \
      org.opencontainers.image.source="https://github.com/cdk8s-kubeflow-workspaces/cdk8s-kubeflow-workspaces" \
      org.opencontainers.image.licenses="Apache-2.0"
# metrics, health (RECONCILER_METRICS_PORT / RECONCILER_HEALTH_PORT)
EXPOSE 8080 8081
ENTRYPOINT ["/nodejs/bin/node", "/app/reconciler.js"]
