package snapshot

// IAM is GetAccountAuthorizationDetails, all pages merged.
type IAM struct {
	UserDetailList  []UserDetail          `json:"UserDetailList,omitzero"`
	GroupDetailList []GroupDetail         `json:"GroupDetailList,omitzero"`
	RoleDetailList  []RoleDetail          `json:"RoleDetailList,omitzero"`
	Policies        []ManagedPolicyDetail `json:"Policies,omitzero"`
}

// PolicyDetail is an inline policy. PolicyDocument may be URL-encoded.
type PolicyDetail struct {
	PolicyName     string `json:"PolicyName"`
	PolicyDocument string `json:"PolicyDocument"`
}

// AttachedPolicy is a managed policy attachment.
type AttachedPolicy struct {
	PolicyName string `json:"PolicyName,omitempty"`
	PolicyArn  string `json:"PolicyArn"`
}

// AttachedPermissionsBoundary is a user's or role's permissions boundary.
type AttachedPermissionsBoundary struct {
	PermissionsBoundaryType string `json:"PermissionsBoundaryType,omitempty"`
	PermissionsBoundaryArn  string `json:"PermissionsBoundaryArn"`
}

// Tag is an IAM tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// UserDetail is an IAM user.
type UserDetail struct {
	Path                    string                       `json:"Path,omitempty"`
	UserName                string                       `json:"UserName"`
	UserID                  string                       `json:"UserId,omitempty"`
	Arn                     string                       `json:"Arn"`
	CreateDate              string                       `json:"CreateDate,omitempty"`
	UserPolicyList          []PolicyDetail               `json:"UserPolicyList,omitzero"`
	GroupList               []string                     `json:"GroupList,omitzero"`
	AttachedManagedPolicies []AttachedPolicy             `json:"AttachedManagedPolicies,omitzero"`
	PermissionsBoundary     *AttachedPermissionsBoundary `json:"PermissionsBoundary,omitempty"`
	Tags                    []Tag                        `json:"Tags,omitzero"`
}

// GroupDetail is an IAM group.
type GroupDetail struct {
	Path                    string           `json:"Path,omitempty"`
	GroupName               string           `json:"GroupName"`
	GroupID                 string           `json:"GroupId,omitempty"`
	Arn                     string           `json:"Arn"`
	GroupPolicyList         []PolicyDetail   `json:"GroupPolicyList,omitzero"`
	AttachedManagedPolicies []AttachedPolicy `json:"AttachedManagedPolicies,omitzero"`
}

// RoleDetail is an IAM role. AssumeRolePolicyDocument may be URL-encoded.
type RoleDetail struct {
	Path                     string                       `json:"Path,omitempty"`
	RoleName                 string                       `json:"RoleName"`
	RoleID                   string                       `json:"RoleId,omitempty"`
	Arn                      string                       `json:"Arn"`
	CreateDate               string                       `json:"CreateDate,omitempty"`
	AssumeRolePolicyDocument string                       `json:"AssumeRolePolicyDocument,omitempty"`
	RolePolicyList           []PolicyDetail               `json:"RolePolicyList,omitzero"`
	AttachedManagedPolicies  []AttachedPolicy             `json:"AttachedManagedPolicies,omitzero"`
	PermissionsBoundary      *AttachedPermissionsBoundary `json:"PermissionsBoundary,omitempty"`
	Tags                     []Tag                        `json:"Tags,omitzero"`
	// InstanceProfileList are the instance profiles holding the role (EC2
	// instances act as the role through them); RoleLastUsed is {} for a role
	// not used in IAM's tracking period, missing when not collected.
	InstanceProfileList []InstanceProfile `json:"InstanceProfileList,omitzero"`
	RoleLastUsed        *RoleLastUsed     `json:"RoleLastUsed,omitempty"`
}

// ManagedPolicyDetail is a managed policy with its versions.
type ManagedPolicyDetail struct {
	PolicyName        string          `json:"PolicyName,omitempty"`
	PolicyID          string          `json:"PolicyId,omitempty"`
	Arn               string          `json:"Arn"`
	Path              string          `json:"Path,omitempty"`
	DefaultVersionID  string          `json:"DefaultVersionId,omitempty"`
	AttachmentCount   int             `json:"AttachmentCount,omitempty"`
	IsAttachable      bool            `json:"IsAttachable,omitempty"`
	PolicyVersionList []PolicyVersion `json:"PolicyVersionList,omitzero"`
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	Document         string `json:"Document"`
	VersionID        string `json:"VersionId,omitempty"`
	IsDefaultVersion bool   `json:"IsDefaultVersion"`
}

// DefaultDocument returns the document of the policy's default version.
func (p *ManagedPolicyDetail) DefaultDocument() (string, bool) {
	for _, v := range p.PolicyVersionList {
		if v.IsDefaultVersion || (p.DefaultVersionID != "" && v.VersionID == p.DefaultVersionID) {
			return v.Document, true
		}
	}
	if len(p.PolicyVersionList) == 1 {
		return p.PolicyVersionList[0].Document, true
	}
	return "", false
}
