// Package changeset reads proposed changes — a Terraform plan in JSON
// (`terraform show -json plan.out`), a keyhound change file in JSON or
// YAML, or a CloudFormation template in JSON or YAML — and applies them to a snapshot in memory, so that the base graph
// and the changed one can be compared (`keyhound diff --snapshot BASE
// --change FILE`, issue #17).
//
// Boundary: it imports graph/snapshot only; it does no network I/O and
// reads only the io.Reader it is given (Read), so that errors name the
// file and the JSON path of the bad value. Apply returns a new snapshot
// that shares every part it did not change with the base (copy on write
// of the touched account, Region, service section and list), and says
// what it touched (Applied) so that a caller can recompute only the
// affected answers.
//
// Values a plan does not know until apply (after_unknown) are never
// guessed: they are kept as Unknown markers on the Change, and Apply makes
// the part they decide "not collected" in the new snapshot (a key policy,
// a key's grants) or lists the change as unplaced, and reports each in
// Applied.Unknowns, so that the answers depending on them are CONDITIONAL.
package changeset
