package test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAppRejectsBadConfigFile runs the built app the way the CDK CLI does (context in
// CDK_CONTEXT_JSON) on a config file with several mistakes.
func TestAppRejectsBadConfigFile(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "sessionaudit")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		`CDK_CONTEXT_JSON={"configFile":"testdata/bad-config.json"}`,
		"CDK_OUTDIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("want exit code 2, got %v\nstderr: %s", err, stderr.String())
	}
	got := stderr.String()
	want := []string{
		"invalid configuration in testdata/bad-config.json (6 problems):",
		`  organizationId: must be "o-" followed by 10 to 32 lowercase letters or digits (got "o-EXAMPLE")`,
		`  logArchiveAccountId: must be a 12-digit AWS account ID (got "2222")`,
		`  regions: must include homeRegion "ap-northeast-1" (got ["us-east-1"])`,
		`  session.idleTimeout: is not a known field; expected one of`,
		`  session.idleSessionTimeoutMinutes: must be between 1 and 60 (got 90)`,
		`  retention.objectLockMode: must be "GOVERNANCE", "COMPLIANCE" or "NONE" (got "governance")`,
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("stderr lacks %q\nstderr:\n%s", w, got)
		}
	}
	for _, bad := range []string{"panic:", "goroutine", "jsii", "at Object."} {
		if strings.Contains(got, bad) {
			t.Errorf("stderr shows %q:\n%s", bad, got)
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout should be empty, got %q", stdout.String())
	}
}
