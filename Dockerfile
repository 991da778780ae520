# The reconciler image: one JavaScript file (lib/reconciler/main.ts bundled by scripts/build-reconciler.mjs, the
# Kubernetes client included) on a distroless Node.js runtime. Runs as uid/gid 65532 and writes nothing to disk, so a
# read-only root filesystem works (the platform chart mounts only /tmp as writable).
#
#   docker build -t ghcr.io/cdk8s-kubeflow-workspaces/reconciler:<package version> .

# --- build: the same bundle as `npm run build:reconciler`
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No lifecycle scripts are needed: esbuild's binary comes from its platform package.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build-reconciler.mjs scripts/
COPY lib lib
RUN node scripts/build-reconciler.mjs --outfile /out/reconciler.js && node /out/reconciler.js --version

# --- runtime: distroless Node.js 20, no shell, no package manager; `nonroot` is uid/gid 65532
FROM gcr.io/distroless/nodejs20-debian12:nonroot
COPY --from=build /out/reconciler.js /app/reconciler.js
WORKDIR /app
USER 65532:65532
ENV NODE_ENV=production
# metrics, health (RECONCILER_METRICS_PORT / RECONCILER_HEALTH_PORT)
EXPOSE 8080 8081
ENTRYPOINT ["/nodejs/bin/node", "/app/reconciler.js"]
