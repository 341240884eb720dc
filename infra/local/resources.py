"""Create the template's storage (tables, buckets) in a moto account: the local stack and the
unit tests build the same resources from the same declarations."""

from infra.local.template import LocalTemplate


def create_storage(template: LocalTemplate, dynamodb, s3) -> None:
    for logical_id, spec in template.of_type("AWS::DynamoDB::Table").items():
        properties = spec["Properties"]
        table = template.physical_name(logical_id)
        indexes = properties.get("GlobalSecondaryIndexes")
        dynamodb.create_table(
            TableName=table,
            BillingMode=properties["BillingMode"],
            AttributeDefinitions=properties["AttributeDefinitions"],
            KeySchema=properties["KeySchema"],
            **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
        )
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=table, TimeToLiveSpecification=ttl)
    for logical_id in template.of_type("AWS::S3::Bucket"):
        s3.create_bucket(Bucket=template.physical_name(logical_id))
