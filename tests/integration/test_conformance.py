"""The conformance suite on every backend under test (CRMCORE_TEST_BACKENDS)."""

from crmcore.testing.conformance import StorageConformance


class TestConformance(StorageConformance):
    """Runs once per backend through the ``crm_factory`` fixture of conftest.py."""
