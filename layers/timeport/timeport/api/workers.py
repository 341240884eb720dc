"""Starting a worker function asynchronously (Lambda `Event` invoke), as API handlers do."""

import json

from timeport.storage.clients import aws_client


def invoke_async(function_name: str, payload: dict, lambda_client=None) -> None:
    client = lambda_client or aws_client("lambda")
    client.invoke(
        FunctionName=function_name, InvocationType="Event", Payload=json.dumps(payload).encode()
    )
