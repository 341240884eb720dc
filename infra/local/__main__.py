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

PARAMETER_PREFIX = "TIMEPORT_PARAMETER_"


def parameter_overrides(environment) -> dict[str, str]:
    """Template parameters to override, as `sam deploy --parameter-overrides` does:
    TIMEPORT_PARAMETER_TogglApiUrl=http://127.0.0.1:8001 sets TogglApiUrl."""
    return {
        name[len(PARAMETER_PREFIX) :]: value
        for name, value in environment.items()
        if name.startswith(PARAMETER_PREFIX)
    }


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    stack = LocalStack(
        port=int(os.environ.get("PORT", "3000")),
        admin_token=os.environ.get("TIMEPORT_ADMIN_TOKEN"),
        parameter_overrides=parameter_overrides(os.environ),
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
        f"Embedded AWS (moto) endpoint: http://127.0.0.1:{stack.moto_port}\n"
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
