// Package filterpattern checks CloudWatch Logs filter patterns for obvious mistakes before they
// reach CloudFormation: empty patterns, unbalanced braces, brackets or parentheses, and unclosed
// quotes. It is not a full parser; CloudWatch Logs has the last word.
package filterpattern

import "fmt"

// MaxLength is the longest filter pattern CloudWatch Logs accepts.
const MaxLength = 1024

// Check returns nil if pattern has no obvious mistake, or an error that says what is wrong.
func Check(pattern string) error {
	if len(pattern) == 0 {
		return fmt.Errorf("must not be empty")
	}
	if len(pattern) > MaxLength {
		return fmt.Errorf("must be at most %d characters, got %d", MaxLength, len(pattern))
	}
	closers := map[rune]rune{'}': '{', ']': '[', ')': '('}
	var open []rune
	inQuote := false
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		case r == '"':
			inQuote = !inQuote
		case inQuote:
		case r == '{' || r == '[' || r == '(':
			open = append(open, r)
		case closers[r] != 0:
			if len(open) == 0 || open[len(open)-1] != closers[r] {
				return fmt.Errorf("has an unbalanced %q", r)
			}
			open = open[:len(open)-1]
		}
	}
	if inQuote {
		return fmt.Errorf("has an unclosed double quote")
	}
	if len(open) > 0 {
		return fmt.Errorf("has an unclosed %q", open[len(open)-1])
	}
	return nil
}
