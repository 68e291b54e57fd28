package graph

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// Severity of a finding.
type Severity int

// Severities, most severe first.
const (
	Critical Severity = iota
	High
	Medium
	Low
	Info
)

var severityNames = [...]string{"critical", "high", "medium", "low", "info"}

// String returns the severity's name: "critical", "high", ….
func (s Severity) String() string { return severityNames[s] }

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity returns the severity named s.
func ParseSeverity(s string) (Severity, bool) {
	i := slices.Index(severityNames[:], strings.ToLower(s))
	return Severity(i), i >= 0
}

// Finding is a risk keyhound sees in the snapshot, with its evidence.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Account  string   `json:"account,omitempty"`
	Region   string   `json:"region,omitempty"`
	// Resource is the key, resource or principal the finding is about.
	Resource string     `json:"resource"`
	Evidence []Evidence `json:"evidence"`
	// Remedy says what to change.
	Remedy string `json:"remedy,omitempty"`
}

// Evidence points at what shows a finding: a statement, a grant, a resource.
// Policy names the policy ("key policy", or an identity policy's name) of
// the finding's key or principal; Statement is -1 for none.
type Evidence struct {
	Policy string `json:"policy,omitempty"`
	// PolicyARN is an attached managed policy's ARN.
	PolicyARN string `json:"policy_arn,omitempty"`
	Statement int    `json:"statement"`
	Sid       string `json:"sid,omitempty"`
	Grant     string `json:"grant,omitempty"`
	// Ref is where in the snapshot, or the ARN of what is at fault;
	// Resource is the ARN and Name the name of what Ref points at
	// ("s3:bucket reports", "key alias/legacy"), for people.
	Ref      string `json:"ref,omitempty"`
	Resource string `json:"resource,omitempty"`
	Name     string `json:"name,omitempty"`
	Detail   string `json:"detail"`
}

// principalScopingKeys are condition keys that restrict who a "*" principal is.
var principalScopingKeys = []string{
	"aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "kms:calleraccount",
	"aws:principalarn", "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths", "aws:userid", "aws:username",
}

// Findings returns the snapshot's findings, most severe first.
func (g *Graph) Findings() []Finding {
	g.wait()
	return g.findings(nil)
}

// FindingsAbout returns the findings of Findings about these keys,
// resources, principals or accounts' roots (ARNs, as Finding.Resource
// names them), most severe first, computed for them alone: what a change
// to a few of them adds or resolves, without the organization's.
func (g *Graph) FindingsAbout(ids []string) []Finding {
	g.wait()
	in := make(map[string]bool, len(ids))
	for _, id := range ids {
		in[id] = true
	}
	return g.findings(in)
}

// findings returns the findings about the ARNs in (all of them: nil).
func (g *Graph) findings(in map[string]bool) []Finding {
	about := func(id string) bool { return in == nil || in[id] }
	if in == nil {
		g.ParseKeyPolicies() // each key's findings read its policy
	}
	var out []Finding
	for _, k := range g.Keys() {
		if about(k.ARN) {
			out = append(out, g.keyFindings(k)...)
		}
	}
	out = append(out, g.resourceFindings(about)...)
	out = append(out, g.principalFindings(about)...)
	out = append(out, g.regionFindings(about)...)
	for _, iss := range g.Issues {
		if strings.HasPrefix(iss.Message, "unparseable policy") && about(iss.Item) {
			out = append(out, Finding{
				Rule: "unparseable-policy", Severity: Medium, Title: "A policy does not parse: answers that depend on it are uncertain",
				Account: iss.Account, Region: iss.Region, Resource: iss.Item, Evidence: []Evidence{{Statement: -1, Ref: iss.Path, Resource: iss.Item, Name: g.itemName(iss.Item), Detail: iss.Message}},
			})
		}
	}
	for i := range out {
		out[i].Remedy = remedy(&out[i])
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if a.Severity != b.Severity {
			return int(a.Severity) - int(b.Severity)
		}
		if c := strings.Compare(a.Rule, b.Rule); c != 0 {
			return c
		}
		return strings.Compare(a.Resource, b.Resource)
	})
	return out
}

func (g *Graph) keyFindings(k *Key) []Finding {
	var out []Finding
	add := func(rule string, sev Severity, title string, ev ...Evidence) {
		out = append(out, Finding{Rule: rule, Severity: sev, Title: title, Account: k.Account, Region: k.Region, Resource: k.ARN, Evidence: ev})
	}
	customer := k.Manager() == eval.KeyManagerCustomer
	if k.Policy() != nil {
		for _, st := range k.Policy().Policy.Statements {
			if st.Effect != policy.Allow || st.Principal == nil {
				continue
			}
			ev := Evidence{Policy: "key policy", Statement: st.Index, Sid: st.Sid}
			if c := forAllValuesOnSingleValued(&st); c != nil {
				add("forallvalues-single-valued", Medium, setOpTitle, setOpEvidence(Evidence{Policy: "key policy", Statement: st.Index, Sid: st.Sid}, c))
			}
			if (st.Principal.Any || st.NotPrincipal) && !scopesPrincipal(&st) {
				sev := High
				if st.MatchesAction("kms:decrypt") {
					sev = Critical
				}
				ev.Detail = "allows any principal of any account, with no condition on who it is"
				add("key-policy-open", sev, "Key policy open to everyone", ev)
			}
			for _, e := range st.Principal.AWS {
				p, err := arn.ParsePrincipal(e)
				switch {
				case err != nil && (strings.HasPrefix(e, "AROA") || strings.HasPrefix(e, "AIDA") || strings.HasPrefix(e, "AGPA")):
					ev.Detail = e + " is a unique ID: the principal was deleted (a recreated one does not match)"
					add("deleted-principal", Medium, "Key policy names a deleted principal", ev)
				case err == nil && p.AccountID != "" && g.external(p.AccountID) && customer:
					ev.Detail = e + " is outside the organization"
					add("external-access", High, "Key policy grants access to an account outside the organization", ev)
				}
			}
		}
	}
	for _, gr := range k.Grants {
		if p, err := arn.ParsePrincipal(gr.GranteePrincipal); err == nil && p.AccountID != "" && g.external(p.AccountID) {
			add("external-grant", High, "Grant to a principal outside the organization",
				Evidence{Statement: -1, Grant: gr.GrantID, Detail: gr.GranteePrincipal + " may " + strings.Join(gr.Operations, ", ")})
		}
	}
	if customer && k.State() == "Enabled" && k.meta().KeySpec == "SYMMETRIC_DEFAULT" && (k.meta().Origin == "" || k.meta().Origin == "AWS_KMS") && k.Rotation != nil && !*k.Rotation {
		add("rotation-off", Low, "Automatic rotation is off on a customer managed symmetric key", Evidence{Statement: -1, Detail: "KeyRotationEnabled is false"})
	}
	return out
}

// scopesPrincipal reports whether a statement's conditions restrict who the
// principal is (an organization, account, ARN or source).
func scopesPrincipal(st *policy.Statement) bool {
	for _, c := range st.Conditions {
		if c.Negated && c.Family != policy.OpNull {
			continue
		}
		if slices.Contains(principalScopingKeys, strings.ToLower(c.Key)) {
			return true
		}
	}
	return false
}

func (g *Graph) resourceFindings(about func(string) bool) []Finding {
	g.needResources()
	var out []Finding
	for _, r := range g.resources {
		if !about(r.ARN) {
			continue
		}
		k := g.keys[r.Key]
		awsManaged := (k != nil && k.Manager() == eval.KeyManagerAWS) || (k == nil && isAWSManagedAlias(r.KeyRef))
		keyNotARN := r.Type == "s3:bucket" && r.KeyRef != "" && !strings.HasPrefix(r.KeyRef, "arn:") && !isAWSManagedAlias(r.KeyRef)
		// Whom it is shared with matters to the first two findings only:
		// its policy is not parsed for the others.
		shared := (awsManaged || keyNotARN) && slices.ContainsFunc(r.SharedWith(), func(a string) bool { return a != r.Account })
		switch {
		case shared && awsManaged:
			out = append(out, Finding{
				Rule: "shared-with-aws-managed-key", Severity: Medium,
				Title:   "Shared across accounts but encrypted with an AWS managed key: readable by nobody outside its account",
				Account: r.Account, Region: r.Region, Resource: r.ARN,
				Evidence: []Evidence{{Statement: -1, Ref: r.Path(), Resource: r.ARN, Name: resourceName(r), Detail: fmt.Sprintf("shared with %s; encrypted with %s, which AWS never lets another account use (re-encrypt with a customer managed key and share that)", strings.Join(r.SharedWith(), ", "), r.KeyRef)}},
			})
		case keyNotARN && shared:
			out = append(out, Finding{
				Rule: "s3-key-not-arn", Severity: Medium,
				Title:   "Bucket encryption names its key by alias or ID: other accounts' requests resolve it in their own account",
				Account: r.Account, Region: r.Region, Resource: r.ARN,
				Evidence: []Evidence{{Statement: -1, Ref: r.Path(), Resource: r.ARN, Name: resourceName(r), Detail: "KMSMasterKeyID is " + r.KeyRef + "; use the full key ARN (S3 UG, bucket-encryption) — the bucket is shared with " + strings.Join(r.SharedWith(), ", ")}},
			})
		case k != nil && (k.State() == "PendingDeletion" || k.State() == "PendingReplicaDeletion"):
			out = append(out, Finding{
				Rule: "key-pending-deletion-in-use", Severity: High, Title: "A key pending deletion still encrypts a resource",
				Account: r.Account, Region: r.Region, Resource: r.ARN,
				Evidence: []Evidence{{Statement: -1, Ref: k.ARN, Resource: k.ARN, Name: keyLabel(k), Detail: "key deletion date " + k.meta().DeletionDate + ": the data becomes unrecoverable"}},
			})
		case k != nil && k.State() == "Disabled":
			out = append(out, Finding{
				Rule: "key-disabled-in-use", Severity: Medium, Title: "A disabled key still encrypts a resource",
				Account: r.Account, Region: r.Region, Resource: r.ARN, Evidence: []Evidence{{Statement: -1, Ref: k.ARN, Resource: k.ARN, Name: keyLabel(k), Detail: "the resource cannot be decrypted until the key is enabled"}},
			})
		}
	}
	return out
}

// singleValuedKeys are single-valued condition keys of KMS requests
// (exact, or by prefix when they end in ":" or "/"): a request carries at
// most one value for each.
var singleValuedKeys = []string{
	"kms:encryptioncontext:", "aws:requesttag/", "aws:resourcetag/", "aws:principaltag/",
	"kms:calleraccount", "kms:viaservice", "kms:grantisforawsresource", "kms:keyorigin", "kms:keyspec", "kms:keyusage",
	"aws:principalarn", "aws:principalaccount", "aws:principalorgid", "aws:sourcevpce", "aws:sourcevpc", "aws:sourceip",
	"aws:sourceaccount", "aws:sourcearn", "aws:userid", "aws:username",
}

// forAllValuesOnSingleValued returns an Allow statement's ForAllValues
// condition on a single-valued key, if it has one. A set operator on a
// single-valued key makes a statement more permissive than it reads:
// ForAllValues is true when the request has no value for the key, so an
// Allow meant to require an encryption context also allows requests with
// none. KMS refuses such key policies; IAM accepts such identity policies.
// KMS DG, conditions-kms.html, "Using set operators with condition keys";
// IAM UG, reference_policies_condition-single-vs-multi-valued-context-keys.html.
func forAllValuesOnSingleValued(st *policy.Statement) *policy.Condition {
	if st.Effect != policy.Allow {
		return nil
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if c.Set != policy.SetForAllValues {
			continue
		}
		k := strings.ToLower(c.Key)
		for _, sv := range singleValuedKeys {
			if k == sv || (strings.HasSuffix(sv, ":") || strings.HasSuffix(sv, "/")) && strings.HasPrefix(k, sv) {
				return c
			}
		}
	}
	return nil
}

const setOpTitle = "ForAllValues on a single-valued key: the condition holds when the request lacks the key"

// setOpEvidence says what is wrong with the condition and how to write it.
func setOpEvidence(ev Evidence, c *policy.Condition) Evidence {
	ev.Detail = c.Operator + " on " + c.Key + ", a single-valued key: true when the request has no " + c.Key +
		", so the statement also allows requests without it; use " + strings.TrimPrefix(c.Operator, "ForAllValues:") +
		" (and a Null condition on the key to require it)"
	return ev
}

func (g *Graph) principalFindings(about func(string) bool) []Finding {
	var out []Finding
	for _, p := range g.Principals() {
		if !about(p.ARN) {
			continue
		}
		for _, np := range p.Policies {
			for i := range np.Policy.Statements {
				st := &np.Policy.Statements[i]
				if c := forAllValuesOnSingleValued(st); c != nil && (st.MatchesAction("kms:decrypt") || st.MatchesAction("kms:generatedatakey") || st.MatchesAction("kms:encrypt")) {
					out = append(out, Finding{
						Rule: "forallvalues-single-valued", Severity: Medium, Title: setOpTitle, Account: p.Account, Resource: p.ARN,
						Evidence: []Evidence{setOpEvidence(Evidence{Policy: np.Name, PolicyARN: np.ARN, Statement: st.Index, Sid: st.Sid}, c)},
					})
				}
			}
		}
		for _, np := range p.Policies {
			for _, st := range np.Policy.Statements {
				if st.Effect != policy.Allow || !st.MatchesAction("kms:decrypt") || len(st.Conditions) > 0 {
					continue
				}
				if slices.ContainsFunc(st.Resources, func(r policy.Resource) bool { return r.String() == "*" }) && !st.NotResource {
					out = append(out, Finding{
						Rule: "identity-decrypt-any-key", Severity: Medium,
						Title:   "Identity policy allows kms:Decrypt on every key (Resource \"*\"): any key whose policy trusts the account is usable",
						Account: p.Account, Resource: p.ARN,
						Evidence: []Evidence{{Policy: np.Name, PolicyARN: np.ARN, Statement: st.Index, Sid: st.Sid, Detail: "name the keys' ARNs, or condition on kms:ViaService or aws:ResourceAccount"}},
					})
					break
				}
			}
		}
	}
	return out
}
