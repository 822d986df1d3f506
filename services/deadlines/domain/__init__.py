"""The pure domain of the deadlines service: working-day calendar, statutory rules, clocks, reminders.

Nothing here imports Flask, SQLAlchemy, Dramatiq or Redis (tests/deadlines/test_domain_is_pure.py checks it);
adapters and entrypoints import this package, never the other way round.
"""
