package cli

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/operator/report"
)

// An organization of 1,000 member accounts, read with bounded concurrency. SESSIONAUDIT_BENCH=1
// (make bench) prints time and memory; the test itself asserts that every account was read.
func TestOrganizationOf1000Accounts(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	f := newFake(t, 1000, nil, nil)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	code, r := f.runJSON("preflight", "-concurrency", "32")
	preflight := time.Since(start)
	if code != report.ExitClean || r.Accounts != 1002 {
		t.Fatalf("exit %d, accounts %d:\n%s", code, r.Accounts, failing(r))
	}
	calls := f.srv.TotalCalls()
	start = time.Now()
	code, r = f.runJSON("verify", "-concurrency", "32")
	verify := time.Since(start)
	if code != report.ExitClean {
		t.Fatalf("verify exit %d:\n%s", code, failing(r))
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if os.Getenv("SESSIONAUDIT_BENCH") != "" {
		fmt.Printf("| preflight, 1,000 member accounts × 2 regions | %.2f | %d calls |\n", preflight.Seconds(), calls)
		fmt.Printf("| verify, 1,000 member accounts (coverage of 2,002 instances, 3 sampled) | %.2f | %d calls |\n", verify.Seconds(), f.srv.TotalCalls()-calls)
		fmt.Printf("| Go heap allocated over both runs (MiB), fake endpoint included | %.0f | |\n", float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
	}
}
