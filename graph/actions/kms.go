package actions

// KMS lists every action of AWS Key Management Service, as the Service
// Authorization Reference's "Actions defined by AWS Key Management Service"
// names them (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html):
// the API operations, with ReEncrypt authorized as kms:ReEncryptFrom on the
// source key and kms:ReEncryptTo on the destination key, and the
// permission-only kms:SynchronizeMultiRegionKey.
var KMS = []string{
	"kms:CancelKeyDeletion",
	"kms:ConnectCustomKeyStore",
	"kms:CreateAlias",
	"kms:CreateCustomKeyStore",
	"kms:CreateGrant",
	"kms:CreateKey",
	"kms:Decrypt",
	"kms:DeleteAlias",
	"kms:DeleteCustomKeyStore",
	"kms:DeleteImportedKeyMaterial",
	"kms:DeriveSharedSecret",
	"kms:DescribeCustomKeyStores",
	"kms:DescribeKey",
	"kms:DisableKey",
	"kms:DisableKeyRotation",
	"kms:DisconnectCustomKeyStore",
	"kms:EnableKey",
	"kms:EnableKeyRotation",
	"kms:Encrypt",
	"kms:GenerateDataKey",
	"kms:GenerateDataKeyPair",
	"kms:GenerateDataKeyPairWithoutPlaintext",
	"kms:GenerateDataKeyWithoutPlaintext",
	"kms:GenerateMac",
	"kms:GenerateRandom",
	"kms:GetKeyLastUsage",
	"kms:GetKeyPolicy",
	"kms:GetKeyRotationStatus",
	"kms:GetParametersForImport",
	"kms:GetPublicKey",
	"kms:ImportKeyMaterial",
	"kms:ListAliases",
	"kms:ListGrants",
	"kms:ListKeyPolicies",
	"kms:ListKeyRotations",
	"kms:ListKeys",
	"kms:ListResourceTags",
	"kms:ListRetirableGrants",
	"kms:PutKeyPolicy",
	"kms:ReEncryptFrom",
	"kms:ReEncryptTo",
	"kms:ReplicateKey",
	"kms:RetireGrant",
	"kms:RevokeGrant",
	"kms:RotateKeyOnDemand",
	"kms:ScheduleKeyDeletion",
	"kms:Sign",
	"kms:SynchronizeMultiRegionKey",
	"kms:TagResource",
	"kms:UntagResource",
	"kms:UpdateAlias",
	"kms:UpdateCustomKeyStore",
	"kms:UpdateKeyDescription",
	"kms:UpdatePrimaryRegion",
	"kms:Verify",
	"kms:VerifyMac",
}

// AssumeRole lists the AWS Security Token Service actions that assume a
// role, which a role's trust policy authorizes (Service Authorization
// Reference, "Actions defined by AWS Security Token Service",
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html).
var AssumeRole = []string{
	"sts:AssumeRole",
	"sts:AssumeRoleWithSAML",
	"sts:AssumeRoleWithWebIdentity",
}
