package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/check"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// doorChecks are the checks of the open doors.
var doorChecks = []string{check.CheckSerialConsole, check.CheckInstanceConnectEndpoints, check.CheckECSExecLogging}

// doorRegion is the region the door cases open a door in (the example configuration's second
// governed region; the log-archive account, read by preflight and sampled first by verify).
const doorRegion = "us-east-1"

// inDoorRegion changes the log-archive account's doorRegion.
func inDoorRegion(change func(*fakeaws.Region)) func(*fakeaws.Org) {
	return func(o *fakeaws.Org) { change(o.Account(o.LogArchive).Regions[doorRegion]) }
}

func withWay(way, setting string) func(map[string]any) {
	return func(m map[string]any) {
		m["guardrails"].(map[string]any)["ways"] = map[string]any{way: setting}
	}
}

// The healthy organization has its doors closed: neither command reports one.
func TestDoorsHealthy(t *testing.T) {
	eachPageMode(t, func(t *testing.T, m pageMode) {
		f := newFakeIn(t, m, 3, nil, nil)
		for _, cmd := range []string{"preflight", "verify"} {
			code, r := f.runJSON(cmd)
			for _, c := range doorChecks {
				if got := findings(r, c); len(got) > 0 || code != report.ExitClean {
					t.Errorf("%s: exit %d, %s findings %+v:\n%s", cmd, code, c, got, failing(r))
				}
			}
		}
		if f.srv.Calls("ecs", "DescribeClusters") == 0 || f.srv.Calls("ec2", "GetSerialConsoleAccessStatus") == 0 || f.srv.Calls("ec2", "DescribeInstanceConnectEndpoints") == 0 {
			t.Errorf("a door was not read")
		}
	})
}

// Each open, unknown or unreadable door, in preflight and verify: a finding of the log-archive
// account and doorRegion naming the door, with the severity of its way's setting in force.
func TestDoorsFindings(t *testing.T) {
	endpoint := func(state string) func(*fakeaws.Region) {
		return func(r *fakeaws.Region) {
			r.ICEndpoints = []fakeaws.ICEndpoint{{ID: "eice-0closed", VPC: "vpc-private", Subnet: "subnet-private", State: "delete-complete"},
				{ID: "eice-0door", VPC: "vpc-private", Subnet: "subnet-private", State: state}}
		}
	}
	cluster := func(c fakeaws.Cluster) func(*fakeaws.Region) {
		return func(r *fakeaws.Region) { c.Name = "door"; r.Clusters = append(r.Clusters, c) }
	}
	cases := []struct {
		name   string
		change func(map[string]any)
		region func(*fakeaws.Region)
		check  string
		// preflight and verify severities; "" is no finding
		preflight, verify report.Severity
		contains          string
	}{
		{"serial console enabled, notify", nil, func(r *fakeaws.Region) { r.SerialConsole = "true" }, check.CheckSerialConsole, report.Warn, report.Warn, "serial console access is enabled"},
		{"serial console enabled, deny", withWay("serialConsole", "deny"), func(r *fakeaws.Region) { r.SerialConsole = "true" }, check.CheckSerialConsole, report.Warn, report.Fail, "disable-serial-console-access"},
		{"serial console enabled, allow", withWay("serialConsole", "allow"), func(r *fakeaws.Region) { r.SerialConsole = "true" }, check.CheckSerialConsole, report.Info, report.Info, "is allow"},
		{"serial console answer without the field", nil, func(r *fakeaws.Region) { r.SerialConsole = fakeaws.NoAnswer }, check.CheckSerialConsole, report.Warn, report.Warn, "without SerialConsoleAccessEnabled"},
		{"serial console unknown, allow", withWay("serialConsole", "allow"), func(r *fakeaws.Region) { r.SerialConsole = fakeaws.NoAnswer }, check.CheckSerialConsole, report.Warn, report.Warn, "may be enabled"},
		{"serial console enabled by a declarative policy", nil, func(r *fakeaws.Region) { r.SerialConsole, r.SerialConsoleManagedBy = "true", "declarative-policy" }, check.CheckSerialConsole, report.Warn, report.Warn, "managed by a declarative policy"},
		{"serial console disabled", nil, func(r *fakeaws.Region) { r.SerialConsole = "false" }, check.CheckSerialConsole, "", "", ""},
		{"endpoint create-complete", nil, endpoint("create-complete"), check.CheckInstanceConnectEndpoints, report.Warn, report.Warn, "eice-0door"},
		{"endpoint update-complete", nil, endpoint("update-complete"), check.CheckInstanceConnectEndpoints, report.Warn, report.Warn, "eice-0door"},
		{"endpoint create-complete, deny", withWay("instanceConnectEndpoint", "deny"), endpoint("create-complete"), check.CheckInstanceConnectEndpoints, report.Warn, report.Fail, "delete-instance-connect-endpoint"},
		{"endpoint delete-in-progress", nil, endpoint("delete-in-progress"), check.CheckInstanceConnectEndpoints, "", "", ""},
		{"endpoint in a state this version does not know", nil, endpoint("suspended"), check.CheckInstanceConnectEndpoints, report.Warn, report.Warn, `"suspended"`},
		{"endpoint without a state", withWay("instanceConnectEndpoint", "allow"), endpoint(""), check.CheckInstanceConnectEndpoints, report.Warn, report.Warn, "does not know"},
		{"cluster logging NONE", nil, cluster(fakeaws.Cluster{Logging: "NONE"}), check.CheckECSExecLogging, report.Warn, report.Warn, "cluster door logs no ECS Exec session"},
		{"cluster logging NONE, deny", withWay("ecsExec", "deny"), cluster(fakeaws.Cluster{Logging: "NONE"}), check.CheckECSExecLogging, report.Warn, report.Fail, "update-cluster --region <region> --cluster <cluster>"},
		{"cluster OVERRIDE without a destination", nil, cluster(fakeaws.Cluster{Logging: "OVERRIDE"}), check.CheckECSExecLogging, report.Warn, report.Warn, "OVERRIDE without a log group or bucket"},
		{"cluster OVERRIDE to a bucket", nil, cluster(fakeaws.Cluster{Logging: "OVERRIDE", Bucket: "exec-logs"}), check.CheckECSExecLogging, "", "", ""},
		{"cluster logging DEFAULT", nil, cluster(fakeaws.Cluster{Logging: "DEFAULT"}), check.CheckECSExecLogging, report.Info, report.Info, "awslogs"},
		{"cluster logging DEFAULT, deny", withWay("ecsExec", "deny"), cluster(fakeaws.Cluster{Logging: "DEFAULT"}), check.CheckECSExecLogging, report.Info, report.Warn, "awslogs"},
		{"cluster without an execute command configuration", nil, cluster(fakeaws.Cluster{}), check.CheckECSExecLogging, report.Info, report.Info, "DEFAULT (unset)"},
		{"cluster logging this version does not know", nil, cluster(fakeaws.Cluster{Logging: "VERBOSE"}), check.CheckECSExecLogging, report.Warn, report.Warn, "VERBOSE"},
		{"cluster DescribeClusters does not describe", withWay("ecsExec", "allow"), cluster(fakeaws.Cluster{Logging: "NONE", Missing: true}), check.CheckECSExecLogging, report.Warn, report.Warn, "MISSING"},
		{"inactive cluster", nil, cluster(fakeaws.Cluster{Logging: "NONE", Status: "INACTIVE"}), check.CheckECSExecLogging, "", "", ""},
	}
	eachPageMode(t, func(t *testing.T, m pageMode) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := newFakeIn(t, m, 3, tc.change, inDoorRegion(tc.region))
				for _, run := range []struct {
					cmd  string
					want report.Severity
				}{{"preflight", tc.preflight}, {"verify", tc.verify}} {
					_, r := f.runJSON(run.cmd)
					got := findings(r, tc.check)
					if run.want == "" {
						if len(got) > 0 {
							t.Errorf("%s: want no %s finding, got %+v", run.cmd, tc.check, got)
						}
						continue
					}
					if len(got) != 1 {
						t.Fatalf("%s: want one %s finding, got %+v; all:\n%s", run.cmd, tc.check, got, failing(r))
					}
					g := got[0]
					if g.Severity != run.want || g.Account != f.cfg.LogArchiveAccountID || g.Region != doorRegion || g.Subject == "" || g.Meaning == "" || g.Fix == "" ||
						!strings.Contains(g.Message+" "+g.Subject+" "+g.Meaning+" "+g.Fix, tc.contains) {
						t.Errorf("%s: want a %s finding of %s %s with %q, got %+v", run.cmd, run.want, f.cfg.LogArchiveAccountID, doorRegion, tc.contains, g)
					}
				}
			})
		}
	})
}

// A door that cannot be read is an access.* finding naming the permission, never clean.
func TestDoorsUnreadable(t *testing.T) {
	for _, op := range []struct{ service, name, action string }{
		{"ec2", "GetSerialConsoleAccessStatus", "ec2:GetSerialConsoleAccessStatus"},
		{"ec2", "DescribeInstanceConnectEndpoints", "ec2:DescribeInstanceConnectEndpoints"},
		{"ecs", "ListClusters", "ecs:ListClusters"},
		{"ecs", "DescribeClusters", "ecs:DescribeClusters"},
	} {
		t.Run(op.name, func(t *testing.T) {
			f := newFake(t, 2, nil, nil)
			f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
				if r.Operation == op.name && r.Account == f.cfg.LogArchiveAccountID && r.Region == doorRegion {
					return fakeaws.Denied(op.service, op.action)
				}
				return nil
			}
			for _, cmd := range []string{"preflight", "verify"} {
				code, r := f.runJSON(cmd)
				got := findings(r, "access.denied")
				if code != report.ExitFindings || len(got) != 1 || got[0].Account != f.cfg.LogArchiveAccountID || got[0].Region != doorRegion || !strings.Contains(got[0].Fix, op.action) {
					t.Errorf("%s: exit %d, access.denied %+v:\n%s", cmd, code, got, failing(r))
				}
			}
		})
	}
}

// More clusters than one DescribeClusters call may name (100) are described in batches, through
// every ListClusters page; a door in the last batch is found.
func TestDoorsManyClusters(t *testing.T) {
	eachPageMode(t, func(t *testing.T, m pageMode) {
		f := newFakeIn(t, m, 1, nil, inDoorRegion(func(r *fakeaws.Region) {
			r.Clusters = nil
			for i := range 201 {
				r.Clusters = append(r.Clusters, fakeaws.Cluster{Name: fmt.Sprintf("c%03d", i), Logging: "OVERRIDE", LogGroup: "/ecs/exec"})
			}
			r.Clusters[200].Logging, r.Clusters[200].LogGroup = "NONE", ""
		}))
		_, r := f.runJSON("preflight")
		got := findings(r, check.CheckECSExecLogging)
		if len(got) != 1 || got[0].Subject != "c200" {
			t.Errorf("want one finding of cluster c200, got %+v:\n%s", got, failing(r))
		}
	})
}

// A door open in many accounts is explained once in the person's report, its places listed.
func TestDoorsGroupedInTheReport(t *testing.T) {
	f := newFake(t, 4, nil, func(o *fakeaws.Org) {
		for _, a := range o.Accounts {
			for _, r := range a.Regions {
				r.SerialConsole = "true"
			}
		}
	})
	code, out, _ := f.run("preflight")
	if want := fmt.Sprintf("WARN ec2.serial-console (%d)", 6*2); code != report.ExitFindings || strings.Count(out, "ec2.serial-console (") != 1 || !strings.Contains(out, want) {
		t.Errorf("exit %d; want one group %q:\n%s", code, want, out)
	}
}

// An answer the SDK cannot read (serialConsoleAccessEnabled not a boolean) is a failed check of
// that account and region, never clean.
func TestDoorsUnreadableAnswer(t *testing.T) {
	f := newFake(t, 2, nil, inDoorRegion(func(r *fakeaws.Region) { r.SerialConsole = "perhaps" }))
	for _, cmd := range []string{"preflight", "verify"} {
		code, r := f.runJSON(cmd)
		got := findings(r, check.CheckSerialConsole)
		if code != report.ExitFindings || len(got) != 1 || got[0].Severity != report.Fail || got[0].Account != f.cfg.LogArchiveAccountID || got[0].Region != doorRegion {
			t.Errorf("%s: exit %d, %s findings %+v", cmd, code, check.CheckSerialConsole, got)
		}
	}
}
