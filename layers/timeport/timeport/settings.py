"""Configuration, read once from the environment variables that template.yaml declares.

No other module reads os.environ: functions and tests take a Settings instead.
"""

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    jobs_table: str
    data_table: str
    bucket: str
    region: str
    export_worker_function: str
    restore_worker_function: str = ""
    upload_url_ttl_seconds: int = 900
    download_url_ttl_seconds: int = 300
    file_retention_days: int = 7
    backup_retention_days: int = 30
    max_direct_upload_bytes: int = 4 * 1024 * 1024
    max_upload_bytes: int = 1024 * 1024 * 1024
    worker_lease_seconds: int = 900
    toggl_api_url: str = "https://api.track.toggl.com"
    harvest_api_url: str = "https://api.harvestapp.com"
    credentials_key: str = ""
    source_import_state_machine: str = ""
    source_pages_per_execution: int = 1000
    csv_chunk_threshold_bytes: int = 64 * 1024 * 1024
    csv_chunk_bytes: int = 32 * 1024 * 1024
    csv_import_state_machine: str = ""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ
    return Settings(
        jobs_table=env["TIMEPORT_JOBS_TABLE"],
        data_table=env["TIMEPORT_DATA_TABLE"],
        bucket=env["TIMEPORT_BUCKET"],
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        export_worker_function=env.get("TIMEPORT_EXPORT_WORKER_FUNCTION", ""),
        restore_worker_function=env.get("TIMEPORT_RESTORE_WORKER_FUNCTION", ""),
        upload_url_ttl_seconds=int(env.get("TIMEPORT_UPLOAD_URL_TTL_SECONDS", "900")),
        download_url_ttl_seconds=int(env.get("TIMEPORT_DOWNLOAD_URL_TTL_SECONDS", "300")),
        file_retention_days=int(env.get("TIMEPORT_FILE_RETENTION_DAYS", "7")),
        backup_retention_days=int(env.get("TIMEPORT_BACKUP_RETENTION_DAYS", "30")),
        max_upload_bytes=int(env.get("TIMEPORT_MAX_UPLOAD_BYTES", str(1024 * 1024 * 1024))),
        worker_lease_seconds=int(env.get("TIMEPORT_WORKER_LEASE_SECONDS", "900")),
        toggl_api_url=env.get("TIMEPORT_TOGGL_API_URL", "https://api.track.toggl.com").rstrip("/"),
        harvest_api_url=env.get("TIMEPORT_HARVEST_API_URL", "https://api.harvestapp.com").rstrip(
            "/"
        ),
        credentials_key=env.get("TIMEPORT_CREDENTIALS_KEY", ""),
        source_import_state_machine=env.get("TIMEPORT_SOURCE_IMPORT_STATE_MACHINE", ""),
        source_pages_per_execution=int(env.get("TIMEPORT_SOURCE_PAGES_PER_EXECUTION", "1000")),
        csv_chunk_threshold_bytes=int(
            env.get("TIMEPORT_CSV_CHUNK_THRESHOLD_BYTES", str(64 * 1024 * 1024))
        ),
        csv_chunk_bytes=int(env.get("TIMEPORT_CSV_CHUNK_BYTES", str(32 * 1024 * 1024))),
        csv_import_state_machine=env.get("TIMEPORT_CSV_IMPORT_STATE_MACHINE", ""),
    )
