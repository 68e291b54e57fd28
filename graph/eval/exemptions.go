package eval

import (
	"github.com/keyhound/keyhound/graph/arn"
)

// scpExemption says why SCPs do not apply to the caller, or CodeNone: a
// service principal, the management account, a service-linked role
// (Organizations UG, "Service control policies (SCPs)").
func scpExemption(r *Request) Code {
	p := &r.Principal
	switch {
	case p.Kind == arn.KindService || p.Kind == arn.KindAnonymous:
		return CodeSCPServicePrincipal
	case r.ManagementAccount != "" && p.AccountID == r.ManagementAccount:
		return CodeSCPManagementAccount
	case p.IsServiceLinkedRole():
		return CodeSCPServiceLinkedRole
	}
	return CodeNone
}

// rcpServices are services whose resources RCPs can restrict, among those
// keyhound models (Organizations UG, RCPs, "List of AWS services that support
// RCPs"; EC2/EBS, RDS, Lambda and SNS are not on it).
var rcpServices = map[string]bool{
	"kms": true, "s3": true, "sqs": true, "secretsmanager": true, "sts": true, "dynamodb": true,
	"ecr": true, "logs": true, "aoss": true, "cognito-idp": true, "events": true, "codebuild": true,
}

// rcpExemption says why RCPs do not apply to the request, or CodeNone: a
// service RCPs do not cover, the management account's resource, an AWS
// managed key, kms:RetireGrant, a service-linked role (Organizations UG,
// "Resource control policies (RCPs)"; KMS DG, RCPs).
func rcpExemption(r *Request, op string) Code {
	switch {
	case !rcpServices[r.service]:
		return CodeRCPServiceNotSupported
	case r.ManagementAccount != "" && r.ResourceAccount == r.ManagementAccount:
		return CodeRCPManagementAccount
	case r.isKMSKey() && r.KeyManager == KeyManagerAWS:
		return CodeRCPAWSManagedKey
	case r.service == "kms" && op == "retiregrant":
		return CodeRCPRetireGrant
	case r.Principal.IsServiceLinkedRole():
		return CodeRCPServiceLinkedRole
	}
	return CodeNone
}
