package coverage

import "testing"

func TestPersonAndGlob(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0a1b/alice@example.com": "alice@example.com",
		"arn:aws:iam::111122223333:user/ops/bob":                                             "bob",
		"arn:aws:iam::111122223333:root":                                                     "root",
		"arn:aws:sts::111122223333:federated-user/x":                                         "arn:aws:sts::111122223333:federated-user/x",
		"not an arn": "not an arn",
		"":           "",
	} {
		if got := Person(arn); got != want {
			t.Errorf("Person(%q) = %q, want %q", arn, got, want)
		}
	}
	for _, tc := range []struct {
		pattern, s string
		match      bool
	}{
		{"alice*", "alice@example.com", true},
		{"*/SSM-JustInTimeAccessTokenRole/*", "arn:aws:sts::1:assumed-role/SSM-JustInTimeAccessTokenRole/x", true},
		{"a.c", "abc", false}, // a dot is literal
		{"a?c", "abc", true},
		{"alice", "alice@example.com", false}, // whole text
		{"(", "(", true},
	} {
		if got := Glob(tc.pattern).MatchString(tc.s); got != tc.match {
			t.Errorf("Glob(%q) on %q = %v, want %v", tc.pattern, tc.s, got, tc.match)
		}
	}
	if got := Price(1e12); got != 5 {
		t.Errorf("Price(1 TB) = %v, want 5", got)
	}
}
