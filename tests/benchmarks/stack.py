"""moto's server in this process, workers in their own: the set-up behind figures 2 to 4.

moto keeps every item in its own memory, so it must not share a process with the worker whose
memory is measured. This process runs moto's server on 127.0.0.1 and prepares users, files and
jobs through the shared package; each import or export then runs in a fresh Python process
(tests/benchmarks/worker.py) that reaches moto over HTTP, as a Lambda reaches AWS.
"""

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

from infra.local.resources import create_storage
from infra.local.stack import free_port
from infra.local.template import REGION, LocalTemplate

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class WorkerRun:
    outcome: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    rss_after_imports_mb: float
    requests: dict[str, int]

    def count(self, prefix: str) -> int:
        return sum(n for name, n in self.requests.items() if name.startswith(prefix))


class BenchStack:
    """moto's server with the template's tables and bucket, and the environment to reach it."""

    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        template = LocalTemplate()
        self.environment = {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_SESSION_TOKEN": "bench",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint,
            "POWERTOOLS_SERVICE_NAME": "timeport-bench",
            # The worker logs a line per job only; warnings and errors still show.
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
        for function in template.functions().values():
            self.environment.update(
                {k: v for k, v in function.environment.items() if k.startswith("TIMEPORT_")}
            )
        # Figures 2 and 3 are about one worker reading a whole file, so no file is cut into
        # parts here (a million rows is about 90 MB, above the template's threshold).
        self.environment["TIMEPORT_CSV_CHUNK_THRESHOLD_BYTES"] = str(2**40)
        self._template = template

    def __enter__(self) -> "BenchStack":
        for name in [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")]:
            del os.environ[name]
        os.environ.update(self.environment)
        # One log line per request from moto's HTTP server would drown the figures.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server.start()
        s3 = boto3.client("s3", region_name=REGION, endpoint_url=self.endpoint)
        dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=self.endpoint)
        create_storage(self._template, dynamodb, s3)
        return self

    def __exit__(self, *_) -> None:
        self._server.stop()

    def new_user(self, name: str, timezone: str = "Europe/Berlin"):
        """A user to import for, as the Caller the API would hand the shared package."""
        from timeport.domain.users import Caller, create_user

        user = create_user(name, f"{name}@bench.example", "user", timezone)
        return Caller(user.user_id, name, "user", timezone)

    def upload_csv(self, caller, path: Path) -> str:
        """A pending CSV import job with `path` uploaded for it; returns the import id."""
        from timeport.jobs.csv_uploads import start_csv_upload
        from timeport.storage.files import csv_upload_key

        import_id = start_csv_upload(caller, path.name)["import_id"]
        s3 = boto3.client("s3", region_name=REGION, endpoint_url=self.endpoint)
        s3.upload_file(
            str(path), os.environ["TIMEPORT_BUCKET"], csv_upload_key(caller.user_id, import_id)
        )
        return import_id

    def start_export(self, caller, export_format: str) -> str:
        from timeport.jobs.gdpr_export import start_gdpr_export

        # The worker is run by hand below, so the hand-off to it does nothing.
        return start_gdpr_export(caller, export_format, lambda payload: None).job_id

    def run_worker(
        self, kind: str, user_id: str, job_id: str, fake_entries: int | None = None
    ) -> WorkerRun:
        """Run the CSV worker (`csv`) or the export worker (`export`) in a fresh process;
        `fake_entries` answers the entry traffic in that process (see worker.py)."""
        command = [sys.executable, "-m", "tests.benchmarks.worker", kind, user_id, job_id]
        if fake_entries is not None:
            command += ["--fake-entries", str(fake_entries)]
        result = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, **self.environment},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"The {kind} worker failed:\n{result.stderr[-4000:]}")
        return WorkerRun(**json.loads(result.stdout.strip().splitlines()[-1]))
