"""Where things are kept: DynamoDB tables through pynamodb, files in S3."""
