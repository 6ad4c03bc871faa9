# Landed files trigger the elt deployment without polling:
# S3 "Object Created" -> EventBridge rule -> API destination (the Prefect
# webhook) -> Prefect event -> the deployment trigger in the prefect module.
# Undeliverable events wait in a dead-letter queue instead of being lost.

resource "aws_cloudwatch_event_rule" "landing" {
  name        = var.names.landing_rule
  description = "A file landed in ${var.landing_prefix} of the lake bucket."
  event_pattern = jsonencode({
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail = {
      bucket = { name = [aws_s3_bucket.lake.id] }
      object = { key = [{ prefix = var.landing_prefix }] }
    }
  })
}

resource "aws_cloudwatch_event_connection" "prefect" {
  name               = "${var.names.landing_rule}-prefect"
  authorization_type = "API_KEY"
  auth_parameters {
    api_key {
      key   = "Authorization"
      value = "Bearer ${var.event_endpoint_api_key}"
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "prefect" {
  name                             = "${var.names.landing_rule}-prefect"
  connection_arn                   = aws_cloudwatch_event_connection.prefect.arn
  invocation_endpoint              = var.event_endpoint
  http_method                      = "POST"
  invocation_rate_limit_per_second = 10
}

resource "aws_sqs_queue" "landing_dlq" {
  name                      = "${var.names.landing_rule}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

data "aws_iam_policy_document" "landing_dlq" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.landing_dlq.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.landing.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "landing_dlq" {
  queue_url = aws_sqs_queue.landing_dlq.id
  policy    = data.aws_iam_policy_document.landing_dlq.json
}

data "aws_iam_policy_document" "events_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "events" {
  name               = "${var.names.landing_rule}-invoke"
  assume_role_policy = data.aws_iam_policy_document.events_trust.json
}

data "aws_iam_policy_document" "events" {
  statement {
    actions   = ["events:InvokeApiDestination"]
    resources = [aws_cloudwatch_event_api_destination.prefect.arn]
  }
}

resource "aws_iam_role_policy" "events" {
  name   = "invoke-prefect"
  role   = aws_iam_role.events.id
  policy = data.aws_iam_policy_document.events.json
}

resource "aws_cloudwatch_event_target" "prefect" {
  rule     = aws_cloudwatch_event_rule.landing.name
  arn      = aws_cloudwatch_event_api_destination.prefect.arn
  role_arn = aws_iam_role.events.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 10
  }

  dead_letter_config {
    arn = aws_sqs_queue.landing_dlq.arn
  }
}
