"""Create the first admin of a deployed stack and print their API token (shown once).

    python -m infra.create_admin --stack-name timeport --username admin --email you@example.com

Runs with your own AWS credentials; it reads the table names from the stack's outputs.
"""

import argparse
import os
import sys

import boto3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--timezone", default="UTC")
    parser.add_argument("--region", default=None)
    arguments = parser.parse_args()

    cloudformation = boto3.client("cloudformation", region_name=arguments.region)
    stack = cloudformation.describe_stacks(StackName=arguments.stack_name)["Stacks"][0]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}
    # The shared package reads its configuration from the environment, as in Lambda.
    os.environ.update(
        {
            "TIMEPORT_DATA_TABLE": outputs["DataTableName"],
            "TIMEPORT_JOBS_TABLE": outputs["JobsTableName"],
            "TIMEPORT_BUCKET": outputs["DataBucketName"],
            "AWS_REGION": cloudformation.meta.region_name,
        }
    )
    from timeport.domain.users import create_user

    user = create_user(arguments.username, arguments.email, "admin", arguments.timezone)
    sys.stdout.write(
        f"Admin {user.username} ({user.user_id}) created. API token: {user.api_token}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
