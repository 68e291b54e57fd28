package scanner

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/smithy-go"
)

// MFATokenFunc returns the current code of the MFA device serial (an ARN
// or a hardware token's serial number), for a profile with mfa_serial.
type MFATokenFunc func(serial string) (string, error)

// TerminalMFAToken asks for the code on the terminal: the prompt goes to
// standard error and the answer is read from /dev/tty, or from standard
// input when there is no terminal. It is the default MFATokenFunc.
func TerminalMFAToken(serial string) (string, error) {
	var in io.Reader = os.Stdin
	if tty, err := os.Open("/dev/tty"); err == nil {
		defer func() { _ = tty.Close() }()
		in = tty
	}
	_, _ = fmt.Fprintf(os.Stderr, "keyhound: MFA code for %s: ", serial)
	return readToken(in)
}

// readToken reads one line: the code, without spaces.
func readToken(in io.Reader) (string, error) {
	line, err := bufio.NewReader(in).ReadString('\n')
	code := strings.TrimSpace(line)
	if code == "" {
		if err == nil {
			err = errors.New("empty")
		}
		return "", fmt.Errorf("read the MFA code: %w", err)
	}
	return code, nil
}

// mfaPrompt serializes fn (the regional clients of an account share one
// credentials cache, but a prompt must never run twice at once) and tells
// it the device serial, known once the shared config is loaded.
type mfaPrompt struct {
	mu     sync.Mutex
	fn     MFATokenFunc
	serial string
}

func (m *mfaPrompt) token() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fn(cmp.Or(m.serial, "the profile's mfa_serial"))
}

// sharedConfigOf returns the shared-config profile LoadDefaultConfig read.
func sharedConfigOf(cfg aws.Config) (config.SharedConfig, bool) {
	for _, s := range cfg.ConfigSources {
		if sc, ok := s.(config.SharedConfig); ok {
			return sc, true
		}
	}
	return config.SharedConfig{}, false
}

// NoCredentialsError is the answer when the standard credential chain
// found nothing: no environment variables, no profile with credentials, no
// SSO, credential_process or web identity token, and no instance or
// container metadata credentials.
type NoCredentialsError struct {
	Profile string // the shared-config profile looked at
	Err     error  // the chain's last failure (instance metadata's)
}

func (e *NoCredentialsError) Error() string {
	creds, cfg := "~/.aws/credentials", "~/.aws/config" //nolint:gosec // G101: file names, not credentials
	if f := os.Getenv("AWS_SHARED_CREDENTIALS_FILE"); f != "" {
		creds = f
	}
	if f := os.Getenv("AWS_CONFIG_FILE"); f != "" {
		cfg = f
	}
	return fmt.Sprintf("no AWS credentials found (tried: environment variables, shared credentials file %s, shared config profile %q in %s, SSO, credential_process, web identity token, EC2/ECS instance metadata); run \"aws sso login\" or set AWS_PROFILE",
		creds, e.Profile, cfg)
}

func (e *NoCredentialsError) Unwrap() error { return e.Err }

// SSOExpiredError is the answer when a profile's AWS IAM Identity Center
// (SSO) session has expired or was never started on this machine.
type SSOExpiredError struct {
	Profile string
	Err     error
}

func (e *SSOExpiredError) Error() string {
	return fmt.Sprintf("the SSO session of profile %q has expired or is not logged in: run \"aws sso login --profile %s\"", e.Profile, e.Profile)
}

func (e *SSOExpiredError) Unwrap() error { return e.Err }

// credentialsError turns the credential chain's failure into one line a
// person can act on. The chain tells what it resolved to by its provider's
// sources (aws.CredentialProviderSource): when nothing else was configured
// the SDK falls back to EC2 instance metadata alone
// (config/resolve_credentials.go, resolveCredsFromProfile's default case),
// so a failure there with no other source means no credentials at all.
func credentialsError(cfg aws.Config, err error) error {
	profile := "default"
	if sc, ok := sharedConfigOf(cfg); ok && sc.Profile != "" {
		profile = sc.Profile
	}
	var sources []aws.CredentialSource
	if ps, ok := cfg.Credentials.(aws.CredentialProviderSource); ok {
		sources = ps.ProviderSources()
	}
	sso := slices.ContainsFunc(sources, func(s aws.CredentialSource) bool {
		return s == aws.CredentialSourceSSO || s == aws.CredentialSourceSSOLegacy
	})
	switch {
	case cfg.Credentials == nil || slices.Equal(sources, []aws.CredentialSource{aws.CredentialSourceIMDS}):
		return &NoCredentialsError{Profile: profile, Err: err}
	case sso && ssoExpired(err):
		return &SSOExpiredError{Profile: profile, Err: err}
	}
	return fmt.Errorf("get AWS credentials (profile %q): %w", profile, err)
}

// ssoExpired reports whether an SSO provider's failure is a missing or
// expired session: the legacy provider's InvalidTokenError, the token
// provider's "cached SSO token is expired, or not present" and failures to
// read or refresh the cached token (credentials/ssocreds), or the portal's
// UnauthorizedException (SSO GetRoleCredentials: "The session token is
// invalid or expired").
func ssoExpired(err error) bool {
	var it *ssocreds.InvalidTokenError
	var ae smithy.APIError
	return errors.As(err, &it) || strings.Contains(err.Error(), "SSO token") ||
		errors.As(err, &ae) && ae.ErrorCode() == "UnauthorizedException"
}

// checkCredentials resolves the credentials once, so that a missing or
// expired one is said at once, in one line, and an MFA prompt comes before
// the scan starts.
func checkCredentials(ctx context.Context, cfg aws.Config) error {
	if cfg.Credentials == nil {
		return credentialsError(cfg, errors.New("no credentials provider"))
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return credentialsError(cfg, err)
	}
	return nil
}
