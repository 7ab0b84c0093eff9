"""Collaboration: discussion with mentions, attachments and links, on tasks and beyond."""

from __future__ import annotations

import io
from pathlib import Path
from uuid import UUID

import pytest

from crmcore import CRM
from crmcore.domain.collaboration import Comment
from crmcore.errors import NotFound, PermissionDenied, StaleObject, ValidationError
from crmcore.testing import ManualClock
from crmcore.testing.conformance.fixtures import END, CrmFactory, Office, simple_task

__all__ = ["CollaborationConformance"]


def _attachable(crm_factory: CrmFactory, clock: ManualClock) -> CRM:
    """A CRM that can keep attachments: the default store of memory and SQLite
    files, or an explicit memory store for backends that have no default."""
    crm = crm_factory(clock=clock)
    if crm.storage.url.startswith(("memory:", "sqlite:")):
        return crm
    return crm_factory(clock=clock, attachments="memory://")


def _sqlite_blob_files(crm: CRM) -> list[Path] | None:
    """The blob files of a SQLite file's default store (None for other backends)."""
    url = crm.storage.url
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return None
    folder = Path(url.removeprefix("sqlite:///") + ".attachments")
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


class CollaborationConformance:
    """Comments, attachments and links."""

    # --- discussion -----------------------------------------------------------------------

    def test_tasks_discussion_mentions_edits_and_client_timeline(self, office: Office) -> None:
        crm = office.crm
        task, _ = simple_task(office, "Узгодити кошторис")
        ivanov = office.as_(office.ivanov)
        office.clock.advance(minutes=5)
        comment = ivanov.discussion.post(
            task,
            "@3, гляньте суми; @nobody не існує, a@b.c — адреса",
            mentions=[office.melnyk],
        )
        assert comment.mentions == (office.melnyk.id, office.oleg.id)
        assert (comment.author_id, comment.author_name) == (office.ivanov.id, office.ivanov.name)
        assert not comment.edited
        again = ivanov.discussion.post(task, "@22 @3 @3 і ще раз", mentions=["3"])
        assert again.mentions == (office.oleg.id, office.ivanov.id)
        with pytest.raises(ValidationError) as caught:
            ivanov.discussion.post(task, "хто це?", mentions=["nobody"])
        assert caught.value.field == "mentions[0]"
        assert [c.id for c in crm.discussion.of(task)] == [comment.id, again.id]

        stored: Comment = crm.discussion.of(task)[0]
        with pytest.raises(PermissionDenied):
            office.as_(office.oleg).discussion.edit(stored, "чужий текст")
        assert crm.discussion.of(task)[0] == stored
        assert len(crm.history.of("comment", comment.id)) == 1
        office.clock.advance(minutes=1)
        edited = ivanov.discussion.edit(comment, "@23, перевірте суми")
        assert (edited.text, edited.edited, edited.version) == ("@23, перевірте суми", True, 2)
        assert edited.mentions == (office.melnyk.id, office.oleg.id)  # earlier ones stay
        changes = {c.field: c for c in crm.history.of("comment", comment.id) if c.field}
        assert changes["text"].old_value() == "@3, гляньте суми; @nobody не існує, a@b.c — адреса"
        assert changes["text"].new_value() == "@23, перевірте суми"
        assert changes["text"].actor_id == office.ivanov.id
        with pytest.raises(StaleObject):
            ivanov.discussion.edit(comment, "зі старої копії")
        assert crm.tasks.card(task).comments[0] == edited

        timeline = crm.timeline(office.neptune, limit=100)
        assert {e.kind for e in timeline} == {"task", "comment"}
        [created] = [e for e in timeline if e.kind == "task"]
        assert (created.source_id, created.title) == (task.id, "Узгодити кошторис")
        posted = {e.source_id: e for e in timeline if e.kind == "comment"}
        assert set(posted) == {comment.id, again.id}
        assert posted[comment.id].summary == "@23, перевірте суми"  # the line follows the edit
        assert all(e.employee_id == office.ivanov.id for e in posted.values())
        ivanov.discussion.archive(again)
        assert [c.id for c in crm.discussion.of(task)] == [comment.id]
        shown = crm.timeline(office.neptune, kinds="comment", limit=100)
        assert [e.source_id for e in shown] == [comment.id]
        timeline = crm.timeline(office.neptune, limit=100)
        lonely = crm.tasks.create("Без клієнта", end=END)
        crm.discussion.post(lonely, "нікому не видно")
        assert len(crm.timeline(office.neptune, limit=100)) == len(timeline)

    # --- attachments ----------------------------------------------------------------------

    def test_tasks_attachments_from_bytes_stream_and_path(
        self, crm_factory: CrmFactory, task_clock: ManualClock, tmp_path: Path
    ) -> None:
        crm = _attachable(crm_factory, task_clock)
        task = crm.tasks.create("Кошторис", end=END)
        content = "сума: 100 грн".encode()
        first = crm.attachments.add(task, content, name="кошторис.txt")
        assert (first.name, first.media_type, first.size) == (
            "кошторис.txt",
            "text/plain",
            len(content),
        )
        assert first.entity_kind == "task"
        assert first.entity_id == task.id
        assert crm.attachments.read(first) == content
        with crm.attachments.open(first.id) as stream:
            assert stream.read() == content

        big = bytes(range(256)) * 5000  # 1.2 MB: more than one chunk of the blob store
        streamed = crm.attachments.add(task, io.BytesIO(big), name="скан.PDF")
        assert (streamed.size, streamed.media_type) == (len(big), "application/pdf")
        assert crm.attachments.read(streamed) == big
        path = tmp_path / "план.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 10)
        from_path = crm.attachments.add(task, path)
        assert (from_path.name, from_path.media_type, from_path.size) == (
            "план.png",
            "image/png",
            18,
        )
        odd = crm.attachments.add(task, str(path), name="без-розширення", media_type="image/x-plan")
        assert odd.media_type == "image/x-plan"
        unknown = crm.attachments.add(task, b"?", name="дані.невідоме")
        assert unknown.media_type == "application/octet-stream"

        again = crm.attachments.add(task, content, name="копія.txt")
        assert again.sha256 == first.sha256
        assert again.id != first.id
        files = _sqlite_blob_files(crm)
        if files is not None:
            assert len(files) == 4  # six attachments of four distinct contents
        assert [a.name for a in crm.attachments.of(task)] == [
            "кошторис.txt",
            "скан.PDF",
            "план.png",
            "без-розширення",
            "дані.невідоме",
            "копія.txt",
        ]
        assert len(crm.tasks.card(task).attachments) == 6
        crm.attachments.archive(first)
        assert first.id not in {a.id for a in crm.attachments.of(task)}
        assert len(crm.attachments.of(task, include_archived=True)) == 6
        assert len(crm.tasks.card(task).attachments) == 5
        assert crm.attachments.read(again) == content  # the shared content stays
        client_file = crm.attachments.add(
            ("client", crm.clients.create(code="1", name="ПДВ").id), b"x", name="x.txt"
        )
        assert client_file.entity_kind == "client"

    @pytest.mark.parametrize("name", ["../../etc/passwd", "папка/файл.txt", "a\\b.txt", "..", ""])
    def test_tasks_attachment_named_like_a_path_stores_nothing(
        self, crm_factory: CrmFactory, task_clock: ManualClock, name: str
    ) -> None:
        crm = _attachable(crm_factory, task_clock)
        task = crm.tasks.create("Кошторис", end=END)
        files_before = _sqlite_blob_files(crm)
        with pytest.raises(ValidationError) as caught:
            crm.attachments.add(task, b"secret", name=name)
        assert caught.value.field == "name"
        assert crm.attachments.of(task, include_archived=True) == []
        assert _sqlite_blob_files(crm) == files_before
        with pytest.raises(ValidationError) as missing:
            crm.attachments.add(task, b"secret")
        assert missing.value.field == "name"
        with pytest.raises(ValidationError) as nowhere:
            crm.attachments.add(("task", UUID(int=3)), b"secret", name="ok.txt")
        assert nowhere.value.field == "entity"
        assert _sqlite_blob_files(crm) == files_before

    # --- links ----------------------------------------------------------------------------

    def test_tasks_links_to_documents_and_events(self, office: Office) -> None:
        crm = office.crm
        task, _ = simple_task(office)
        other, _ = simple_task(office, "Інша")
        invoice = crm.links.add(task, ("invoice", "INV-1"), note="рахунок")
        assert (invoice.source_kind, invoice.source_id) == ("task", task.id)
        assert (invoice.target_kind, invoice.target_id, invoice.note) == (
            "invoice",
            "INV-1",
            "рахунок",
        )
        assert crm.links.add(task, ("invoice", "INV-1")) == invoice  # idempotent
        crm.links.add(other, ("invoice", "INV-1"))
        event = crm.events.log(office.neptune, type="ВхЗ", subject="Дзвінок")
        to_event = crm.links.add(task, event)
        assert (to_event.target_kind, to_event.target_id) == ("event", str(event.id))
        assert crm.links.add(task, ("event", event.id)) == to_event
        assert [(link.target_kind, link.target_id) for link in crm.links.of(task)] == [
            ("invoice", "INV-1"),
            ("event", str(event.id)),
        ]
        assert {link.source_id for link in crm.links.to(("invoice", "INV-1"))} == {
            task.id,
            other.id,
        }
        assert [link.source_id for link in crm.links.to(event)] == [task.id]
        assert len(crm.tasks.card(task).links) == 2
        crm.links.remove(invoice)
        assert [link.source_id for link in crm.links.to(("invoice", "INV-1"))] == [other.id]
        assert [link.target_kind for link in crm.links.of(task)] == ["event"]
        with pytest.raises(NotFound):
            crm.links.remove(invoice)
        for target in (("invoice", ""), ("Invoice!", "1"), ("event", "not-an-id"), 42):
            with pytest.raises(ValidationError):
                crm.links.add(task, target)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            crm.links.add(task, ("event", UUID(int=9)))
        assert len(crm.links.of(task)) == 1

    def test_tasks_created_from_an_event_carry_its_client_contact_and_type(
        self, office: Office
    ) -> None:
        crm = office.crm
        event = office.as_(office.oleg).events.log(
            office.neptune, type="ВхЗ", subject="Протікає дах", contact=office.contact
        )
        task = office.as_(office.oleg).tasks.create_from_event(
            event, end=END, executors=[office.ivanov]
        )
        assert task.name == "Протікає дах"
        assert (task.client_id, task.contact_id, task.type_code) == (
            office.neptune.id,
            office.contact.id,
            "ВхЗ",
        )
        assert task.event_id == event.id
        assert task.author_id == office.oleg.id
        assert crm.tasks.get(task.id) == task
        [link] = crm.links.of(event)
        assert (link.target_kind, link.target_id) == ("task", str(task.id))
        assert crm.links.to(task) == [link]
        named = crm.tasks.create_from_event(event.id, name="Інша назва", end=END, type="Встр")
        assert (named.name, named.type_code) == ("Інша назва", "Встр")
        assert len(crm.links.of(event)) == 2
        with pytest.raises(ValidationError) as caught:
            crm.tasks.create_from_event(UUID(int=1), end=END)
        assert caught.value.field == "event"
        with pytest.raises(ValidationError):
            crm.tasks.create_from_event(event, end=END, executors=["nobody"])
        assert len(crm.links.of(event)) == 2
        assert len(crm.tasks.registry()) == 2
