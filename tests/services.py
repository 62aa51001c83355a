"""The machine's own services, for tests that need one to be running."""

import socket


def redis_up() -> bool:
    """Whether Redis answers on 127.0.0.1:6379."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False
