// Package check holds the read-only checks of the operator commands: preflight (before the first
// deploy: the organization, and each account the configured role can read) and verify (after
// deploying: stacks, StackSet instances and coverage, keys, destinations, streams, delivery,
// notifications, guardrails, sampled member accounts). Every finding says what it means and the
// exact fix (docs/preflight-verify.md lists the checks).
package check

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/permissions"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// Env is what a check run needs.
type Env struct {
	Config  config.Config
	Session *awsapi.Session
	Report  *report.Report
	// Recorder records the GUI Connect calls (the SDK clients record through the configuration).
	Recorder *awsapi.Recorder
	// Concurrency is how many accounts are read at once. Default 16.
	Concurrency int
	// Progress, when not nil, gets a line every 10% of the accounts.
	Progress io.Writer
	// Sample is how many member accounts verify reads in depth. Default 3.
	Sample int
	// FreshWithin is how recent the newest forwarded object of a region must be. Default 24 h.
	FreshWithin time.Duration
	// Now is the clock (tests).
	Now func() time.Time
	// Probe, when not nil, runs verify's end-to-end probe after the checks (verify -probe).
	Probe *Probe
}

// Fatal is an error that stops a command: it could not run (exit status 2).
type Fatal struct{ Err error }

func (f *Fatal) Error() string { return f.Err.Error() }

// Unwrap returns the cause.
func (f *Fatal) Unwrap() error { return f.Err }

func (e *Env) defaults() {
	if e.Concurrency <= 0 {
		e.Concurrency = 16
	}
	if e.Sample <= 0 {
		e.Sample = 3
	}
	if e.FreshWithin <= 0 {
		e.FreshWithin = 24 * time.Hour
	}
	if e.Now == nil {
		e.Now = time.Now
	}
}

func (e *Env) cfg(account, region string) aws.Config { return e.Session.Config(account, region) }

// failed records a call that failed in an account as a finding: the account could not be checked
// (the exit status is 1: the fix is a permission or the read role).
func (e *Env) failed(check, account, region string, err error) {
	var ce *awsapi.CallError
	msg, fix := err.Error(), "see the error; run again"
	if asCallError(err, &ce) {
		switch {
		case assumeRoleFailed(err):
			msg = fmt.Sprintf("could not assume %s: %s", e.Session.RoleArn(account), shortErr(ce.Err))
			fix = fmt.Sprintf("deploy the read role %q in this account (docs/preflight-verify.md, \"The read role\"), or pass -role with a role that exists in every account and trusts %s", e.Session.RoleName(), e.Session.CallerAccount())
			check = assumeRoleCheck
		case ce.Kind == awsapi.AccessDenied:
			fix = fmt.Sprintf("grant %s to the role or credentials (`go run ./cmd/sessionaudit policy` prints the whole policy); an SCP may also deny it", ce.Action)
			check = "access.denied"
		case ce.Kind == awsapi.Throttled:
			fix = "run again with a lower -concurrency"
		}
	}
	e.Report.Add(report.Finding{Check: check, Severity: report.Fail, Account: account, Region: region, Message: msg,
		Meaning: "this account or region could not be checked, so the report says nothing about it", Fix: fix})
}

// assumeRoleFailed is whether err is the failure to assume the read role in an account.
func assumeRoleFailed(err error) bool {
	var ce *awsapi.CallError
	return asCallError(err, &ce) && strings.Contains(ce.Err.Error(), "AssumeRole")
}

// assumeRoleCheck is the check of an account whose read role could not be assumed.
const assumeRoleCheck = "access.assume-role"

func asCallError(err error, target **awsapi.CallError) bool {
	for err != nil {
		if ce, ok := err.(*awsapi.CallError); ok {
			*target = ce
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func shortErr(err error) string {
	m := err.Error()
	if i := strings.LastIndex(m, "api error "); i >= 0 {
		return m[i+len("api error "):]
	}
	return m
}

// progress reports every 10% of total on e.Progress.
func (e *Env) progress(what string, total int) func(int) {
	if e.Progress == nil || total == 0 {
		return nil
	}
	step := max(total/10, 1)
	return func(done int) {
		if done%step == 0 || done == total {
			fmt.Fprintf(e.Progress, "%s: %d/%d accounts\n", what, done, total)
		}
	}
}

// call wraps an SDK error with its IAM action, account and region.
func call(err error, action, account, region string) error {
	return awsapi.Classify(err, action, account, region)
}

// Run is the common frame of preflight and verify: it fills the report's header and turns a Fatal
// into the report's Fatal (exit status 2).
func run(ctx context.Context, e *Env, command string, body func(context.Context, *Env) error) {
	e.defaults()
	start := time.Now()
	e.Report.Command = command
	e.Report.Organization = e.Config.OrganizationID
	e.Report.Caller = e.Session.CallerAccount()
	e.Report.Regions = e.Config.Regions
	if err := body(ctx, e); err != nil {
		e.Report.Fatal = err.Error()
	}
	controlTowerHint(ctx, e)
	e.Report.Duration = time.Since(start)
}

// callAs is the CallAs of the StackSet calls: DELEGATED_ADMIN with delegatedAdmin.
func (e *Env) callAs() string {
	if e.Config.DelegatedAdmin {
		return "DELEGATED_ADMIN"
	}
	return "SELF"
}

// stackSetsAccount is where the StackSets live: the caller (management or delegated admin).
func (e *Env) stackSetsAccount() string { return e.Session.CallerAccount() }

var _ = stacks.MemberStackSetName

// controlTowerHint: when the default read role could not be assumed in some accounts and the
// organization is an AWS Control Tower landing zone (trusted access for Control Tower's service
// principal), those findings say that its accounts have AWSControlTowerExecution instead. It asks
// Organizations only then; when it cannot tell, the findings stay as they are.
func controlTowerHint(ctx context.Context, e *Env) {
	if e.Session.RoleName() != permissions.DefaultReadRole {
		return
	}
	var refused []int
	for i, f := range e.Report.Findings {
		if f.Check == assumeRoleCheck {
			refused = append(refused, i)
		}
	}
	if len(refused) == 0 || !controlTower(ctx, e) {
		return
	}
	hint := fmt.Sprintf("this organization uses AWS Control Tower (trusted access for %s), whose accounts have %s: run from the management account with -role %s (docs/preflight-verify.md); or ",
		permissions.ControlTowerPrincipal, permissions.ControlTowerReadRole, permissions.ControlTowerReadRole)
	for _, i := range refused {
		e.Report.Findings[i].Fix = hint + e.Report.Findings[i].Fix
	}
}

// controlTower is whether the organization has trusted access for AWS Control Tower (false when
// Organizations cannot be read: the hint is then left out).
func controlTower(ctx context.Context, e *Env) bool {
	p := organizations.NewListAWSServiceAccessForOrganizationPaginator(organizations.NewFromConfig(e.cfg("", e.Config.HomeRegion)),
		&organizations.ListAWSServiceAccessForOrganizationInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return false
		}
		for _, s := range out.EnabledServicePrincipals {
			if aws.ToString(s.ServicePrincipal) == permissions.ControlTowerPrincipal {
				return true
			}
		}
	}
	return false
}
