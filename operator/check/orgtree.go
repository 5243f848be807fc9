package check

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// Account lifecycle states as the Organizations API reference defines Account.State: ACTIVE,
// SUSPENDED, PENDING_CLOSURE, CLOSED, and PENDING_ACTIVATION (the SDK's AccountState enum,
// generated from the current API model). Only an ACTIVE account is deployed to and checked.
const (
	StateActive            = string(orgtypes.AccountStateActive)
	StateSuspended         = string(orgtypes.AccountStateSuspended)
	StatePendingClosure    = string(orgtypes.AccountStatePendingClosure)
	StateClosed            = string(orgtypes.AccountStateClosed)
	StatePendingActivation = string(orgtypes.AccountStatePendingActivation)
)

// knownStates are the states the code knows; any other value is reported, never dropped.
var knownStates = []string{StateActive, StateSuspended, StatePendingClosure, StateClosed, StatePendingActivation}

// accountState is the account's State, or, when an answer has none, its retired Status
// ("The Status parameter in the API response will be retired on September 9, 2026 … use the State
// parameter", Organizations API reference, Account). "" when the answer carries neither.
func accountState(a orgtypes.Account) string {
	if a.State != "" {
		return string(a.State)
	}
	return string(a.Status)
}

// Tree is the organization's structure: every OU and account with its parent.
type Tree struct {
	Root string
	// Parent of every OU and account.
	Parent map[string]string
	// Accounts are the account IDs with their state (accountState: ACTIVE, SUSPENDED, ...; "" or
	// a value not in knownStates when AWS answered so).
	Accounts map[string]string
	OUs      []string
}

// walk reads the organization from its root: ListOrganizationalUnitsForParent and
// ListAccountsForParent for every OU, with bounded concurrency (Organizations API reference). An
// organization always has at least its management account: a tree without any account is an
// incomplete answer and an error (exit 2), never an empty organization.
func walk(ctx context.Context, e *Env, root string) (*Tree, error) {
	t := &Tree{Root: root, Parent: map[string]string{}, Accounts: map[string]string{}}
	client := organizations.NewFromConfig(e.cfg("", e.Config.HomeRegion))
	var mu sync.Mutex
	var firstErr error
	level := []string{root}
	for len(level) > 0 {
		var next []string
		awsapi.ForEach(ctx, level, e.Concurrency, func(ctx context.Context, parent string) {
			var ous []string
			p := organizations.NewListOrganizationalUnitsForParentPaginator(client, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					mu.Lock()
					firstErr = call(err, "organizations:ListOrganizationalUnitsForParent", e.Session.CallerAccount(), "")
					mu.Unlock()
					return
				}
				for _, ou := range out.OrganizationalUnits {
					ous = append(ous, aws.ToString(ou.Id))
				}
			}
			accounts := map[string]string{}
			pa := organizations.NewListAccountsForParentPaginator(client, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
			for pa.HasMorePages() {
				out, err := pa.NextPage(ctx)
				if err != nil {
					mu.Lock()
					firstErr = call(err, "organizations:ListAccountsForParent", e.Session.CallerAccount(), "")
					mu.Unlock()
					return
				}
				for _, a := range out.Accounts {
					accounts[aws.ToString(a.Id)] = accountState(a)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for _, ou := range ous {
				t.Parent[ou] = parent
				t.OUs = append(t.OUs, ou)
				next = append(next, ou)
			}
			for id, status := range accounts {
				t.Parent[id] = parent
				t.Accounts[id] = status
			}
		}, nil)
		if firstErr != nil {
			return nil, firstErr
		}
		level = next
	}
	sort.Strings(t.OUs)
	if len(t.Accounts) == 0 {
		return nil, fmt.Errorf("organizations:ListAccountsForParent listed no account below %s, not even the management account: the answer is incomplete", root)
	}
	return t, nil
}

// Under are the accounts below target (an OU or the root), sorted.
func (t *Tree) Under(target string) []string {
	var out []string
	for id := range t.Accounts {
		for p := id; p != ""; p = t.Parent[p] {
			if p == target {
				out = append(out, id)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// Targeted are the accounts below any of targets, sorted, each once.
func (t *Tree) Targeted(targets []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, target := range targets {
		for _, id := range t.Under(target) {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Ancestors are id and every parent up to the root.
func (t *Tree) Ancestors(id string) []string {
	var out []string
	for p := id; p != ""; p = t.Parent[p] {
		out = append(out, p)
	}
	return out
}

// Known reports whether id is the root, an OU or an account of the tree.
func (t *Tree) Known(id string) bool {
	if id == t.Root {
		return true
	}
	_, ok := t.Parent[id]
	return ok
}

// inScope are the ACTIVE accounts below the targets, sorted (the management account among them when
// a target holds it). It reports what it leaves out, so that nothing is dropped silently: an account
// whose state is absent or unknown (organizations.account-state, fail, anywhere in the
// organization), a targeted account that is not ACTIVE (organizations.account-skipped, info: the
// StackSet skips suspended and closed accounts, CloudFormation user guide, "Stack instance
// status"), a target with no account below it (organizations.target-ou, warn), and no active
// member account below the targets at all (organizations.scope, fail).
func inScope(e *Env, t *Tree) []string {
	for _, id := range slices.Sorted(maps.Keys(t.Accounts)) {
		if st := t.Accounts[id]; !slices.Contains(knownStates, st) {
			e.Report.Add(report.Finding{Check: "organizations.account-state", Severity: report.Fail, Account: id, Subject: "parent " + t.Parent[id],
				Message: fmt.Sprintf("the account's state is %s, which this version does not know", orNone(st)),
				Meaning: "the account is neither checked nor counted: whether the StackSet deploys there is unknown",
				Fix:     "`aws organizations describe-account --account-id " + id + "` shows its State; upgrade sessionaudit if AWS added a state"})
		}
	}
	var out []string
	members := 0
	for _, target := range e.Config.TargetOrganizationalUnitIDs {
		if t.Known(target) && len(t.Under(target)) == 0 {
			e.Report.Add(report.Finding{Check: "organizations.target-ou", Severity: report.Warn, Subject: target, Message: "no account below this target",
				Meaning: "the StackSet deploys nowhere through this target", Fix: "check targetOrganizationalUnitIds, or move the accounts into this OU"})
		}
	}
	for _, id := range t.Targeted(e.Config.TargetOrganizationalUnitIDs) {
		st := t.Accounts[id]
		switch {
		case st == StateActive:
			out = append(out, id)
			if id != e.Config.ManagementAccountID {
				members++
			}
		case slices.Contains(knownStates, st):
			e.Report.Add(report.Finding{Check: "organizations.account-skipped", Severity: report.Info, Account: id, Subject: "parent " + t.Parent[id],
				Message: "skipped: the account is " + st, Meaning: "the StackSet skips accounts that are not ACTIVE; it is neither checked nor expected to have stack instances",
				Fix: "none; once the account is ACTIVE again, deploy the StackSet instances to it"})
		}
	}
	if members == 0 {
		e.Report.Add(report.Finding{Check: "organizations.scope", Severity: report.Fail, Subject: strings.Join(e.Config.TargetOrganizationalUnitIDs, ", "),
			Message: "no ACTIVE member account below targetOrganizationalUnitIds", Meaning: "nothing was checked: the StackSet deploys to no account, and no session is logged",
			Fix: "correct targetOrganizationalUnitIds (`aws organizations list-accounts-for-parent --parent-id <ou>`)"})
	}
	return out
}
