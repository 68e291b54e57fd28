package accessdenied

import (
	"regexp"
	"strings"
)

// What a service says went wrong when it could not use a KMS key for the
// caller (Message.KMSCause).
const (
	// CauseDenied: KMS refused the call the service made.
	CauseDenied = "access-denied"
	// CauseDisabled, CauseInvalidState, CauseNotFound: the key is disabled,
	// in a state the call cannot use (pending deletion, pending import,
	// unavailable), or not found.
	CauseDisabled     = "disabled"
	CauseInvalidState = "invalid-state"
	CauseNotFound     = "not-found"
	// CauseNotAccessible: any of the above; the service does not say which
	// (RDS: "does not exist, is not enabled or you do not have permissions").
	CauseNotAccessible = "not-accessible"
	// CauseUnusable: the key cannot serve the call for another reason (key
	// usage, opt-in, throttling, a decryption failure the service does not
	// explain).
	CauseUnusable = "unusable"
)

// serviceKMSForm is one way a service reports a KMS failure in its own words:
// an error code of its own, or a sentence. Each cites where it is defined.
type serviceKMSForm struct {
	service string         // the reporting service's IAM prefix; "" for any
	code    string         // the error code; "" to match by text alone
	text    *regexp.Regexp // the message, when the code alone does not tell
	cause   string
	// kmsAction is the KMS call the form says failed, when it says
	// ("couldn't decrypt the environment variables": kms:Decrypt).
	kmsAction string
}

// lambdaEnvRe is Lambda's sentence for its KMS exceptions: "Lambda couldn't
// decrypt the environment variables because …" (aws-sdk-go-v2
// service/lambda/types/errors.go), and as the console and Invoke report it,
// "Lambda was unable to decrypt the environment variables because …".
var lambdaEnvRe = regexp.MustCompile(`(?i)Lambda (?:was unable to|couldn't|could not) decrypt the environment variables because`)

// serviceKMSForms are the forms keyhound recognizes, checked in order; the
// first whose service, code and text match the message wins.
var serviceKMSForms = []serviceKMSForm{
	// RDS API Reference, Errors; aws-sdk-go-v2 service/rds/types/errors.go:
	// KMSKeyNotAccessibleFault, "An error occurred accessing an Amazon Web
	// Services KMS key". Its message names the key: "The specified KMS key
	// [ARN] does not exist, is not enabled or you do not have permissions to
	// access it."
	{service: "rds", code: "KMSKeyNotAccessibleFault", cause: CauseNotAccessible},
	// aws-sdk-go-v2 service/lambda/types/errors.go: Lambda couldn't decrypt
	// the environment variables because KMS access was denied / the key is
	// disabled / its state is not valid for Decrypt / it was not found.
	{service: "lambda", code: "KMSAccessDeniedException", cause: CauseDenied, kmsAction: "kms:Decrypt"},
	{service: "lambda", code: "KMSDisabledException", cause: CauseDisabled, kmsAction: "kms:Decrypt"},
	{service: "lambda", code: "KMSInvalidStateException", cause: CauseInvalidState, kmsAction: "kms:Decrypt"},
	{service: "lambda", code: "KMSNotFoundException", cause: CauseNotFound, kmsAction: "kms:Decrypt"},
	{service: "lambda", text: regexp.MustCompile(`(?i)` + lambdaEnvRe.String() + ` KMS access was denied`), cause: CauseDenied, kmsAction: "kms:Decrypt"},
	{service: "lambda", text: regexp.MustCompile(`(?i)` + lambdaEnvRe.String() + ` the KMS key (?:used )?is disabled`), cause: CauseDisabled, kmsAction: "kms:Decrypt"},
	{service: "lambda", text: regexp.MustCompile(`(?i)` + lambdaEnvRe.String() + ` the (?:state of the )?KMS key used is (?:not valid|in an invalid state)`), cause: CauseInvalidState, kmsAction: "kms:Decrypt"},
	{service: "lambda", text: regexp.MustCompile(`(?i)` + lambdaEnvRe.String() + ` the KMS key was not found`), cause: CauseNotFound, kmsAction: "kms:Decrypt"},
	// aws-sdk-go-v2 service/sqs/types/errors.go (JSON protocol codes) and
	// service/sqs/schemas (the query protocol's KMS.* codes).
	{service: "sqs", code: "KmsAccessDenied", cause: CauseDenied},
	{service: "sqs", code: "KmsDisabled", cause: CauseDisabled},
	{service: "sqs", code: "KmsInvalidState", cause: CauseInvalidState},
	{service: "sqs", code: "KmsNotFound", cause: CauseNotFound},
	{service: "sqs", code: "KmsInvalidKeyUsage", cause: CauseUnusable},
	{service: "sqs", code: "KmsOptInRequired", cause: CauseUnusable},
	{service: "sqs", code: "KmsThrottled", cause: CauseUnusable},
	// aws-sdk-go-v2 service/sns/types/errors.go: KMSAccessDeniedException
	// and its kin, whose codes are KMSAccessDenied, KMSDisabled, ….
	{service: "sns", code: "KMSAccessDenied", cause: CauseDenied},
	{service: "sns", code: "KMSDisabled", cause: CauseDisabled},
	{service: "sns", code: "KMSInvalidState", cause: CauseInvalidState},
	{service: "sns", code: "KMSNotFound", cause: CauseNotFound},
	{service: "sns", code: "KMSOptInRequired", cause: CauseUnusable},
	{service: "sns", code: "KMSThrottling", cause: CauseUnusable},
	// Secrets Manager: AccessDeniedException "Access to KMS is not allowed"
	// (AWS Knowledge Center, "secrets-manager-cross-account-key"; observed in
	// aws-samples/aws-secrets-manager-rotation-lambdas#53), and
	// DecryptionFailure / EncryptionFailure (aws-sdk-go-v2
	// service/secretsmanager/types/errors.go).
	{service: "secretsmanager", text: regexp.MustCompile(`(?i)^Access to KMS is not allowed`), cause: CauseDenied},
	{service: "secretsmanager", code: "DecryptionFailure", cause: CauseUnusable, kmsAction: "kms:Decrypt"},
	{service: "secretsmanager", code: "EncryptionFailure", cause: CauseUnusable, kmsAction: "kms:GenerateDataKey"},
	// DynamoDB: AccessDeniedException "KMS key access denied error: " and the
	// KMS error it passes on (observed in aws/aws-cdk#10010 for PutItem).
	{service: "dynamodb", text: regexp.MustCompile(`(?i)^KMS key access denied error`), cause: CauseDenied},
	// EC2: an instance whose EBS volumes the launch cannot encrypt or decrypt
	// ends with the state reason "Client.InvalidKMSKey.InvalidState: The KMS
	// key provided is in an incorrect state" — reported also when the key is
	// enabled but a policy denies the caller (the Auto Scaling service-linked
	// role, typically); and "The specified KMS key is not accessible"
	// (InvalidParameterValue, observed in awsdocs/vm-import-export-user-guide#9).
	{service: "ec2", code: "Client.InvalidKMSKey.InvalidState", cause: CauseNotAccessible},
	{service: "ec2", text: regexp.MustCompile(`(?i)^Client\.InvalidKMSKey\.InvalidState\b`), cause: CauseNotAccessible},
	{service: "ec2", text: regexp.MustCompile(`(?i)^The specified KMS key is not accessible`), cause: CauseNotAccessible},
}

// kmsPrefixCauses maps the KMS exception in the "KMS.<exception>" codes some
// services return to the cause: S3 (RDS UG, "Failure messages for Amazon S3
// export tasks": AmazonS3Exception KMS.KMSInvalidStateException,
// KMS.DisabledException), SQS's query protocol (service/sqs/schemas:
// KMS.AccessDeniedException, …), EC2.
var kmsPrefixCauses = map[string]string{
	"accessdeniedexception": CauseDenied, "accessdenied": CauseDenied,
	"disabledexception":        CauseDisabled,
	"kmsinvalidstateexception": CauseInvalidState, "invalidstateexception": CauseInvalidState,
	"notfoundexception":        CauseNotFound,
	"invalidkeyusageexception": CauseUnusable, "optinrequired": CauseUnusable, "throttlingexception": CauseUnusable,
	"unrecognizedclientexception": CauseDenied,
}

// innerRes find the KMS error a service passes on inside its own message:
// Lambda's "… KMS Exception: CODEKMS Message: MESSAGE" (AWS Knowledge Center,
// "lambda-kmsaccessdeniedexception-errors"; observed with a full KMS
// AccessDenied message in cattle-ops/terraform-aws-gitlab-runner#1253), and
// DynamoDB's "KMS key access denied error: EXCEPTION: MESSAGE".
var (
	lambdaInnerRe = regexp.MustCompile(`(?s)^(.*?)\s*KMS Exception:\s*([\w.]+?)\s*KMS Message:\s*(.*)$`)
	ddbInnerRe    = regexp.MustCompile(`(?s)^(.*?KMS key access denied error)\s*:\s*(.*)$`)
	// kmsKeyRe finds a KMS key or alias ARN in a service's sentence, bare or
	// in brackets ("The specified KMS key [arn:aws:kms:…] does not exist").
	kmsKeyRe = regexp.MustCompile(`arn:aws[\w-]*:kms:[\w-]+:\d{12}:(?:key|alias)/[\w/-]+`)
)

// splitInner separates a service's message from the KMS error it carries:
// the outer message, and the inner one as "CODE: MESSAGE" (or "" when there
// is none). Java SDK envelopes ("(Service: …)") after the inner message that
// are not KMS's belong to the outer one.
func splitInner(s string) (outer, inner string) {
	switch {
	case !strings.Contains(s, "KMS Exception:") && !strings.Contains(s, "KMS key access denied error"):
		return s, ""
	case lambdaInnerRe.MatchString(s):
		g := lambdaInnerRe.FindStringSubmatch(s)
		outer, inner = g[1], g[2]+": "+g[3]
	case ddbInnerRe.MatchString(s):
		g := ddbInnerRe.FindStringSubmatch(s)
		outer, inner = g[1], g[2]
	default:
		return s, ""
	}
	for {
		m := javaRe.FindStringSubmatchIndex(inner)
		if m == nil || serviceName(inner[m[4]:m[5]]) == "kms" {
			break
		}
		outer += " " + inner[m[3]:]
		inner = inner[:m[3]]
	}
	return strings.TrimSpace(outer), strings.TrimSpace(inner)
}

// matchServiceKMS finds the form of a service's KMS failure, if m is one:
// m.Service must already be the reporting service when known.
func matchServiceKMS(m *Message) (serviceKMSForm, bool) {
	for _, f := range serviceKMSForms {
		if f.service != "" && m.Service != "" && f.service != m.Service {
			continue
		}
		if f.code != "" && !strings.EqualFold(f.code, m.Exception) {
			continue
		}
		if f.text != nil && !f.text.MatchString(m.Text) {
			continue
		}
		if f.code != "" && f.service != "" && m.Service == "" {
			// A code alone names the service only when no other service
			// uses it: KMS's own KMSInvalidStateException is not Lambda's.
			if !codeOnlyIn(f.code, f.service) {
				continue
			}
		}
		return f, true
	}
	if rest, ok := strings.CutPrefix(m.Exception, "KMS."); ok && m.Service != "kms" {
		if c, ok := kmsPrefixCauses[strings.ToLower(rest)]; ok {
			return serviceKMSForm{cause: c}, true
		}
	}
	return serviceKMSForm{}, false
}

// kmsOwnCodes are KMS's own exceptions that other services reuse as names.
var kmsOwnCodes = map[string]bool{"kmsinvalidstateexception": true}

// codeOnlyIn says whether code identifies service's form without the message
// naming the service: no other service's form uses it, nor KMS itself.
func codeOnlyIn(code, service string) bool {
	if kmsOwnCodes[strings.ToLower(code)] {
		return false
	}
	for _, f := range serviceKMSForms {
		if f.service != service && strings.EqualFold(f.code, code) {
			return false
		}
	}
	return true
}
