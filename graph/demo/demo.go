// Package demo holds keyhound's built-in demo organization: a small but
// complete snapshot built from AWS's classic cross-account walkthroughs, so
// that a newcomer can try every answer without an AWS account.
//
// The organization (o-kh0demo01):
//   - prod-data (111111111111): the key alias/reports, shared with analytics,
//     encrypting the kh-demo-reports bucket, with two grants (one with an
//     encryption-context constraint, one to an external auditor); a bucket
//     encrypted with aws/s3 shared with analytics (unreadable there); EBS
//     snapshots shared with analytics, one under aws/ebs (unusable), one under
//     a customer key; a shared RDS snapshot; a secret read from analytics
//     through Secrets Manager; a key policy open to "*"; a key pending
//     deletion still used by a volume.
//   - analytics (222222222222): Dilip with and without his IAM policy, the
//     DataEngineer role that chains into prod-data's ReportsReader, a Batch
//     role holding a grant, and the Deployer role (a CI role) that may put
//     policies on every role of its account — itself included: an
//     escalation path to every key analytics is trusted with (issue #15).
//   - sandbox (444444444444): an SCP denies kms:Decrypt in its OU.
//   - an RCP data perimeter at the root denies callers outside the
//     organization, such as the auditor account 555555555555 the key policy names.
package demo

import _ "embed"

//go:embed demo.json
var snapshotJSON []byte

// Snapshot returns the demo organization's snapshot (keyhound.snapshot/v1).
func Snapshot() []byte { return snapshotJSON }

//go:embed demo-plan.json
var planJSON []byte

// Plan returns a sample Terraform plan (`terraform show -json`) against
// the demo organization, as a pull request opening alias/reports to a
// partner outside the organization would make it: a key policy statement
// for PartnerRoot, and an exception for its account in the RCP data
// perimeter (which would deny it otherwise). keyhound diff --snapshot
// @demo --change @demo-plan shows the new external access (issue #17).
func Plan() []byte { return planJSON }

// Key names of the demo, for tours and tests.
const (
	ReportsKey = "arn:aws:kms:us-east-1:111111111111:alias/reports"
	Dilip      = "arn:aws:iam::222222222222:user/dilip"
	// Deployer can give itself decrypt (keyhound who-can decrypt KEY --escalation).
	Deployer = "arn:aws:iam::222222222222:role/Deployer"
	// PartnerRoot is the outside account Plan opens alias/reports to.
	PartnerRoot = "arn:aws:iam::777777777777:root"
	// ReportsKeyID is alias/reports' key.
	ReportsKeyID = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"
)
