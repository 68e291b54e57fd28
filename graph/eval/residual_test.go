package eval

import (
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph/policy"
)

// A condition of a Deny statement says when the request is denied, one of an
// Allow statement when it is allowed (IAM UG, "Policy evaluation logic": an
// explicit deny overrides any allow). The rendering reads each with its
// statement's effect: a bare "if" before a Deny's condition reads as the
// opposite of the truth.
func TestClausesReadConditionsWithTheirEffect(t *testing.T) {
	r, err := ParseRequest([]byte(`{
	  "principal": "arn:aws:iam::555555555555:user/x",
	  "action": "kms:Decrypt",
	  "resource": "arn:aws:kms:us-east-1:111111111111:key/k",
	  "context": {"kms:CallerAccount": "555555555555"},
	  "identity_policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}],
	  "resource_policy": {"Version": "2012-10-17", "Statement": [
	    {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
	     "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}, "Bool": {"aws:SecureTransport": "true"}}},
	    {"Sid": "Other", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
	     "Condition": {"StringEquals": {"kms:EncryptionContext:app": ["a", "b"]}}},
	    {"Sid": "Perimeter", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
	     "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}}
	  ]}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Evaluate(r)
	if err != nil {
		t.Fatal(err)
	}
	if d.Verdict != Conditional {
		t.Fatalf("verdict %s, want CONDITIONAL", d.Verdict)
	}
	var got []string
	for _, cl := range Clauses(d.Conditions) {
		got = append(got, cl.Text()+" ("+cl.Source()+")")
	}
	want := []string{
		`allowed only if aws:SecureTransport Bool true and kms:ViaService StringEquals s3.us-east-1.amazonaws.com (key-policy statement 0 "Open")`,
		`or allowed if kms:EncryptionContext:app StringEquals a or b (key-policy statement 1 "Other")`,
		`denied if aws:PrincipalOrgID StringNotEqualsIfExists o-1 (key-policy statement 2 "Perimeter")`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("clauses:\n got  %q\n want %q", got, want)
	}
}

// A grant's constraint is named by the grant, not by a placeholder
// statement: the residual carries the grant ID.
func TestClauseOfAGrant(t *testing.T) {
	r, err := ParseRequest([]byte(`{
	  "principal": "arn:aws:iam::111111111111:role/Batch",
	  "action": "kms:Decrypt",
	  "resource": "arn:aws:kms:us-east-1:111111111111:key/k",
	  "resource_policy": {"Version": "2012-10-17", "Statement": []},
	  "grants": [{"GrantId": "g1", "GranteePrincipal": "arn:aws:iam::111111111111:role/Batch", "Operations": ["Decrypt"],
	              "Constraints": {"EncryptionContextSubset": {"dept": "finance"}}}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Evaluate(r)
	if err != nil {
		t.Fatal(err)
	}
	cls := Clauses(d.Conditions)
	if d.Verdict != Conditional || len(cls) != 1 {
		t.Fatalf("%s %+v", d.Verdict, cls)
	}
	if got, want := cls[0].Source(), "grant g1"; got != want {
		t.Errorf("source %q, want %q", got, want)
	}
	if got, want := cls[0].Text(), "allowed only if kms:EncryptionContext:dept EncryptionContextSubset finance"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	if comp := Companions(r, d.Reasons, cls[0]); comp != nil {
		t.Errorf("a grant naming the caller itself needs no identity policy (KMS DG, grants): companions %+v", comp)
	}
}

// When the key policy delegates to the caller's account, the caller's IAM
// policy must also allow (KMS DG, "Allows access to the AWS account and
// enables IAM policies"): the companions of the conditional statement are
// the identity statements that allow, or a no-allow reason.
func TestCompanionsOfADelegatingStatement(t *testing.T) {
	req := func(identity string) *Request {
		r, err := ParseRequest([]byte(`{
		  "principal": "arn:aws:iam::111111111111:role/App",
		  "action": "kms:Decrypt",
		  "resource": "arn:aws:kms:us-east-1:111111111111:key/k",
		  "identity_policies": [` + identity + `],
		  "resource_policy": {"Version": "2012-10-17", "Statement": [
		    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*",
		     "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}
		}`))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := req(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}`)
	d, _ := Evaluate(r)
	cls := Clauses(d.Conditions)
	if d.Verdict != Conditional || len(cls) != 1 {
		t.Fatalf("%s %+v", d.Verdict, cls)
	}
	comp := Companions(r, d.Reasons, cls[0])
	if len(comp) != 1 || comp[0].Layer != LayerIdentityPolicy || comp[0].Outcome != OutcomeAllows {
		t.Errorf("companions %+v, want the allowing identity statement", comp)
	}
	// The deny side has none.
	if c := Companions(r, d.Reasons, Clause{Effect: policy.Deny, Layer: LayerKeyPolicy}); c != nil {
		t.Errorf("deny clause companions %+v", c)
	}
}
