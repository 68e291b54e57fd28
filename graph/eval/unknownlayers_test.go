package eval

import "testing"

// A layer the snapshot could not read is unknown even when none of its
// policies is known: an SCP or RCP layer whose policies could not be listed
// may deny, or fail to allow, at any level (Organizations UG, "SCP
// evaluation"; "RCP evaluation"), so the answer is CONDITIONAL — it used to be
// ALLOW, as if the organization had no SCPs. The management account and an
// AWS managed key stay exempt.
func TestUnknownOrganizationLayerWithNoKnownPolicy(t *testing.T) {
	for _, tc := range []struct {
		name       string
		layer      Layer
		management string
		manager    string
		want       Verdict
	}{
		{"SCPs not listed", LayerSCP, "", "", Conditional},
		{"RCPs not listed", LayerRCP, "", "", Conditional},
		{"SCPs not listed, caller in the management account", LayerSCP, "111111111111", "", Allow},
		{"RCPs not listed, AWS managed key", LayerRCP, "", KeyManagerAWS, Allow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRequest([]byte(`{
			  "principal": "arn:aws:iam::111111111111:role/App",
			  "action": "kms:Decrypt",
			  "resource": "arn:aws:kms:us-east-1:111111111111:key/k",
			  "context_complete": true,
			  "identity_policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}],
			  "resource_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}]}
			}`))
			if err != nil {
				t.Fatal(err)
			}
			r.ManagementAccount, r.KeyManager = tc.management, tc.manager
			if r.KeyManager == "" {
				r.KeyManager = KeyManagerCustomer
			}
			r.MarkUnknown(tc.layer)
			d, err := Evaluate(r)
			if err != nil {
				t.Fatal(err)
			}
			if d.Verdict != tc.want {
				t.Fatalf("%s, want %s", d.Verdict, tc.want)
			}
			if tc.want == Conditional && !d.DeniedByLayer(tc.layer) {
				t.Errorf("the unknown layer is not among those the answer depends on: %+v", d.DeniedBy)
			}
		})
	}
}
