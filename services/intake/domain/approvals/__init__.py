"""The approval engine's pure rules: no Flask, SQLAlchemy, Dramatiq or Redis here (a test checks it)."""
