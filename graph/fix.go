package graph

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Fix is one change that would let a denied request through, or, when no
// policy change can (a key pending deletion, an AWS managed key used across
// accounts), the real remedy. Fixes name the principal and the key exactly:
// never "*" principals, never kms:*.
type Fix struct {
	Layer eval.Layer `json:"layer"`
	// Kind is add-statement, edit-deny, create-grant or remedy.
	Kind string `json:"kind"`
	// Where says which policy to change: "key policy of …", "identity policy
	// of role …", "SCP p-… (Name)".
	Where string `json:"where"`
	// Account is the account whose administrator applies the fix; Target
	// what it changes: a key ARN, a user or role ARN, an SCP or RCP ID, a
	// resource ARN.
	Account string `json:"account,omitempty"`
	Target  string `json:"target,omitempty"`
	Summary string `json:"summary"`
	// Statement is the statement to add, or the deny statement as edited.
	Statement json.RawMessage `json:"statement,omitempty"`
	// Document is the whole policy after the change, when the command
	// replaces the whole policy (put-key-policy, update-policy).
	Document json.RawMessage `json:"document,omitempty"`
	// Command is the AWS CLI command that applies it (Document or Statement
	// saved to the file it names).
	Command string `json:"command,omitempty"`
	// Alternative marks a fix that replaces the one before it (a grant
	// instead of a key-policy statement).
	Alternative bool `json:"alternative,omitempty"`
	// NoPolicyFix is true for remedies: no policy change can allow it.
	NoPolicyFix bool `json:"no_policy_fix,omitempty"`
}

// statementJSON is a policy statement in the order people write them.
type statementJSON struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    []string       `json:"Action"`
	Resource  string         `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// Fixes proposes, for an answer that is not ALLOW, the smallest changes that
// would allow it: for each failing step (a resource's own permission, each
// KMS call), each layer that denies, one fix (and alternatives).
func (g *Graph) Fixes(a *Answer) []Fix {
	g.wait()
	if a == nil || a.DirectDecision == eval.Allow {
		return nil
	}
	var out []Fix
	if len(a.Steps) > 0 {
		for i := range a.Steps {
			st := &a.Steps[i]
			if st.Decision == eval.Allow || st.request == nil {
				continue
			}
			out = append(out, g.requestFixes(st.request, st.DeniedBy, st.Reasons, st.ViaService)...)
		}
		// A step no policy can fix makes the other steps' fixes moot.
		var remedies []Fix
		for _, f := range out {
			if f.NoPolicyFix {
				remedies = append(remedies, f)
			}
		}
		if len(remedies) > 0 {
			return remedies
		}
		return out
	}
	if a.Request == nil {
		return nil
	}
	return g.requestFixes(a.Request, a.DeniedBy, a.Reasons, "")
}

func (g *Graph) requestFixes(r *eval.Request, denied []eval.Denial, reasons []eval.Reason, via string) []Fix {
	var out []Fix
	key := g.keys[r.Resource]
	// No policy can fix these: say what can.
	if key != nil {
		if f, ok := keyRemedy(r, key); ok {
			return []Fix{f}
		}
	}
	caller := g.callerARN(r)
	for _, d := range denied {
		if d.Explicit {
			out = append(out, g.denyFixes(r, d.Layer, reasons, caller)...)
			continue
		}
		switch d.Layer {
		case eval.LayerKeyPolicy:
			if key != nil {
				out = append(out, g.keyPolicyFixes(r, key, caller, via)...)
			}
		case eval.LayerIdentityPolicy:
			out = append(out, g.identityFix(r, caller, via))
		case eval.LayerPermissionsBoundary:
			out = append(out, g.boundaryFix(r, caller, via))
		case eval.LayerSessionPolicy:
			out = append(out, Fix{
				Layer: d.Layer, Kind: "remedy", Where: "the session policy passed to sts:AssumeRole", Account: r.Principal.AccountID, NoPolicyFix: true,
				Summary: "the session was created with a session policy that does not allow " + r.Action + ": assume the role again with a session policy that does (or none)",
			})
		case eval.LayerSCP, eval.LayerRCP:
			out = append(out, orgAllowFix(r, d.Layer))
		case eval.LayerResourcePolicy, eval.LayerTrustPolicy, eval.LayerVPCEndpointPolicy:
			out = append(out, resourceStatementFix(r, d.Layer, caller))
		case eval.LayerRegion:
			out = append(out, Fix{
				Layer: d.Layer, Kind: "remedy", Where: "account " + r.Principal.AccountID, Account: r.Principal.AccountID, NoPolicyFix: true,
				Summary: "the caller's account has not enabled the key's opt-in Region: enable it (aws account enable-region) or use a key in an enabled Region",
			})
		}
	}
	return out
}

// callerARN is the principal a statement should name: a session's role (with
// its path), or the caller itself.
func (g *Graph) callerARN(r *eval.Request) string {
	if r.Principal.Kind == arn.KindAssumedRole {
		if role := g.Role(r.Principal.AccountID, r.Principal.Name); role != nil {
			return role.ARN
		}
		return r.Principal.RoleARN()
	}
	return r.Principal.ARN
}

// keyRemedy is the fix for a key no policy can open to this request.
func keyRemedy(r *eval.Request, key *Key) (Fix, bool) {
	f := Fix{Layer: eval.LayerKeyState, Kind: "remedy", Where: "key " + key.ARN, Account: key.Account, Target: key.ARN, NoPolicyFix: true}
	region := " --region " + key.Region
	switch state := key.State(); {
	case state == "PendingDeletion" || state == "PendingReplicaDeletion":
		f.Summary = "the key is pending deletion: cancel the deletion, then enable the key"
		f.Command = "aws kms cancel-key-deletion --key-id " + key.ARN + region + " && aws kms enable-key --key-id " + key.ARN + region
		return f, true
	case state == "Disabled":
		f.Summary = "the key is disabled: enable it (every request fails until then, whatever the policies say)"
		f.Command = "aws kms enable-key --key-id " + key.ARN + region
		return f, true
	case eval.KeyStateError(state, r.Action) != "":
		f.Summary = "the key's state (" + state + ") refuses " + r.Action + ": no policy change helps"
		return f, true
	}
	if key.Manager() == eval.KeyManagerAWS && r.Principal.AccountID != key.Account {
		f.Layer = eval.LayerKeyPolicy
		f.Summary = "an AWS managed key cannot be used from another account, and its policy cannot be changed: re-encrypt the data with a customer managed key, share that key (key policy and the caller's IAM), and share the re-encrypted copy"
		return f, true
	}
	return Fix{}, false
}

// keyPolicyFixes adds a statement naming the caller to the key policy, with a
// grant as the alternative.
func (g *Graph) keyPolicyFixes(r *eval.Request, key *Key, caller, via string) []Fix {
	if key.Manager() == eval.KeyManagerAWS {
		return []Fix{{
			Layer: eval.LayerKeyPolicy, Kind: "remedy", Where: "key " + key.ARN, Account: key.Account, NoPolicyFix: true,
			Summary: "an AWS managed key's policy cannot be changed: it allows use only through its service, by principals of its account; use a customer managed key",
		}}
	}
	st := statementJSON{
		Sid: sidFor(r.Action, caller), Effect: "Allow",
		Principal: map[string]any{"AWS": caller}, Action: []string{r.Action}, Resource: "*",
	}
	if via != "" {
		st.Condition = map[string]any{"StringEquals": map[string]any{"kms:ViaService": via}}
	}
	stmt := mustJSON(st)
	f := Fix{
		Layer: eval.LayerKeyPolicy, Kind: "add-statement", Where: "key policy of " + key.ARN, Account: key.Account, Target: key.ARN, Statement: stmt,
		Summary: "add a statement to the key policy allowing " + caller + " to call " + r.Action + onlyVia(via),
	}
	if doc, err := appendStatement(key.PolicyText, stmt); err == nil {
		f.Document = doc
		f.Command = "aws kms put-key-policy --key-id " + key.ARN + " --region " + key.Region + " --policy-name default --policy file://key-policy.json"
	}
	out := []Fix{f}
	if op, ok := strings.CutPrefix(r.Action, "kms:"); ok && grantOperation(op) && via == "" {
		out = append(out, Fix{
			Layer: eval.LayerGrant, Kind: "create-grant", Where: "grants of " + key.ARN, Account: key.Account, Target: key.ARN, Alternative: true,
			Summary: "without changing the key policy, a grant to " + caller + " for " + op + " (revocable; someone allowed kms:CreateGrant on the key creates it)",
			Command: "aws kms create-grant --key-id " + key.ARN + " --region " + key.Region + " --grantee-principal " + caller + " --operations " + op,
		})
	}
	if r.Principal.AccountID != key.Account {
		out[0].Summary += "; across accounts the caller's own IAM must allow it too"
	}
	return out
}

// identityFix adds an identity-policy statement for the caller.
func (g *Graph) identityFix(r *eval.Request, caller, via string) Fix {
	st := statementJSON{Sid: sidFor(r.Action, r.Resource), Effect: "Allow", Action: []string{r.Action}, Resource: r.Resource}
	if via != "" {
		st.Condition = map[string]any{"StringEquals": map[string]any{"kms:ViaService": via}}
	}
	stmt := mustJSON(st)
	doc, _ := indent(&policyDoc{Version: json.RawMessage(`"2012-10-17"`), Statement: []json.RawMessage{stmt}})
	f := Fix{
		Layer: eval.LayerIdentityPolicy, Kind: "add-statement", Account: r.Principal.AccountID, Target: caller, Statement: stmt, Document: doc,
		Summary: "allow " + r.Action + " on " + r.Resource + onlyVia(via) + " in the caller's identity policies",
	}
	name := "keyhound-" + strings.ReplaceAll(strings.ToLower(r.Action), ":", "-")
	p, err := arn.ParsePrincipal(caller)
	switch {
	case err == nil && p.Kind == arn.KindRole:
		f.Where = "identity policies of role " + p.Name + " in " + p.AccountID
		f.Command = "aws iam put-role-policy --role-name " + p.Name + " --policy-name " + name + " --policy-document file://policy.json"
	case err == nil && p.Kind == arn.KindUser:
		f.Where = "identity policies of user " + p.Name + " in " + p.AccountID
		f.Command = "aws iam put-user-policy --user-name " + p.Name + " --policy-name " + name + " --policy-document file://policy.json"
	default:
		f.Where = "identity policies of " + caller
	}
	return f
}

// boundaryFix adds the statement to the caller's permissions boundary.
func (g *Graph) boundaryFix(r *eval.Request, caller, via string) Fix {
	st := statementJSON{Sid: sidFor(r.Action, r.Resource), Effect: "Allow", Action: []string{r.Action}, Resource: r.Resource}
	if via != "" {
		st.Condition = map[string]any{"StringEquals": map[string]any{"kms:ViaService": via}}
	}
	f := Fix{
		Layer: eval.LayerPermissionsBoundary, Kind: "add-statement", Account: r.Principal.AccountID, Target: caller, Statement: mustJSON(st),
		Where:   "permissions boundary of " + caller,
		Summary: "the permissions boundary does not allow " + r.Action + ": add this statement to the boundary policy (a new default version)",
	}
	if b := r.PermissionsBoundary; b != nil && b.ARN != "" {
		f.Where = "permissions boundary " + b.ARN + " of " + caller
		// create-policy-version takes the whole new version: the boundary's
		// document with the statement added.
		if b.Policy != nil && b.Policy.Text != "" {
			if doc, err := appendStatement(b.Policy.Text, f.Statement); err == nil {
				f.Document = doc
				f.Command = "aws iam create-policy-version --policy-arn " + b.ARN + " --policy-document file://boundary.json --set-as-default"
			}
		}
	}
	return f
}

// orgAllowFix is for an SCP or RCP level with no Allow: some policy attached
// at that level must allow the action.
func orgAllowFix(r *eval.Request, l eval.Layer) Fix {
	kind := "SCP"
	if l == eval.LayerRCP {
		kind = "RCP"
	}
	st := statementJSON{Effect: "Allow", Action: []string{r.Action}, Resource: "*"}
	return Fix{
		Layer: l, Kind: "add-statement", Where: "an " + kind + " attached at the level that allows nothing for " + r.Action, Statement: mustJSON(st),
		Summary: "every level of the organization (root, each OU, the account) needs an " + kind + " allowing " + r.Action + ": add this statement to one policy at the level that lacks it (see the trace)",
	}
}

// resourceStatementFix adds a statement naming the caller to a resource,
// trust or VPC endpoint policy.
func resourceStatementFix(r *eval.Request, l eval.Layer, caller string) Fix {
	st := statementJSON{Sid: sidFor(r.Action, caller), Effect: "Allow", Principal: map[string]any{"AWS": caller}, Action: []string{r.Action}, Resource: r.Resource}
	where := map[eval.Layer]string{
		eval.LayerResourcePolicy: "resource policy of " + r.Resource, eval.LayerTrustPolicy: "trust policy of " + r.Resource,
		eval.LayerVPCEndpointPolicy: "the VPC endpoint's policy",
	}[l]
	if l == eval.LayerTrustPolicy {
		st.Resource = ""
	}
	return Fix{
		Layer: l, Kind: "add-statement", Where: where, Account: r.ResourceAccount, Target: r.Resource, Statement: mustJSON(st),
		Summary: "add a statement naming " + caller + " for " + r.Action + " to the " + where,
	}
}

// denyFixes edits each explicit Deny statement that matched: an exception
// for the caller, as a condition on aws:PrincipalArn.
func (g *Graph) denyFixes(r *eval.Request, l eval.Layer, reasons []eval.Reason, caller string) []Fix {
	var out []Fix
	for _, rs := range reasons {
		if rs.Layer != l || rs.Outcome != eval.OutcomeDenies {
			continue
		}
		f := Fix{
			Layer: l, Kind: "edit-deny", Account: r.ResourceAccount,
			Summary: fmt.Sprintf("%s %s statement %d%s denies explicitly: narrow it, or add an exception for %s (as below) if this access is intended", l, rs.Policy, rs.Statement, sidText(rs.Sid), caller),
		}
		f.Where = l.String() + " " + rs.Policy
		if doc := g.policyText(r, l, rs); doc != "" {
			if edited, newDoc, err := exceptCaller(doc, rs.Statement, r.Principal, caller); err == nil {
				f.Statement, f.Document = edited, newDoc
			}
		}
		switch l {
		case eval.LayerSCP, eval.LayerRCP:
			if p := g.orgPolicyByName(rs.Policy); p != nil {
				f.Where = fmt.Sprintf("%s %s (%s)", strings.ToUpper(l.String()), p.PolicySummary.ID, rs.Policy)
				f.Account, f.Target = g.Org.ManagementAccount, p.PolicySummary.ID
				f.Command = "aws organizations update-policy --policy-id " + p.PolicySummary.ID + " --content file://policy.json"
			}
		case eval.LayerKeyPolicy:
			if k := g.keys[r.Resource]; k != nil {
				f.Target = k.ARN
				f.Command = "aws kms put-key-policy --key-id " + k.ARN + " --region " + k.Region + " --policy-name default --policy file://key-policy.json"
			}
		case eval.LayerIdentityPolicy, eval.LayerPermissionsBoundary:
			f.Account, f.Target = r.Principal.AccountID, caller
		}
		out = append(out, f)
	}
	return out
}

// policyText finds the document a reason's statement is in.
func (g *Graph) policyText(r *eval.Request, l eval.Layer, rs eval.Reason) string {
	switch l {
	case eval.LayerKeyPolicy:
		if k := g.keys[r.Resource]; k != nil {
			return k.PolicyText
		}
	case eval.LayerSCP, eval.LayerRCP:
		if p := g.orgPolicyByName(rs.Policy); p != nil {
			return p.Content
		}
	}
	return ""
}

// orgPolicyByName finds an SCP or RCP of the snapshot by name or ID.
func (g *Graph) orgPolicyByName(name string) *snapshot.OrgPolicy {
	if g.Snapshot == nil || g.Snapshot.Organization == nil {
		return nil
	}
	for i := range g.Snapshot.Organization.Policies {
		p := &g.Snapshot.Organization.Policies[i]
		if p.PolicySummary.Name == name || p.PolicySummary.ID == name {
			return p
		}
	}
	return nil
}

// grantOperation reports whether a KMS operation can be allowed by a grant.
func grantOperation(op string) bool {
	switch op {
	case "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
		"GenerateDataKeyPairWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "Sign", "Verify", "GetPublicKey",
		"CreateGrant", "RetireGrant", "DescribeKey", "GenerateMac", "VerifyMac", "DeriveSharedSecret":
		return true
	}
	return false
}

func onlyVia(via string) string {
	if via == "" {
		return ""
	}
	return " only through " + via
}

func sidText(sid string) string {
	if sid == "" {
		return ""
	}
	return " (" + sid + ")"
}

// sidFor makes a statement ID from an action and a name: letters and digits only.
func sidFor(action, name string) string {
	var b strings.Builder
	b.WriteString("Keyhound")
	for _, part := range []string{action[strings.IndexByte(action, ':')+1:], lastSegment(name)} {
		for _, c := range part {
			if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				b.WriteRune(c)
			}
		}
	}
	s := b.String()
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}
