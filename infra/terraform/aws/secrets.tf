# One secret per API key, created empty: the user adds the value with
#   aws secretsmanager put-secret-value --secret-id NAME --secret-string "$KEY"
# so no key ever passes through Terraform state.
resource "aws_secretsmanager_secret" "api_keys" {
  #checkov:skip=CKV2_AWS_57:Vendor API keys (Anthropic, OpenAI) are issued by the vendor; no Lambda can rotate them.
  #checkov:skip=CKV_AWS_149:Encrypted with the AWS-managed Secrets Manager key, as GCP uses Google-managed keys; access is scoped by IAM to the runner.
  for_each = local.secret_env

  name        = local.names.secrets[each.key]
  description = "${each.key} for the regenlab runner"

  # Delete at once on destroy, so that up-down-up with the same names works.
  recovery_window_in_days = 0
}
