package eval

import (
	"fmt"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/policy"
)

// NamedPolicy is a parsed policy with the name and ARN explanations show.
type NamedPolicy struct {
	Name   string
	ARN    string
	Policy *policy.Policy
}

// Grant is a KMS grant in the ListGrants shape.
type Grant struct {
	GrantID           string            `json:"GrantId"`
	Name              string            `json:"Name,omitempty"`
	KeyID             string            `json:"KeyId,omitempty"`
	GranteePrincipal  string            `json:"GranteePrincipal"`
	RetiringPrincipal string            `json:"RetiringPrincipal,omitempty"`
	IssuingAccount    string            `json:"IssuingAccount,omitempty"`
	Operations        []string          `json:"Operations"`
	Constraints       *GrantConstraints `json:"Constraints,omitempty"`
}

// GrantConstraints are a grant's encryption-context constraints.
type GrantConstraints struct {
	EncryptionContextSubset map[string]string `json:"EncryptionContextSubset,omitempty"`
	EncryptionContextEquals map[string]string `json:"EncryptionContextEquals,omitempty"`
}

// Key manager values of KeyMetadata.KeyManager.
const (
	KeyManagerCustomer = "CUSTOMER"
	KeyManagerAWS      = "AWS"
)

// Request is one authorization request with every policy that applies to it.
// Build it directly (the access graph does) or with ParseRequest, then call
// Prepare once before evaluating it any number of times.
type Request struct {
	Principal arn.Principal
	// Action is "service:Action"; Resource the resource ARN.
	Action          string
	Resource        string
	ResourceAccount string
	Context         *policy.Context
	// EncryptionContext is the request's KMS encryption context when known
	// (non-nil, possibly empty); nil when unknown.
	EncryptionContext map[string]string

	IdentityPolicies    []NamedPolicy
	ResourcePolicy      *NamedPolicy
	PermissionsBoundary *NamedPolicy
	SessionPolicy       *NamedPolicy
	VPCEndpointPolicy   *NamedPolicy
	// SCPs are the caller account's service control policies by level:
	// root, OUs from the top, then the account. RCPs likewise for the
	// resource's account.
	SCPs [][]NamedPolicy
	RCPs [][]NamedPolicy
	// ManagementAccount is the organization's management account, if known.
	ManagementAccount string

	Grants []Grant
	// GrantID, for kms:RetireGrant and kms:RevokeGrant, names the grant acted on.
	GrantID    string
	KeyState   string
	KeyManager string
	// PrincipalEnabledRegions lists the opt-in Regions enabled in the caller's
	// account; nil means unknown (assumed enabled).
	PrincipalEnabledRegions []string
	// Unknown marks layers whose policies are not (all) known: not collected,
	// unreadable or unparseable. Such a layer may allow or deny beyond its
	// known statements, so the answer cannot be ALLOW through it or DENY for
	// its lack of an allow. Use MarkUnknown.
	Unknown [numLayers]bool

	// Derived by Prepare.
	prepared      bool
	lowerAction   string
	service       string
	actionName    string
	resourceARN   arn.ARN
	resourceIsARN bool
	accountARN    string
	rolePrefix    string // "arn:PART:iam::ACCT:role/" for roles and sessions
	roleARN       string
}

// MarkUnknown records that some policies of layer l are unknown.
func (r *Request) MarkUnknown(l Layer) {
	if l < numLayers {
		r.Unknown[l] = true
	}
}

// Prepare validates the request and derives what evaluation needs: the
// lower-case action, the resource's account, and the context keys AWS
// derives from the principal and resource (aws:PrincipalArn, aws:PrincipalAccount,
// aws:PrincipalType, aws:username, aws:PrincipalIsAWSService,
// aws:PrincipalServiceName, aws:ResourceAccount, kms:CallerAccount; aws:username
// absent for callers other than IAM users), each only when the context does
// not already set it; and the encryption context from its condition keys
// when they tell all of it (deriveEncryptionContext).
func (r *Request) Prepare() error {
	if r.Principal.Kind == arn.KindUnknown {
		return fmt.Errorf("request has no principal")
	}
	svc, name, ok := strings.Cut(r.Action, ":")
	if !ok || svc == "" || name == "" || strings.ContainsAny(r.Action, "*? ") {
		return fmt.Errorf("action %q: want service:Action, with no wildcards", r.Action)
	}
	if r.Resource == "" {
		return fmt.Errorf("request has no resource")
	}
	r.lowerAction = strings.ToLower(r.Action)
	r.service, r.actionName = strings.ToLower(svc), name
	if a, err := arn.Parse(r.Resource); err == nil {
		r.resourceARN, r.resourceIsARN = a, true
		if r.service == "kms" && a.Service == "kms" && strings.HasPrefix(a.Resource, "alias/") && !aliasOperations[strings.ToLower(name)] {
			// KMS authorizes an operation named by alias on the key the
			// alias points to (KMS DG, alias-authorization.html): an IAM
			// policy on the alias ARN does not apply to the key, and the
			// key policy is required. Evaluated on the alias, the request
			// would silently differ from the same one on the key's ARN.
			return fmt.Errorf("resource %q is an alias: KMS authorizes %s on the key the alias points to; give the key ARN (and kms:RequestAlias in the context)", r.Resource, r.Action)
		}
		if r.ResourceAccount == "" {
			r.ResourceAccount = a.AccountID
		}
		if r.ResourceAccount == "" {
			// S3 bucket and object ARNs carry no account: guessing the
			// caller's would silently turn a cross-account request into a
			// same-account one.
			return fmt.Errorf("resource %q: its ARN names no account; set resource_account", r.Resource)
		}
	} else if r.ResourceAccount == "" {
		// "*" and other non-ARN resources (kms:ListKeys, kms:CreateKey) are
		// requests to the caller's own account.
		r.ResourceAccount = r.Principal.AccountID
	}
	if r.Context == nil {
		r.Context = policy.NewContext(false)
	}
	if r.KeyState == "" {
		r.KeyState = "Enabled"
	}
	if r.KeyManager == "" {
		r.KeyManager = KeyManagerCustomer
	}
	p := &r.Principal
	r.accountARN = p.AccountARN()
	if p.Kind == arn.KindRole || p.Kind == arn.KindAssumedRole {
		r.rolePrefix = "arn:" + p.Partition + ":iam::" + p.AccountID + ":role/"
		r.roleARN = p.RoleARN()
	}
	setDefault := func(key policy.Key, values ...string) {
		if !r.Context.HasKey(key) {
			r.Context.SetKey(key, values...)
		}
	}
	switch p.Kind {
	case arn.KindService:
		setDefault(keyPrincipalIsAWSService, "true")
		setDefault(keyPrincipalServiceName, p.ARN)
	case arn.KindAnonymous:
	default:
		principalARN := p.ARN
		if p.Kind == arn.KindAssumedRole {
			principalARN = r.roleARN
		}
		setDefault(keyPrincipalArn, principalARN)
		setDefault(keyPrincipalAccount, p.AccountID)
		setDefault(keyPrincipalType, p.Type())
		setDefault(keyPrincipalIsAWSService, "false")
		if p.Kind == arn.KindUser {
			setDefault(keyUsername, p.Name)
		}
		if r.service == "kms" {
			setDefault(keyCallerAccount, p.AccountID)
		}
	}
	if r.ResourceAccount != "" {
		setDefault(keyResourceAccount, r.ResourceAccount)
	}
	if p.Kind != arn.KindUser && !r.Context.HasKey(keyUsername) {
		// aws:username is "not present" for every caller but an IAM user
		// (IAM UG, reference_policies_variables.html, "Principal key
		// values"): ${aws:username} has no value for a role session.
		r.Context.SetAbsentKey(keyUsername)
	}
	r.deriveEncryptionContext()
	r.prepared = true
	return nil
}

// sameAccount reports whether the caller and the resource are in one account.
func (r *Request) sameAccount() bool {
	return r.Principal.AccountID != "" && r.Principal.AccountID == r.ResourceAccount
}

// isKMSKey reports whether the request targets a KMS key.
func (r *Request) isKMSKey() bool {
	return r.service == "kms" && r.resourceIsARN && r.resourceARN.Service == "kms" && strings.HasPrefix(r.resourceARN.Resource, "key/")
}

// resourcePolicyLayer is the layer name of the resource policy for this request.
func (r *Request) resourcePolicyLayer() Layer {
	switch {
	case r.isKMSKey():
		return LayerKeyPolicy
	case r.service == "sts" && strings.HasPrefix(strings.ToLower(r.actionName), "assumerole"):
		return LayerTrustPolicy
	default:
		return LayerResourcePolicy
	}
}

// resourcePolicyRequired reports whether the resource policy must allow the
// caller (KMS key policies and role trust policies), rather than either it
// or an identity policy. IAM UG, policy-eval-denyallow: "IAM role trust
// policies and KMS key policies are exceptions to this logic, because they
// must explicitly allow access for principals."
func (r *Request) resourcePolicyRequired() bool {
	l := r.resourcePolicyLayer()
	return l == LayerKeyPolicy || l == LayerTrustPolicy
}

// Context keys Prepare derives.
var (
	keyPrincipalIsAWSService = policy.MakeKey("aws:PrincipalIsAWSService")
	keyPrincipalServiceName  = policy.MakeKey("aws:PrincipalServiceName")
	keyPrincipalArn          = policy.MakeKey("aws:PrincipalArn")
	keyPrincipalAccount      = policy.MakeKey("aws:PrincipalAccount")
	keyPrincipalType         = policy.MakeKey("aws:PrincipalType")
	keyUsername              = policy.MakeKey("aws:username")
	keyCallerAccount         = policy.MakeKey("kms:CallerAccount")
	keyResourceAccount       = policy.MakeKey("aws:ResourceAccount")
)
