"""The partner's example receiver (deploy/partner/) accepts what the hub signs, and only that."""

import importlib.util
import json
import time
from pathlib import Path

import pytest

from articles import webhooks

SCRIPT = Path(__file__).resolve().parent.parent / "deploy" / "partner" / "webhook_receiver.py"
spec = importlib.util.spec_from_file_location("webhook_receiver", SCRIPT)
receiver = importlib.util.module_from_spec(spec)
spec.loader.exec_module(receiver)


def _signed(secret: str, body: bytes, *, at: float) -> dict:
    timestamp = str(int(at))
    return {"X-Hub-Timestamp": timestamp, "X-Hub-Signature": webhooks.sign(secret, timestamp, body)}


def test_a_change_the_hub_signed_verifies():
    body = json.dumps({"kind": "withdrawn", "title": "Esketamine"}).encode()

    change = receiver.verify("s3cret", _signed("s3cret", body, at=time.time()), body)

    assert change["kind"] == "withdrawn"


@pytest.mark.parametrize(
    ("secret", "age", "tamper", "why"),
    [
        ("other", 0, b"", "bad signature"),
        ("s3cret", 0, b" ", "bad signature"),
        ("s3cret", 3600, b"", "too old"),
    ],
)
def test_a_forged_changed_or_replayed_delivery_is_refused(secret, age, tamper, why):
    body = b'{"kind": "withdrawn"}'
    headers = _signed(secret, body, at=time.time() - age)

    with pytest.raises(ValueError, match=why):
        receiver.verify("s3cret", headers, body + tamper)
