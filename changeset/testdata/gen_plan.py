# Writes plan-all.json, a Terraform plan in the documented `terraform show -json`
# shape (https://developer.hashicorp.com/terraform/internals/json-format)
# touching every resource type changeset reads, against the demo organization.
# Run from changeset/testdata: python3 gen_plan.py
import json
P = "registry.terraform.io/hashicorp/aws"
K = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a00"
def pol(sid, princ, actions):
    return json.dumps({"Version":"2012-10-17","Statement":[{"Sid":sid,"Effect":"Allow","Principal":{"AWS":princ},"Action":actions,"Resource":"*"}]}, indent=2)
def idpol(actions, res="*"):
    return json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":actions,"Resource":res}]})
rcs = []
def rc(typ, name, actions, before, after, unknown=None, mode="managed"):
    rcs.append({"address": ("data." if mode=="data" else "")+typ+"."+name, "mode": mode, "type": typ, "name": name,
      "provider_name": P, "change": {"actions": actions, "before": before, "after": after,
      "after_unknown": unknown if unknown is not None else ({} if after is not None else False) if False else (unknown or {}),
      "before_sensitive": {} if before is not None else False, "after_sensitive": {} if after is not None else False}})
reports_old = {"arn": K+"1", "key_id": K[-35:]+"1", "policy": "{}", "description": "reports", "is_enabled": True}
rc("aws_kms_key", "reports", ["update"], reports_old, dict(reports_old, policy=pol("Reports", "arn:aws:iam::222222222222:root", ["kms:Decrypt"])))
rc("aws_kms_key", "fresh", ["create"], None, {"description": "new", "policy": pol("Own", "arn:aws:iam::111111111111:root", "kms:*"), "is_enabled": True, "tags": None},
   {"arn": True, "key_id": True, "id": True, "tags_all": True})
rc("aws_kms_key_policy", "legacy", ["update"], {"key_id": K[-35:]+"6", "policy": "{}"}, {"key_id": K[-35:]+"6"}, {"policy": True})
rc("aws_kms_grant", "partner", ["create"], None, {"key_id": K+"1", "name": "partner", "grantee_principal": "arn:aws:iam::777777777777:root",
   "operations": ["Decrypt", "DescribeKey"], "retiring_principal": None, "constraints": [{"encryption_context_equals": {"dept": "finance"}, "encryption_context_subset": None}], "grant_creation_tokens": None},
   {"grant_id": True, "grant_token": True, "id": True, "constraints": [{}]})
rc("aws_kms_grant", "auditor", ["delete"], {"key_id": K+"1", "name": "auditor-export", "grant_id": "5a7e0000000000000000000000000000000000000000000000000000000000a2", "grantee_principal": "arn:aws:iam::555555555555:root", "operations": ["Decrypt"]}, None, {})
rc("aws_kms_alias", "v2", ["create"], None, {"name": "alias/reports-v2", "target_key_id": K[-35:]+"1"}, {"arn": True, "id": True, "target_key_arn": True})
rc("aws_kms_alias", "pending", ["create"], None, {"name": "alias/fresh"}, {"arn": True, "id": True, "target_key_arn": True, "target_key_id": True})
rc("aws_iam_role", "reader", ["update"],
   {"name": "ReportsReader", "arn": "arn:aws:iam::111111111111:role/ReportsReader", "path": "/", "assume_role_policy": pol("Old", "arn:aws:iam::222222222222:root", "sts:AssumeRole"), "inline_policy": [{"name": "gone", "policy": idpol("kms:Decrypt")}], "managed_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
   {"name": "ReportsReader", "arn": "arn:aws:iam::111111111111:role/ReportsReader", "path": "/", "assume_role_policy": pol("New", "arn:aws:iam::777777777777:root", "sts:AssumeRole"), "inline_policy": [{"name": "read", "policy": idpol("kms:Decrypt")}], "managed_policy_arns": ["arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser"]},
   {"inline_policy": [{}]})
rc("aws_iam_role", "analyst", ["create"], None,
   {"name": "Analyst", "path": "/team/", "assume_role_policy": pol("Trust", "arn:aws:iam::222222222222:root", "sts:AssumeRole"), "inline_policy": [{"name": "kms"}], "permissions_boundary": None},
   {"arn": True, "id": True, "unique_id": True, "inline_policy": [{"policy": True}]})
rc("aws_iam_role_policy", "deployer", ["update"], {"role": "Deployer", "name": "deploy", "policy": idpol("iam:PutRolePolicy")}, {"role": "Deployer", "name": "deploy", "policy": idpol("iam:GetRole")}, {})
rc("aws_iam_role_policy_attachment", "copier", ["create"], None, {"role": "SnapshotCopier", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, {"id": True})
rc("aws_iam_policy", "ops", ["create"], None, {"name": "ops", "path": "/", "policy": idpol("kms:Decrypt", K+"1")}, {"arn": True, "id": True, "policy_id": True, "attachment_count": True})
rc("aws_iam_user_policy", "ann", ["delete"], {"user": "ann", "name": "old", "policy": idpol("s3:GetObject")}, None, False)
rc("aws_iam_user_policy_attachment", "dilip", ["create"], None, {"user": "dilip"}, {"policy_arn": True, "id": True})
rc("aws_iam_group_policy", "eng", ["create"], None, {"group": "engineers", "name": "eng", "policy": idpol("kms:Decrypt")}, {"id": True})
rc("aws_iam_group_policy_attachment", "eng", ["delete"], {"group": "engineers", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, None, False)
rc("aws_organizations_policy", "nodelete", ["create"], None, {"name": "NoKeyDeletion", "type": "SERVICE_CONTROL_POLICY", "content": json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]})}, {"id": True, "arn": True})
rc("aws_organizations_policy", "perimeter", ["update"], {"id": "p-dataperimeter", "name": "DataPerimeter", "type": "RESOURCE_CONTROL_POLICY", "content": "{}"}, {"id": "p-dataperimeter", "name": "DataPerimeter", "type": "RESOURCE_CONTROL_POLICY", "content": json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-kh0demo01"}}}]})}, {})
rc("aws_organizations_policy", "tags", ["create"], None, {"name": "Tags", "type": "TAG_POLICY", "content": "{}"}, {"id": True})
rc("aws_organizations_policy_attachment", "sandbox", ["delete"], {"policy_id": "p-sandboxnodecrypt", "target_id": "ou-kh01-sandbox"}, None, False)
rc("aws_organizations_policy_attachment", "nodelete", ["create"], None, {"target_id": "r-kh01"}, {"policy_id": True, "id": True})
rc("aws_s3_bucket_policy", "reports", ["update"], {"bucket": "kh-demo-reports", "policy": "{}"}, {"bucket": "kh-demo-reports", "policy": pol("Read", "arn:aws:iam::777777777777:root", "s3:GetObject")}, {})
rc("aws_s3_bucket_server_side_encryption_configuration", "legacy", ["update"], {"bucket": "kh-demo-legacy-exports", "rule": []},
   {"bucket": "kh-demo-legacy-exports", "expected_bucket_owner": "", "rule": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": K+"1", "sse_algorithm": "aws:kms"}], "bucket_key_enabled": True}]},
   {"rule": [{"apply_server_side_encryption_by_default": [{}]}]})
rc("aws_snapshot_create_volume_permission", "share", ["create"], None, {"snapshot_id": "snap-0cmk00000000001", "account_id": "777777777777"}, {"id": True})
rc("aws_secretsmanager_secret", "db", ["update"], {"arn": "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-password-AbCdEf", "name": "prod/db-password", "kms_key_id": "alias/secrets"},
   {"arn": "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-password-AbCdEf", "name": "prod/db-password", "kms_key_id": K+"5"}, {})
rc("aws_secretsmanager_secret_policy", "db", ["create"], None, {"secret_arn": "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-password-AbCdEf", "policy": pol("Read", "arn:aws:iam::777777777777:root", "secretsmanager:GetSecretValue")}, {"id": True})
rc("aws_kms_key", "rds", ["delete"], {"arn": K+"3", "key_id": K[-35:]+"3", "policy": "{}"}, None, False)
rc("aws_kms_key", "unchanged", ["no-op"], {"arn": K+"2"}, {"arn": K+"2"}, {})
rc("aws_kms_key", "lookup", ["read"], None, {"arn": K+"2"}, {}, mode="data")
ebs = dict(arn=K+"2", key_id=K[-35:]+"2", policy=pol("Own", "arn:aws:iam::111111111111:root", "kms:*"), tags={"team": "a"})
rc("aws_kms_key", "tagsonly", ["update"], ebs, dict(ebs, tags={"team": "b"}, policy=json.dumps(json.loads(ebs["policy"]))), {})
rc("aws_instance", "web", ["create"], None, {"ami": "ami-1"}, {"id": True})
# A deposed object (create_before_destroy) is the old half of a replace: skipped.
rcs.append(dict(rcs[0], deposed="00000001", change=dict(rcs[0]["change"], actions=["delete"], after=None)))
refs = {
  "aws_kms_alias.pending": {"target_key_id": {"references": ["aws_kms_key.fresh.key_id", "aws_kms_key.fresh"]}, "name": {"constant_value": "alias/fresh"}},
  "aws_iam_user_policy_attachment.dilip": {"policy_arn": {"references": ["aws_iam_policy.ops.arn", "aws_iam_policy.ops"]}, "user": {"constant_value": "dilip"}},
  "aws_organizations_policy_attachment.nodelete": {"policy_id": {"references": ["aws_organizations_policy.nodelete.id", "aws_organizations_policy.nodelete"]}, "target_id": {"constant_value": "r-kh01"}},
}
config_resources = [{"address": a, "mode": "managed", "type": a.split(".")[0], "name": a.split(".")[1], "provider_config_key": "aws", "expressions": e, "schema_version": 0} for a, e in refs.items()]
plan = {"format_version": "1.2", "terraform_version": "1.9.8", "planned_values": {"root_module": {}}, "resource_changes": rcs,
  "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": P, "expressions": {"region": {"constant_value": "us-east-1"}}}}, "root_module": {"resources": config_resources}},
  "timestamp": "2026-12-06T08:00:00Z", "applyable": True, "complete": True, "errored": False}
json.dump(plan, open("plan-all.json", "w"), indent=2)
