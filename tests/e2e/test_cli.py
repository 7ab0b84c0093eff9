"""The `crmcore` command as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import crmcore
from crmcore.cli import main


def _run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crmcore", *arguments],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=120,
    )


def test_demo_plays_the_incoming_call_and_prints_the_card(tmp_path: Path) -> None:
    result = _run("demo", "--db", str(tmp_path / "demo.sqlite"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Визначено: ПДВ (код 1) — Петров Іван Іванович" in out
    assert "подій в історії клієнта: 4 → 5" in out
    assert "Дзвінок щодо рахунку на ліцензії (Петрова Ірина)" in out
    assert "Контактні особи:" in out


def test_demo_database_is_kept_and_grows_with_every_run(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite"
    assert _run("demo", "--db", str(database)).returncode == 0
    second = _run("demo", "--db", str(database))
    assert second.returncode == 0, second.stderr
    assert "подій в історії клієнта: 5 → 6" in second.stdout
    with crmcore.open(f"sqlite:///{database}") as crm:
        assert len(crm.clients.search()) == 6
        assert len(crm.timeline("1", kinds=["event"], limit=100)) == 6
        assert len(crm.tasks.registry(client="1")) == 2


def test_demo_without_db_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    assert list(tmp_path.iterdir()) == []


def test_db_upgrade_creates_the_schema_and_current_reports_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'erp.sqlite'}"
    upgraded = _run("db", "upgrade", url, "--table-prefix", "erp_crm_")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "(current)" in upgraded.stdout
    current = _run("db", "current", url, "--table-prefix", "erp_crm_")
    assert "revision 0007 (current)" in current.stdout
    fresh = _run("db", "current", f"sqlite:///{tmp_path / 'other.sqlite'}")
    assert "revision none (behind, newest is 0007)" in fresh.stdout


def test_db_without_url_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CRMCORE_URL", raising=False)
    assert main(["db", "upgrade"]) == 2
    assert "CRMCORE_URL" in capsys.readouterr().err


def test_storage_errors_are_reported_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["db", "current", "postgresql+psycopg://nobody@127.0.0.1:1/x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("crmcore: cannot reach")
    assert "Traceback" not in err


def test_version_and_plugins_commands() -> None:
    version = _run("--version")
    assert version.stdout.strip() == f"crmcore {crmcore.__version__}"
    plugins = _run("plugins")
    assert plugins.returncode == 0
