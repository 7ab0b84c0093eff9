"""Sales documents and the allocation log of payments applied to them."""

from __future__ import annotations

from crmcore.services.documents.allocations import AllocationService
from crmcore.services.documents.card import DocumentService

__all__ = ["AllocationService", "DocumentService"]
