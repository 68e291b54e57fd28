package snapshot

// The AWS shapes below are kept for what they tell about a key, a role, a
// secret or an account beyond who may use it: usage, replication, instance
// profiles, key stores, the account's own S3 settings.

// KeyLastUsageData is GetKeyLastUsage's KeyLastUsage: the key's last
// successful cryptographic operation.
type KeyLastUsageData struct {
	Operation         string `json:"Operation,omitempty"`
	Timestamp         string `json:"Timestamp,omitempty"`
	CloudTrailEventID string `json:"CloudTrailEventId,omitempty"`
	KmsRequestID      string `json:"KmsRequestId,omitempty"`
}

// XksKeyConfigurationType names a key's external key in an external key store.
type XksKeyConfigurationType struct {
	ID string `json:"Id,omitempty"`
}

// ReplicationStatusType is one replica of a multi-Region secret, with the key
// that encrypts it there.
type ReplicationStatusType struct {
	Region           string `json:"Region"`
	KmsKeyID         string `json:"KmsKeyId,omitempty"`
	Status           string `json:"Status,omitempty"`
	StatusMessage    string `json:"StatusMessage,omitempty"`
	LastAccessedDate string `json:"LastAccessedDate,omitempty"`
}

// InstanceProfile is an instance profile holding a role
// (GetAccountAuthorizationDetails' RoleDetailList[].InstanceProfileList).
type InstanceProfile struct {
	Path                string                `json:"Path,omitempty"`
	InstanceProfileName string                `json:"InstanceProfileName"`
	InstanceProfileID   string                `json:"InstanceProfileId,omitempty"`
	Arn                 string                `json:"Arn"`
	CreateDate          string                `json:"CreateDate,omitempty"`
	Roles               []InstanceProfileRole `json:"Roles,omitzero"`
	Tags                []Tag                 `json:"Tags,omitzero"`
}

// InstanceProfileRole is a role of an instance profile, by name (its
// policies are in RoleDetailList).
type InstanceProfileRole struct {
	Path     string `json:"Path,omitempty"`
	RoleName string `json:"RoleName"`
	RoleID   string `json:"RoleId,omitempty"`
	Arn      string `json:"Arn"`
}

// RoleLastUsed says when and in which Region a role was last used.
type RoleLastUsed struct {
	LastUsedDate string `json:"LastUsedDate,omitempty"`
	Region       string `json:"Region,omitempty"`
}

// EC2Tag is an EC2 resource tag.
type EC2Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// S3Control is the account-level S3 configuration (S3 Control API).
// PublicAccessBlockConfiguration is GetPublicAccessBlock's for the account
// (missing: the account has none); it applies to every bucket of the
// account, in every Region, together with each bucket's own (S3 UG,
// "Blocking public access to your Amazon S3 storage": the most restrictive
// combination wins).
type S3Control struct {
	PublicAccessBlockConfiguration *PublicAccessBlockConfiguration `json:"PublicAccessBlockConfiguration,omitempty"`
}
