"""Notify's adapters: channel clients built from configuration, the per-robot rate limit in Redis."""
