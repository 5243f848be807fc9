package coverage

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
)

// GrepSQL lists the sessions whose forwarded output has a line matching a regular expression, in
// the arrival days given (first, last; yyyy/MM/dd; day is the table's partition, so Athena reads
// only those days), with the expression as the third parameter: an execution parameter, which
// Query passes as an escaped string literal. Each line of sessionData is matched on its own, so
// ^ and $ are the line's start and end. test/search/sessions.test.js runs it on forwarded objects.
//
//go:embed grep.sql
var GrepSQL string

// GrepColumns are the columns of GrepSQL.
var GrepColumns = []string{"sessionid"}

// MaxGrepLength bounds a -grep expression.
const MaxGrepLength = 500

// CheckGrep says what is wrong with a -grep expression, or "". Athena runs regexp_like with
// Java's pattern syntax (Athena user guide, "Functions in Amazon Athena": Trino's regular
// expression functions), the command checks it with Go's (RE2): the expression must compile in
// Go, and the constructs the two read differently are refused: a backslash before a digit (an
// octal character in Go, a back reference in Java), \p and \P classes, \C, \Q quoting, POSIX
// classes ([[:alpha:]]), and every (?…) group but (?:…), (?i) and (?i:…) (Go's named groups and
// flags differ from Java's). Java-only constructs (look-around, back references) do not compile
// in Go.
func CheckGrep(expr string) string {
	if expr == "" {
		return "an empty expression matches every session"
	}
	if len(expr) > MaxGrepLength {
		return fmt.Sprintf("longer than %d characters", MaxGrepLength)
	}
	if _, err := regexp.Compile(expr); err != nil {
		return err.Error()
	}
	for i := 0; i < len(expr); i++ {
		switch {
		case expr[i] == '\\' && i+1 < len(expr):
			if c := expr[i+1]; c >= '0' && c <= '9' || strings.IndexByte("pPCQ", c) >= 0 {
				return fmt.Sprintf("\\%c is read differently by Athena (Java patterns) and Go (RE2)", c)
			}
			i++
		case strings.HasPrefix(expr[i:], "[:"):
			return "POSIX classes such as [[:alpha:]] are not Java pattern syntax"
		case strings.HasPrefix(expr[i:], "(?") && !strings.HasPrefix(expr[i:], "(?:") && !strings.HasPrefix(expr[i:], "(?i)") && !strings.HasPrefix(expr[i:], "(?i:"):
			return "only (?:…), (?i) and (?i:…) groups are accepted: other (?…) syntax differs between Athena (Java patterns) and Go (RE2)"
		}
	}
	return ""
}
