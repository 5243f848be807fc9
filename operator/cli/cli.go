// Package cli is sessionaudit's operator command line (cmd/sessionaudit): `cost` (the cost model
// over cdk.out, formerly cmd/cost), `preflight` (before the first deploy), `verify` (after it)
// and `policy` (the IAM policy the two need). Exit status: 0 clean, 1 findings, 2 could not run.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/smithy-go/logging"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/check"
	"github.com/sessionaudit/sessionaudit/operator/permissions"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// Deps are what the commands take from their surroundings; tests replace them.
type Deps struct {
	Stdout, Stderr io.Writer
	// Getenv reads the environment (SESSIONAUDIT_CONFIG).
	Getenv func(string) string
	// LoadAWS returns the operator's AWS configuration for region with retryer. Default: the SDK's
	// default chain (environment, profile, SSO, IMDS; AWS_ENDPOINT_URL honoured).
	LoadAWS func(ctx context.Context, region string, retryer func() aws.Retryer) (aws.Config, error)
	// Recorder, when not nil, records every AWS operation called.
	Recorder *awsapi.Recorder
	// Now is the clock of verify's freshness check.
	Now func() time.Time
	// MaxBackoff caps the retryer's wait between attempts (tests shorten it). Default 20 s.
	MaxBackoff time.Duration
}

// DefaultDeps are the real surroundings.
func DefaultDeps() Deps {
	return Deps{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, LoadAWS: loadDefault, Now: time.Now}
}

// loadDefault is the SDK's default configuration with a quiet instance-metadata client: when no
// other source has credentials, the default chain asks the EC2 instance metadata service (IMDS),
// and where there is none that answers the token request with 403, 404 or 405 (a container, a
// laptop behind a proxy), the SDK's IMDS client logs "falling back to IMDSv1" on the SDK's default
// logger (stderr) into the operator's report. The credentials chain and the IMDS settings
// (AWS_EC2_METADATA_DISABLED, AWS_EC2_METADATA_SERVICE_ENDPOINT, the profile's) stay the SDK's:
// the IMDS client is made from the first load's configuration, only without its logger; the
// reason a run could not start is the command's own one line.
func loadDefault(ctx context.Context, region string, retryer func() aws.Retryer) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(region), awsconfig.WithRetryer(retryer)}
	base, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return base, err
	}
	quiet := imds.NewFromConfig(base, func(o *imds.Options) { o.Logger = logging.Nop{} })
	return awsconfig.LoadDefaultConfig(ctx, append(opts, awsconfig.WithEC2RoleCredentialOptions(func(o *ec2rolecreds.Options) { o.Client = quiet }))...)
}

const usage = `usage: sessionaudit <command> [flags]

commands:
` + costUsage + preflightUsage + verifyUsage + policyUsage + validateUsage + coverageUsage + sessionsUsage + reportUsage + showUsage + playUsage + `
preflight and verify read the configuration of -config (default $SESSIONAUDIT_CONFIG) and exit
0 when clean, 1 with findings, 2 when they could not run. docs/preflight-verify.md explains them.
sessionaudit <command> -h prints the command's forms, its flags and what each exit status means.
`

// auditorCommands are the commands whose calls sessionaudit policy -auditor grants (the recorder
// test TestAuditorPolicyMatchesTheCalls runs each).
const auditorCommands = "sessions, show, play, coverage, validate and report"

// Main runs the command line args (without the program name) and returns the exit status.
func Main(ctx context.Context, args []string, d Deps) int {
	if d.Getenv == nil {
		d.Getenv = func(string) string { return "" }
	}
	if d.LoadAWS == nil {
		d.LoadAWS = loadDefault
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if len(args) == 0 {
		fmt.Fprint(d.Stderr, usage)
		return report.ExitCouldNot
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(d.Stderr, usage) // asked for: exit 0, as gh's and tsh's help
		return report.ExitClean
	}
	if _, ok := helps[args[0]]; ok && helpOnly(args[1:]) {
		dispatch(ctx, args, d) // prints the help and returns 2, as for a bad flag
		return report.ExitClean
	}
	return dispatch(ctx, args, d)
}

// dispatch runs command args[0] with its arguments.
func dispatch(ctx context.Context, args []string, d Deps) int {
	switch args[0] {
	case "cost":
		return costCommand(args[1:], d)
	case "policy":
		fs := flag.NewFlagSet("policy", flag.ContinueOnError)
		fs.SetOutput(d.Stderr)
		setHelp(fs, d.Stderr)
		role := fs.String("role", permissions.DefaultReadRole, roleUsage)
		auditor := fs.Bool("auditor", false, "the policy of the auditor's commands ("+auditorCommands+"), for a role in the log-archive account; with -role also sts:AssumeRole on that role")
		if err := fs.Parse(args[1:]); err != nil || *role == "" || fs.NArg() > 0 {
			return report.ExitCouldNot
		}
		if *auditor {
			// No sts:AssumeRole unless -role names the role: the default read role is
			// OrganizationAccountAccessRole, an administrator role in the accounts Organizations
			// creates, which an auditor's policy must not reach by default.
			assume := ""
			fs.Visit(func(f *flag.Flag) {
				if f.Name == "role" {
					assume = *role
				}
			})
			fmt.Fprintln(d.Stdout, permissions.AuditorPolicyJSON(assume))
			return report.ExitClean
		}
		fmt.Fprintln(d.Stdout, permissions.PolicyJSONFor(*role))
		return report.ExitClean
	case "preflight", "verify":
		return checkCommand(ctx, args[0], args[1:], d)
	case "validate":
		return validateCommand(ctx, args[1:], d)
	case "coverage":
		return coverageCommand(ctx, args[1:], d)
	case "sessions":
		return sessionsCommand(ctx, args[1:], d)
	case "show":
		return showCommand(ctx, args[1:], d)
	case "play":
		return playCommand(ctx, args[1:], d)
	case "report":
		return reportCommand(ctx, args[1:], d)
	}
	fmt.Fprintf(d.Stderr, "sessionaudit: unknown command %q\n\n%s", args[0], usage)
	return report.ExitCouldNot
}

// roleUsage is the -role flag's help: the default, and Control Tower's role.
var roleUsage = fmt.Sprintf("`name` of the role to assume in every other account (read-only is enough: sessionaudit policy -role <name> prints its policy); "+
	"in an AWS Control Tower organization: -role %s (docs/preflight-verify.md)", permissions.ControlTowerReadRole)

type checkFlags struct {
	configPath  string
	role        string
	concurrency int
	jsonOut     bool
	quiet       bool
	sample      int
	fresh       time.Duration
	probe       bool
	maxAttempts int
	// The probe's flags (verify -probe).
	probeAccount, probeRegion, archiveRole string
	probeDeadline, probePoll               time.Duration
}

func checkCommand(ctx context.Context, name string, args []string, d Deps) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(d.Stderr)
	setHelp(fs, d.Stderr)
	var f checkFlags
	fs.StringVar(&f.configPath, "config", d.Getenv("SESSIONAUDIT_CONFIG"), "configuration file (default $SESSIONAUDIT_CONFIG)")
	fs.StringVar(&f.role, "role", permissions.DefaultReadRole, roleUsage)
	fs.IntVar(&f.concurrency, "concurrency", 16, "accounts read at once")
	fs.BoolVar(&f.jsonOut, "json", false, "write the report as JSON (for CI)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress lines on stderr")
	fs.IntVar(&f.maxAttempts, "max-attempts", 10, "attempts per AWS call (throttling and 5xx are retried with backoff)")
	if name == "verify" {
		fs.IntVar(&f.sample, "sample", 3, "member accounts read in depth (preferences, log group, subscription, rules, dead letters)")
		fs.DurationVar(&f.fresh, "fresh", 24*time.Hour, "a region whose newest forwarded object is older is reported")
		fs.BoolVar(&f.probe, "probe", false, "end-to-end probe: WRITES one marked test event to a member's session log group and times its way to the bucket and the saved Athena query (docs/preflight-verify.md)")
		fs.StringVar(&f.probeAccount, "probe-account", "", "member account of the probe's write (default: the first sampled account)")
		fs.StringVar(&f.probeRegion, "probe-region", "", "governed region of the probe's write (default: the home region)")
		fs.StringVar(&f.archiveRole, "archive-role", "", "role assumed in the log-archive account to read the bucket and run the saved query (default: -role; none when the caller is the log-archive account)")
		fs.DurationVar(&f.probeDeadline, "probe-deadline", 20*time.Minute, "how long the probe waits for its hops, from the write (Firehose buffers up to 900 s)")
		fs.DurationVar(&f.probePoll, "probe-poll", 15*time.Second, "wait between two looks of the probe")
	}
	if err := fs.Parse(args); err != nil {
		return report.ExitCouldNot
	}
	rep := &report.Report{Command: name}
	code := runCheck(ctx, name, f, d, rep)
	if f.jsonOut {
		if rep.Fatal != "" {
			// The JSON goes to a file or a parser; a CI log shows stderr (docs/preflight-verify.md).
			fmt.Fprintf(d.Stderr, "sessionaudit %s could not run: %s\n", name, oneLine(rep.Fatal))
		}
		if err := rep.WriteJSON(d.Stdout); err != nil {
			return report.ExitCouldNot
		}
	} else if err := rep.WriteHuman(d.Stdout); err != nil {
		return report.ExitCouldNot
	}
	if code != 0 {
		return code
	}
	return rep.ExitCode()
}

// runCheck runs preflight or verify into rep; a non-zero return overrides rep's exit status.
func runCheck(ctx context.Context, name string, f checkFlags, d Deps, rep *report.Report) int {
	fatal := func(format string, a ...any) int {
		rep.Fatal = fmt.Sprintf(format, a...)
		return report.ExitCouldNot
	}
	if f.configPath == "" {
		return fatal("no configuration: pass -config <file> or set SESSIONAUDIT_CONFIG (README \"Your configuration\")")
	}
	c, err := config.LoadFile(f.configPath)
	if err != nil {
		return fatal("configuration %s: %v", f.configPath, err)
	}
	rep.Organization, rep.Regions = c.OrganizationID, c.Regions
	if f.probe && f.probeRegion != "" && !slices.Contains(c.Regions, f.probeRegion) {
		return fatal("-probe-region %s is not a governed region (%s)", f.probeRegion, strings.Join(c.Regions, " "))
	}
	cfg, err := d.LoadAWS(ctx, c.HomeRegion, awsapi.NewRetryer(awsapi.Retry{MaxAttempts: f.maxAttempts, MaxBackoff: d.MaxBackoff}))
	if err != nil {
		return fatal("loading the AWS configuration: %v", err)
	}
	if d.Recorder != nil {
		d.Recorder.Install(&cfg)
	}
	account, arn, err := awsapi.CallerIdentity(ctx, cfg)
	if err != nil {
		return fatal("%v", awsapi.Classify(err, "sts:GetCallerIdentity", "(caller)", c.HomeRegion))
	}
	if account == "" || arn == "" {
		// Every check runs in the caller's account or through a role it assumes: an unknown caller
		// is no caller to check with (STS API reference, GetCallerIdentity: Account and Arn).
		return fatal("sts:GetCallerIdentity did not say who the caller is (account %q, ARN %q)", account, arn)
	}
	rep.Caller = arn
	var progress io.Writer
	if !f.quiet {
		progress = d.Stderr
	}
	env := &check.Env{Config: c, Session: awsapi.NewSession(cfg, account, f.role), Report: rep, Recorder: d.Recorder,
		Concurrency: f.concurrency, Progress: progress, Sample: f.sample, FreshWithin: f.fresh, Now: d.Now}
	if f.probe {
		env.Probe = &check.Probe{Account: f.probeAccount, Region: f.probeRegion, ArchiveRole: f.archiveRole,
			Deadline: f.probeDeadline, Poll: f.probePoll, CallerArn: arn}
	}
	if name == "preflight" {
		check.Preflight(ctx, env)
	} else {
		check.Verify(ctx, env)
	}
	rep.Caller = arn
	if errors.Is(ctx.Err(), context.Canceled) {
		return fatal("interrupted")
	}
	return 0
}

// oneLine is s on one line (a fatal error may carry the SDK's multi-line text).
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
