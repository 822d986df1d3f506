"""Intake's adapters to the outside: where attachment bytes live, the deadlines calendar over HTTP."""
