package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/permissions"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// The operator's credentials in the fake: the management account of the example configuration.
const operatorKey = "AKIDOPERATOR"

// fake is one fake organization behind a fake AWS endpoint, with the configuration it matches.
type fake struct {
	t        *testing.T
	srv      *fakeaws.Server
	org      *fakeaws.Org
	cfg      config.Config
	path     string
	recorder *awsapi.Recorder
	now      time.Time
	creds    aws.CredentialsProvider
}

// exampleConfig is config/example.sessionaudit.json with changes applied to its JSON.
func exampleConfig(t *testing.T, change func(m map[string]any)) (config.Config, string) {
	t.Helper()
	data, err := os.ReadFile("../../config/example.sessionaudit.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "$schema")
	if change != nil {
		change(m)
	}
	data, _ = json.Marshal(m)
	path := filepath.Join(t.TempDir(), "org.sessionaudit.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return c, path
}

// newFake starts a healthy organization of members member accounts for the example configuration
// (changed by change), and lets mutate break it.
func newFake(t *testing.T, members int, change func(map[string]any), mutate func(*fakeaws.Org)) *fake {
	t.Helper()
	c, path := exampleConfig(t, change)
	org := fakeaws.Healthy(c, members, permissions.DefaultReadRole)
	if mutate != nil {
		mutate(org)
	}
	srv := fakeaws.NewServer(operatorKey, c.ManagementAccountID)
	org.Serve(srv)
	t.Cleanup(srv.Close)
	return &fake{t: t, srv: srv, org: org, cfg: c, path: path, recorder: awsapi.NewRecorder(), now: time.Now(),
		creds: credentials.NewStaticCredentialsProvider(operatorKey, "secret", "")}
}

func (f *fake) deps(stdout, stderr *bytes.Buffer) Deps {
	return Deps{
		Stdout: stdout, Stderr: stderr, Getenv: func(string) string { return "" }, Recorder: f.recorder,
		Now: func() time.Time { return f.now }, MaxBackoff: 5 * time.Millisecond,
		LoadAWS: func(ctx context.Context, region string, retryer func() aws.Retryer) (aws.Config, error) {
			return aws.Config{Region: region, BaseEndpoint: aws.String(f.srv.URL), Credentials: f.creds, Retryer: retryer}, nil
		},
	}
}

// run runs the command line and returns its exit status, stdout and stderr.
func (f *fake) run(args ...string) (int, string, string) {
	f.t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "-config", f.path, "-quiet")
	code := Main(context.Background(), args, f.deps(&out, &errOut))
	return code, out.String(), errOut.String()
}

// runJSON runs with -json and decodes the report.
func (f *fake) runJSON(args ...string) (int, *report.Report) {
	f.t.Helper()
	code, out, errOut := f.run(append(args, "-json")...)
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		f.t.Fatalf("report is not JSON: %v\n%s\nstderr: %s", err, out, errOut)
	}
	return code, &r
}

// findings are the report's findings of check (all severities).
func findings(r *report.Report, check string) []report.Finding {
	var out []report.Finding
	for _, f := range r.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// failing lists the fail and warn findings (for messages).
func failing(r *report.Report) string {
	var b bytes.Buffer
	for _, f := range r.Findings {
		if f.Severity != report.Info {
			b.WriteString(string(f.Severity) + " " + f.Check + " " + f.Account + " " + f.Region + " " + f.Subject + ": " + f.Message + "\n")
		}
	}
	return b.String()
}

// pageMode is how the fake pages its answers: AWS may return fewer items than asked with a
// NextToken, so the checks run with the fake's default page size and with one item a page.
type pageMode struct {
	name     string
	pageSize int
}

var pageModes = []pageMode{{"default pages", 0}, {"one item per page", fakeaws.OneItemPerPage}}

// eachPageMode runs test once in every page mode.
func eachPageMode(t *testing.T, test func(t *testing.T, m pageMode)) {
	t.Helper()
	for _, m := range pageModes {
		t.Run(m.name, func(t *testing.T) { test(t, m) })
	}
}

// newFakeIn is newFake with the fake answering in page mode m.
func newFakeIn(t *testing.T, m pageMode, members int, change func(map[string]any), mutate func(*fakeaws.Org)) *fake {
	t.Helper()
	return newFake(t, members, change, func(o *fakeaws.Org) {
		o.PageSize = m.pageSize
		if mutate != nil {
			mutate(o)
		}
	})
}
