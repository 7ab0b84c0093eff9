"""``crmcore mail import`` as a person runs it: files, folders, IMAP, and what it prints."""

from __future__ import annotations

from pathlib import Path

import pytest

import crmcore
from crmcore.cli import main
from crmcore.testing.conformance.mail import raw_mail
from imap_server import imap_server

MAIL = Path(__file__).resolve().parents[1] / "mail"


def test_a_folder_of_eml_files_is_imported_and_again_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    with crmcore.open(url) as crm:
        crm.clients.create(code="06951937", name="Нептун", emails=["office@neptun.ua"])
    command = ["mail", "import", str(MAIL), "--url", url, "--own-domain", "intelserv.com"]
    assert main([*command, "--progress", "always"]) == 0
    out, err = capsys.readouterr()
    files = len(list(MAIL.glob("*.eml")))
    assert out.startswith(f"read {files}, created {files}, duplicates 0, ")
    assert f"{files} messages read" in err
    assert main(command) == 0
    assert capsys.readouterr().out.startswith(f"read {files}, created 0, duplicates {files}, ")
    with crmcore.open(url) as crm:
        [neptune] = crm.clients.search(code="06951937")
        assert {e.type_code for e in crm.timeline(neptune, limit=100)} == {"ВхП", "ИсхП"}


def test_an_imap_mailbox_is_imported_with_the_password_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    monkeypatch.setenv("CRMCORE_IMAP_PASSWORD", "secret")
    with imap_server(security="none") as server:
        server.append(raw_mail())
        source = f"imap+plain://crm@{server.host}:{server.port}/INBOX"
        assert main(["mail", "import", source, "--url", url, "--password", "secret"]) == 0
        assert capsys.readouterr().out.startswith("read 1, created 1, ")
        bad = ["mail", "import", source, "--url", url, "--password", "wrong"]
        assert main(bad) == 1
    assert "refused the login" in capsys.readouterr().err


def test_without_a_database_or_with_a_missing_file_it_says_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRMCORE_URL", raising=False)
    assert main(["mail", "import", str(MAIL), "--url", ""]) == 2
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    assert main(["mail", "import", str(tmp_path / "none.mbox"), "--url", url]) == 1
    assert "does not exist" in capsys.readouterr().err
