"""Asynchronous worker: writes one export job's file to exports/ as a stream."""

from aws_lambda_powertools import Logger

from timeport.jobs.gdpr_export import run_gdpr_export

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    return {"outcome": run_gdpr_export(event["user_id"], event["export_id"])}
