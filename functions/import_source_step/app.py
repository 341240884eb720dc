"""Step Functions task: import one page from Toggl or Harvest and say what comes next."""

from aws_lambda_powertools import Logger

from timeport.jobs.source_import import run_import_step

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    logger.append_keys(import_id=event["import_id"])
    return run_import_step(event)
