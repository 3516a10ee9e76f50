# Takumi: one static binary on a small base image. Base images are pinned to
# a release (pin a digest too, @sha256:..., where your registry policy asks).
FROM golang:1.26.10-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/takumi .

FROM debian:12.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/takumi --create-home takumi \
    && install -d -o takumi -g takumi -m 0700 /var/lib/takumi/data
# The data directory exists in the image and belongs to the takumi user, so a
# new named volume mounted there starts with that owner (Docker copies the
# image's directory into an empty volume) and media uploads can be written.
COPY --from=build /out/takumi /usr/local/bin/takumi
USER takumi
WORKDIR /var/lib/takumi
ENV TAKUMI_ADDR=:8080 TAKUMI_DATA_DIR=/var/lib/takumi/data
EXPOSE 8080
VOLUME /var/lib/takumi/data
# Ready: the database answers and accepts writes (/readyz); the image has no
# curl, so the binary fetches it.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["takumi", "healthcheck"]
ENTRYPOINT ["takumi"]
CMD ["serve"]
