"""Running calls at the same moment, for tests of races on a real database."""

import threading

from django.db import connection


def at_once(calls, *, expected=()):
    """Run the calls together in separate threads, started at a barrier, each on its own
    database connection (closed after). Each outcome is what its call returned, or the
    exception it raised if it is one of `expected`; any other exception becomes the text
    "unexpected …", which the test's assertions then show."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except expected as exc:
            outcomes[index] = exc
        except Exception as exc:
            outcomes[index] = f"unexpected {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
