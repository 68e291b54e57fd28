package actions

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func testCatalog() *Catalog {
	return New("what it holds", KMS, AssumeRole, []string{"s3:GetObject", "s3:PutObject"}, []string{"decrypt", "read"})
}

// IAM action names are case-insensitive (IAM UG, "IAM JSON policy elements:
// Action"): any case resolves to the canonical spelling.
func TestResolveAnyCase_IAMActionElement(t *testing.T) {
	c := testCatalog()
	for in, want := range map[string]string{
		"kms:Decrypt": "kms:Decrypt",
		"KMS:decrypt": "kms:Decrypt",
		"kms:DECRYPT": "kms:Decrypt",
		"kms:generatedatakeypairwithoutplaintext": "kms:GenerateDataKeyPairWithoutPlaintext",
		"STS:assumerole": "sts:AssumeRole",
		"S3:getobject":   "s3:GetObject",
		"Decrypt":        "decrypt",
		"READ":           "read",
	} {
		got, err := c.Resolve(in)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, err := c.Resolve("\tkms:decrypt "); err != nil || got != "kms:Decrypt" {
		t.Errorf("surrounding space: %q, %v", got, err)
	}
}

func TestResolveUnknownSuggestsTheNearest(t *testing.T) {
	c := testCatalog()
	cases := []struct {
		in   string
		want []string
	}{
		{"kms:Decrpyt", []string{"kms:Decrypt"}}, // a transposition
		{"kms:Decypt", []string{"kms:Decrypt"}},  // a deletion
		{"kms:GenerateDataKeys", []string{"kms:GenerateDataKey"}},
		{"kms:ReEncrypt", []string{"kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo"}}, // the API operation, two actions
		{"Encrypt", []string{"kms:Encrypt"}},                                               // no service prefix
		{"s3:GetObjetc", []string{"s3:GetObject"}},
		{"sts:AssumeRol", []string{"sts:AssumeRole"}},
		{"frob", nil},
		{"kms:Frobnicate", nil},
		{"s3:ListBucket", nil},
	}
	for _, tc := range cases {
		_, err := c.Resolve(tc.in)
		var ue *UnknownError
		if !errors.As(err, &ue) {
			t.Errorf("Resolve(%q) = %v, want an UnknownError", tc.in, err)
			continue
		}
		if !slices.Equal(ue.Suggestions, tc.want) {
			t.Errorf("Resolve(%q) suggests %q, want %q", tc.in, ue.Suggestions, tc.want)
		}
		switch msg := err.Error(); {
		case tc.want != nil && !strings.Contains(msg, "did you mean "+tc.want[0]):
			t.Errorf("Resolve(%q): %q does not suggest %s", tc.in, msg, tc.want[0])
		case tc.want == nil && !strings.Contains(msg, "what it holds"):
			t.Errorf("Resolve(%q): %q does not say what keyhound answers", tc.in, msg)
		}
	}
	if _, err := c.Resolve(""); err == nil {
		t.Error("Resolve(\"\") succeeded")
	}
}

// A wildcard is refused with the actions it stands for, matched as a
// policy's Action element matches them.
func TestResolveRefusesWildcards(t *testing.T) {
	c := testCatalog()
	cases := []struct {
		in   string
		want []string
		n    int
	}{
		{"kms:ReEncrypt*", []string{"kms:ReEncryptFrom", "kms:ReEncryptTo"}, 2},
		{"KMS:decr*", []string{"kms:Decrypt"}, 1},
		{"kms:?ecrypt", []string{"kms:Decrypt"}, 1},
		{"kms:*", nil, len(KMS)},
		{"*", nil, len(KMS) + len(AssumeRole) + 4},
		{"ec2:*", nil, 0},
	}
	for _, tc := range cases {
		_, err := c.Resolve(tc.in)
		var we *WildcardError
		if !errors.As(err, &we) {
			t.Errorf("Resolve(%q) = %v, want a WildcardError", tc.in, err)
			continue
		}
		if len(we.Matches) != tc.n || (tc.want != nil && !slices.Equal(we.Matches, tc.want)) {
			t.Errorf("Resolve(%q) matches %d: %q", tc.in, len(we.Matches), we.Matches)
		}
		if !strings.Contains(err.Error(), "an answer is about one action") {
			t.Errorf("Resolve(%q): %q gives no hint", tc.in, err)
		}
	}
}

// The KMS list follows the Service Authorization Reference: canonical
// spellings, no duplicate, and every operation a grant can allow (KMS DG,
// "Grant operations") is there.
func TestKMSList_ServiceAuthorizationReference(t *testing.T) {
	name := regexp.MustCompile(`^kms:[A-Z][A-Za-z]+$`)
	seen := map[string]bool{}
	for _, a := range KMS {
		if !name.MatchString(a) || seen[strings.ToLower(a)] {
			t.Errorf("KMS list: %q is malformed or repeated", a)
		}
		seen[strings.ToLower(a)] = true
	}
	for _, op := range []string{
		"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
		"GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "Sign", "Verify", "GetPublicKey", "GenerateMac", "VerifyMac",
		"DeriveSharedSecret", "CreateGrant", "RetireGrant", "DescribeKey",
	} {
		if !seen["kms:"+strings.ToLower(op)] {
			t.Errorf("KMS list lacks kms:%s", op)
		}
	}
	if seen["kms:reencrypt"] {
		t.Error("kms:ReEncrypt is an API operation, not an action: it is authorized as kms:ReEncryptFrom and kms:ReEncryptTo")
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"decrypt", "decrypt", 0},
		{"decrpyt", "decrypt", 1},
		{"decypt", "decrypt", 1},
		{"dexrypt", "decrypt", 1},
		{"ca", "abc", 3}, // optimal string alignment: a transposed pair is not edited again
		{"frob", "read", 4},
	} {
		if got := distance(tc.a, tc.b); got != tc.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := distance(tc.b, tc.a); got != tc.want {
			t.Errorf("distance(%q, %q) = %d, want %d (symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}
