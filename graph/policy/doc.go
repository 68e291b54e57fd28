// Package policy is the AWS IAM policy language: parsing policy documents as AWS
// accepts them, and matching actions, resources and conditions against a request.
//
// It knows nothing of principals' accounts, layers or evaluation order; package
// eval combines statements into decisions. Matching is three-valued (see Tri):
// a condition on a request-context key that is not known gives Unknown, never a
// guess. Everything here is pure and safe for concurrent use once parsed.
//
// References:
//   - IAM JSON policy element reference:
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
//   - Condition operators:
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
//   - Policy variables:
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
package policy
