package cli

import (
	"context"
	"crypto"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/permissions"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// validateUsage is the validate command's line in the usage.
const validateUsage = `  validate   checks the signed hourly digests of -from … -to (hours) and the objects they list: in the
             bucket (-config) or in a downloaded copy (-dir, -public-key); exit 1 with findings
             (docs/evidence.md)
`

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

// validateFlags are the validate command's flags.
type validateFlags struct {
	dir, pubPath, from, to, configPath, archiveRole string
	maxAttempts                                     int
}

func validateCommand(ctx context.Context, args []string, d Deps) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(d.Stderr)
	setHelp(fs, d.Stderr)
	var f validateFlags
	fs.StringVar(&f.dir, "dir", "", dirUsage)
	fs.StringVar(&f.pubPath, "public-key", "", "the digests' public key, PEM or DER (digests/public-key.pem, or aws kms get-public-key); online, default: the bucket's "+archivelayout.DigestPublicKey)
	fs.StringVar(&f.from, "from", "", "first hour checked, UTC (2026-12-06T10, 2026-12-06 or RFC 3339; with -dir, default: the first digest of the copy)")
	fs.StringVar(&f.to, "to", "", "last hour checked, UTC (with -dir, default: the last digest of the copy)")
	fs.StringVar(&f.configPath, "config", getenv(d, "SESSIONAUDIT_CONFIG"), "configuration file, for the online check (default $SESSIONAUDIT_CONFIG)")
	fs.StringVar(&f.archiveRole, "archive-role", permissions.DefaultReadRole, "role assumed in the log-archive account to read the bucket (none when the caller is the log-archive account; sessionaudit policy prints its policy)")
	fs.IntVar(&f.maxAttempts, "max-attempts", 10, "attempts per AWS call (throttling and 5xx are retried with backoff)")
	jsonOut := fs.Bool("json", false, "write the report as JSON (for CI)")
	fs.Bool("quiet", false, "no progress lines on stderr (validate writes none)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return report.ExitCouldNot
	}
	rep := &report.Report{Command: "validate"}
	start := d.Now()
	if f.dir != "" {
		rep.Fatal = runValidate(rep, f.dir, f.pubPath, f.from, f.to)
	} else {
		rep.Fatal = runValidateOnline(ctx, rep, f, d)
	}
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

func getenv(d Deps, name string) string {
	if d.Getenv == nil {
		return ""
	}
	return d.Getenv(name)
}

// runValidate fills rep from a downloaded copy and returns why it could not run, if it could not.
func runValidate(rep *report.Report, dir, pubPath, from, to string) string {
	if pubPath == "" {
		return "pass -public-key <file> (digests/public-key.pem of the bucket, or aws kms get-public-key; docs/evidence.md)"
	}
	pub, fatal := readPublicKey(pubPath)
	if fatal != "" {
		return fatal
	}
	opts := evidence.DirOptions{Dir: dir, PublicKey: pub}
	if fatal := parseRange(from, to, &opts.From, &opts.To); fatal != "" {
		return fatal
	}
	problems, err := evidence.ValidateDir(opts)
	if err != nil {
		return err.Error()
	}
	addProblems(rep, problems)
	return ""
}

func readPublicKey(path string) (crypto.PublicKey, string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Sprintf("-public-key: %v", err)
	}
	pub, err := evidence.ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Sprintf("-public-key: %v (got %s)", err, path)
	}
	return pub, ""
}

// parseRange parses -from and -to into from and to (unset values stay zero), all errors at once.
func parseRange(fromS, toS string, from, to *time.Time) string {
	var bad []string
	for _, f := range []struct {
		name, value string
		into        *time.Time
	}{{"-from", fromS, from}, {"-to", toS, to}} {
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
	return ""
}

func addProblems(rep *report.Report, problems []evidence.Problem) {
	for _, p := range problems {
		sev := report.Fail
		if p.Info {
			sev = report.Info
		}
		m := digestMeaning[p.Kind]
		rep.Add(report.Finding{Check: p.Kind, Severity: sev, Subject: p.Subject, Message: p.Message, Meaning: m[0], Fix: m[1]})
	}
}

func parseHour(s string) (time.Time, bool) {
	for _, l := range hourLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
