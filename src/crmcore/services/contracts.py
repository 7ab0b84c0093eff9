"""Contracts, their planned stages, and plan against fact per stage, contract and project."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from crmcore.domain.allocations import AsOf
from crmcore.domain.contracts import Contract, PlanFact, Stage, plan_against_fact
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service, build
from crmcore.services.refs import (
    ClientRef,
    ContractRef,
    ProjectRef,
    find_client,
    find_contract,
    find_project,
)

__all__ = ["ContractPlan", "ContractService"]


@attrs.frozen(kw_only=True)
class ContractPlan:
    """Plan against fact of one contract as of a date: its stages' rows and its own."""

    contract: Contract
    as_of: date
    stages: tuple[PlanFact, ...]
    total: PlanFact


class ContractService(Service):
    """``crm.contracts``: contracts with a client, their stages, and plan against fact."""

    kind = "contract"

    def create(
        self,
        *,
        number: str,
        signed_on: date,
        client: ClientRef,
        project: ProjectRef | None = None,
        subject: str = "",
        currency: str = "UAH",
        vat_mode: str = "on_top",
        total: Decimal | str | int = Decimal("0.00"),
        status: str = "active",
        valid_from: date | None = None,
        valid_until: date | None = None,
        stages: Iterable[Mapping[str, Any]] = (),
    ) -> Contract:
        """Add a contract and its planned stages (each a mapping of
        :class:`~crmcore.domain.contracts.Stage` fields: ``name``, ``planned_amount``,
        ``planned_on``, optionally ``kind`` and ``period_start``).

        Example:
            >>> import crmcore
            >>> from datetime import date
            >>> crm = crmcore.open()
            >>> client = crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ")
            >>> contract = crm.contracts.create(
            ...     number="Д-1",
            ...     signed_on=date(2026, 1, 10),
            ...     client=client,
            ...     stages=[
            ...         {"name": "Етап 1", "planned_amount": "1000", "planned_on": date(2026, 2, 1)}
            ...     ],
            ... )
            >>> [s.planned_amount for s in crm.contracts.stages(contract)]
            [Decimal('1000.00')]
        """
        with self._unit_of_work() as uow:
            owner = find_client(uow, client, "client")
            project_id = None
            if project is not None:
                found = find_project(uow, project, "project")
                if found.client_id is not None and found.client_id != owner.id:
                    raise ValidationError("project", f"{found.name!r} is another client's project")
                project_id = found.id
            contract = build(
                Contract,
                number=number,
                signed_on=signed_on,
                client_id=owner.id,
                project_id=project_id,
                subject=subject,
                currency=currency,
                vat_mode=vat_mode,
                total=total,
                status=status,
                valid_from=valid_from,
                valid_until=valid_until,
            )
            stored = self._add(uow, uow.contracts, contract)
            for position, given in enumerate(stages, start=1):
                self._add_stage(uow, stored, position, given, f"stages[{position - 1}]")
            return stored

    def _add_stage(
        self, uow: UnitOfWork, contract: Contract, position: int, given: Mapping[str, Any], at: str
    ) -> Stage:
        if not isinstance(given, Mapping):
            raise ValidationError(at, "must be a mapping of stage fields")
        try:
            stage = build(Stage, contract_id=contract.id, position=position, **given)
        except ValidationError as error:
            raise error.at(at) from None
        return self._add(uow, uow.stages, stage, kind="stage")

    def add_stage(self, contract: ContractRef, **fields: Any) -> Stage:
        """Add a planned stage at the end of a contract's plan."""
        with self._unit_of_work() as uow:
            found = find_contract(uow, contract)
            self._authorize("update", found)
            position = 1 + max(
                (s.position for s in uow.stages.find(contract_id=found.id)), default=0
            )
            return self._add_stage(uow, found, position, fields, "stage")

    def get(self, contract: ContractRef) -> Contract:
        with self._unit_of_work(writes=False) as uow:
            found = find_contract(uow, contract)
            self._authorize("read", found)
            return found

    def update(self, contract: ContractRef, **changes: Any) -> Contract:
        """Change a contract's subject, status, total or term (not its client or currency
        once documents name it)."""
        with self._unit_of_work() as uow:
            stored = find_contract(uow, contract)
            if {"client_id", "currency"} & set(changes) and uow.documents.find(
                contract_id=stored.id
            ):
                raise ValidationError(
                    "currency" if "currency" in changes else "client_id",
                    "cannot change once documents name the contract",
                )
            return self._update(uow, uow.contracts, stored, contract, changes)

    def stages(self, contract: ContractRef) -> list[Stage]:
        """A contract's stages, in plan order."""
        with self._unit_of_work(writes=False) as uow:
            found = find_contract(uow, contract)
            self._authorize("read", found)
            stages = uow.stages.find(contract_id=found.id)
        return sorted(stages, key=lambda s: (s.position, s.planned_on))

    def list(
        self, *, client: ClientRef | None = None, project: ProjectRef | None = None
    ) -> list[Contract]:
        """Contracts (of a client, of a project), by date then number."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            equals: dict[str, Any] = {}
            if client is not None:
                equals["client_id"] = find_client(uow, client, "client").id
            if project is not None:
                equals["project_id"] = find_project(uow, project, "project").id
            found = uow.contracts.find(**equals)
        return sorted(found, key=lambda c: (c.signed_on, c.number))

    def plan_against_fact(
        self, contract: ContractRef, *, as_of: date | None = None
    ) -> ContractPlan:
        """Planned, shipped, invoiced and paid per stage and for the contract, as of a date.

        Shipped counts acts and shipments, invoiced counts invoices less credit
        notes, paid counts what the allocation log applied to the stage's
        invoices and orders from payments, all dated by ``as_of`` (today in
        the company's time zone when omitted).
        """
        on = self._context.today() if as_of is None else as_of
        with self._unit_of_work(writes=False) as uow:
            found = find_contract(uow, contract)
            self._authorize("read", found)
            stages = uow.stages.find(contract_id=found.id)
            facts = {f.stage_id: f for f in uow.balances.stage_facts([found.id], AsOf(on=on))}
        rows, total = plan_against_fact(found, stages, facts)
        return ContractPlan(contract=found, as_of=on, stages=rows, total=total)

    def plan_of_project(
        self, project: ProjectRef, *, as_of: date | None = None
    ) -> tuple[PlanFact, ...]:
        """Plan against fact of a project: one row per contract, then one total per currency."""
        on = self._context.today() if as_of is None else as_of
        with self._unit_of_work(writes=False) as uow:
            found = find_project(uow, project)
            self._authorize("read", found)
            contracts = sorted(
                uow.contracts.find(project_id=found.id), key=lambda c: (c.signed_on, c.number)
            )
            facts: dict[UUID, dict[UUID | None, Any]] = defaultdict(dict)
            for fact in uow.balances.stage_facts([c.id for c in contracts], AsOf(on=on)):
                facts[fact.contract_id][fact.stage_id] = fact
            rows = [
                plan_against_fact(c, uow.stages.find(contract_id=c.id), facts[c.id])[1]
                for c in contracts
            ]
        totals = []
        for currency in sorted({row.currency for row in rows}):
            mine = [row for row in rows if row.currency == currency]
            totals.append(
                PlanFact(
                    name=found.name,
                    currency=currency,
                    planned=sum((r.planned for r in mine), Decimal("0.00")),
                    shipped=sum((r.shipped for r in mine), Decimal("0.00")),
                    invoiced=sum((r.invoiced for r in mine), Decimal("0.00")),
                    paid=sum((r.paid for r in mine), Decimal("0.00")),
                )
            )
        return (*rows, *totals)
