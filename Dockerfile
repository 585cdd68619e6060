# Defect Sync: one image for every role: all (default), api, worker, migrate.
# Node 24 runs the TypeScript directly (type stripping): there is no build step, only dependencies
# and the generated Prisma client. Build: docker build -t defect-sync .

# Stage 1: production dependencies and the Prisma client (prisma and its generator are production
# dependencies: `migrate` runs them at start). Its npm cache and build leftovers stay behind.
FROM node:24-slim AS deps
ENV CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
RUN node scripts/prisma.ts generate

# Stage 2: the runtime, as the unprivileged `node` user of the base image.
FROM node:24-slim
# The heap bounds and malloc arenas of src/node-flags.ts; `docker run -e NODE_OPTIONS=…` replaces them (a larger old space, say).
ENV NODE_ENV=production CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 PORT=3000 \
    NODE_OPTIONS="--max-semi-space-size=4 --max-old-space-size=384" MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --chown=node:node package.json prisma.config.ts ./
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node prisma ./prisma
COPY --chown=node:node scripts ./scripts
COPY --chown=node:node connectors ./connectors
COPY --chown=node:node src ./src
COPY --from=deps --chown=node:node /app/src/generated ./src/generated
USER node
EXPOSE 3000
# slim has no curl: Node's own fetch asks /healthz. The worker role serves no HTTP: run it with
# --no-healthcheck (docker-compose.yml disables the check for the workers).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The plain entry point, not `npm start` (npm would not forward SIGTERM for a graceful stop).
ENTRYPOINT ["node", "src/main.ts"]
# `all` applies pending migrations before it starts; give `api`, `worker` or `migrate` to split roles.
CMD ["all"]
