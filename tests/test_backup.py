"""Backups: pg_dump the whole database, restore it into a fresh one, compare the content."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from articles.management.commands.export_content import published_content
from tests.articles.workflow_helpers import article_in_state
from tests.factories import ClinicianFactory

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed"),
]


def _url(name: str) -> str:
    params = connection.settings_dict
    user, host, port = params["USER"], params["HOST"] or "127.0.0.1", params["PORT"] or 5432
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    return f"postgresql://{user}{password}@{host}:{port}/{name}"


def test_pg_dump_and_restore_round_trip_keeps_all_published_content(tmp_path, capsys, esketamine):
    author = ClinicianFactory(username="author")
    article_in_state(
        "published", author=author, topics=[esketamine], title="Kept through a restore"
    )
    article_in_state("draft", author=author, title="A draft is kept too")
    expected = json.loads(json.dumps(published_content(), cls=DjangoJSONEncoder))
    assert expected["articles"][0]["title"] == "Kept through a restore"

    source = connection.settings_dict["NAME"]
    restored = f"hub_restore_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "hub.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), _url(source)], check=True)  # noqa: S603,S607
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", restored], check=True)  # noqa: S603,S607
    try:
        subprocess.run(  # noqa: S603
            ["pg_restore", "--no-owner", "-d", _url(restored), str(dump)],  # noqa: S607
            check=True,
        )
        env = {**os.environ, "DATABASE_URL": _url(restored), "SECRET_KEY": "x"}
        exported = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "export_content"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(exported.stdout) == expected
        drafts = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "shell", "-c",
             "from articles.models import Article; print(Article.objects.count())"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert drafts.stdout.strip().splitlines()[-1] == "2"
    finally:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", restored], check=False)  # noqa: S603,S607


def test_export_leaves_out_unpublished_articles(db, capsys):
    author = ClinicianFactory(username="author")
    article_in_state("in_review", author=author, title="Secret draft")
    call_command("export_content")
    assert "Secret draft" not in capsys.readouterr().out
