# syntax=docker/dockerfile:1
# One image for both apps; the command picks which one runs:
#   api      node dist/apps/api/src/main.js        (default)
#   worker   node dist/apps/worker/src/main.js
#   migrate  node dist/scripts/migrate.js
#   admin    node dist/apps/api/src/admin-cli.js keys create --tier pro   (operator CLI)
ARG NODE_VERSION=24

# --- build: full install, swc into dist/ ---
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json .swcrc nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY scripts ./scripts
COPY bench ./bench
RUN npm run build

# --- deps: production dependencies only ---
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime: no compiler, no dev dependencies, non-root ---
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# The files belong to root and are read-only to the app user: a compromised process cannot rewrite its code.
USER node
# 3000 the API, 3001 the worker's probes and metrics, 3002 the API's metrics (METRICS_PORT).
EXPOSE 3000 3001 3002
# Liveness only (GET /health on PORT): a dependency outage must not mark the container unhealthy.
# The worker's compose service passes "worker" to probe WORKER_PORT instead.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "dist/scripts/healthcheck.js", "api"]
CMD ["node", "dist/apps/api/src/main.js"]
