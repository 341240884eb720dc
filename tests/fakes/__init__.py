"""Fake third-party APIs for tests: Toggl Track (API v9 + Reports v3) and Harvest (API v2).

Each fake is a small WSGI server (werkzeug) that serves in-memory data on 127.0.0.1 with an
OS-chosen port, in a background thread:

    with FakeToggl(entries=FakeToggl.generate_entries(120, "2025-03-03", 14)) as toggl:
        requests.get(f"{toggl.base_url}/api/v9/me", auth=(toggl.token, "api_token"))

Common API: ``start()`` returns the base URL, ``stop()`` shuts down, both work as a context
manager; ``requests`` is a snapshot of every request received (Authorization redacted);
``script(kind, count=1, include_me=False, **options)`` queues faults for the next data
requests: "429", "500", "drop", "stall", and for Toggl "402-quota" and "402-plan".
See tests/fakes/toggl.py and tests/fakes/harvest.py for what each imitates and leaves out.
"""

from ._base import RecordedRequest
from .harvest import FakeHarvest
from .toggl import FakeToggl

__all__ = ["FakeHarvest", "FakeToggl", "RecordedRequest"]
