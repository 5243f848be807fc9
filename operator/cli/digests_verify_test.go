package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// verify reads the digests of the last full hour and the hour before by their keys: either there
// is fresh; neither is "digests stopped"; an unreadable answer is a finding, never clean.
func TestVerifyDigestsFresh(t *testing.T) {
	last := func() time.Time { return time.Now().UTC().Truncate(time.Hour).Add(-time.Hour) }
	remove := func(hours ...int) func(o *fakeaws.Org) {
		return func(o *fakeaws.Org) {
			for _, h := range hours {
				delete(o.Versions, archivelayout.DigestKey(last().Add(-time.Duration(h)*time.Hour)))
			}
		}
	}
	cases := []struct {
		name     string
		mutate   func(o *fakeaws.Org)
		inject   func(r *fakeaws.Request) *fakeaws.APIError
		severity report.Severity
		check    string
		want     string
	}{
		{"healthy", nil, nil, report.Info, checkDigestsName, "newest expected digest"},
		{"the last hour's not yet written", remove(0), nil, report.Info, checkDigestsName, "newest expected digest"},
		{"digests stopped", remove(0, 1), nil, report.Fail, checkDigestsName, "digests stopped"},
		{"no digest ever", remove(0, 1, 2), nil, report.Fail, checkDigestsName, "digests stopped"},
		{"unreadable", nil, func(r *fakeaws.Request) *fakeaws.APIError {
			if r.Operation == "GetObject" && strings.Contains(r.Path, archivelayout.DigestPrefix) {
				return fakeaws.Denied("s3", "s3:GetObject")
			}
			return nil
		}, report.Fail, "access.denied", "s3:GetObject"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, 2, nil, c.mutate)
			f.srv.Inject = c.inject
			code, r := f.runJSON("verify")
			fs := findings(r, c.check)
			var hit bool
			for _, x := range fs {
				if x.Severity == c.severity && strings.Contains(x.Message+x.Fix, c.want) {
					hit = true
				}
			}
			if !hit {
				t.Errorf("no %s %s finding with %q:\n%+v\n%s", c.severity, c.check, c.want, fs, failing(r))
			}
			if wantClean := c.severity == report.Info; wantClean != (code == report.ExitClean) {
				t.Errorf("exit %d:\n%s", code, failing(r))
			}
		})
	}
}

// checkDigestsName is the verify check of the digests' freshness (operator/check).
const checkDigestsName = "s3.digests"
