// Package escalation answers who can make themselves able to use a KMS key:
// principals that cannot decrypt now but can, in one to three API calls
// they are allowed to make, change the access graph so that they can
// (issue #15).
//
// Each kind of step is a row of a table (kinds.go: the actions, what they
// act on, what they change, the AWS page they are cited from). Every step
// is evaluated by the graph's evaluator (graph.Graph.Can) with everything
// that applies to it — conditions, SCPs, RCPs, boundaries — and a step's
// effect on what follows is asked as a hypothetical (graph.WhatIf), never
// by copying the graph or the evaluator. The search (search.go) goes
// backwards from the key, breadth first, and asks only principals the
// graph's indexes name: who-can for the KMS steps, graph.Capable for the
// IAM and compute ones.
//
// Boundary: pure like graph (no I/O); it imports graph, graph/eval and
// graph/policy, and nothing imports it but graph/export, the commands and
// the UI.
package escalation
