"""The staff web app: server-rendered pages that call services and queries only."""
