"""Asynchronous worker: writes one export's file (GDPR, filtered or backup) to S3 as a stream."""

from aws_lambda_powertools import Logger

from timeport.jobs.export_runner import run_export

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    return {"outcome": run_export(event["user_id"], event["export_id"])}
