package cli

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// Throttled calls are retried with backoff by the SDK's retryer and the run stays clean.
func TestThrottlingIsRetried(t *testing.T) {
	f := newFake(t, 4, nil, nil)
	var throttled atomic.Int32
	f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
		// The first two calls of every operation of these services are throttled.
		switch r.Service {
		case "organizations", "ssm", "ec2", "iam", "ssm-guiconnect":
			if f.srv.Calls(r.Service, r.Operation) <= 2 {
				throttled.Add(1)
				return fakeaws.Throttle(r.Service)
			}
		}
		return nil
	}
	code, r := f.runJSON("preflight")
	if code != report.ExitClean {
		t.Fatalf("exit %d, fatal %q:\n%s", code, r.Fatal, failing(r))
	}
	if throttled.Load() < 20 {
		t.Errorf("only %d calls were throttled: the test does not exercise the retryer", throttled.Load())
	}
}

// Throttling that outlasts every attempt is reported as such, with what to do.
func TestThrottlingThatNeverEnds(t *testing.T) {
	f := newFake(t, 2, nil, nil)
	f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
		if r.Service == "ssm" && r.Account == fakeaws.AccountID(1) {
			return fakeaws.Throttle("ssm")
		}
		return nil
	}
	code, r := f.runJSON("preflight", "-max-attempts", "3")
	got := findings(r, "ssm.preferences")
	if code != report.ExitFindings || len(got) != 1 || !strings.Contains(got[0].Message, "throttled") || !strings.Contains(got[0].Fix, "-concurrency") {
		t.Fatalf("exit %d, findings %+v", code, got)
	}
	// 3 readable accounts × 2 regions, and 3 attempts in the throttled account (which stops there).
	if n := f.srv.Calls("ssm", "GetDocument"); n != 3*2+3 {
		t.Errorf("GetDocument called %d times, want 9", n)
	}
}

// Access denied in the management account: exit 2, the missing permission named, no stack trace.
func TestAccessDeniedNamesThePermission(t *testing.T) {
	f := newFake(t, 2, nil, nil)
	f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
		if r.Operation == "ListAWSServiceAccessForOrganization" {
			return fakeaws.Denied(r.Service, "organizations:ListAWSServiceAccessForOrganization")
		}
		return nil
	}
	code, out, errOut := f.run("preflight")
	if code != report.ExitCouldNot {
		t.Fatalf("exit %d, want 2:\n%s", code, out)
	}
	if !strings.Contains(out, "access denied: organizations:ListAWSServiceAccessForOrganization in 111111111111") || strings.Contains(out+errOut, "goroutine") {
		t.Errorf("the report should name the permission, without a stack trace:\n%s%s", out, errOut)
	}
}

// Access denied in a member account is a finding of that account; the others are checked.
func TestAccessDeniedInOneAccount(t *testing.T) {
	f := newFake(t, 3, nil, nil)
	f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
		if r.Service == "ec2" && r.Account == fakeaws.AccountID(2) {
			return fakeaws.Denied("ec2", "ec2:DescribeInstances")
		}
		return nil
	}
	code, r := f.runJSON("preflight")
	got := findings(r, "access.denied")
	if code != report.ExitFindings || len(got) != 2 || got[0].Account != fakeaws.AccountID(2) || !strings.Contains(got[0].Fix, "ec2:DescribeInstances") {
		t.Fatalf("exit %d, findings:\n%s", code, failing(r))
	}
}

// No credentials: exit 2 with what to do.
func TestMissingCredentials(t *testing.T) {
	f := newFake(t, 1, nil, nil)
	f.creds = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no valid providers in chain")
	})
	code, out, errOut := f.run("verify")
	if code != report.ExitCouldNot || !strings.Contains(out, "no AWS credentials") || !strings.Contains(out, "AWS_PROFILE") || strings.Contains(out+errOut, "goroutine") {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
}

// Every list operation is read past its first page.
func TestPaginationPastOnePage(t *testing.T) {
	f := newFake(t, 9, nil, func(o *fakeaws.Org) {
		o.PageSize = 2
		o.Account(fakeaws.AccountID(8)).RolePolicies[fakeaws.InstanceRole] = []string{"AmazonSSMManagedInstanceCore"}
	})
	code, r := f.runJSON("preflight")
	if r.Accounts != 11 {
		t.Errorf("accounts = %d, want 11 (every page of ListAccountsForParent)", r.Accounts)
	}
	got := findings(r, "iam.instance-roles")
	if code != report.ExitFindings || len(got) != 1 || got[0].Account != fakeaws.AccountID(8) {
		t.Fatalf("exit %d, want the one role finding of the last account:\n%s", code, failing(r))
	}
	if f.srv.Calls("organizations", "ListAccountsForParent") < 6 {
		t.Errorf("ListAccountsForParent called %d times: pages were not followed", f.srv.Calls("organizations", "ListAccountsForParent"))
	}
}

// The human report explains each kind of finding once and lists where.
func TestHumanReport(t *testing.T) {
	f := newFake(t, 4, nil, func(o *fakeaws.Org) {
		for i := range 4 {
			o.Account(fakeaws.AccountID(i)).RolePolicies[fakeaws.InstanceRole] = []string{}
		}
	})
	code, out, _ := f.run("preflight")
	// Two groups of notes (outside-targets, exempt-principals) and one of the four warnings.
	if code != report.ExitFindings || strings.Count(out, "means:") != 3 || strings.Count(out, " AppInstanceRole: role") != 4 || !strings.Contains(out, "exit status 1 (findings to fix)") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestUsageAndBadConfig(t *testing.T) {
	f := newFake(t, 1, nil, nil)
	if code, _, _ := f.run("nonsense"); code != report.ExitCouldNot {
		t.Errorf("unknown command: exit %d", code)
	}
	f.path = f.path + ".missing"
	code, stdout, _ := f.run("preflight")
	if code != report.ExitCouldNot || !strings.Contains(stdout, "configuration") {
		t.Errorf("missing configuration: exit %d\n%s", code, stdout)
	}
	f.path = strings.TrimSuffix(f.path, ".missing")
	if code, stdout, _ := f.run("verify", "-probe", "-probe-region", "mars-north-1"); code != report.ExitCouldNot || !strings.Contains(stdout, "not a governed region") {
		t.Errorf("-probe-region outside the governed regions: exit %d\n%s", code, stdout)
	}
}
