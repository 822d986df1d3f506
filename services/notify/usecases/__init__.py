"""Notify's use cases (the service layer): deliveries, channels, templates."""
