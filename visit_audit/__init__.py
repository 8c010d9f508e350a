"""visit-audit: audit statutory visits against a visiting framework."""

__version__ = "0.1.0"
