"""Deadlines' adapters: the calendar in the database and its in-process cache."""
