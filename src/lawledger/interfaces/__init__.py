"""Interfaces: cli, web, api, portal. They call services and queries only, never models."""
