package accessdenied

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
)

var (
	// The IAM User Guide's template: "User: ARN is not authorized to perform:
	// ACTION [on resource: ARN] because no TYPE allows the ACTION action" or
	// "… with an explicit deny in a TYPE [transitively through a TYPE]".
	userRe = regexp.MustCompile(`(?i)^(?:User|Principal):\s*(\S*)\s+is not authorized to perform:\s*([\w*-]+:[\w*-]+)(.*)$`)
	onRe   = regexp.MustCompile(`(?i)^\s*on resource:?\s*"?([^"\s]+?)"?(?:\s|$)`)
	// KMS hides the key: "on this resource", "on the resource associated with this ciphertext".
	hiddenRe   = regexp.MustCompile(`(?i)^\s*on (?:this resource|the resource associated with this ciphertext)\b`)
	implicitRe = regexp.MustCompile(`(?i)\bbecause no (.+?) allows the [\w*-]+:[\w*-]+ action`)
	explicitRe = regexp.MustCompile(`(?i)\bwith an explicit deny in (?:a |an |the )?(.+?)(?: transitively through (?:a |an |the )?(.+?))?$`)
	kmsHidden  = regexp.MustCompile(`(?i)because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access`)
	legacyRe   = regexp.MustCompile(`(?i)The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access`)
	// Key state: "arn:aws:kms:…:key/… is pending deletion.", "… is disabled.",
	// "… is pending import", "… is unavailable".
	stateRe = regexp.MustCompile(`(?i)(arn:aws[\w-]*:kms:[^\s]+?|[0-9a-f-]{36}) is (pending deletion|pending replica deletion|disabled|pending import|unavailable|not enabled|creating|updating|pending import)\b`)
	// Not found: "Key 'arn:…' does not exist", "Alias arn:… is not found.", "Invalid keyId …".
	notFoundRe = regexp.MustCompile(`(?i)(?:Key|Alias) '?(arn:aws[\w-]*:kms:[^\s']+)'? (?:does not exist|is not found)`)
	// S3's messages without the template.
	genericRe = regexp.MustCompile(`(?i)^access denied$`)
)

// policyLayers maps the policy types of messages to evaluation layers.
var policyLayers = map[string]eval.Layer{
	"service control policy":  eval.LayerSCP,
	"resource control policy": eval.LayerRCP,
	"vpc endpoint policy":     eval.LayerVPCEndpointPolicy,
	"permissions boundary":    eval.LayerPermissionsBoundary,
	"session policy":          eval.LayerSessionPolicy,
	"sessions policy":         eval.LayerSessionPolicy, // sic, in the IAM User Guide's example
	"resource-based policy":   eval.LayerResourcePolicy,
	"identity-based policy":   eval.LayerIdentityPolicy,
	"role trust policy":       eval.LayerTrustPolicy,
}

// states maps the words of key-state errors to KMS key states.
var states = map[string]string{
	"pending deletion": "PendingDeletion", "pending replica deletion": "PendingReplicaDeletion",
	"disabled": "Disabled", "not enabled": "Disabled", "pending import": "PendingImport",
	"unavailable": "Unavailable", "creating": "Creating", "updating": "Updating",
}

// ErrNotRecognized is returned for text that is no AccessDenied (or KMS
// key-state) error keyhound knows.
var ErrNotRecognized = errors.New(`not an AccessDenied message keyhound recognizes: expected "User: ARN is not authorized to perform: ACTION …", an AWS CLI or SDK error, a JSON or XML error body, or a CloudTrail event`)

// MaxLen bounds the input Parse reads: a CloudTrail event is a few
// kilobytes, an error message a few hundred bytes.
const MaxLen = 256 << 10

// Parse reads an AccessDenied error in any of its forms. It fails only when
// nothing in s is one.
func Parse(s string) (*Message, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return nil, ErrNotRecognized
	}
	if len(raw) > MaxLen {
		return nil, fmt.Errorf("the message is %d bytes long; keyhound reads at most %d (paste the error, or one CloudTrail event)", len(raw), MaxLen)
	}
	e := unwrap(raw)
	if e.inner == "" {
		e.text, e.inner = splitInner(e.text)
		e.text = oneLine(e.text)
	}
	m := &Message{
		Raw: raw, Source: e.source, Exception: e.exception, Service: e.service, Operation: e.operation,
		Text: e.text, RequestID: e.requestID, Region: e.region, Principal: e.principal, Resource: e.resource,
	}
	candidates := m.operationServices()
	if f, ok := matchServiceKMS(m); ok {
		m.setServiceKMS(f, e.inner)
	} else if err := m.parseText(); err != nil {
		return nil, err
	}
	if m.Service == "" && m.Action != "" {
		m.Service, _, _ = strings.Cut(m.Action, ":")
	}
	if m.Service == "" && len(candidates) > 1 {
		m.Service = m.pickService(candidates)
		if m.Service == "" {
			m.Services = candidates
		}
	}
	if m.Action == "" && m.Operation != "" {
		m.Action = m.operationAction()
	}
	if m.Service == "" && m.Action != "" {
		m.Service, _, _ = strings.Cut(m.Action, ":")
	}
	if m.Region == "" {
		for _, ref := range []string{m.Resource, m.KMSKey} {
			if a, err := arn.Parse(ref); err == nil && a.Region != "" {
				m.Region = a.Region
				break
			}
		}
	}
	if m.Layer == nil && m.Kind == KindImplicit && m.PolicyType == "" {
		m.Kind = KindGeneric
	}
	return m, nil
}

// operationServices settles the service from the operation when the envelope
// does not name it and only one service keyhound models has an operation of
// that name (spelling the operation as AWS does); it returns the services
// that have one.
func (m *Message) operationServices() []string {
	if m.Operation == "" {
		return nil
	}
	candidates := OperationServices(m.Operation)
	svc := m.Service
	if svc == "" && len(candidates) == 1 {
		svc = candidates[0]
	}
	if _, name, _ := OperationAction(svc, m.Operation); name != "" {
		m.Operation = name
	}
	if m.Service == "" && len(candidates) == 1 {
		m.Service = svc
	}
	return candidates
}

// pickService chooses, among the services that have the message's operation,
// the one the rest of the message names: its resource's ARN, or a KMS error
// code. It returns "" when nothing tells.
func (m *Message) pickService(candidates []string) string {
	if a, err := arn.Parse(m.Resource); err == nil && slices.Contains(candidates, a.Service) {
		return a.Service
	}
	if svc := serviceOfException(m); svc != "" && slices.Contains(candidates, svc) {
		return svc
	}
	return ""
}

// operationAction is the IAM action of the message's operation: from the
// table for the services keyhound models, SERVICE:Operation for the others,
// "" when the service is unknown or the table does not know the action.
func (m *Message) operationAction() string {
	svc := m.Service
	if svc == "" && m.Services == nil {
		svc = serviceOfException(m)
	}
	if svc == "" {
		return ""
	}
	if action, name, ok := OperationAction(svc, m.Operation); name != "" {
		if !ok {
			return ""
		}
		return action
	}
	return svc + ":" + m.Operation
}

// setServiceKMS fills in a service's report of a KMS failure: its cause, the
// key it names, and the KMS error it carries, parsed, whose caller and key
// are the KMS call's.
func (m *Message) setServiceKMS(f serviceKMSForm, inner string) {
	m.Kind, m.KMSCause, m.KMSAction = KindServiceKMS, f.cause, f.kmsAction
	if m.Service == "" {
		m.Service = f.service
	}
	m.KMSKey = kmsKeyRe.FindString(m.Text)
	if inner == "" && (userRe.MatchString(m.Text) || legacyRe.MatchString(m.Text) || stateRe.MatchString(m.Text)) {
		// The service passed KMS's own message on as its text (SQS, SNS, S3).
		inner = m.Text
	}
	if inner != "" {
		if im, err := Parse(inner); err == nil {
			m.KMS = im
			if strings.HasPrefix(strings.ToLower(im.Action), "kms:") {
				m.KMSAction = im.Action
			}
			if m.Principal == "" {
				m.Principal = im.Principal
			}
			m.KeyState = im.KeyState
			if m.KMSKey == "" && kmsKeyRe.MatchString(im.Resource) {
				m.KMSKey = im.Resource
			}
		}
	}
	if m.KMSKey == "" && kmsKeyRe.MatchString(m.Resource) {
		m.KMSKey = m.Resource
	}
}

func (m *Message) parseText() error {
	t := m.Text
	// EC2 and others put a sentence of their own first.
	if !userRe.MatchString(t) {
		if i := strings.Index(t, "User: "); i > 0 {
			t = t[i:]
		}
	}
	switch {
	case userRe.MatchString(t):
		g := userRe.FindStringSubmatch(t)
		m.Principal, m.Action = g[1], g[2]
		rest := g[3]
		if r := onRe.FindStringSubmatch(rest); r != nil {
			m.Resource = r[1]
		} else if hiddenRe.MatchString(rest) {
			m.ResourceHidden = true
		}
		switch {
		case kmsHidden.MatchString(rest):
			m.Kind = KindKMSHidden
			m.ResourceHidden = m.Resource == ""
		case explicitRe.MatchString(rest):
			g := explicitRe.FindStringSubmatch(rest)
			m.Kind = KindExplicit
			m.setPolicyType(g[1])
			if g[2] != "" {
				m.Transitive = strings.ToLower(strings.TrimRight(g[2], ". "))
			}
		case implicitRe.MatchString(rest):
			m.Kind = KindImplicit
			m.setPolicyType(implicitRe.FindStringSubmatch(rest)[1])
		default:
			m.Kind = KindGeneric
		}
		if m.Exception == "" {
			m.Exception = "AccessDeniedException"
		}
	case legacyRe.MatchString(t):
		m.Kind = KindLegacyCiphertext
		m.ResourceHidden = true
		if m.Action == "" {
			m.Action = "kms:Decrypt"
		}
	case stateRe.MatchString(t) || strings.Contains(m.Exception, "InvalidState") || strings.HasPrefix(m.Exception, "Disabled"):
		m.Kind = KindKeyState
		if g := stateRe.FindStringSubmatch(t); g != nil {
			if m.Resource == "" {
				m.Resource = g[1]
			}
			m.KeyState = states[strings.ToLower(g[2])]
		}
		if m.KeyState == "" && strings.HasPrefix(m.Exception, "Disabled") {
			m.KeyState = "Disabled"
		}
	case notFoundRe.MatchString(t) || strings.Contains(m.Exception, "NotFound"):
		m.Kind = KindNotFound
		if g := notFoundRe.FindStringSubmatch(t); g != nil && m.Resource == "" {
			m.Resource = g[1]
		}
	case genericRe.MatchString(t) || (strings.HasPrefix(m.Exception, "AccessDenied") && t == "") || m.Exception == "AccessDenied" || m.Exception == "AccessDeniedException",
		// botocore for a HEAD request, which has no body: "An error occurred
		// (403) when calling the HeadObject operation: Forbidden".
		m.Exception == "403" && strings.EqualFold(t, "Forbidden"):
		m.Kind = KindGeneric
	default:
		return ErrNotRecognized
	}
	m.Resource = strings.Trim(m.Resource, `"'.,;`)
	return nil
}

func (m *Message) setPolicyType(s string) {
	s = strings.ToLower(strings.TrimRight(strings.TrimSpace(s), ". "))
	m.PolicyType = s
	if l, ok := policyLayers[s]; ok {
		// A resource-based policy on a KMS key is its key policy.
		if l == eval.LayerResourcePolicy && strings.HasPrefix(strings.ToLower(m.Action), "kms:") {
			l = eval.LayerKeyPolicy
		}
		m.Layer = &l
	}
}

// serviceOfException guesses the service from the exception's name when the
// envelope does not say (the CLI does not): KMS's exceptions.
func serviceOfException(m *Message) string {
	switch {
	case strings.Contains(m.Exception, "KMS") || m.Exception == "DisabledException" || m.Exception == "KMSInvalidStateException":
		return "kms"
	case m.Exception == "AccessDenied":
		return "s3"
	}
	if a, err := arn.Parse(m.Resource); err == nil {
		return a.Service
	}
	return ""
}
