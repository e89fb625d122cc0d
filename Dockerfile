# dialwindow's container image: the CLI as the entrypoint, git inside for `reconcile --repo`.
#
#   docker build -t dialwindow .
#   docker run --rm dialwindow --version
#   docker run --rm -v "$PWD:/work" -w /work dialwindow validate
#
# The image is built from the packed npm tarball, so it holds exactly what `npm install
# dialwindow` would: compiled code, schemas, policy packs; no sources, no dev dependencies.
# It runs as the unprivileged `node` user (uid 1000) and writes only to the state directory
# (/var/lib/dialwindow, a volume) and /tmp, so it runs with a read-only root filesystem.

FROM node:20-slim AS pack
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY schemas ./schemas
COPY policies ./policies
COPY templates ./templates
COPY README.md LICENSE SECURITY.md CHANGELOG.md ./
RUN npm run build && npm pack --ignore-scripts --pack-destination /tmp

FROM node:20-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates openssh-client tini \
 && rm -rf /var/lib/apt/lists/*
COPY --from=pack /tmp/dialwindow-*.tgz /tmp/
RUN npm install --global --no-audit --no-fund /tmp/dialwindow-*.tgz \
 && rm /tmp/dialwindow-*.tgz \
 && npm cache clean --force \
 && mkdir -p /var/lib/dialwindow \
 && chown node:node /var/lib/dialwindow
ENV DIALWINDOW_STATE_DIR=/var/lib/dialwindow \
    NODE_ENV=production
VOLUME /var/lib/dialwindow
USER node
WORKDIR /home/node
EXPOSE 9464
ENTRYPOINT ["/usr/bin/tini", "--", "dialwindow"]
CMD ["--help"]
