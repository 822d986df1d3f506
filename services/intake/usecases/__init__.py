"""Intake's use cases (the service layer): one short function per use case, inside one unit of work."""
