"""`python -m infra.local` (what `make run` starts): the whole app on http://127.0.0.1:3000.

PORT overrides the port; TIMEPORT_ADMIN_TOKEN fixes the admin token's value and
TIMEPORT_ADMIN_USERNAME the admin's username (default `admin`).
"""

import logging
import os
import signal
import sys
import threading

from infra.local.stack import LocalStack
from timeport.errors import TimeportError


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    stack = LocalStack(
        port=int(os.environ.get("PORT", "3000")),
        admin_token=os.environ.get("TIMEPORT_ADMIN_TOKEN"),
        admin_username=os.environ.get("TIMEPORT_ADMIN_USERNAME", "admin"),
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        stack.start()
    except TimeportError as error:
        sys.stderr.write(f"Cannot start: TIMEPORT_ADMIN_TOKEN is not usable: {error.message}\n")
        stack.stop()
        return 2
    sys.stdout.write(
        f"Timeport local stack ready at {stack.base_url}\n"
        f"Admin API token: {stack.admin_token}\n"
        f"Try: curl {stack.base_url}/api/health\n"
        "Press Ctrl-C to stop.\n"
    )
    sys.stdout.flush()
    stopping.wait()
    sys.stdout.write("Stopping...\n")
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
