package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/coverage"
)

// Online, show's header and -json and play's asciicast title give what the ledger knows beyond
// the object, as sessions reads it: the session's reason (or that it has none), and for a
// just-in-time session the person from its access request (never the token role's session name),
// the request and its approvers.
func TestShowOnlineLedgerFields(t *testing.T) {
	acct := onlineAccount()
	token := "arn:aws:sts::" + acct + ":assumed-role/" + coverage.JustInTimeRole + "/e1fbc510-8081-70c2"
	aliceARN := "arn:aws:sts::" + acct + ":assumed-role/AWSReservedSSO_Admin_0123/alice@example.com"
	dave := "arn:aws:sts::" + acct + ":assumed-role/AWSReservedSSO_Approver_0123/dave@example.com"
	erin := "arn:aws:iam::" + acct + ":user/erin"
	ledger := func(principal, reason, request, requester, requestReason, approver string) [][]string {
		end := ended(alice)
		end[5] = principal
		return [][]string{withJoin(wayStart(alice, "StartSession", principal, ""), reason, request, requester, requestReason, approver), end}
	}
	for _, tc := range []struct {
		name   string
		ledger [][]string
		header []string // lines of the header, whole
		absent []string // labels the header must not have
		// The -json document's fields.
		person, reason, request, requester, approver string
		title                                        string // play -cast's title
	}{
		{name: "a session's own reason", ledger: ledger(aliceARN, "restart nginx", "", "", "", ""),
			header: []string{"who      alice@example.com (" + aliceARN + ")", "reason   restart nginx"}, absent: []string{"request", "approver"},
			person: "alice@example.com", reason: "restart nginx",
			title: "session " + alice + " on i-0123456789abcdef0 by alice@example.com, reason: restart nginx"},
		{name: "a reason's control sequences are escaped, its line breaks folded", ledger: ledger(aliceARN, "x\x1b]0;owned\x07\nwho      mallory", "", "", "", ""),
			header: []string{`reason   x\x1b]0;owned\x07 who mallory`},
			person: "alice@example.com", reason: "x\x1b]0;owned\x07\nwho      mallory",
			title: "session " + alice + " on i-0123456789abcdef0 by alice@example.com, reason: x\x1b]0;owned\x07 who mallory"},
		{name: "a session without a reason", ledger: ledger(aliceARN, "", "", "", "", ""),
			header: []string{"who      alice@example.com (" + aliceARN + ")", "reason   none given"}, absent: []string{"request", "approver"},
			person: "alice@example.com", title: "session " + alice + " on i-0123456789abcdef0 by alice@example.com"},
		{name: "just in time: the requester, the request's reason, the approvers", ledger: ledger(token, "", "oi-a71f4d891d72", aliceARN, "INC-42 disk full", dave+" "+erin),
			header: []string{"who      alice@example.com (" + aliceARN + ")", "request  oi-a71f4d891d72, by " + aliceARN + "; just-in-time, the session ran as " + token,
				"approver dave@example.com (" + dave + "), erin (" + erin + ")", "reason   INC-42 disk full"},
			person: "alice@example.com", reason: "INC-42 disk full", request: "oi-a71f4d891d72", requester: aliceARN, approver: dave + " " + erin,
			title: "session " + alice + " on i-0123456789abcdef0 by alice@example.com, reason: INC-42 disk full"},
		{name: "just in time, the session's own reason wins, no approver", ledger: ledger(token, "restart nginx", "oi-b71f4d891d72", aliceARN, "INC-43", ""),
			header: []string{"request  oi-b71f4d891d72, by " + aliceARN + "; just-in-time", "approver none in the ledger", "reason   restart nginx"},
			person: "alice@example.com", reason: "restart nginx", request: "oi-b71f4d891d72", requester: aliceARN,
			title: "session " + alice + " on i-0123456789abcdef0 by alice@example.com, reason: restart nginx"},
		{name: "just in time without a request in the ledger: no person", ledger: ledger(token, "", "", "", "", ""),
			header: []string{"who      " + coverage.NoRequest, "request  none in the ledger; just-in-time, the session ran as " + token, "approver none in the ledger", "reason   none given"},
			person: coverage.NoRequest, title: "session " + alice + " on i-0123456789abcdef0 by " + coverage.NoRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := onlineFake(t, pageModes[0], onlineCase{ledger: tc.ledger, versions: []string{"sh-5.2$ id\r\n"},
				forwarded: [][]string{forwardedRow(acct, "2026-11-02T10:00:05Z", "sh-5.2$ id")}})
			code, out, errs := f.run(append([]string{"show", alice}, period3...)...)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, errs)
			}
			head, _, _ := strings.Cut(out, "\n--\n")
			lines := strings.Split(head, "\n")
			for _, want := range tc.header {
				if !hasLinePrefix(lines, want) {
					t.Errorf("header lacks %q:\n%s", want, head)
				}
			}
			for _, label := range tc.absent {
				if hasLinePrefix(lines, label+" ") {
					t.Errorf("header has a %s line:\n%s", label, head)
				}
			}
			if n := strings.Count("\n"+head, "\nwho "); n != 1 {
				t.Errorf("%d who lines: a value broke the header's lines:\n%s", n, head)
			}
			if strings.Contains(head, "e1fbc510-8081-70c2") && !strings.Contains(head, "request  ") {
				t.Errorf("the token role's session name outside the request line:\n%s", head)
			}
			code, out, errs = f.run(append([]string{"show", alice, "-json"}, period3...)...)
			var doc showJSON
			if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil {
				t.Fatalf("exit %d, %v:\n%s%s", code, err, out, errs)
			}
			got := [5]string{doc.Person, doc.Reason, doc.Request, doc.Requester, doc.Approver}
			if want := [5]string{tc.person, tc.reason, tc.request, tc.requester, tc.approver}; got != want {
				t.Errorf("-json person, reason, request, requester, approver %q, want %q", got, want)
			}
			if doc.Who != tc.ledger[0][5] {
				t.Errorf("-json who %q, want the principal %q", doc.Who, tc.ledger[0][5])
			}
			cast := filepath.Join(t.TempDir(), "a.cast")
			if code, _, errs := f.run(append([]string{"play", alice, "-cast", cast}, period3...)...); code != 0 {
				t.Fatalf("play exit %d:\n%s", code, errs)
			}
			if title := castTitle(t, cast); title != tc.title {
				t.Errorf("cast title %q, want %q", title, tc.title)
			}
		})
	}
}

// Offline, the object holds no reason, request or approver: the header has no such line.
func TestShowOfflineHasNoLedgerFields(t *testing.T) {
	path := filepath.Join(t.TempDir(), alice+".log")
	if err := os.WriteFile(path, []byte("sh-5.2$ id\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := onlineFake(t, pageModes[0], onlineCase{})
	code, out, errs := f.run("show", alice, "-file", path)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	head, _, _ := strings.Cut(out, "\n--\n")
	for _, label := range []string{"reason", "request", "approver"} {
		if hasLinePrefix(strings.Split(head, "\n"), label+" ") {
			t.Errorf("offline header has a %s line:\n%s", label, head)
		}
	}
	code, out, _ = f.run("show", alice, "-file", path, "-json")
	if code != 0 || strings.Contains(out, `"reason"`) || strings.Contains(out, `"approver"`) {
		t.Errorf("offline -json: exit %d, with ledger fields:\n%s", code, out)
	}
}

func hasLinePrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// castTitle is the title in an asciicast file's header line.
func castTitle(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	var h struct {
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(first), &h); err != nil {
		t.Fatalf("cast header %q: %v", first, err)
	}
	return h.Title
}
