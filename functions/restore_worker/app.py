"""Asynchronous worker: validates a backup file whole, backs up what it replaces, restores it."""

from aws_lambda_powertools import Logger

from timeport.jobs.restore import run_restore

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    return {"outcome": run_restore(event["user_id"], event["import_id"])}
