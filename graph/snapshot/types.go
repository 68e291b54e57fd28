package snapshot

// Format is the snapshot format this package reads and writes.
const Format = "keyhound.snapshot/v1"

// Snapshot is one collection of an organization (or of a set of accounts).
type Snapshot struct {
	Format       string              `json:"format"`
	CollectedAt  string              `json:"collected_at,omitempty"`
	Partition    string              `json:"partition,omitempty"`
	Tool         *Tool               `json:"tool,omitempty"`
	Scope        *Scope              `json:"scope,omitempty"`
	Organization *Organization       `json:"organization,omitempty"`
	Accounts     map[string]*Account `json:"accounts"`
}

// Tool names the program that wrote the snapshot.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// Scope is what the collection covered.
type Scope struct {
	Regions  []string `json:"regions,omitempty"`
	Services []string `json:"services,omitempty"`
}

// Organization is what AWS Organizations returned; nil when not scanned from an organization.
type Organization struct {
	Organization        *OrganizationInfo    `json:"Organization,omitempty"`
	Roots               []Root               `json:"Roots,omitzero"`
	OrganizationalUnits []OrganizationalUnit `json:"OrganizationalUnits,omitzero"`
	Accounts            []OrgAccount         `json:"Accounts,omitzero"`
	Policies            []OrgPolicy          `json:"Policies,omitzero"`
	// Errors are the organization's calls the scanner could not complete
	// (an extra, in the accounts' errors shape): a failed ListPolicies of a
	// policy type, DescribePolicy or ListTargetsForPolicy of a policy. The
	// policies they would have told are unknown (docs/snapshot.md).
	Errors []CollectionError `json:"errors,omitzero"`
}

// OrganizationInfo is DescribeOrganization's Organization.
type OrganizationInfo struct {
	ID                 string `json:"Id"`
	Arn                string `json:"Arn,omitempty"`
	MasterAccountID    string `json:"MasterAccountId,omitempty"`
	MasterAccountArn   string `json:"MasterAccountArn,omitempty"`
	MasterAccountEmail string `json:"MasterAccountEmail,omitempty"`
	FeatureSet         string `json:"FeatureSet,omitempty"`
}

// Root is a ListRoots item.
type Root struct {
	ID          string              `json:"Id"`
	Arn         string              `json:"Arn,omitempty"`
	Name        string              `json:"Name,omitempty"`
	PolicyTypes []PolicyTypeSummary `json:"PolicyTypes,omitzero"`
}

// PolicyTypeSummary says whether a policy type is enabled at a root.
type PolicyTypeSummary struct {
	Type   string `json:"Type"`
	Status string `json:"Status"`
}

// OrganizationalUnit is a DescribeOrganizationalUnit item plus its parent.
type OrganizationalUnit struct {
	ID       string `json:"Id"`
	Arn      string `json:"Arn,omitempty"`
	Name     string `json:"Name,omitempty"`
	ParentID string `json:"ParentId"`
}

// OrgAccount is a ListAccounts item plus its parent.
type OrgAccount struct {
	ID           string `json:"Id"`
	Arn          string `json:"Arn,omitempty"`
	Name         string `json:"Name,omitempty"`
	Email        string `json:"Email,omitempty"`
	Status       string `json:"Status,omitempty"`
	State        string `json:"State,omitempty"`
	JoinedMethod string `json:"JoinedMethod,omitempty"`
	ParentID     string `json:"ParentId"`
}

// Organizations policy types.
const (
	PolicyTypeSCP = "SERVICE_CONTROL_POLICY"
	PolicyTypeRCP = "RESOURCE_CONTROL_POLICY"
)

// OrgPolicy is an SCP or RCP with its content and targets. Content ""
// means not collected (DescribePolicy failed), Targets nil likewise
// (ListTargetsForPolicy failed); an empty list: attached nowhere.
type OrgPolicy struct {
	PolicySummary PolicySummary  `json:"PolicySummary"`
	Content       string         `json:"Content"`
	Targets       []PolicyTarget `json:"Targets,omitzero"`
}

// PolicySummary is a ListPolicies item.
type PolicySummary struct {
	ID          string `json:"Id"`
	Arn         string `json:"Arn,omitempty"`
	Name        string `json:"Name,omitempty"`
	Description string `json:"Description,omitempty"`
	Type        string `json:"Type"`
	AwsManaged  bool   `json:"AwsManaged,omitempty"`
}

// PolicyTarget is a ListTargetsForPolicy item.
type PolicyTarget struct {
	TargetID string `json:"TargetId"`
	Arn      string `json:"Arn,omitempty"`
	Name     string `json:"Name,omitempty"`
	Type     string `json:"Type,omitempty"` // ROOT | ORGANIZATIONAL_UNIT | ACCOUNT
}

// Account is everything collected in one account. IAM nil: not collected.
type Account struct {
	Errors  []CollectionError  `json:"errors,omitzero"`
	IAM     *IAM               `json:"iam,omitempty"`
	Regions map[string]*Region `json:"regions,omitempty"`
	// EnabledRegions lists the Regions enabled for the account, opt-in ones
	// included; nil when not collected.
	EnabledRegions []string `json:"enabled_regions,omitzero"`
	// RegionsSkipped are the Regions (or one service's calls in a Region)
	// the scanner did not read, and why: an extra, apart from Errors,
	// because a skip is the organization's own rule, not a failure; what
	// they would have read is unknown all the same (docs/snapshot.md).
	RegionsSkipped []RegionSkip `json:"regions_skipped,omitzero"`
	// S3Control holds the account's own S3 settings; nil when not collected.
	S3Control *S3Control `json:"s3control,omitempty"`
	// ScannedAs is the IAM principal the scanner read the account as: the
	// role assumed in it (arn:PARTITION:iam::ACCOUNT:role/NAME), or the
	// caller in its own account; "" when unknown (no role could be assumed).
	ScannedAs string `json:"scanned_as,omitempty"`
}

// RegionSkip is a Region the scanner did not read (Service ""), or one
// call in it that AWS refused for a reason the organization set.
type RegionSkip struct {
	Region string `json:"region"`
	// Reason is why: "scp", the organization's SCPs deny the scanner there.
	Reason string `json:"reason"`
	// Service and Operation name the call AWS refused, when the skip is
	// one call's (its AccessDenied named an SCP); "" when keyhound read the
	// SCPs and did not call the Region at all.
	Service   string `json:"service,omitempty"`
	Operation string `json:"operation,omitempty"`
	// Policies are the IDs of the SCPs that deny, when known.
	Policies []string `json:"policies,omitzero"`
	// Message says what denies whom: keyhound's reading of the SCPs, or
	// AWS's error message.
	Message string `json:"message,omitempty"`
}

// SkipReasonSCP is a RegionSkip's Reason when SCPs deny the Region.
const SkipReasonSCP = "scp"

// CollectionError is a call the scanner could not complete.
type CollectionError struct {
	Service   string `json:"service,omitempty"`
	Region    string `json:"region,omitempty"`
	Operation string `json:"operation,omitempty"`
	Resource  string `json:"resource,omitempty"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message,omitempty"`
}
