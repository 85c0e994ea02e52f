# syntax=docker/dockerfile:1
# poisonlink image: build stage compiles TypeScript; the runtime stage holds production dependencies,
# the compiled code, the Avro schemas and the samples, and runs as a non-root user.

ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY schemas ./schemas
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=64
# uid/gid 10001 as the Helm chart's securityContext expects (runAsUser / runAsGroup 10001)
RUN groupadd --system --gid 10001 poisonlink \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin poisonlink
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root schemas ./schemas
COPY --chown=root:root samples ./samples
USER 10001:10001
EXPOSE 9464
ENTRYPOINT ["node", "--max-semi-space-size=64", "/app/bin/poisonlink.js"]
CMD ["run", "--config", "/etc/poisonlink/config.yaml"]
