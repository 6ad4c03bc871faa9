# IAM roles for Kubernetes service accounts (IRSA) and for Airbyte's S3 reads.

locals {
  irsa = {
    worker   = { role = var.names.worker_role, service_account = var.kubernetes.service_accounts.worker }
    flow_run = { role = var.names.flow_run_role, service_account = var.kubernetes.service_accounts.flow_run }
  }
  landing_objects = "${aws_s3_bucket.lake.arn}/${var.landing_prefix}*"
}

data "aws_iam_policy_document" "irsa_trust" {
  for_each = local.irsa

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.kubernetes.namespace}:${each.value.service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

# The worker only talks to the Prefect and Kubernetes APIs; its role carries no
# AWS permission and exists so the pod never falls back to the node's role.
resource "aws_iam_role" "irsa" {
  for_each = local.irsa

  name               = each.value.role
  assume_role_policy = data.aws_iam_policy_document.irsa_trust[each.key].json
}

# Flow runs read landed files, write the lake's zones and use the lake key.
data "aws_iam_policy_document" "flow_run" {
  statement {
    sid       = "ListLake"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.lake.arn]
  }
  statement {
    sid       = "ReadWriteLakeObjects"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.lake.arn}/*"]
  }
  statement {
    sid       = "UseLakeKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.lake.arn]
  }
}

resource "aws_iam_role_policy" "flow_run" {
  name   = "lake-access"
  role   = aws_iam_role.irsa["flow_run"].id
  policy = data.aws_iam_policy_document.flow_run.json
}

# Airbyte reads the landing zone only.
data "aws_iam_policy_document" "airbyte_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.airbyte_principal_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.airbyte_external_id]
    }
  }
}

resource "aws_iam_role" "airbyte" {
  name               = var.names.airbyte_role
  assume_role_policy = data.aws_iam_policy_document.airbyte_trust.json
}

data "aws_iam_policy_document" "airbyte" {
  statement {
    sid       = "ListLanding"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.lake.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.landing_prefix}*"]
    }
  }
  statement {
    sid       = "ReadLanding"
    actions   = ["s3:GetObject"]
    resources = [local.landing_objects]
  }
  statement {
    sid       = "DecryptLanding"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.lake.arn]
  }
}

resource "aws_iam_role_policy" "airbyte" {
  name   = "landing-read"
  role   = aws_iam_role.airbyte.id
  policy = data.aws_iam_policy_document.airbyte.json
}
