package snapshot

// Region is what was collected in one account and Region. A nil service
// section was not collected.
type Region struct {
	KMS            *KMS            `json:"kms,omitempty"`
	S3             *S3             `json:"s3,omitempty"`
	EC2            *EC2            `json:"ec2,omitempty"`
	RDS            *RDS            `json:"rds,omitempty"`
	SQS            *SQS            `json:"sqs,omitempty"`
	SecretsManager *SecretsManager `json:"secretsmanager,omitempty"`
	SNS            *SNS            `json:"sns,omitempty"`
	DynamoDB       *DynamoDB       `json:"dynamodb,omitempty"`
	Lambda         *Lambda         `json:"lambda,omitempty"`
	Logs           *Logs           `json:"logs,omitempty"`
}

// KMS holds the Region's keys.
type KMS struct {
	Keys []Key `json:"Keys"`
}

// Key is one KMS key with what was read about it. Policy nil: not readable
// or not collected; Grants nil: not collected (empty: none).
type Key struct {
	KeyMetadata        KeyMetadata `json:"KeyMetadata"`
	Policy             *string     `json:"Policy,omitempty"`
	Grants             []Grant     `json:"Grants,omitzero"`
	Aliases            []Alias     `json:"Aliases,omitzero"`
	KeyRotationEnabled *bool       `json:"KeyRotationEnabled,omitempty"`
	Tags               []KMSTag    `json:"Tags,omitzero"`
	// KeyLastUsage and TrackingStartDate are GetKeyLastUsage's (customer
	// managed keys): KeyLastUsage missing is not collected, {} no successful
	// cryptographic operation since TrackingStartDate.
	KeyLastUsage      *KeyLastUsageData `json:"KeyLastUsage,omitempty"`
	TrackingStartDate string            `json:"TrackingStartDate,omitempty"`
}

// KeyMetadata is DescribeKey's KeyMetadata.
type KeyMetadata struct {
	AWSAccountID             string                    `json:"AWSAccountId,omitempty"`
	KeyID                    string                    `json:"KeyId"`
	Arn                      string                    `json:"Arn"`
	CreationDate             string                    `json:"CreationDate,omitempty"`
	Enabled                  bool                      `json:"Enabled"`
	Description              string                    `json:"Description,omitempty"`
	KeyUsage                 string                    `json:"KeyUsage,omitempty"`
	KeyState                 string                    `json:"KeyState,omitempty"`
	DeletionDate             string                    `json:"DeletionDate,omitempty"`
	Origin                   string                    `json:"Origin,omitempty"`
	KeyManager               string                    `json:"KeyManager,omitempty"`
	KeySpec                  string                    `json:"KeySpec,omitempty"`
	MultiRegion              bool                      `json:"MultiRegion,omitempty"`
	MultiRegionConfiguration *MultiRegionConfiguration `json:"MultiRegionConfiguration,omitempty"`
	// Where the key material lives and for how long (key stores, imported
	// material), and what the key does.
	CustomKeyStoreID            string                   `json:"CustomKeyStoreId,omitempty"`
	CloudHsmClusterID           string                   `json:"CloudHsmClusterId,omitempty"`
	XksKeyConfiguration         *XksKeyConfigurationType `json:"XksKeyConfiguration,omitempty"`
	ValidTo                     string                   `json:"ValidTo,omitempty"`
	ExpirationModel             string                   `json:"ExpirationModel,omitempty"`
	CurrentKeyMaterialID        string                   `json:"CurrentKeyMaterialId,omitempty"`
	PendingDeletionWindowInDays int                      `json:"PendingDeletionWindowInDays,omitempty"`
	EncryptionAlgorithms        []string                 `json:"EncryptionAlgorithms,omitzero"`
	SigningAlgorithms           []string                 `json:"SigningAlgorithms,omitzero"`
	MacAlgorithms               []string                 `json:"MacAlgorithms,omitzero"`
	KeyAgreementAlgorithms      []string                 `json:"KeyAgreementAlgorithms,omitzero"`
}

// MultiRegionConfiguration describes a multi-Region key's relatives.
type MultiRegionConfiguration struct {
	MultiRegionKeyType string           `json:"MultiRegionKeyType,omitempty"`
	PrimaryKey         *MultiRegionKey  `json:"PrimaryKey,omitempty"`
	ReplicaKeys        []MultiRegionKey `json:"ReplicaKeys,omitzero"`
}

// MultiRegionKey names a related multi-Region key.
type MultiRegionKey struct {
	Arn    string `json:"Arn"`
	Region string `json:"Region,omitempty"`
}

// Grant is a ListGrants item.
type Grant struct {
	GrantID           string            `json:"GrantId"`
	Name              string            `json:"Name,omitempty"`
	KeyID             string            `json:"KeyId,omitempty"`
	GranteePrincipal  string            `json:"GranteePrincipal"`
	RetiringPrincipal string            `json:"RetiringPrincipal,omitempty"`
	IssuingAccount    string            `json:"IssuingAccount,omitempty"`
	Operations        []string          `json:"Operations"`
	Constraints       *GrantConstraints `json:"Constraints,omitempty"`
	CreationDate      string            `json:"CreationDate,omitempty"`
}

// GrantConstraints are a grant's encryption-context constraints.
type GrantConstraints struct {
	EncryptionContextSubset map[string]string `json:"EncryptionContextSubset,omitempty"`
	EncryptionContextEquals map[string]string `json:"EncryptionContextEquals,omitempty"`
}

// Alias is a ListAliases item.
type Alias struct {
	AliasName   string `json:"AliasName"`
	AliasArn    string `json:"AliasArn,omitempty"`
	TargetKeyID string `json:"TargetKeyId,omitempty"`
}

// KMSTag is a ListResourceTags item.
type KMSTag struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

// S3 holds the buckets whose Region this is.
type S3 struct {
	Buckets []Bucket `json:"Buckets"`
}

// Bucket is an S3 bucket with its policy and encryption.
type Bucket struct {
	Name                              string                             `json:"Name"`
	CreationDate                      string                             `json:"CreationDate,omitempty"`
	Policy                            *string                            `json:"Policy,omitempty"`
	ServerSideEncryptionConfiguration *ServerSideEncryptionConfiguration `json:"ServerSideEncryptionConfiguration,omitempty"`
	PublicAccessBlockConfiguration    *PublicAccessBlockConfiguration    `json:"PublicAccessBlockConfiguration,omitempty"`
	OwnershipControls                 *OwnershipControls                 `json:"OwnershipControls,omitempty"`
}

// ServerSideEncryptionConfiguration is GetBucketEncryption's configuration.
type ServerSideEncryptionConfiguration struct {
	Rules []ServerSideEncryptionRule `json:"Rules"`
}

// ServerSideEncryptionRule is one default-encryption rule.
type ServerSideEncryptionRule struct {
	ApplyServerSideEncryptionByDefault *ServerSideEncryptionByDefault `json:"ApplyServerSideEncryptionByDefault,omitempty"`
	BucketKeyEnabled                   bool                           `json:"BucketKeyEnabled,omitempty"`
}

// ServerSideEncryptionByDefault names the algorithm and key.
type ServerSideEncryptionByDefault struct {
	SSEAlgorithm   string `json:"SSEAlgorithm"`
	KMSMasterKeyID string `json:"KMSMasterKeyID,omitempty"`
}

// PublicAccessBlockConfiguration is GetPublicAccessBlock's configuration.
type PublicAccessBlockConfiguration struct {
	BlockPublicAcls       bool `json:"BlockPublicAcls"`
	IgnorePublicAcls      bool `json:"IgnorePublicAcls"`
	BlockPublicPolicy     bool `json:"BlockPublicPolicy"`
	RestrictPublicBuckets bool `json:"RestrictPublicBuckets"`
}

// OwnershipControls is GetBucketOwnershipControls' configuration (missing:
// none, unless the account's errors record a failed call under the
// bucket's ARN).
type OwnershipControls struct {
	Rules []OwnershipControlsRule `json:"Rules"`
}

// OwnershipControlsRule is one ownership rule: BucketOwnerEnforced
// (ACLs disabled), BucketOwnerPreferred or ObjectWriter.
type OwnershipControlsRule struct {
	ObjectOwnership string `json:"ObjectOwnership"`
}

// EC2 holds EBS volumes and snapshots.
type EC2 struct {
	Volumes                []Volume      `json:"Volumes,omitzero"`
	Snapshots              []EBSSnapshot `json:"Snapshots,omitzero"`
	EbsEncryptionByDefault *bool         `json:"EbsEncryptionByDefault,omitempty"`
	EbsDefaultKmsKeyID     *string       `json:"EbsDefaultKmsKeyId,omitempty"`
	// VpcEndpoints are DescribeVpcEndpoints items (an extension of
	// SNAPSHOT.md's layout): their policies restrict requests through them.
	VpcEndpoints []VpcEndpoint `json:"VpcEndpoints,omitzero"`
}

// VpcEndpoint is a DescribeVpcEndpoints item. PolicyDocument "" means the
// endpoint has none (a type without policies): requests through it are not
// limited by one.
type VpcEndpoint struct {
	VpcEndpointID     string   `json:"VpcEndpointId"`
	VpcEndpointType   string   `json:"VpcEndpointType,omitempty"`
	ServiceName       string   `json:"ServiceName,omitempty"`
	ServiceRegion     string   `json:"ServiceRegion,omitempty"`
	VpcID             string   `json:"VpcId,omitempty"`
	State             string   `json:"State,omitempty"`
	OwnerID           string   `json:"OwnerId,omitempty"`
	RequesterManaged  bool     `json:"RequesterManaged,omitempty"`
	PrivateDNSEnabled bool     `json:"PrivateDnsEnabled,omitempty"`
	CreationTimestamp string   `json:"CreationTimestamp,omitempty"`
	RouteTableIDs     []string `json:"RouteTableIds,omitzero"`
	SubnetIDs         []string `json:"SubnetIds,omitzero"`
	PolicyDocument    string   `json:"PolicyDocument,omitempty"`
	Tags              []EC2Tag `json:"Tags,omitzero"`
}

// Volume is a DescribeVolumes item.
type Volume struct {
	VolumeID  string `json:"VolumeId"`
	Encrypted bool   `json:"Encrypted"`
	KmsKeyID  string `json:"KmsKeyId,omitempty"`
	State     string `json:"State,omitempty"`
}

// EBSSnapshot is a DescribeSnapshots item with its createVolumePermission.
type EBSSnapshot struct {
	SnapshotID              string                   `json:"SnapshotId"`
	VolumeID                string                   `json:"VolumeId,omitempty"`
	OwnerID                 string                   `json:"OwnerId,omitempty"`
	Encrypted               bool                     `json:"Encrypted"`
	KmsKeyID                string                   `json:"KmsKeyId,omitempty"`
	State                   string                   `json:"State,omitempty"`
	CreateVolumePermissions []CreateVolumePermission `json:"CreateVolumePermissions,omitzero"`
}

// CreateVolumePermission shares a snapshot with an account or with everyone (Group "all").
type CreateVolumePermission struct {
	UserID string `json:"UserId,omitempty"`
	Group  string `json:"Group,omitempty"`
}

// RDS holds instances and snapshots.
type RDS struct {
	DBInstances        []DBInstance        `json:"DBInstances,omitzero"`
	DBSnapshots        []DBSnapshot        `json:"DBSnapshots,omitzero"`
	DBClusterSnapshots []DBClusterSnapshot `json:"DBClusterSnapshots,omitzero"`
}

// DBInstance is a DescribeDBInstances item.
type DBInstance struct {
	DBInstanceIdentifier string `json:"DBInstanceIdentifier"`
	DBInstanceArn        string `json:"DBInstanceArn,omitempty"`
	StorageEncrypted     bool   `json:"StorageEncrypted"`
	KmsKeyID             string `json:"KmsKeyId,omitempty"`
}

// DBSnapshotAttribute is a DescribeDBSnapshotAttributes attribute ("restore").
type DBSnapshotAttribute struct {
	AttributeName   string   `json:"AttributeName"`
	AttributeValues []string `json:"AttributeValues"`
}

// DBSnapshot is a DescribeDBSnapshots item with its attributes.
type DBSnapshot struct {
	DBSnapshotIdentifier string                `json:"DBSnapshotIdentifier"`
	DBSnapshotArn        string                `json:"DBSnapshotArn,omitempty"`
	Encrypted            bool                  `json:"Encrypted"`
	KmsKeyID             string                `json:"KmsKeyId,omitempty"`
	SnapshotType         string                `json:"SnapshotType,omitempty"`
	Attributes           []DBSnapshotAttribute `json:"Attributes,omitzero"`
}

// DBClusterSnapshot is a DescribeDBClusterSnapshots item with its attributes.
type DBClusterSnapshot struct {
	DBClusterSnapshotIdentifier string                `json:"DBClusterSnapshotIdentifier"`
	DBClusterSnapshotArn        string                `json:"DBClusterSnapshotArn,omitempty"`
	StorageEncrypted            bool                  `json:"StorageEncrypted"`
	KmsKeyID                    string                `json:"KmsKeyId,omitempty"`
	Attributes                  []DBSnapshotAttribute `json:"Attributes,omitzero"`
}

// SQS holds queues.
type SQS struct {
	Queues []Queue `json:"Queues"`
}

// Queue is a queue URL with GetQueueAttributes(All).
type Queue struct {
	QueueURL   string            `json:"QueueUrl"`
	Attributes map[string]string `json:"Attributes,omitempty"`
}

// SecretsManager holds secrets.
type SecretsManager struct {
	Secrets []Secret `json:"Secrets"`
}

// Secret is a ListSecrets item with its resource policy. Secret values are
// never stored. PrimaryRegion is set on the secrets of a multi-Region set
// (the primary and its replicas); ReplicationStatus is DescribeSecret's, read
// for a primary only (missing: not replicated, or not collected).
type Secret struct {
	ARN               string                  `json:"ARN"`
	Name              string                  `json:"Name,omitempty"`
	KmsKeyID          string                  `json:"KmsKeyId,omitempty"`
	ResourcePolicy    *string                 `json:"ResourcePolicy,omitempty"`
	PrimaryRegion     string                  `json:"PrimaryRegion,omitempty"`
	ReplicationStatus []ReplicationStatusType `json:"ReplicationStatus,omitzero"`
}

// SNS holds topics.
type SNS struct {
	Topics []Topic `json:"Topics"`
}

// Topic is a topic with GetTopicAttributes (Policy, KmsMasterKeyId, …).
type Topic struct {
	TopicArn   string            `json:"TopicArn"`
	Attributes map[string]string `json:"Attributes,omitempty"`
}

// DynamoDB holds tables.
type DynamoDB struct {
	Tables []Table `json:"Tables"`
}

// Table is DescribeTable's Table, with GetResourcePolicy's Policy as
// ResourcePolicy (missing: the table has none, unless the account's errors
// record a failed GetResourcePolicy under its ARN).
type Table struct {
	TableName      string          `json:"TableName"`
	TableArn       string          `json:"TableArn,omitempty"`
	SSEDescription *SSEDescription `json:"SSEDescription,omitempty"`
	ResourcePolicy *string         `json:"ResourcePolicy,omitempty"`
}

// SSEDescription is a table's server-side encryption.
type SSEDescription struct {
	Status          string `json:"Status,omitempty"`
	SSEType         string `json:"SSEType,omitempty"`
	KMSMasterKeyArn string `json:"KMSMasterKeyArn,omitempty"`
}

// Lambda holds functions.
type Lambda struct {
	Functions []Function `json:"Functions"`
}

// Function is a ListFunctions item with its resource policy.
type Function struct {
	FunctionName string  `json:"FunctionName"`
	FunctionArn  string  `json:"FunctionArn,omitempty"`
	Role         string  `json:"Role,omitempty"`
	KMSKeyArn    string  `json:"KMSKeyArn,omitempty"`
	Policy       *string `json:"Policy,omitempty"`
}

// Logs holds log groups.
type Logs struct {
	LogGroups []LogGroup `json:"LogGroups"`
}

// LogGroup is a DescribeLogGroups item.
type LogGroup struct {
	LogGroupName string `json:"logGroupName"`
	Arn          string `json:"arn,omitempty"`
	KmsKeyID     string `json:"kmsKeyId,omitempty"`
}
