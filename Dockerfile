# kakunin verifier service.
#   docker build -t kakunin .
#   docker run --rm -p 8080:8080 -e KAKUNIN_MODE=demo kakunin                 # the demo, sandbox mode
#   the service: the docker run line in README.md ("Running in production"), with every variable and
#   file it needs (test/cli/verify.test.ts runs kakunin check with exactly those)
# With Redis for several instances: compose.yaml (REDIS_URL needs KAKUNIN_STORE_KEY, shared by all).

# --- build: compile TypeScript with the dev dependencies --------------------------------------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY public ./public
COPY scripts/vendor.mjs ./scripts/vendor.mjs
RUN npx tsc -p tsconfig.build.json && node scripts/vendor.mjs

# --- production dependencies only -----------------------------------------------------------------
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

# --- runtime: non-root, no build tools ------------------------------------------------------------
# test/cli/verify.test.ts runs what this stage runs, without Docker: the packed package, installed with
# production dependencies only and no install scripts, serving from an empty folder.
FROM node:24-slim
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    KAKUNIN_MODE=serve \
    KAKUNIN_TRUST_DIR=/app/certs
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY certs ./certs
COPY --from=build /app/public ./public
# The development verifier certificate (when none is configured) is written to .kakunin/.
RUN mkdir -p /app/.kakunin && chown node:node /app/.kakunin
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/service/startup/main.js"]
