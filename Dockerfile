# Takumi: one static binary on a small base image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/takumi .

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/takumi --create-home takumi
COPY --from=build /out/takumi /usr/local/bin/takumi
USER takumi
WORKDIR /var/lib/takumi
ENV TAKUMI_ADDR=:8080 TAKUMI_DATA_DIR=/var/lib/takumi/data
EXPOSE 8080
ENTRYPOINT ["takumi"]
CMD ["serve"]
