"""The export worker: claim the job, write its file to S3 as a stream, record the outcome.

Each export type supplies an ExportPlan (key, content type, writer); the claim, the streaming,
the finish and the failure are the same for all of them.
"""

from aws_lambda_powertools import Logger

from timeport.jobs.backups import backup_plan
from timeport.jobs.filtered_export import filtered_plan
from timeport.jobs.gdpr_export import gdpr_plan
from timeport.jobs.records import fail_job, finish_export, take_job
from timeport.settings import get_settings
from timeport.storage.files import S3StreamWriter
from timeport.storage.models import JobRecord

logger = Logger(child=True)
PLANS = {"gdpr": gdpr_plan, "filtered": filtered_plan, "backup": backup_plan}


def write_export(job: JobRecord, s3_client=None) -> int:
    """Write a claimed job's file and mark it completed (or failed, re-raising). Returns the
    record count."""
    try:
        plan = PLANS[job.job_type](job)
        with S3StreamWriter(plan.key, plan.content_type, s3_client) as stream:
            record_count = plan.write(stream)
        finish_export(job, plan.key, record_count, stream.bytes_written)
    except Exception:
        logger.exception(
            "Export failed", extra={"export_id": job.job_id, "export_type": job.job_type}
        )
        fail_job(job, f"The export could not be written; reference {job.job_id}")
        raise
    logger.info(
        "Export finished",
        extra={
            "export_id": job.job_id,
            "export_type": job.job_type,
            "record_count": record_count,
            "bytes": stream.bytes_written,
        },
    )
    return record_count


def run_export(user_id: str, export_id: str, s3_client=None) -> str:
    """What the worker does for one invoke; a re-delivered invoke finds the job taken and skips."""
    job = take_job(user_id, export_id, get_settings().worker_lease_seconds)
    if job is None:
        return "skipped"
    write_export(job, s3_client)
    return "completed"
