// Package eval decides one AWS authorization request the way AWS does: SCPs,
// RCPs, VPC endpoint policies, the resource policy (for KMS, the key policy),
// identity policies, permissions boundaries, session policies, KMS grants, the
// key state, and the cross-account rule that both accounts must allow.
//
// The result is data: a Decision with its Verdict (ALLOW, DENY or CONDITIONAL),
// the layers that deny, and the statements, grants and conditions behind it.
// Text is rendered from that data (see WriteText). The package is pure: no I/O,
// deterministic, safe for concurrent use with one Evaluator per goroutine.
//
// Sources, cited throughout:
//   - IAM UG, policy evaluation logic:
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
//   - IAM UG, cross-account evaluation:
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
//   - KMS DG, key policies: https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
//   - KMS DG, troubleshooting key access: https://docs.aws.amazon.com/kms/latest/developerguide/policy-evaluation.html
//   - KMS DG, grants: https://docs.aws.amazon.com/kms/latest/developerguide/grants.html
//   - Organizations UG, SCPs and RCPs:
//     https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
//     https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
package eval
