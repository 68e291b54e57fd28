package accessdenied

import (
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
)

// envelope is what wraps the AWS message: the error code, the service and
// operation, the request ID, the region.
type envelope struct {
	source, exception, service, operation, requestID, region string
	principal, resource                                      string // from CloudTrail
	text                                                     string // the AWS message
	inner                                                    string // the KMS error a service's message carries ("CODE: MESSAGE")
}

var (
	// AWS CLI and botocore: "An error occurred (CODE) when calling the OP operation: MSG".
	cliRe = regexp.MustCompile(`(?s)An error occurred \(([\w.]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?:\s*(.*)$`)
	// Go SDK v2: "operation error KMS: Decrypt, https response error StatusCode: 400, RequestID: ID, api error CODE: MSG".
	goRe = regexp.MustCompile(`(?s)operation error ([\w .-]+?): (\w+),(?: exceeded maximum number of attempts, \d+,)? https response error StatusCode: \d+, RequestID: ([\w-]*),(?: HostID: [^,]*,)? (?:api error )?([\w.]+): (.*)$`)
	// Java SDK v2: "MSG (Service: Kms, Status Code: 400, Request ID: ID)"; v1: "(Service: AWSKMS; Status Code: 400; Error Code: CODE; Request ID: ID…)".
	javaRe = regexp.MustCompile(`(?s)^(.*?)\s*\(Service: ([\w ]+)[;,] Status Code: \d+[;,](?: Error Code: ([\w.]+);)? Request ID: ([\w-]*)[^)]*\)\s*$`)
	// The Lambda console: "Calling the invoke API action failed with this message: MSG".
	consoleRe = regexp.MustCompile(`(?s)^Calling the (\w+) API action failed with this message:\s*(.*)$`)
	// JS v3 and other "CODE: MSG" strings: AccessDeniedException: User: …;
	// the services' own KMS codes (wrapped.go). A Java package before the
	// code ends in a lower-case segment, so "KMS." stays part of the code.
	codeRe = regexp.MustCompile(`(?s)^(?:[\w.]*[a-z]\.)?((?:AccessDenied|KMSInvalidState|Disabled|NotFound|KMS\.\w+|InvalidKeyUsage|IncorrectKey|InvalidCiphertext|KMSAccessDenied|KMSDisabled|KMSNotFound|KMSOptInRequired|KMSThrottling|KMSKeyNotAccessibleFault|Kms(?:AccessDenied|Disabled|InvalidState|NotFound|InvalidKeyUsage|OptInRequired|Throttled)|DecryptionFailure|EncryptionFailure|Forbidden)\w*(?:Exception)?):\s*(.*)$`)
	// Log noise before the message: timestamps, levels, logger names.
	prefixRe = regexp.MustCompile(`(?s)^.*?((?:An error occurred \(|operation error |Calling the \w+ API action failed|User: |The ciphertext refers|botocore\.exceptions\.ClientError: |[\w.]*(?:AccessDenied|KMSInvalidState|Disabled|NotFound|KMSKeyNotAccessibleFault|Kms[A-Z]\w*|KMS[A-Z.]\w*|DecryptionFailure|EncryptionFailure)\w*(?:Exception)?: |Lambda (?:was unable to|couldn't|could not) decrypt|KMS key access denied error|Access to KMS is not allowed|The (?:specified|source snapshot) KMS key|Client\.InvalidKMSKey|arn:aws[\w-]*:kms:\S+ is |Access Denied))`)
)

// unwrap finds the AWS message inside its envelope.
func unwrap(s string) envelope {
	s = cleanInput(s)
	if strings.HasPrefix(s, "{") {
		if e, ok := unwrapJSON(s); ok {
			return e
		}
	}
	if strings.HasPrefix(s, "<") {
		if e, ok := unwrapXML(s); ok {
			return e
		}
	}
	e := envelope{source: "text"}
	if m := prefixRe.FindStringSubmatchIndex(s); m != nil {
		s = s[m[2]:]
	}
	if rest, ok := strings.CutPrefix(s, "botocore.exceptions.ClientError: "); ok {
		s, e.source = rest, "sdk-python"
	}
	switch {
	case cliRe.MatchString(s):
		m := cliRe.FindStringSubmatch(s)
		if e.source == "text" {
			e.source = "cli"
		}
		e.exception, e.operation, s = m[1], m[2], m[3]
	case goRe.MatchString(s):
		m := goRe.FindStringSubmatch(s)
		e.source, e.service, e.operation, e.requestID, e.exception, s = "sdk-go", serviceName(m[1]), m[2], m[3], m[4], m[5]
	case consoleRe.MatchString(s):
		m := consoleRe.FindStringSubmatch(s)
		e.source, e.operation, s = "console", m[1], m[2]
	}
	s, e.inner = splitInner(s)
	if m := javaRe.FindStringSubmatch(s); m != nil {
		e.source, s, e.service, e.requestID = "sdk-java", m[1], serviceName(m[2]), m[4]
		if m[3] != "" {
			e.exception = m[3]
		}
	}
	if m := codeRe.FindStringSubmatch(s); m != nil {
		if e.exception == "" {
			e.exception = m[1]
		}
		if e.source == "text" {
			e.source = "sdk-js"
		}
		s = m[2]
	}
	e.text = oneLine(s)
	return e
}

// cleanInput undoes what logs do to a message: surrounding quotes, escaped
// quotes and newlines, wrapping.
func cleanInput(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	for range 3 {
		if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'' || s[0] == '`' && s[len(s)-1] == '`') {
			s = strings.TrimSpace(s[1 : len(s)-1])
		}
	}
	if !strings.HasPrefix(s, "{") && (strings.Contains(s, `\"`) || strings.Contains(s, `\n`)) {
		s = strings.NewReplacer(`\"`, `"`, `\n`, "\n", `\t`, " ", `\\`, `\`).Replace(s)
	}
	return s
}

// oneLine joins a wrapped message: newlines and runs of spaces become one
// space, an ARN broken at the wrap is mended, and trailing periods and
// quotes go.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = arnBreakRe.ReplaceAllString(s, "$1$2")
	return strings.TrimRight(s, " .\"'")
}

// arnBreakRe finds an ARN split by a line wrap after a ':' or '/'.
var arnBreakRe = regexp.MustCompile(`(arn:aws[\w-]*:[^\s"]*[:/]) ([\w-][^\s"]*)`)

// serviceNames maps the names SDK envelopes give services — the Go SDK's
// service IDs ("Secrets Manager", "CloudWatch Logs"), the Java SDK v2's
// ("SecretsManager", "DynamoDb") and v1's ("AWSKMS", "AmazonDynamoDBv2",
// "AWSLogs", "AWSSecurityTokenService"), lower-cased, without spaces and
// without the "aws"/"amazon" prefix — to the prefix of their IAM actions,
// where the two differ.
var serviceNames = map[string]string{
	"simplestorageservice": "s3", "cloudwatchlogs": "logs", "dynamodbv2": "dynamodb",
	"securitytokenservice": "sts", "simplequeueservice": "sqs", "simplenotificationservice": "sns",
	"keymanagementservice": "kms", "elasticcomputecloud": "ec2",
}

func serviceName(s string) string {
	s = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "")
	for _, p := range []string{"aws", "amazon"} {
		if rest, ok := strings.CutPrefix(s, p); ok && rest != "" {
			s = rest
			break
		}
	}
	if n, ok := serviceNames[s]; ok {
		return n
	}
	return s
}

func unwrapJSON(s string) (envelope, bool) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return envelope{}, false
	}
	// A CloudTrail file or an EventBridge event holds the event.
	if recs, ok := m["Records"].([]any); ok && len(recs) > 0 {
		if r, ok := recs[0].(map[string]any); ok {
			m = r
		}
	}
	if d, ok := m["detail"].(map[string]any); ok {
		m = d
	}
	str := func(k string) string {
		v, _ := m[k].(string)
		return v
	}
	if code := str("errorCode"); code != "" || str("errorMessage") != "" {
		e := envelope{source: "cloudtrail", exception: code, text: oneLine(str("errorMessage")), region: str("awsRegion")}
		src := str("eventSource")
		e.service = strings.TrimSuffix(src, ".amazonaws.com")
		e.operation = str("eventName")
		e.requestID = str("requestID")
		if u, ok := m["userIdentity"].(map[string]any); ok {
			e.principal, _ = u["arn"].(string)
		}
		if rs, ok := m["resources"].([]any); ok {
			for _, r := range rs {
				if rm, ok := r.(map[string]any); ok {
					if a, ok := rm["ARN"].(string); ok && e.resource == "" {
						e.resource = a
					}
				}
			}
		}
		if rp, ok := m["requestParameters"].(map[string]any); ok && e.resource == "" {
			for _, k := range []string{"keyId", "secretId", "bucketName", "queueUrl"} {
				if v, ok := rp[k].(string); ok && v != "" {
					e.resource = v
					break
				}
			}
		}
		return e, true
	}
	e := envelope{source: "json"}
	for _, k := range []string{"__type", "code", "Code", "errorCode", "type"} {
		if v := str(k); v != "" {
			e.exception = v
			if i := strings.LastIndexByte(v, '#'); i >= 0 { // "com.amazon.coral.service#AccessDeniedException"
				e.exception = v[i+1:]
			}
			break
		}
	}
	for _, k := range []string{"message", "Message", "errorMessage"} {
		if v := str(k); v != "" {
			e.text = oneLine(v)
			break
		}
	}
	if e.text == "" && e.exception == "" {
		return envelope{}, false
	}
	return e, true
}

func unwrapXML(s string) (envelope, bool) {
	var x struct {
		Code      string `xml:"Code"`
		Message   string `xml:"Message"`
		RequestID string `xml:"RequestId"`
		Error     *struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		} `xml:"Error"`
	}
	if err := xml.Unmarshal([]byte(s), &x); err != nil {
		return envelope{}, false
	}
	if x.Error != nil && x.Code == "" {
		x.Code, x.Message = x.Error.Code, x.Error.Message
	}
	if x.Code == "" && x.Message == "" {
		return envelope{}, false
	}
	return envelope{source: "xml", exception: x.Code, text: oneLine(x.Message), requestID: x.RequestID}, true
}
