package accessdenied

import (
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, its fields are one line each, and what it
// parsed parses again to the same message.
func FuzzParse(f *testing.F) {
	for _, tc := range corpus {
		f.Add(tc.in)
	}
	for _, tc := range serviceCorpus {
		f.Add(tc.in)
	}
	f.Add("User: arn:aws:iam::1:user/x is not authorized to perform: kms:Decrypt on resource: \"")
	f.Add(`{"Records":[{"errorCode":"AccessDenied"}]}`)
	f.Add(`<Error><Code>AccessDenied</Code></Error>`)
	f.Fuzz(func(t *testing.T, in string) {
		m, err := Parse(in)
		if err != nil {
			return
		}
		for name, v := range map[string]string{"principal": m.Principal, "action": m.Action, "resource": m.Resource, "text": m.Text, "policy type": m.PolicyType, "exception": m.Exception} {
			if strings.ContainsAny(v, "\n\r") {
				t.Fatalf("%s spans lines: %q", name, v)
			}
		}
		again, err := Parse(m.Raw)
		if err != nil {
			t.Fatalf("Raw does not parse again: %v", err)
		}
		if again.Kind != m.Kind || again.Principal != m.Principal || again.Action != m.Action || again.Resource != m.Resource || again.PolicyType != m.PolicyType {
			t.Fatalf("parsing Raw again differs:\n%+v\n%+v", m, again)
		}
	})
}
