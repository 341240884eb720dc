"""Step Functions task: give a Toggl or Harvest import its final status and forget its token."""

from aws_lambda_powertools import Logger

from timeport.jobs.source_import import finish_source_import

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    logger.append_keys(import_id=event["import_id"])
    return finish_source_import(event)
