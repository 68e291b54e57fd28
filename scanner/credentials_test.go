package scanner

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// Credentials come from wherever the AWS CLI takes them (the SDK's default
// chain): https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html.
// Each source keyhound can be given offline is tried against fakeaws,
// whose access keys "AKIAFAKE<account>" act in that account.

// noAWSEnv clears every credential source of the environment and points
// the shared files at nothing; instance metadata is off
// (AWS_EC2_METADATA_DISABLED), so nothing is tried over the network.
func noAWSEnv(t *testing.T) {
	t.Helper()
	for _, v := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_REGION", "AWS_DEFAULT_REGION",
	} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("HOME", t.TempDir())
}

func writeFile(t *testing.T, name, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// whoAmIVia opens clients with o against s and returns the caller's
// account and the principal of its own account.
func whoAmIVia(t *testing.T, s *fakeaws.Server, o AWSOptions) (account, principal string) {
	t.Helper()
	o.EndpointURL, o.Region = s.URL, "us-east-1"
	c, err := NewAWSClients(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.Caller().GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	ac, err := c.Account(context.Background(), aws.ToString(id.Account))
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(id.Account), ac.(interface{ Principal() string }).Principal()
}

func TestCredentialSources(t *testing.T) {
	member := fakeMembers[1]
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers})
	user := "arn:aws:iam::" + member + ":user/scanner"

	t.Run("environment", func(t *testing.T) {
		noAWSEnv(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKE"+member)
		t.Setenv("AWS_SECRET_ACCESS_KEY", "fake")
		if acct, p := whoAmIVia(t, s, AWSOptions{}); acct != member || p != user {
			t.Errorf("caller %s as %s", acct, p)
		}
	})
	t.Run("shared credentials file", func(t *testing.T) {
		noAWSEnv(t)
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", writeFile(t, "credentials", "[audit]\naws_access_key_id = AKIAFAKE"+member+"\naws_secret_access_key = fake\n", 0o600))
		if acct, _ := whoAmIVia(t, s, AWSOptions{Profile: "audit"}); acct != member {
			t.Errorf("caller %s", acct)
		}
		t.Setenv("AWS_PROFILE", "audit") // as the AWS CLI
		if acct, _ := whoAmIVia(t, s, AWSOptions{}); acct != member {
			t.Errorf("AWS_PROFILE: caller %s", acct)
		}
	})
	t.Run("credential_process", func(t *testing.T) {
		// https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
		noAWSEnv(t)
		out, _ := json.Marshal(map[string]any{"Version": 1, "AccessKeyId": "AKIAFAKE" + member, "SecretAccessKey": "fake"})
		script := writeFile(t, "creds.sh", "#!/bin/sh\necho '"+string(out)+"'\n", 0o700)
		t.Setenv("AWS_CONFIG_FILE", writeFile(t, "config", "[profile proc]\ncredential_process = "+script+"\n", 0o600))
		if acct, _ := whoAmIVia(t, s, AWSOptions{Profile: "proc"}); acct != member {
			t.Errorf("caller %s", acct)
		}
	})
	t.Run("role_arn with mfa_serial", func(t *testing.T) {
		// https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html (mfa_serial)
		noAWSEnv(t)
		var mu sync.Mutex
		var asked []string
		var assumed []fakeaws.Call
		s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Fault: func(c fakeaws.Call) *fakeaws.Fault {
			if c.Op == "AssumeRole" {
				mu.Lock()
				assumed = append(assumed, c)
				mu.Unlock()
			}
			return nil
		}})
		serial := "arn:aws:iam::" + s.Management + ":mfa/alice"
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", writeFile(t, "credentials", "[base]\naws_access_key_id = AKIAFAKE"+s.Management+"\naws_secret_access_key = fake\n", 0o600))
		t.Setenv("AWS_CONFIG_FILE", writeFile(t, "config", "[profile admin]\nrole_arn = arn:aws:iam::"+member+":role/Admin\nsource_profile = base\nmfa_serial = "+serial+"\n", 0o600))
		token := func(sn string) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			asked = append(asked, sn)
			return "123456", nil
		}
		acct, p := whoAmIVia(t, s, AWSOptions{Profile: "admin", MFAToken: token})
		if acct != member || p != "arn:aws:iam::"+member+":role/Admin" {
			t.Errorf("caller %s as %s: want the profile's role, as a role ARN", acct, p)
		}
		if len(asked) != 1 || asked[0] != serial {
			t.Errorf("MFA code asked for %v, want once for %s", asked, serial)
		}
		if len(assumed) != 1 || assumed[0].Params.Get("SerialNumber") != serial || assumed[0].Params.Get("TokenCode") != "123456" {
			t.Errorf("AssumeRole calls %+v", assumed)
		}
	})
}

// Nothing configured anywhere: one line saying where keyhound looked and
// what to do, not the SDK's chain of errors. The SDK's chain ends at EC2
// instance metadata when nothing else is configured
// (config/resolve_credentials.go).
func TestNoCredentials(t *testing.T) {
	noAWSEnv(t)
	_, err := NewAWSClients(context.Background(), AWSOptions{Region: "us-east-1", EndpointURL: "http://127.0.0.1:9"})
	var nc *NoCredentialsError
	if !errors.As(err, &nc) {
		t.Fatalf("want a NoCredentialsError: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"no AWS credentials found (tried: environment variables, shared credentials file " + os.DevNull, `shared config profile "default"`, "SSO", "credential_process", "web identity token", "EC2/ECS instance metadata", `run "aws sso login" or set AWS_PROFILE`} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, "operation error") {
		t.Errorf("not one plain line: %q", msg)
	}
	// A profile with no credentials of its own is the same, naming it.
	t.Setenv("AWS_CONFIG_FILE", writeFile(t, "config", "[profile empty]\nregion = eu-west-1\n", 0o600))
	if _, err := NewAWSClients(context.Background(), AWSOptions{Profile: "empty", EndpointURL: "http://127.0.0.1:9"}); !errors.As(err, &nc) || nc.Profile != "empty" {
		t.Errorf("a profile without credentials: %v", err)
	}
}

// An SSO profile whose session has expired (or was never started on this
// machine): "aws sso login --profile X", in one line.
// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sso.html
func TestSSOSessionExpired(t *testing.T) {
	noAWSEnv(t)
	t.Setenv("AWS_CONFIG_FILE", writeFile(t, "config", `[profile corp-audit]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = KeyhoundScan
region = us-east-1

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = KeyhoundScan
`, 0o600))
	// The cached tokens: expired an hour ago, with nothing to refresh them.
	expired := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for _, key := range []string{"corp", "https://legacy.awsapps.com/start"} {
		path, err := ssocreds.StandardCachedTokenFilepath(key)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		token := `{"accessToken": "expired", "expiresAt": "` + expired + `", "region": "us-east-1", "startUrl": "https://example.awsapps.com/start"}`
		if err := os.WriteFile(path, []byte(token), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, profile := range []string{"corp-audit", "legacy"} {
		_, err := NewAWSClients(context.Background(), AWSOptions{Profile: profile, EndpointURL: "http://127.0.0.1:9"})
		var se *SSOExpiredError
		if !errors.As(err, &se) || err.Error() != `the SSO session of profile "`+profile+`" has expired or is not logged in: run "aws sso login --profile `+profile+`"` {
			t.Errorf("%s: %v", profile, err)
		}
	}
}

func TestReadToken(t *testing.T) {
	if got, err := readToken(strings.NewReader(" 123456 \nrest")); err != nil || got != "123456" {
		t.Errorf("%q %v", got, err)
	}
	if _, err := readToken(strings.NewReader("")); err == nil {
		t.Error("an empty answer must fail")
	}
}
