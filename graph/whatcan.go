package graph

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
)

// What is one key a principal can (or may) use.
type What struct {
	Key        string          `json:"key"`
	Aliases    []string        `json:"aliases,omitempty"`
	Account    string          `json:"account"`
	Region     string          `json:"region"`
	Decision   eval.Verdict    `json:"decision"`
	Paths      []Path          `json:"paths"`
	Conditions []eval.Residual `json:"conditions,omitempty"`
	Unknowns   []Issue         `json:"unknowns,omitempty"`
}

// WhatCan lists the keys on which principal's answer for action is ALLOW or
// CONDITIONAL, directly or through the roles it can assume: ALLOW first.
func (g *Graph) WhatCan(principal, action string, depth int) ([]What, error) {
	g.wait()
	p, err := arn.ParsePrincipal(principal)
	if err != nil {
		return nil, err
	}
	if p.AccountID != "" && g.InSnapshot(p.AccountID) && g.entity(principal) == nil && p.Kind != arn.KindAccount {
		return nil, fmt.Errorf("principal %s is not in the snapshot (account %s's IAM was collected)", principal, p.AccountID)
	}
	hops := g.chains(principal, chainDepth(depth))
	if hops == nil {
		hops = []*hop{}
	}
	out := []What{}
	for _, k := range g.Keys() {
		a, err := g.can(Query{Principal: principal, Action: action, Resource: k.ARN, ChainDepth: depth}, hops)
		if err != nil || a.Decision == eval.Deny {
			continue
		}
		out = append(out, What{
			Key: k.ARN, Aliases: k.Aliases, Account: k.Account, Region: k.Region,
			Decision: a.Decision, Paths: a.Paths, Conditions: a.Conditions, Unknowns: a.Unknowns,
		})
	}
	slices.SortStableFunc(out, func(a, b What) int {
		if a.Decision != b.Decision {
			return verdictRank(a.Decision) - verdictRank(b.Decision)
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}

// WhatCanGaps returns what the snapshot lacks that WhatCan's answer on
// principal depends on beyond each key's own unknowns: the principal's
// account, when its IAM was not collected (its scan failed, or it was not
// scanned), and the Regions of its account whose keys were not collected.
// An empty answer from WhatCan with gaps means "no key known", not "none".
func (g *Graph) WhatCanGaps(principal string) []Issue {
	g.wait()
	p, err := arn.ParsePrincipal(principal)
	if err != nil || p.AccountID == "" {
		return nil
	}
	if !g.InSnapshot(p.AccountID) {
		return []Issue{g.accountGap(p.AccountID, principal)}
	}
	a := g.Snapshot.Accounts[p.AccountID]
	var out []Issue
	regions := sortedKeys(a.Regions)
	for _, k := range a.RegionsSkipped {
		if (k.Service == "" || k.Service == "kms" && k.Operation == "ListKeys") && !slices.Contains(regions, k.Region) {
			regions = append(regions, k.Region)
		}
	}
	slices.Sort(regions)
	for _, region := range regions {
		if a.Regions[region] != nil && a.Regions[region].KMS != nil {
			continue
		}
		why := "not collected"
		if k := a.Skipped(region, "kms", "ListKeys"); k != nil {
			why += " (" + describeSkip(k) + ")"
		}
		for i := range a.Errors {
			if e := &a.Errors[i]; e.Region == region && e.Operation == "ListKeys" {
				why += " (" + describeFailure(e) + ")"
				break
			}
		}
		out = append(out, Issue{
			Account: p.AccountID, Region: region, Path: `accounts["` + p.AccountID + `"].regions["` + region + `"].kms`,
			Message: "the keys of account " + p.AccountID + " in " + region + " were " + why + ": keys there are missing from the answer",
		})
	}
	return out
}
