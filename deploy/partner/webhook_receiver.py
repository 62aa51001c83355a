"""A partner's end of the hub's webhooks, for trying them out: it prints each change it
is sent and whether its signature verifies (docs/webhooks.md). Standard library only.

    WEBHOOK_SECRET=<the secret shown once> python3 deploy/partner/webhook_receiver.py 9000

Register http://127.0.0.1:9000/ under Webhooks in the demo's admin (DEBUG allows a local
address), then archive an article: the withdrawal arrives within seconds.
"""

import hashlib
import hmac
import http.server
import json
import os
import sys
import time

SECRET = os.environ.get("WEBHOOK_SECRET", "")


def verify(secret: str, headers, body: bytes, max_age: int = 300) -> dict:
    """The change, if the hub sent it recently; else raise ValueError."""
    timestamp = headers["X-Hub-Timestamp"]
    if abs(time.time() - int(timestamp)) > max_age:
        raise ValueError("too old: a replay?")
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    if not hmac.compare_digest(headers["X-Hub-Signature"], "sha256=" + expected.hexdigest()):
        raise ValueError("bad signature")
    return json.loads(body)


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            change = verify(SECRET, self.headers, body)
        except (KeyError, ValueError) as error:
            print(f"refused: {error}", flush=True)
            self.send_response(401)
        else:
            print(
                f"{change['kind']}: {change['title']} ({change['url']})"
                f"{' because: ' + change['reason'] if change.get('reason') else ''}",
                flush=True,
            )
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):  # one line per change is enough
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    if not SECRET:
        sys.exit("Set WEBHOOK_SECRET to the secret the admin showed when the webhook was added.")
    print(f"Listening on http://127.0.0.1:{port}/", flush=True)
    http.server.HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
