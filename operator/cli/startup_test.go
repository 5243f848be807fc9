package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// A -json run that cannot start says why on stderr, in one line, and still writes the JSON
// report with the same reason on stdout (issue 28, item 8: a CI log shows stderr).
func TestJSONRunThatCannotStartSaysWhyOnStderr(t *testing.T) {
	badConfig := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(badConfig, []byte(`{"organizationId": "example"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		setup   func(f *fake, d *Deps) []string
		command string
		want    string
	}{
		{"no configuration", func(f *fake, d *Deps) []string { return nil }, "preflight", "no configuration"},
		{"invalid configuration", func(f *fake, d *Deps) []string { return []string{"-config", badConfig} }, "verify", "configuration " + badConfig},
		{"no credentials", func(f *fake, d *Deps) []string {
			d.LoadAWS = func(context.Context, string, func() aws.Retryer) (aws.Config, error) {
				return aws.Config{}, errors.New("failed to get shared config profile, nope")
			}
			return []string{"-config", f.path}
		}, "preflight", "loading the AWS configuration: failed to get shared config profile"},
		{"credentials AWS does not know", func(f *fake, d *Deps) []string {
			f.creds = credentials.NewStaticCredentialsProvider("AKIDUNKNOWN", "secret", "")
			return []string{"-config", f.path}
		}, "preflight", "sts:GetCallerIdentity"},
		{"caller without an identity", func(f *fake, d *Deps) []string {
			f.srv.Handle("sts", "GetCallerIdentity", func(*fakeaws.Request) (any, error) { return map[string]any{"UserId": "AROAFAKE:x"}, nil })
			return []string{"-config", f.path}
		}, "verify", "did not say who the caller is"},
		{"organization refused to the caller", func(f *fake, d *Deps) []string {
			f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
				if r.Operation == "DescribeOrganization" {
					return fakeaws.Denied(r.Service, "organizations:DescribeOrganization")
				}
				return nil
			}
			return []string{"-config", f.path}
		}, "preflight", "access denied: organizations:DescribeOrganization"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 1, nil, nil)
			var out, errOut bytes.Buffer
			d := f.deps(&out, &errOut)
			args := append([]string{tc.command, "-json", "-quiet"}, tc.setup(f, &d)...)
			code := Main(context.Background(), args, d)
			var r report.Report
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("stdout is not the JSON report: %v\n%s", err, out.String())
			}
			if code != report.ExitCouldNot || r.Fatal == "" {
				t.Fatalf("exit %d, fatal %q; want exit 2 with a reason", code, r.Fatal)
			}
			lines := strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "sessionaudit "+tc.command+" could not run: ") || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr %q: want one line \"sessionaudit %s could not run: …%s…\"", errOut.String(), tc.command, tc.want)
			}
			if !strings.Contains(lines[0], oneLine(r.Fatal)) {
				t.Errorf("stderr %q does not carry the report's reason %q", lines[0], r.Fatal)
			}
		})
	}
}

// A -json run that ran writes nothing on stderr with -quiet: the line is for runs that could not
// start, not for findings.
func TestJSONRunThatRanIsQuietOnStderr(t *testing.T) {
	f := newFake(t, 2, nil, func(o *fakeaws.Org) { o.TrustedAccess = nil })
	code, out, errOut := f.run("preflight", "-json")
	if code != report.ExitFindings || errOut != "" {
		t.Errorf("exit %d, stderr %q; want 1 and nothing on stderr\n%s", code, errOut, out)
	}
}

// The report names the caller: the ARN sts:GetCallerIdentity returns, in the JSON and the human
// report.
func TestReportNamesTheCaller(t *testing.T) {
	f := newFake(t, 2, nil, nil)
	want := "arn:aws:sts::" + f.cfg.ManagementAccountID + ":assumed-role/Operator/session"
	for _, command := range []string{"preflight", "verify"} {
		if _, r := f.runJSON(command); r.Caller != want {
			t.Errorf("%s -json: caller %q, want %q", command, r.Caller, want)
		}
		if _, out, _ := f.run(command); !strings.Contains(out, "caller "+want+",") {
			t.Errorf("%s: the report does not name the caller %s:\n%s", command, want, out)
		}
	}
}

// Without credentials anywhere, the SDK's default chain asks the instance metadata service last;
// one that refuses the IMDSv2 token (405, as outside EC2 behind a proxy) made the SDK log "falling
// back to IMDSv1" on stderr. The run says only, in its one line, that it has no credentials.
func TestNoCredentialsIsQuiet(t *testing.T) {
	var tokenAsked atomic.Int32
	imdsSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
			tokenAsked.Add(1)
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(http.StatusNotFound)
	}))
	defer imdsSrv.Close()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": imdsSrv.URL, "AWS_EC2_METADATA_DISABLED": "",
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
		"AWS_ROLE_ARN": "", "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
	} {
		t.Setenv(k, v)
	}
	_, path := exampleConfig(t, nil)
	// The SDK's default logger writes to os.Stderr as it is when the configuration is loaded.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"preflight", "-json", "-quiet", "-config", path, "-max-attempts", "1"},
		Deps{Stdout: &out, Stderr: &errOut, MaxBackoff: 1})
	os.Stderr = saved
	w.Close()
	sdkOut, _ := io.ReadAll(r)
	if tokenAsked.Load() == 0 {
		t.Fatalf("the SDK did not ask the fake instance metadata service: the test does not exercise it (exit %d, %s)", code, errOut.String())
	}
	if code != report.ExitCouldNot || !strings.Contains(errOut.String(), "could not run") {
		t.Errorf("exit %d, stderr %q: want 2 and the reason", code, errOut.String())
	}
	if len(sdkOut) > 0 {
		t.Errorf("the SDK wrote to stderr: %q", sdkOut)
	}
}
