# Multi-stage build: a static irbot binary on a minimal, non-root image.
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/irbot ./cmd/irbot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/irbot /usr/local/bin/irbot
COPY --from=build --chown=nonroot:nonroot /out/data /data
COPY configs/irbot.yaml /app/configs/irbot.yaml
COPY playbooks/*.yaml /app/playbooks/
USER nonroot
VOLUME ["/data"]
EXPOSE 8080
# The store is the single file /data/irbot.db. Secrets (bot tokens, alert
# tokens) come from the environment: docker run -e TELEGRAM_BOT_TOKEN=…
HEALTHCHECK --interval=30s --timeout=5s CMD ["/usr/local/bin/irbot", "health", "--url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/irbot"]
CMD ["serve", "--data", "/data", "--listen", "0.0.0.0:8080"]
