# The campaign-sync worker image. Stages: `build` compiles; `runtime` is what runs; `dev` adds the
# mock platform (docker-compose.dev.yml builds it with `target: dev`); `production`, the last and
# so the default (`docker build .`, docker-compose.yml), is `runtime` as it is: no mock in it.
# glibc (Debian bookworm), not Alpine: the Temporal SDK's native bridge does not load on musl.

FROM node:22.12.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Every dependency the build needs (TypeScript, the workflow bundler); the lockfile pins versions.
RUN npm install --no-audit --no-fund
COPY tsconfig.base.json ./
COPY src ./src
COPY mock-api ./mock-api
COPY migrations ./migrations
# Compiles the product (src alone) and the mock, and bundles the workflows ahead of time
# (dist/workflows.bundle.js); tests, scripts and the dev stack stay out of the image.
RUN npm run build:image
# Production dependencies only, from the same lockfile.
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:22.12.0-bookworm-slim AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# Copied as root and run as `node` (uid 1000): the process cannot change its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/migrations ./migrations
# Both prebuilt workflow bundles: plain failures, and failures encoded for history encryption.
COPY --from=build /app/dist/workflows.bundle.js ./dist/workflows.bundle.js
COPY --from=build /app/dist/workflows.encoded-failures.bundle.js ./dist/workflows.encoded-failures.bundle.js
COPY --from=build /app/dist/src ./dist/src
# No secret is baked in: credentials, DATABASE_URL and the encryption key come from the
# environment or mounted files at run time.
USER node
EXPOSE 9464
CMD ["node", "dist/src/worker.js"]

FROM runtime AS dev
COPY --from=build /app/dist/mock-api ./dist/mock-api

FROM runtime AS production
