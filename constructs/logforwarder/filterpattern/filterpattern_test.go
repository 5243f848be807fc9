package filterpattern

import "testing"

func TestCheck(t *testing.T) {
	tests := []struct {
		pattern string
		want    string // "" = valid
	}{
		{`{ $.eventName = "ConsoleLogin" }`, ""},
		{`{ ($.eventSource = "ssm.amazonaws.com") && ($.eventName = "StartSession") }`, ""},
		{`[ip, user, ..., status_code=4*, size]`, ""},
		{`ERROR`, ""},
		{`"quoted { brace"`, ""},
		{`{ $.message = "say \"hi\"" }`, ""},
		{``, "must not be empty"},
		{`{ $.eventName = "ConsoleLogin" `, `has an unclosed '{'`},
		{`$.eventName = "ConsoleLogin" }`, `has an unbalanced '}'`},
		{`{ ($.a = 1 }`, `has an unbalanced '}'`},
		{`[a, b`, `has an unclosed '['`},
		{`{ $.eventName = "ConsoleLogin }`, "has an unclosed double quote"},
		{string(make([]byte, MaxLength+1)), "must be at most 1024 characters, got 1025"},
	}
	for _, tt := range tests {
		err := Check(tt.pattern)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("Check(%.40q) = %q, want %q", tt.pattern, got, tt.want)
		}
	}
}
