"""Backends behind crmcore's ports: memory (the reference) and SQLAlchemy."""
