"""Tools for testing code that uses crmcore, and for testing storage backends.

``crmcore.testing.conformance`` holds the suite every storage backend must
pass (it needs pytest: ``pip install crmcore[testing]``).  A host that brings
its own backend runs it like this::

    # test_my_backend.py
    import pytest
    import crmcore
    from crmcore.testing.conformance import StorageConformance


    class TestMyBackend(StorageConformance):
        @pytest.fixture
        def crm_factory(self):
            # return a callable taking crmcore.open's keyword arguments
            return lambda **options: crmcore.open("mybackend://test", **options)
"""

from crmcore.testing.clock import ManualClock

__all__ = ["ManualClock"]
