package scanner

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// collectOrganization reads the organization: its roots, its SCPs and RCPs
// with content and targets, then its OUs and accounts (walking parents so
// each carries its ParentId). policiesRead (when not nil) hears of the
// policies as soon as they are read, with the roots and the errors so far:
// an account's Regions wait for them (scpGate), so they come before the
// tree. Each account is handed to found (when not nil) with its path
// (root, OUs, account) as soon as its page is read, so that its scan can
// start.
//
// It fails only when DescribeOrganization does: nothing is known. Any
// other failed call is recorded in rec and the rest is read: a policy type
// that cannot be listed, a policy whose content or targets cannot be read,
// are unknown, never "none"; a page of OUs or accounts that cannot be read
// leaves the listing incomplete (docs/snapshot.md), and what was read
// stays. Once ctx is done, the walk stops at the interrupted call.
func collectOrganization(ctx context.Context, c orgAPI, rec *recorder, found func(a snapshot.OrgAccount, path []string), policiesRead func(*snapshot.Organization)) (*snapshot.Organization, error) {
	do, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, fmt.Errorf("DescribeOrganization: %w", err)
	}
	info, err := convert[snapshot.OrganizationInfo](do.Organization)
	if err != nil {
		return nil, err
	}
	org := &snapshot.Organization{
		Organization: &info, Roots: []snapshot.Root{}, OrganizationalUnits: []snapshot.OrganizationalUnit{},
		Accounts: []snapshot.OrgAccount{}, Policies: []snapshot.OrgPolicy{},
	}
	rp := organizations.NewListRootsPaginator(c, &organizations.ListRootsInput{})
	for rp.HasMorePages() {
		page, err := rp.NextPage(ctx)
		if err != nil {
			if len(org.Roots) == 0 && ctx.Err() == nil {
				// No root: nothing of the structure can be read (a member
				// account that is not a delegated administrator).
				return nil, fmt.Errorf("ListRoots: %w", err)
			}
			rec.add("organizations", "", "ListRoots", "", err)
			break
		}
		for _, r := range page.Roots {
			root, err := convert[snapshot.Root](r)
			if err != nil {
				rec.add("organizations", "", "ListRoots", deref(r.Id), err)
				continue
			}
			org.Roots = append(org.Roots, root)
		}
	}
	collectPolicies(ctx, c, org, rec)
	if policiesRead != nil {
		policiesRead(&snapshot.Organization{Organization: org.Organization, Roots: org.Roots, Policies: org.Policies, Errors: rec.sorted()})
	}
	walkOrganization(ctx, c, org, rec, found)
	return org, nil
}

// walkOrganization lists the OUs and accounts breadth first down from the
// roots. A failed page is recorded and the walk goes on with the next
// parent; once ctx is done it stops.
func walkOrganization(ctx context.Context, c orgAPI, org *snapshot.Organization, rec *recorder, found func(snapshot.OrgAccount, []string)) {
	type node struct {
		id   string
		path []string
	}
	var parents []node
	for _, r := range org.Roots {
		parents = append(parents, node{r.ID, []string{r.ID}})
	}
	for len(parents) > 0 {
		parent := parents[0]
		parents = parents[1:]
		op := organizations.NewListOrganizationalUnitsForParentPaginator(c, &organizations.ListOrganizationalUnitsForParentInput{ParentId: &parent.id})
		for op.HasMorePages() {
			page, err := op.NextPage(ctx)
			if err != nil {
				rec.add("organizations", "", "ListOrganizationalUnitsForParent", parent.id, err)
				if ctx.Err() != nil {
					return
				}
				break
			}
			for _, ou := range page.OrganizationalUnits {
				o, err := convert[snapshot.OrganizationalUnit](ou)
				if err != nil {
					rec.add("organizations", "", "ListOrganizationalUnitsForParent", parent.id, err)
					continue
				}
				o.ParentID = parent.id
				org.OrganizationalUnits = append(org.OrganizationalUnits, o)
				parents = append(parents, node{o.ID, append(slices.Clip(parent.path), o.ID)})
			}
		}
		ap := organizations.NewListAccountsForParentPaginator(c, &organizations.ListAccountsForParentInput{ParentId: &parent.id})
		for ap.HasMorePages() {
			page, err := ap.NextPage(ctx)
			if err != nil {
				// The accounts of the pages read stay (and are being scanned).
				rec.add("organizations", "", "ListAccountsForParent", parent.id, err)
				if ctx.Err() != nil {
					return
				}
				break
			}
			for _, acct := range page.Accounts {
				a, err := convert[snapshot.OrgAccount](acct)
				if err != nil {
					rec.add("organizations", "", "ListAccountsForParent", parent.id, err)
					continue
				}
				a.ParentID = parent.id
				org.Accounts = append(org.Accounts, a)
				if found != nil {
					found(a, append(slices.Clip(parent.path), a.ID))
				}
			}
		}
	}
}

// collectPolicies reads the SCPs and RCPs with their content and targets.
func collectPolicies(ctx context.Context, c orgAPI, org *snapshot.Organization, rec *recorder) {
	for _, typ := range []orgtypes.PolicyType{orgtypes.PolicyTypeServiceControlPolicy, orgtypes.PolicyTypeResourceControlPolicy} {
		pp := organizations.NewListPoliciesPaginator(c, &organizations.ListPoliciesInput{Filter: typ})
		for pp.HasMorePages() {
			page, err := pp.NextPage(ctx)
			if err != nil {
				// A type not enabled has no policies in effect: not a gap.
				// Any other failure leaves the type's policies unknown (those
				// of earlier pages stay: they are in effect all the same).
				if !notFound(err, "PolicyTypeNotEnabledException") {
					rec.add("organizations", "", "ListPolicies", string(typ), err)
				}
				break
			}
			for _, ps := range page.Policies {
				p, err := collectPolicy(ctx, c, ps, rec)
				if err != nil {
					rec.add("organizations", "", "ListPolicies", string(typ), err)
					continue
				}
				org.Policies = append(org.Policies, p)
			}
		}
	}
}

// collectPolicy reads a policy's content and targets. A failed
// DescribePolicy leaves Content "" and a failed ListTargetsForPolicy leaves
// Targets nil: not collected, and recorded.
func collectPolicy(ctx context.Context, c orgAPI, ps orgtypes.PolicySummary, rec *recorder) (snapshot.OrgPolicy, error) {
	summary, err := convert[snapshot.PolicySummary](ps)
	if err != nil {
		return snapshot.OrgPolicy{}, err
	}
	out := snapshot.OrgPolicy{PolicySummary: summary}
	if dp, err := c.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: ps.Id}); err != nil {
		rec.add("organizations", "", "DescribePolicy", summary.ID, err)
	} else if dp.Policy != nil {
		out.Content = deref(dp.Policy.Content)
	}
	targets := []snapshot.PolicyTarget{}
	tp := organizations.NewListTargetsForPolicyPaginator(c, &organizations.ListTargetsForPolicyInput{PolicyId: ps.Id})
	for tp.HasMorePages() {
		page, err := tp.NextPage(ctx)
		if err != nil {
			rec.add("organizations", "", "ListTargetsForPolicy", summary.ID, err)
			return out, nil
		}
		for _, t := range page.Targets {
			pt, err := convert[snapshot.PolicyTarget](t)
			if err != nil {
				return out, err
			}
			targets = append(targets, pt)
		}
	}
	out.Targets = targets
	return out, nil
}

// active reports whether an organization account is ACTIVE (its State, or
// the older Status); only active accounts are scanned.
func active(a snapshot.OrgAccount) bool {
	return a.State == string(orgtypes.AccountStateActive) || a.State == "" && a.Status == string(orgtypes.AccountStatusActive)
}
