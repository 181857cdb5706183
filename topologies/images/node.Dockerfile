# The node image from a pinned base image, for hosts that reach a registry
# (`pinhole images build --base-image debian:bookworm-slim@sha256:...`). Without a registry,
# pinhole builds the same package set offline with mmdebstrap instead.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG PACKAGES
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${PACKAGES} \
 && rm -rf /var/lib/apt/lists/*
