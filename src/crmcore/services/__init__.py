"""Use cases, one module per capability; each a thin service over the unit of work."""
