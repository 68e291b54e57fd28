package scanner

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// collectOrganization reads the organization: its roots, OUs and accounts
// (walking parents so each carries its ParentId), and its SCPs and RCPs with
// content and targets. Each active account is handed to found (when not
// nil) as soon as its page is read, so that its scan can start.
//
// Without its structure (roots, OUs, accounts) the organization is unknown
// and collectOrganization fails. A failed call about its policies is
// recorded in rec and the rest is read: a policy type that cannot be listed,
// a policy whose content or targets cannot be read, are unknown, never
// "none" (docs/snapshot.md).
func collectOrganization(ctx context.Context, c orgAPI, rec *recorder, found func(account string)) (*snapshot.Organization, error) {
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
	var parents []string
	rp := organizations.NewListRootsPaginator(c, &organizations.ListRootsInput{})
	for rp.HasMorePages() {
		page, err := rp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListRoots: %w", err)
		}
		for _, r := range page.Roots {
			root, err := convert[snapshot.Root](r)
			if err != nil {
				return nil, err
			}
			org.Roots = append(org.Roots, root)
			parents = append(parents, root.ID)
		}
	}
	// Breadth first down the tree: OUs, then the accounts under each parent.
	for len(parents) > 0 {
		parent := parents[0]
		parents = parents[1:]
		op := organizations.NewListOrganizationalUnitsForParentPaginator(c, &organizations.ListOrganizationalUnitsForParentInput{ParentId: &parent})
		for op.HasMorePages() {
			page, err := op.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("ListOrganizationalUnitsForParent %s: %w", parent, err)
			}
			for _, ou := range page.OrganizationalUnits {
				o, err := convert[snapshot.OrganizationalUnit](ou)
				if err != nil {
					return nil, err
				}
				o.ParentID = parent
				org.OrganizationalUnits = append(org.OrganizationalUnits, o)
				parents = append(parents, o.ID)
			}
		}
		ap := organizations.NewListAccountsForParentPaginator(c, &organizations.ListAccountsForParentInput{ParentId: &parent})
		for ap.HasMorePages() {
			page, err := ap.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("ListAccountsForParent %s: %w", parent, err)
			}
			for _, acct := range page.Accounts {
				a, err := convert[snapshot.OrgAccount](acct)
				if err != nil {
					return nil, err
				}
				a.ParentID = parent
				org.Accounts = append(org.Accounts, a)
				if active(a) && found != nil {
					found(a.ID)
				}
			}
		}
	}
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
					return nil, err
				}
				org.Policies = append(org.Policies, p)
			}
		}
	}
	return org, nil
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
