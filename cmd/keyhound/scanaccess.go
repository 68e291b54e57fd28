package main

import (
	"context"
	"fmt"
	"os"

	"github.com/keyhound/keyhound/scanner"
)

// clients turns the flags into the AWS options and opens the clients of a
// scan (or of --check): the credential chain, the audit roles to try, and
// the home Region the credentials resolve to, which also sets the
// partition. It fills f.so's lists.
func (f *scanFlags) clients(ctx context.Context) (scanner.Clients, error) {
	f.so.Regions = splitList(f.regions)
	f.so.Accounts = splitList(f.accounts)
	f.ao.RoleNames = splitList(f.roleNames)
	if f.ao.QuotaShare <= 0 || f.ao.QuotaShare > 1 {
		return nil, fmt.Errorf("--quota-share %v: want more than 0 and at most 1", f.ao.QuotaShare)
	}
	if f.roleNames != "" && len(f.ao.RoleNames) == 0 {
		return nil, fmt.Errorf("--role-name %q names no role", f.roleNames)
	}
	if f.rolesFile != "" {
		data, err := os.ReadFile(f.rolesFile)
		if err != nil {
			return nil, fmt.Errorf("--roles: %w", err)
		}
		if f.ao.RoleARNs, err = scanner.ParseRolesFile(f.rolesFile, data); err != nil {
			return nil, err
		}
	}
	var clients scanner.Clients
	var err error
	if profiles := splitList(f.profiles); len(profiles) > 0 {
		if f.so.Org || len(f.so.Accounts) > 0 || f.ao.Profile != "" {
			return nil, fmt.Errorf("--profiles names the accounts: it does not go with --org, --accounts or --profile")
		}
		clients, f.so.Accounts, err = scanner.NewProfileClients(ctx, f.ao, profiles)
	} else {
		clients, err = scanner.NewAWSClients(ctx, f.ao)
	}
	if err != nil {
		return nil, err
	}
	// The home Region, and so the partition, is the credentials' unless
	// --region says.
	f.so.HomeRegion = f.ao.Region
	if r, ok := clients.(interface{ Region() string }); ok && f.so.HomeRegion == "" {
		f.so.HomeRegion = r.Region()
	}
	return clients, nil
}
