"""Intake's pure rules: the case state machines and the rules of 第三章 (no Flask, SQLAlchemy or broker)."""
