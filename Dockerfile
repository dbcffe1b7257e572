# lprobe from source: a Debian bookworm builder, and a final image that holds
# only /lprobe and its licences.  Not meant to be run: copy the probe into
# your own image with
#
#   COPY --from=<this image> /lprobe /lprobe
#
#   docker build --build-arg VERSION=$(cat VERSION) -t lprobe .
#   docker buildx build --platform linux/amd64,linux/arm64 -t lprobe .
#   docker build --build-arg TLS=openssl -t lprobe:openssl .   # TLS 1.2 and 1.3
#
# (Each platform builds natively in its own builder; `make arm64` cross-builds
# instead.)  The build downloads nothing but Debian packages.
FROM debian:bookworm AS build
# TLS= (BearSSL, TLS 1.2, ~390 KiB) or TLS=openssl (OpenSSL 3, TLS 1.2 and
# 1.3, ~4 MiB): see the README, "A service that accepts only TLS 1.3".
ARG TLS=
RUN apt-get update \
 && apt-get install -y --no-install-recommends make gcc libc6-dev musl-tools \
      libbearssl-dev libnghttp2-dev zlib1g-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make TLS=$TLS all && b=build${TLS:+/$TLS}/lprobe && $b -version && cp $b /lprobe

FROM scratch
ARG VERSION
LABEL org.opencontainers.image.title="lprobe" \
      org.opencontainers.image.description="Secure local health-check probe (HTTP, HTTPS, gRPC, TCP) for scratch images" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.documentation="lprobe -h; lprobe.1 in the release archive"
COPY --from=build /lprobe /lprobe
COPY --from=build /src/LICENSE /src/THIRD_PARTY_NOTICES /
USER 65534:65534
ENTRYPOINT ["/lprobe"]
