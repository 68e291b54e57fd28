package usage

import (
	"strings"

	"github.com/keyhound/keyhound/graph"
)

// Caller is who made a call, as the graph knows them.
type Caller struct {
	// Principal is an IAM user or role ARN of the graph (an assumed-role
	// session becomes its role), an account root "arn:aws:iam::A:root", an
	// ARN the graph does not hold, or "service:NAME" for an AWS service
	// acting as itself.
	Principal string
	Account   string
	// Via is the service that made the call for the principal
	// (userIdentity.invokedBy, "s3.amazonaws.com"); "" for a direct call.
	Via string
	// Service is true when an AWS service called as itself.
	Service bool
}

// servicePrefix marks an AWS service acting as itself.
const servicePrefix = "service:"

// caller resolves an event's userIdentity (CloudTrail UG, "CloudTrail
// userIdentity element"): an assumed-role session to its role (the session
// issuer's ARN, with its path; else arn:aws:sts::A:assumed-role/R/S to the
// role named R in account A), a cross-account caller that the key owner's
// copy shows only as an AWSAccount with a principalId to the user or role
// of that unique ID.
func (j *Joiner) caller(e *Event) Caller {
	id := &e.Identity
	c := Caller{Account: id.AccountID}
	if v := id.InvokedBy; strings.HasSuffix(v, ".amazonaws.com") {
		c.Via = v
	}
	switch id.Type {
	case "AssumedRole":
		if id.IssuerARN != "" && (id.IssuerType == "" || id.IssuerType == "Role") {
			c.Principal = id.IssuerARN
			break
		}
		c.Principal = j.sessionRole(id.ARN)
	case "AWSAccount":
		if p := j.byID(id.PrincipalID, id.AccountID); p != "" {
			c.Principal = p
		} else if id.AccountID != "" {
			c.Principal = "arn:aws:iam::" + id.AccountID + ":root"
		}
	case "AWSService":
		c.Principal, c.Service, c.Via = servicePrefix+id.InvokedBy, true, ""
	default: // IAMUser, Root, FederatedUser, IdentityCenterUser, …
		c.Principal = id.ARN
		if c.Principal == "" {
			c.Principal = j.byID(id.PrincipalID, id.AccountID)
		}
	}
	if c.Account == "" {
		c.Account = accountOf(c.Principal)
	}
	return c
}

// sessionRole rewrites arn:PARTITION:sts::A:assumed-role/R/S to the role
// R of account A in the graph (whose ARN carries its path), or to
// arn:PARTITION:iam::A:role/R when the graph does not hold it.
func (j *Joiner) sessionRole(session string) string {
	rest, ok := strings.CutPrefix(session, "arn:")
	if !ok {
		return session
	}
	partition, rest, _ := strings.Cut(rest, ":sts::")
	account, rest, _ := strings.Cut(rest, ":assumed-role/")
	role, _, _ := strings.Cut(rest, "/")
	if role == "" || account == "" {
		return session
	}
	if p := j.g.Role(account, role); p != nil {
		return p.ARN
	}
	return "arn:" + partition + ":iam::" + account + ":role/" + role
}

// byID finds a user or role by its unique ID ("AROA…:session" → AROA…),
// in account when several have it (IDs are unique in AWS; not always in
// generated or edited snapshots).
func (j *Joiner) byID(principalID, account string) string {
	uid, _, _ := strings.Cut(principalID, ":")
	if uid == "" {
		return ""
	}
	if j.ids == nil {
		j.ids = map[string][]*graph.Principal{}
		for _, p := range j.g.Principals() {
			if p.ID != "" {
				j.ids[p.ID] = append(j.ids[p.ID], p)
			}
		}
	}
	ps := j.ids[uid]
	for _, p := range ps {
		if p.Account == account {
			return p.ARN
		}
	}
	if len(ps) == 1 && account == "" {
		return ps[0].ARN
	}
	return ""
}

func accountOf(principal string) string {
	parts := strings.SplitN(principal, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// keyRef is a key reference resolved in a caller's account and Region.
type keyRef struct{ ref, account, region string }

// key resolves the key an event is about: the KMS key of resources[]
// (KMS adds the key ARN there), else requestParameters.keyId — a key ARN,
// alias ARN, key ID or alias name, the last two in the caller's account
// and the event's Region, as KMS resolves them. Resolutions are cached:
// the cache grows with distinct references, not events.
func (j *Joiner) key(e *Event, account string) *graph.Key {
	ref := ""
	for _, r := range e.Resources {
		if r.Type == "AWS::KMS::Key" || strings.Contains(r.ARN, ":kms:") && strings.Contains(r.ARN, ":key/") {
			ref = r.ARN
			break
		}
	}
	if ref != "" {
		if k := j.g.Key(ref); k != nil {
			return k
		}
	} else {
		ref = e.KeyID
	}
	if ref == "" {
		return nil
	}
	kr := keyRef{ref: ref}
	if !strings.HasPrefix(ref, "arn:") {
		kr.account, kr.region = account, e.Region
	}
	if k, ok := j.keys[kr]; ok {
		return k
	}
	k, err := j.g.ResolveKey(kr.ref, kr.account, kr.region)
	if err != nil {
		k = nil
	}
	if j.keys == nil {
		j.keys = map[keyRef]*graph.Key{}
	}
	j.keys[kr] = k
	return k
}
