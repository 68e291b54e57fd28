package main

import (
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/scanner"
)

// runScanCheck is keyhound scan --check: a preflight of the access a scan
// needs, rendered as a table (or --json); exit 0 when everything works,
// 4 when something is missing.
func runScanCheck(cmd *cobra.Command, f *scanFlags, sample int, asJSON bool) error {
	clients, err := f.clients(cmd.Context())
	if err != nil {
		return &exitError{code: exitBadInput, err: err}
	}
	rep, err := scanner.Check(cmd.Context(), clients, scanner.CheckOptions{
		Org: f.so.Org, Accounts: f.so.Accounts, Sample: sample, HomeRegion: f.so.HomeRegion, Concurrency: min(f.so.Concurrency, 16),
	})
	if err != nil {
		return &exitError{code: exitBadInput, err: err}
	}
	if asJSON {
		err = writeJSON(cmd.OutOrStdout(), rep)
	} else {
		err = writeCheck(cmd.OutOrStdout(), rep)
	}
	if err != nil {
		return err
	}
	if !rep.OK {
		return &exitError{code: exitScanPartial}
	}
	return nil
}

// writeCheck renders a preflight: who, the organization's calls, a row per
// account (the role that read it, then each service), then what to fix.
func writeCheck(w io.Writer, rep *scanner.CheckReport) error {
	head := fmt.Sprintf("keyhound: preflight as %s (account %s, home Region %s): %d of %d accounts tried",
		rep.Caller, rep.CallerAccount, rep.HomeRegion, len(rep.Accounts), rep.AccountsKnown)
	if rep.Management != "" {
		head += ", management account " + rep.Management
	}
	if _, err := fmt.Fprintln(w, head); err != nil {
		return err
	}
	var fixes []string
	if len(rep.Organization) > 0 {
		var failed []string
		for _, c := range rep.Organization {
			if c.Status != scanner.CheckOK {
				failed = append(failed, c.Operation+" "+c.Status)
				fixes = append(fixes, fix("organization", c))
			}
		}
		line := "organization: OK"
		if len(failed) > 0 {
			line = "organization: " + strings.Join(failed, ", ")
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	rows := []string{"ACCOUNT\tROLE\t" + strings.Join(scanner.CheckServices(), "\t")}
	for _, a := range rep.Accounts {
		role := a.Role
		if role == "" {
			role = fmt.Sprintf("none (%d tried)", len(a.AssumeErrors))
		} else if a.Account == rep.CallerAccount {
			role += " (caller)"
		}
		cells := []string{a.Account, role}
		for _, c := range a.Calls {
			cells = append(cells, cmp.Or(map[string]string{scanner.CheckSkipped: "-"}[c.Status], c.Status))
		}
		rows = append(rows, strings.Join(cells, "\t"))
		for _, e := range a.AssumeErrors {
			fixes = append(fixes, fix(a.Account, e))
		}
		for _, c := range a.Calls {
			if c.Status == scanner.CheckDenied || c.Status == scanner.CheckError {
				fixes = append(fixes, fix(a.Account, c))
			}
		}
	}
	if err := writeTable(w, rows); err != nil {
		return err
	}
	if len(fixes) == 0 {
		_, err := fmt.Fprintln(w, "keyhound: every call worked: keyhound scan has the access it needs")
		return err
	}
	if _, err := fmt.Fprintln(w, "keyhound: to fix (DENIED: allow the action to the role named; see docs/permissions.md):"); err != nil {
		return err
	}
	return writeTable(w, fixes)
}

// fix is one failed call as a table row: where, what to allow, AWS's answer.
func fix(where string, c scanner.CallCheck) string {
	what := c.Action
	if c.Resource != "" {
		what += " on " + c.Resource
	}
	if c.Status == scanner.CheckDenied {
		what = "allow " + what
	}
	return fmt.Sprintf("  %s\t%s\t%s\t%s", where, c.Status, what, strings.TrimSpace(c.Code+": "+c.Message))
}
