package cli

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// validateUsage is the validate command's line in the usage.
const validateUsage = "  validate   checks the signed hourly digests of a downloaded copy of the archive (-dir, -public-key; docs/evidence.md)\n"

// hourLayouts are the forms -from and -to accept (UTC).
var hourLayouts = []string{time.RFC3339, "2006-01-02T15", "2006-01-02"}

// digestMeaning and digestFix say, per kind of problem, what it means and what to do.
var digestMeaning = map[string][2]string{
	evidence.MissingHour:      {"an hour of the range has no signed digest: a digest was removed, or the digester did not run", "look for the digest in the bucket's versions (aws s3api list-object-versions --prefix digests/) and the digester's errors; docs/evidence.md"},
	evidence.BadSignature:     {"the digest is not the one the signing key signed: it was altered or replaced, and it vouches for nothing", "compare with the digest's versions in the bucket; docs/evidence.md \"Checking the digests without sessionaudit\""},
	evidence.UnknownSignerKey: {"the digest was signed with another key than the public key given", "fetch the public key the digest names (aws kms get-public-key, the LogArchive stack's output) and validate again"},
	evidence.BrokenChain:      {"a digest does not name the previous one as it is: a digest was replaced or removed", "compare both digests with their versions in the bucket; docs/evidence.md"},
	evidence.MissingObject:    {"a listed object is not in the copy: it was deleted (or not downloaded)", "download it again (aws s3 sync); if it is gone from the bucket, see its versions and the bucket's CloudTrail data events"},
	evidence.AlteredObject:    {"the copy's bytes are not those the digest recorded: the object was altered, or its newest version deleted", "aws s3api list-object-versions for the key; the first version is the record"},
	evidence.UnlistedObject:   {"an object written in the range is in no digest: it was written around the digester, or its digest is missing", "check the hour's digest and the object's versions; the object is not covered by the evidence"},
	evidence.ManyVersions:     {"the key was written more than once: a member can overwrite its own transcript, and the search reads the first version", "read the versions (aws s3api list-object-versions); the first is the record"},
	evidence.ChainStart:       {"the check starts here: the link to an earlier digest is not checked", "download the earlier digests too, or pass an earlier -from"},
	evidence.OutsideRange:     {"files outside the range are not judged", "widen -from and -to to judge them"},
}

func validateCommand(args []string, d Deps) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(d.Stderr)
	dir := fs.String("dir", "", "a downloaded copy of the archive bucket (aws s3 sync s3://<bucket> <dir>)")
	pubPath := fs.String("public-key", "", "the digests' public key, PEM or DER (digests/public-key.pem, or aws kms get-public-key)")
	from := fs.String("from", "", "first hour checked, UTC (2026-12-06T10, 2026-12-06 or RFC 3339; default: the first digest of the copy)")
	to := fs.String("to", "", "last hour checked, UTC (default: the last digest of the copy)")
	jsonOut := fs.Bool("json", false, "write the report as JSON (for CI)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return report.ExitCouldNot
	}
	rep := &report.Report{Command: "validate"}
	start := d.Now()
	rep.Fatal = runValidate(rep, *dir, *pubPath, *from, *to)
	rep.Duration = d.Now().Sub(start)
	if *jsonOut {
		if rep.Fatal != "" {
			fmt.Fprintf(d.Stderr, "sessionaudit validate could not run: %s\n", oneLine(rep.Fatal))
		}
		if err := rep.WriteJSON(d.Stdout); err != nil {
			return report.ExitCouldNot
		}
	} else if err := rep.WriteHuman(d.Stdout); err != nil {
		return report.ExitCouldNot
	}
	return rep.ExitCode()
}

// runValidate fills rep and returns why it could not run, if it could not.
func runValidate(rep *report.Report, dir, pubPath, from, to string) string {
	if dir == "" {
		return "pass -dir <a downloaded copy of the bucket> (the online check is not there yet; docs/evidence.md)"
	}
	if pubPath == "" {
		return "pass -public-key <file> (digests/public-key.pem of the bucket, or aws kms get-public-key; docs/evidence.md)"
	}
	data, err := os.ReadFile(pubPath)
	if err != nil {
		return fmt.Sprintf("-public-key: %v", err)
	}
	pub, err := evidence.ParsePublicKey(data)
	if err != nil {
		return fmt.Sprintf("-public-key: %v (got %s)", err, pubPath)
	}
	opts := evidence.DirOptions{Dir: dir, PublicKey: pub}
	var bad []string
	for _, f := range []struct {
		name, value string
		into        *time.Time
	}{{"-from", from, &opts.From}, {"-to", to, &opts.To}} {
		if f.value == "" {
			continue
		}
		t, ok := parseHour(f.value)
		if !ok {
			bad = append(bad, fmt.Sprintf("%s: not an hour like 2026-12-06T10 (got %s)", f.name, f.value))
		}
		*f.into = t
	}
	if len(bad) > 0 {
		return fmt.Sprint(bad)
	}
	problems, err := evidence.ValidateDir(opts)
	if err != nil {
		return err.Error()
	}
	for _, p := range problems {
		sev := report.Fail
		if p.Info {
			sev = report.Info
		}
		m := digestMeaning[p.Kind]
		rep.Add(report.Finding{Check: p.Kind, Severity: sev, Subject: p.Subject, Message: p.Message, Meaning: m[0], Fix: m[1]})
	}
	return ""
}

func parseHour(s string) (time.Time, bool) {
	for _, l := range hourLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
