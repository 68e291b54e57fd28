package plural

import "testing"

func TestCountInt64(t *testing.T) {
	if got := Count(int64(1), "call"); got != "1 call" {
		t.Errorf("Count(int64(1)) = %q", got)
	}
	if got := Count(int64(1892), "byte"); got != "1892 bytes" {
		t.Errorf("Count(int64(1892)) = %q", got)
	}
}

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n          int
		one, many  string
		want, form string
	}{
		{0, "error", "errors", "0 errors", ""},
		{1, "error", "errors", "1 error", ""},
		{2, "account", "accounts", "2 accounts", ""},
		{1000, "key", "keys", "1000 keys", ""},
		{-1, "key", "keys", "-1 keys", ""},
		{1, "policy", "policies", "", "1 policy"},
		{2, "policy", "policies", "", "2 policies"},
	} {
		if tc.want != "" {
			if got := Count(tc.n, tc.one); got != tc.want {
				t.Errorf("Count(%d, %q) = %q, want %q", tc.n, tc.one, got, tc.want)
			}
		}
		if tc.form != "" {
			if got := Form(tc.n, tc.one, tc.many); got != tc.form {
				t.Errorf("Form(%d, %q, %q) = %q, want %q", tc.n, tc.one, tc.many, got, tc.form)
			}
		}
	}
}
