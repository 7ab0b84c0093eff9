"""The CRM object and ``crmcore.open``."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from uuid import UUID

import phonenumbers
import pluggy
from sqlalchemy.engine import make_url

from crmcore.domain import SYSTEM_ACTOR, Actor, Employee, EventType
from crmcore.domain.notifications import IN_APP
from crmcore.domain.telephony import TelephonySettings
from crmcore.errors import PluginError, StorageError, ValidationError
from crmcore.plugins import plugin_manager
from crmcore.ports import Channel, Storage, StorageOptions, UnitOfWork
from crmcore.services import wiring
from crmcore.services.balances import BalanceService
from crmcore.services.calendars import CalendarService
from crmcore.services.cards import CardService
from crmcore.services.clients import ClientService, ContactService
from crmcore.services.collaboration import AttachmentService, DiscussionService, LinkService
from crmcore.services.context import Context, Runtime, unit_of_work
from crmcore.services.contracts import ContractService
from crmcore.services.documents import AllocationService, DocumentService
from crmcore.services.employees import EmployeeService
from crmcore.services.event_types import EventTypeService
from crmcore.services.events import EventService
from crmcore.services.fields import FieldService
from crmcore.services.history import HistoryService
from crmcore.services.mail import MailService
from crmcore.services.notifications import NotificationService
from crmcore.services.products import ProductService
from crmcore.services.projects import ProjectService
from crmcore.services.refs import find_employee
from crmcore.services.reminders import ReminderService
from crmcore.services.tasks import TaskService
from crmcore.services.telephony import TelephonyService
from crmcore.services.timeline import TimelineService

__all__ = ["CRM", "open"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CRM:
    """An opened CRM: one namespace per capability, all calls made by one actor.

    Get one with :func:`crmcore.open`; get the same CRM acting as an employee
    with :meth:`acting_as`.  Every call completes or writes nothing; group
    several calls into one unit of work with :meth:`transaction`.
    """

    def __init__(self, runtime: Runtime, actor: Actor = SYSTEM_ACTOR) -> None:
        self._runtime = runtime
        context = Context(runtime, actor)
        self.clients = ClientService(context)
        self.contacts = ContactService(context)
        self.employees = EmployeeService(context)
        self.event_types = EventTypeService(context)
        self.events = EventService(context)
        self.telephony = TelephonyService(context)
        self.history = HistoryService(context)
        self.timeline = TimelineService(context)
        self.card = CardService(context)
        self.projects = ProjectService(context)
        self.tasks = TaskService(context)
        self.fields = FieldService(context)
        self.discussion = DiscussionService(context)
        self.links = LinkService(context)
        self.attachments = AttachmentService(context)
        self.reminders = ReminderService(context)
        self.notifications = NotificationService(context)
        self.calendar = CalendarService(context)
        self.mail = MailService(context)
        self.products = ProductService(context)
        self.contracts = ContractService(context)
        self.documents = DocumentService(context)
        self.allocations = AllocationService(context)
        self.balances = BalanceService(context)

    @property
    def actor(self) -> Actor:
        """Who the calls of this CRM object are made by."""
        return self.clients.actor

    @property
    def storage(self) -> Storage:
        return self._runtime.storage

    def acting_as(self, employee: Employee | UUID | str) -> CRM:
        """The same CRM, with calls made (and recorded) as ``employee``.

        Raises:
            ValidationError: no such employee, or the employee is archived.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> iryna = crm.employees.create(code="2", name="Петрова Ірина")
            >>> crm.acting_as(iryna).actor.name
            'Петрова Ірина'
        """
        with unit_of_work(self._runtime, writes=False) as uow:
            found = find_employee(uow, employee, "employee")
        if found.archived:
            raise ValidationError("employee", f"{found.name!r} is archived")
        return CRM(self._runtime, Actor(found.id, found.name))

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """Run several calls as one unit of work: all of them happen, or none.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> try:
            ...     with crm.transaction():
            ...         _ = crm.clients.create(code="A1", name="Перший")
            ...         _ = crm.clients.create(code="A1", name="Дубль")
            ... except crmcore.errors.DuplicateError:
            ...     pass
            >>> crm.clients.search(code="A1")
            []
        """
        with unit_of_work(self._runtime) as uow:
            yield uow

    def close(self) -> None:
        """Release the storage (connections, files)."""
        self._runtime.storage.close()

    def __enter__(self) -> CRM:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<CRM {self._runtime.storage.url} as {self.actor.name}>"


def open(
    url: str | None = None,
    *,
    engine: Any = None,
    table_prefix: str = "crm_",
    schema: str | None = None,
    upgrade: bool = True,
    phone_region: str = "UA",
    time_zone: str = "Europe/Kyiv",
    clock: Callable[[], datetime] | None = None,
    plugins: Iterable[object] = (),
    attachments: str | None = None,
    channels: Iterable[Channel] = (),
    telephony: TelephonySettings | None = None,
) -> CRM:
    """Open a CRM.

    Args:
        url: where the data lives: ``None`` or ``"memory://"`` for a database
            in memory, ``"sqlite:///crm.sqlite"`` for an embedded file,
            ``"postgresql+psycopg://user@host/db"`` for PostgreSQL, or any
            scheme a plugin serves.
        engine: a host application's SQLAlchemy ``Engine``; crmcore's tables
            are then created in the host's database.
        table_prefix: put before every crmcore table name.
        schema: database schema for crmcore's tables (PostgreSQL).
        upgrade: create or migrate the schema to the current revision.
        phone_region: region for phone numbers written without a country code.
        time_zone: the company's IANA time zone: the day "today" is for
            overdue invoices, ageing and money reports.
        clock: returns the current tz-aware time; tests pass a fixed one.
        plugins: extra plugin objects or modules for this CRM only.
        channels: notification channels for this CRM (objects with a ``name``
            and ``deliver``, see :class:`crmcore.ports.Channel`), besides
            those plugins register through ``crmcore_channels``.
        telephony: how calls are treated (prospects of unknown callers,
            callback time, event types; see
            :class:`crmcore.domain.telephony.TelephonySettings`).
        attachments: where attachment contents are kept: ``file:///dir``,
            ``memory://`` or a plugin's URL.  By default a SQLite file's
            attachments go to the directory ``<file>.attachments`` beside
            it, a memory database's stay in memory, and any other database
            has none until this is given.

    Returns:
        A :class:`CRM` acting as the system; see :meth:`CRM.acting_as`.

    Raises:
        StorageError: no backend serves the URL, or the schema is outdated and
            ``upgrade`` is False.
        ValidationError: an unknown phone region.
        PluginError: a plugin registered something unusable.

    Example:
        >>> import crmcore
        >>> with crmcore.open() as crm:
        ...     crm.storage.url
        'memory://'
    """
    if phone_region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            "phone_region", f"{phone_region!r} is not a region phonenumbers knows"
        )
    if telephony is not None and not isinstance(telephony, TelephonySettings):
        raise ValidationError(
            "telephony", f"must be TelephonySettings, not {type(telephony).__name__}"
        )
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError("time_zone", f"{time_zone!r} is not an IANA time zone") from None
    if url is None and engine is None:
        url = "memory://"
    manager = plugin_manager(plugins)
    options = StorageOptions(
        table_prefix=table_prefix, schema=schema, upgrade=upgrade, engine=engine
    )
    storage = manager.hook.crmcore_storage(url=url or "", options=options)
    if storage is None:
        raise StorageError(
            f"no storage backend serves {url!r}: crmcore knows memory://, sqlite:/// and "
            "postgresql+psycopg:// URLs; a plugin may add other schemes"
        )
    if upgrade:
        storage.upgrade()
    else:
        storage.check_schema()
    blobs_url = attachments if attachments is not None else _default_attachments(url, engine)
    blobs = None
    if blobs_url is not None:
        blobs = manager.hook.crmcore_blob_store(url=blobs_url)
        if blobs is None:
            raise StorageError(f"no attachment store serves {blobs_url!r}")
    runtime = Runtime(
        storage=storage,
        plugins=manager,
        clock=clock or _utc_now,
        phone_region=phone_region,
        time_zone=time_zone,
        blobs=blobs,
        channels=_channels(manager, channels),
        subscribers=wiring.SUBSCRIBERS,
        jobs=wiring.JOBS,
        telephony=telephony or TelephonySettings(),
    )
    crm = CRM(runtime)
    registered: list[EventType] = []

    def register(event_type: EventType) -> None:
        if not isinstance(event_type, EventType):
            raise PluginError(
                f"crmcore_event_types registered {event_type!r}; it must register EventType objects"
            )
        if any(other.code == event_type.code for other in registered):
            raise PluginError(
                f"event type {event_type.code!r} is registered twice; "
                "a plugin may not take over a code crmcore or another plugin registers"
            )
        registered.append(event_type)

    manager.hook.crmcore_event_types(register=register)
    crm.event_types.ensure_registered(registered)
    return crm


def _channels(manager: pluggy.PluginManager, given: Iterable[Channel]) -> dict[str, Channel]:
    """The notification channels given and those plugins register, by name.

    In-app is crmcore's own; a name may be taken once.
    """
    found: dict[str, Channel] = {}

    def register(channel: Channel) -> None:
        name = getattr(channel, "name", None)
        if not isinstance(name, str) or not callable(getattr(channel, "deliver", None)):
            raise PluginError(
                f"crmcore_channels registered {channel!r}; a channel needs a name and deliver()"
            )
        if name == IN_APP or name in found:
            raise PluginError(
                f"notification channel {name!r} is registered twice; "
                "a plugin may not take over a channel crmcore or another plugin registers"
            )
        found[name] = channel

    for channel in given:
        register(channel)
    manager.hook.crmcore_channels(register=register)
    return found


def _default_attachments(url: str | None, engine: Any) -> str | None:
    """Where a CRM keeps attachments when ``attachments=`` is not given."""
    if engine is not None or url is None:
        return None
    if url.startswith("memory:"):
        return "memory://" + url.removeprefix("memory:").removeprefix("//")
    parsed = make_url(url) if url.startswith("sqlite") else None
    if parsed is None or not parsed.database or parsed.database == ":memory:":
        return "memory://" if parsed is not None else None
    directory = (
        Path(parsed.database).resolve().with_name(Path(parsed.database).name + ".attachments")
    )
    return directory.as_uri()
