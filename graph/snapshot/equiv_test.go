package snapshot

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
)

// sameAsStaged fails t unless decode and stagedDecode agree on data: the
// snapshot, each load error (path, item, account, Region, message), the
// progress told, the failure.
func sameAsStaged(t *testing.T, name string, data []byte) {
	t.Helper()
	var p1, p2 [][2]int
	s1, e1, err1 := decode(data, func(done, total int) { p1 = append(p1, [2]int{done, total}) })
	s2, e2, err2 := stagedDecode(data, func(done, total int) { p2 = append(p2, [2]int{done, total}) })
	if fmt.Sprint(err1) != fmt.Sprint(err2) {
		t.Fatalf("%s: error %v, staged %v\n%s", name, err1, err2, data)
	}
	if !reflect.DeepEqual(s1, s2) {
		t.Fatalf("%s: snapshots differ\n%+v\n%+v\n%s", name, s1, s2, data)
	}
	if len(e1) != len(e2) {
		t.Fatalf("%s: load errors %v, staged %v\n%s", name, e1, e2, data)
	}
	for i := range e1 {
		a, b := e1[i], e2[i]
		if a.Path != b.Path || a.Item != b.Item || a.Account != b.Account || a.Region != b.Region || a.Message != b.Message || a.Err.Error() != b.Err.Error() {
			t.Fatalf("%s: load error %d: %+v, staged %+v\n%s", name, i, a, b, data)
		}
	}
	if !reflect.DeepEqual(p1, p2) {
		t.Fatalf("%s: progress %v, staged %v", name, p1, p2)
	}
}

// edits are changes to the test snapshots that reach every branch of the
// decoder: sections and lists of the wrong kind, null, empty, names
// repeated, escaped or in another case, bad items, bad JSON.
var edits = [][2]string{
	{`"kms": {`, `"kms": [`},
	{`"kms": {"Keys": [`, `"kms": {"Keys": 5, "x": [`},
	{`"kms": {`, `"KMS": {`},
	{`"kms": {`, `"k\u006ds": {`},
	{`"kms": {`, `"kms": null, "kms": {`},
	{`"kms": {`, `"kms": {"Keys": [{"KeyMetadata": {"KeyId": "dup"}}]}, "kms": {`},
	{`"kms": {"Keys": [`, `"kms": {"Keys": [], "Keys": [`},
	{`"kms": {"Keys": [`, `"kms": {"Keys": null}, "s3x": {"Keys": [`},
	{`"Keys": [{`, `"Keys": [7, "x", null, true, {}, [], {`},
	{`"KeyId": "k1"`, `"KeyId": 1`},
	{`"KeyId": "k1"`, `"keyid": "k1"`},
	{`"Enabled": true`, `"Enabled": "yes"`},
	{`"us-east-1": {`, `"us-east-1": [], "eu-west-1": {`},
	{`"us-east-1": {`, `"us-east-1": null, "us-west-2": 5, "eu-west-1": {`},
	{`"regions": {`, `"regions": [], "regionz": {`},
	{`"regions": {`, `"regions": null, "r": {`},
	{`"iam": {`, `"iam": "no", "iamx": {`},
	{`"iam": {`, `"iam": {"RoleDetailList": {}}, "iam": {`},
	{`"RoleDetailList": [`, `"RoleDetailList": [{"RoleName": 5, "Arn": "arn:aws:iam::111111111111:role/bad"}, `},
	{`"UserDetailList": []`, `"UserDetailList": [{"UserName": "u", "UserPolicyList": 5}]`},
	{`"errors": [`, `"errors": [5, `},
	{`"errors": [`, `"errors": {}, "e": [`},
	{`"accounts": {`, `"accounts": {"1": {}, "222222222222": null, "333333333333": [], "444444444444": "x", `},
	{`"accounts": {`, `"accounts": {"111111111111": {"iam": {}}, `},
	{`"accounts": {`, `"accounts": [], "a": {`},
	{`"accounts": {`, `"accounts": null, "a": {`},
	{`"accounts": {`, `"accounts": 7, "a": {`},
	{`"organization": {`, `"organization": [], "o": {`},
	{`"organization": {`, `"organization": {"Roots": "x"}, "organization": {`},
	{`"Roots": [`, `"Roots": [{"Id": 5}, `},
	{`"partition": "aws"`, `"partition": 5`},
	{`"partition": "aws"`, `"tool": {"name": 5}, "scope": {"regions": "x"}, "collected_at": null`},
	{`"format": "keyhound.snapshot/v1"`, `"format": "keyhound.snapshot/v1", "format": "x"`},
	{`"format": "keyhound.snapshot/v1"`, `"format": 1`},
	{`"format": "keyhound.snapshot/v1"`, `"format": "keyhound.snapshot/v1", "extra": {"a": [1, 2, {"b": null}]}`},
	{`"format": "keyhound.snapshot/v1"`, `"format": "keyhound.snapshot/v1", "extra": {"a": [1, 2}`},
	{`"format": "keyhound.snapshot/v1"`, `"format": "keyhound.snapshot/v1", "\u0066ormat": "x"`},
	{`"format": "keyhound.snapshot/v1"`, "\"format\": \"keyhound.snapshot/v1\", \"k\xff\": 1"},
	{`"format": "keyhound.snapshot/v1"`, "\"format\": \"keyhound.snapshot/v1\", \"k\x01\": 1"},
	{`"format": "keyhound.snapshot/v1"`, `"format": "keyhound.snapshot/v1", "k\x": 1`},
	{`"s3": {`, "\"s3\":\t\r\n{"},
	{`"s3": {`, `"s3": {"Buckets": [{"Name": "n", "Policy": "{\"a\\\\\":\"b\"}"}]}, "sqs": {`},
	{`"Grants": []`, `"Grants": [{"GrantId": "g", "Operations": "Decrypt"}]`},
	{`"Grants": []`, `"Grants": [}`},
	{`"Grants": []`, `"Grants": ["\"]`},
	{`"Grants": []`, `"Grants": [1e5, -0.5, 01]`},
	{`"Grants": []`, `"Grants": [nul]`},
	{`"Grants": []`, `"Grants": [] []`},
	{`"enabled_regions"`, `"x"`},
	{`"errors": [`, `"enabled_regions": ["us-east-1", 5, null], "regions_skipped": [{"region": 5}], "s3control": {"PublicAccessBlockConfiguration": 5}, "scanned_as": 5, "errors": [`},
	{`"errors": [`, `"s3control": [], "errors": [`},
	{`"errors": [`, `"s3control": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": true}}, "errors": [`},
}

func TestDecodeIsStaged(t *testing.T) {
	docs := map[string]string{"good": good, "partial": partial, "demo": string(demo.Snapshot())}
	for name, doc := range docs {
		sameAsStaged(t, name, []byte(doc))
		for i, e := range edits {
			if strings.Contains(doc, e[0]) {
				sameAsStaged(t, fmt.Sprintf("%s edit %d", name, i), []byte(strings.Replace(doc, e[0], e[1], 1)))
			}
		}
	}
	for _, in := range []string{``, ` `, `null`, `[]`, `{}`, `{} `, `{} x`, "\ufeff{}", `{"format": "keyhound.snapshot/v1"}`, `{"format": "keyhound.snapshot/v1", "accounts": {}}`, `{"format":"keyhound.snapshot/v1","accounts":{"1":{"regions":{"r":{"kms":{"Keys":[1,{}]}}}}}}`} {
		sameAsStaged(t, in, []byte(in))
	}
}

// TestDecodeIsStagedMutated cuts, repeats and inserts bytes of the test
// snapshots at random (seeded: the same cases each run).
func TestDecodeIsStagedMutated(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 18))
	inserts := []string{`{`, `}`, `[`, `]`, `"`, `,`, `:`, `\`, ` `, `null`, `5`, `"x"`, `{}`, `[]`, "\x00", "\xff"}
	for _, doc := range []string{good, partial} {
		for n := range 2000 {
			b := []byte(doc)
			for range 1 + r.IntN(3) {
				i := r.IntN(len(b))
				switch r.IntN(3) {
				case 0:
					b = append(b[:i:i], b[min(len(b), i+1+r.IntN(8)):]...)
				case 1:
					b = append(b[:i:i], append([]byte(inserts[r.IntN(len(inserts))]), b[i:]...)...)
				default:
					j := min(len(b), i+r.IntN(40))
					b = append(b[:j:j], append(append([]byte{}, b[i:j]...), b[j:]...)...)
				}
			}
			sameAsStaged(t, fmt.Sprintf("mutation %d", n), b)
		}
	}
}

func FuzzDecodeIsStaged(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(partial))
	for _, e := range edits {
		f.Add([]byte(strings.Replace(good, e[0], e[1], 1)))
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameAsStaged(t, "fuzz", data) })
}
