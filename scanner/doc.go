// Package scanner collects an organization's facts, read-only, into a
// keyhound snapshot: AWS Organizations (accounts, OUs, SCPs and RCPs), and
// per account IAM (GetAccountAuthorizationDetails) and per account and
// Region KMS (keys, policies, grants, aliases, rotation, tags) and the
// encrypted resources (S3, EBS, RDS, SQS, Secrets Manager, SNS, DynamoDB,
// Lambda, CloudWatch Logs). docs/scan.md describes a scan.
//
// It talks to AWS through narrow client interfaces (clients.go), so tests run
// against fakes, through the SDK against fakeaws, and end to end against
// moto. It never writes to AWS, never reads secret values or object
// contents, and never logs credentials. Failures are data: AccessDenied,
// throttling that outlasts retries, a role that cannot be assumed — each
// becomes an entry in that account's errors and the scan goes on. Progress
// is reported as Event values on a channel. The scanner imports graph's
// snapshot types, nothing of the UI.
package scanner
