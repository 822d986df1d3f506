"""Notify's pure rules: message templates and their Chinese wording, recipient resolution, the delivery
state machine with its retry policy, and robot digests. Nothing here imports Flask, SQLAlchemy, dramatiq or
Redis, so every rule can be tested on its own."""
