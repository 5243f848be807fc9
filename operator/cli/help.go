package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// policyUsage is policy's line of the command list.
const policyUsage = `  policy     prints the IAM policy preflight and verify need (JSON; -role: the read role it may assume;
             -auditor: the policy of ` + auditorCommands + `)
`

// The command list's lines of cost, preflight and verify.
const (
	costUsage      = "  cost       prints the cost model over cdk.out (make cost)\n"
	preflightUsage = "  preflight  checks the organization and its accounts before the first deploy (read-only)\n"
	verifyUsage    = "  verify     checks a deployment (read-only; -probe: the end-to-end probe, which writes one test event)\n"
)

// checkExits are preflight's and verify's exit statuses.
var checkExits = [3]string{"clean", "a fail or warn finding", couldNotRun}

// commandHelp is what a command's -h says beyond its flags.
type commandHelp struct {
	// synopsis are the command's forms, after "sessionaudit ".
	synopsis []string
	// about is the command's line of the command list (usage): what it does.
	about string
	// exits say what each exit status means; "" for a status the command never returns.
	exits [3]string
	// doc is the page that explains the command.
	doc string
}

// couldNotRun is exit status 2's meaning for each command.
const couldNotRun = "could not run (a bad flag or argument, no configuration or credentials, a failed call); the reason is on stderr"

// showPlayExit1 is exit status 1 of show and play.
const showPlayExit1 = "SESSION is not in the file or the ledger, nothing of it is recorded, or its transcript was rewritten"

// helps are the auditor's commands' help, by command name.
var helps = map[string]commandHelp{
	"sessions": {
		synopsis: []string{"sessions -from DATE [-to DATE] [-who PATTERN] [-account ID] [-node ID] [-way KIND] [-grep REGEX] [-json|-csv]",
			"sessions -dir DIR -from DATE [-to DATE] [-who PATTERN] [-account ID] [-node ID] [-way KIND] [-grep REGEX] [-json|-csv]"},
		about: sessionsUsage,
		exits: [3]string{"the list was written (an empty period too)", "", couldNotRun},
		doc:   "docs/audit.md",
	},
	"show": {
		synopsis: []string{"show SESSION [-from DAY] [-to DAY] [-json] [-raw]", "show SESSION -file PATH [-json] [-raw]"},
		about:    showUsage,
		exits:    [3]string{"the session was shown", showPlayExit1, couldNotRun},
		doc:      "docs/audit.md",
	},
	"play": {
		synopsis: []string{"play SESSION [-from DAY] [-to DAY] [-speed N] [-idle SECONDS] [-cast OUT]", "play SESSION -file PATH [-speed N] [-idle SECONDS] [-cast OUT]"},
		about:    playUsage,
		exits:    [3]string{"the session was replayed or written", showPlayExit1, couldNotRun},
		doc:      "docs/audit.md",
	},
	"coverage": {
		synopsis: []string{"coverage -from DATE [-to DATE] [-json]", "coverage -dir DIR -from DATE [-to DATE] [-json]"},
		about:    coverageUsage,
		exits:    [3]string{"each session of the period has a record", "a fail or warn finding (a session without a record, a way that is not logged, an empty ledger)", couldNotRun},
		doc:      "docs/evidence.md",
	},
	"validate": {
		synopsis: []string{"validate -from HOUR [-to HOUR] [-public-key FILE] [-json]", "validate -dir DIR -public-key FILE [-from HOUR] [-to HOUR] [-json]"},
		about:    validateUsage,
		exits:    [3]string{"the digests and the objects they list are intact", "a finding (a missing hour, a bad signature, a broken chain, a missing, altered, unlisted or rewritten object)", couldNotRun},
		doc:      "docs/evidence.md",
	},
	"report": {
		synopsis: []string{"report -from DATE [-to DATE] -out DIR [-public-key FILE]", "report -dir COPY -public-key FILE -from DATE [-to DATE] -out DIR"},
		about:    reportUsage,
		exits:    [3]string{"the pack was written, without findings", "the pack was written, with findings", couldNotRun + "; nothing was written"},
		doc:      "docs/audit.md",
	},
	"cost": {
		synopsis: []string{"cost [-dir DIR] [-accounts N] [-regions N] [-vpcs N] [-azs N] [-prices FILE]"},
		about:    costUsage,
		exits:    [3]string{"the report was printed", "the templates or prices could not be read", "a bad flag"},
		doc:      "docs/cost.md",
	},
	"preflight": {
		synopsis: []string{"preflight [-config FILE] [-role ROLE] [-json]"},
		about:    preflightUsage,
		exits:    checkExits,
		doc:      "docs/preflight-verify.md",
	},
	"verify": {
		synopsis: []string{"verify [-config FILE] [-role ROLE] [-json] [-probe]"},
		about:    verifyUsage,
		exits:    checkExits,
		doc:      "docs/preflight-verify.md",
	},
	"policy": {
		synopsis: []string{"policy [-role ROLE]", "policy -auditor [-role ROLE]"},
		about:    policyUsage,
		exits:    [3]string{"the policy was printed", "", "a bad flag"},
		doc:      "docs/preflight-verify.md and docs/audit.md",
	},
}

// setHelp makes fs's usage (printed for -h and for a bad flag) its command's help: the synopsis,
// what it does, the flags, and what each exit status means.
func setHelp(fs *flag.FlagSet, w io.Writer) {
	h, ok := helps[fs.Name()]
	if !ok {
		return
	}
	fs.Usage = func() {
		for i, s := range h.synopsis {
			lead := "usage: "
			if i > 0 {
				lead = "       "
			}
			fmt.Fprintf(w, "%ssessionaudit %s\n", lead, s)
		}
		fmt.Fprintf(w, "\n%s\n\nflags:\n", wrap(aboutSentence(h.about), 100))
		fs.PrintDefaults()
		fmt.Fprintln(w, "\nexit status:")
		for code, meaning := range h.exits {
			if meaning != "" {
				fmt.Fprintf(w, "  %d  %s\n", code, meaning)
			}
		}
		fmt.Fprintf(w, "\nSee %s.\n", h.doc)
	}
}

// helpOnly reports whether args (after the command's name) only ask for its help: -h, -help or
// --help alone, or after SESSION. The help then exits 0, as gh's and tsh's do; a bad flag still
// prints it and exits 2.
func helpOnly(args []string) bool {
	if len(args) == 2 && !strings.HasPrefix(args[0], "-") {
		args = args[1:]
	}
	return len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help")
}

// aboutSentence turns a line of the command list into a sentence: the indented lines joined,
// without the command's name, with a capital and a full stop.
func aboutSentence(entry string) string {
	var words []string
	for i, line := range strings.Split(entry, "\n") {
		if !strings.HasPrefix(line, " ") {
			break // the lines after a command's entry are about several commands
		}
		f := strings.Fields(line)
		if i == 0 && len(f) > 0 {
			f = f[1:]
		}
		words = append(words, f...)
	}
	s := strings.Join(words, " ")
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:] + "."
}

// wrap breaks s into lines of at most width characters, at spaces.
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		l := utf8.RuneCountInString(w)
		switch {
		case i == 0:
		case n+1+l > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += l
	}
	return b.String()
}
