package check

import (
	"context"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/sessionaudit/sessionaudit/operator/awsapi"
)

// Tree is the organization's structure: every OU and account with its parent.
type Tree struct {
	Root string
	// Parent of every OU and account.
	Parent map[string]string
	// Accounts are the account IDs with their status (ACTIVE, SUSPENDED, ...).
	Accounts map[string]string
	OUs      []string
}

// walk reads the organization from its root: ListOrganizationalUnitsForParent and
// ListAccountsForParent for every OU, with bounded concurrency (Organizations API reference).
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
					accounts[aws.ToString(a.Id)] = string(a.Status)
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
