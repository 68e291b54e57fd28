package arn

import (
	"fmt"
	"strings"
)

// PrincipalKind is the kind of an AWS principal.
type PrincipalKind uint8

// Principal kinds, as aws:PrincipalType names most of them.
const (
	KindUnknown       PrincipalKind = iota
	KindAccount                     // arn:aws:iam::ACCT:root, the account principal
	KindUser                        // arn:aws:iam::ACCT:user/path/name
	KindRole                        // arn:aws:iam::ACCT:role/path/name
	KindAssumedRole                 // arn:aws:sts::ACCT:assumed-role/name/session
	KindFederatedUser               // arn:aws:sts::ACCT:federated-user/name
	KindService                     // s3.amazonaws.com
	KindAnonymous                   // "*": anyone, including unauthenticated callers
)

var kindNames = [...]string{"unknown", "account", "user", "role", "assumed-role", "federated-user", "service", "anonymous"}

// String returns the kind's name.
func (k PrincipalKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Principal is a parsed caller identity.
type Principal struct {
	// ARN is the principal's ARN as given (for a service principal, its name).
	ARN       string
	Kind      PrincipalKind
	Partition string
	AccountID string
	// Name is the user, role or federated user name (no path); for a service, the service principal.
	Name string
	// Path is the IAM path of users and roles ("/" when none).
	Path string
	// Session is the session name of an assumed-role principal.
	Session string
}

// ParsePrincipal parses a caller: an IAM user, role, assumed-role session,
// federated user or account ARN, a bare 12-digit account ID, or a service
// principal name such as "s3.amazonaws.com".
func ParsePrincipal(s string) (Principal, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Principal{}, fmt.Errorf("empty principal")
	case s == "*":
		return Principal{ARN: "*", Kind: KindAnonymous}, nil
	case IsAccountID(s):
		return Principal{ARN: AccountRoot("aws", s), Kind: KindAccount, Partition: "aws", AccountID: s, Path: "/"}, nil
	case IsServicePrincipal(s):
		return Principal{ARN: s, Kind: KindService, Name: s}, nil
	}
	a, err := Parse(s)
	if err != nil {
		return Principal{}, fmt.Errorf("principal %w", err)
	}
	if !IsAccountID(a.AccountID) {
		return Principal{}, fmt.Errorf("principal %q: account %q is not a 12-digit account ID", s, a.AccountID)
	}
	p := Principal{ARN: s, Partition: a.Partition, AccountID: a.AccountID, Path: "/"}
	switch {
	case a.Service == "iam" && a.Resource == "root":
		p.Kind = KindAccount
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "user/"):
		p.Kind = KindUser
		p.Path, p.Name = splitPath(a.Resource[len("user/"):])
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "role/"):
		p.Kind = KindRole
		p.Path, p.Name = splitPath(a.Resource[len("role/"):])
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/"):
		rest := a.Resource[len("assumed-role/"):]
		name, session, ok := strings.Cut(rest, "/")
		if !ok || name == "" || session == "" {
			return Principal{}, fmt.Errorf("principal %q: want assumed-role/ROLE/SESSION", s)
		}
		p.Kind, p.Name, p.Session = KindAssumedRole, name, session
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "federated-user/"):
		p.Kind, p.Name = KindFederatedUser, a.Resource[len("federated-user/"):]
	default:
		return Principal{}, fmt.Errorf("principal %q: not an IAM user, role, assumed-role session, federated user or account", s)
	}
	if (p.Kind == KindUser || p.Kind == KindRole || p.Kind == KindFederatedUser) && p.Name == "" {
		return Principal{}, fmt.Errorf("principal %q: empty name", s)
	}
	return p, nil
}

// splitPath splits "path/to/name" into ("/path/to/", "name").
func splitPath(s string) (path, name string) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return "/", s
	}
	return "/" + s[:i+1], s[i+1:]
}

// IsServicePrincipal reports whether s names an AWS service principal
// ("cloudtrail.amazonaws.com", "s3.amazonaws.com.cn").
func IsServicePrincipal(s string) bool {
	if strings.ContainsAny(s, ":/ *") || !strings.Contains(s, ".") {
		return false
	}
	return strings.HasSuffix(s, ".amazonaws.com") || strings.HasSuffix(s, ".amazonaws.com.cn") || strings.HasSuffix(s, ".amazon.com")
}

// RoleARN returns the IAM role ARN of an assumed-role session (without the
// role's path, which the session ARN does not carry), or "" for other kinds.
func (p Principal) RoleARN() string {
	switch p.Kind {
	case KindAssumedRole:
		return "arn:" + p.Partition + ":iam::" + p.AccountID + ":role/" + p.Name
	case KindRole:
		return p.ARN
	}
	return ""
}

// AccountARN returns the account principal's ARN, or "" for services and anonymous callers.
func (p Principal) AccountARN() string {
	if p.AccountID == "" {
		return ""
	}
	return AccountRoot(p.Partition, p.AccountID)
}

// IsServiceLinkedRole reports whether the principal is a service-linked role or
// one of its sessions. SCPs and RCPs do not restrict service-linked roles.
// Session ARNs do not carry the role's path (callers that know the role set
// Path); service-linked role names start with "AWSServiceRoleFor".
func (p Principal) IsServiceLinkedRole() bool {
	switch p.Kind {
	case KindRole:
		return strings.HasPrefix(p.Path, "/aws-service-role/")
	case KindAssumedRole:
		return strings.HasPrefix(p.Path, "/aws-service-role/") || strings.HasPrefix(p.Name, "AWSServiceRoleFor")
	}
	return false
}

// Type returns the value AWS gives aws:PrincipalType: Account, User,
// FederatedUser, AssumedRole, or "" when it does not apply.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltype
func (p Principal) Type() string {
	switch p.Kind {
	case KindAccount:
		return "Account"
	case KindUser:
		return "User"
	case KindAssumedRole, KindRole:
		return "AssumedRole"
	case KindFederatedUser:
		return "FederatedUser"
	}
	return ""
}
