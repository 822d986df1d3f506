"""Deadlines' use cases (the service layer): clock commands, calendar changes, the reminder sweep."""
