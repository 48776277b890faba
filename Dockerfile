# syntax=docker/dockerfile:1
# pgsweep container image: `docker build -t pgsweep:0.1.0 .` at the repository root.
# The entrypoint runs the CLI, so `docker run --rm pgsweep:0.1.0 --url http://pushgateway:9091
# --ttl 2h` works like `npx pgsweep ...`, and the Helm chart only sets args.
# Pin the base images by digest (node:22-bookworm-slim@sha256:...) in your own builds.
ARG NODE_IMAGE=node:22-bookworm-slim

# Build stage: dev dependencies and the TypeScript compiler, discarded afterwards.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies and the compiled code only.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/dist ./dist

LABEL org.opencontainers.image.title="pgsweep" \
      org.opencontainers.image.description="Delete stale metric groups from a Prometheus Pushgateway" \
      org.opencontainers.image.licenses="Apache-2.0"

# A numeric non-root user (no passwd entry needed), so Kubernetes can verify runAsNonRoot.
# Nothing is written at run time: the image works with a read-only root filesystem.
USER 65532:65532
# The environment and heap options of bin/pgsweep.js's first line, given here because node runs
# the file (docs/scale.md).
ENV MALLOC_MMAP_THRESHOLD_=131072
ENTRYPOINT ["node", "--max-semi-space-size=1", "--max-old-space-size=512", "/app/bin/pgsweep.js"]
