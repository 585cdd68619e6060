# Defect Sync: API, outbox relay and workers. Runs TypeScript directly on Node 24 (type stripping).
FROM node:24-slim
ENV NODE_ENV=production CHECKPOINT_DISABLE=1
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY prisma.config.ts tsconfig.json ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
COPY connectors ./connectors
RUN node scripts/prisma.ts generate
USER node
EXPOSE 3000
# `all` applies pending migrations before it starts; use `api` / `worker` to split roles.
CMD ["node", "src/main.ts", "all"]
