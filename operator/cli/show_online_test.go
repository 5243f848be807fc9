package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/permissions"
)

// onlineCase is the archive one online show or play test reads: the ledger's rows, the
// transcript's versions (oldest first) and the forwarded rows.
type onlineCase struct {
	ledger    [][]string
	versions  []string
	forwarded [][]string
	mutate    func(o *fakeaws.Org)
}

const onlineRegion = "us-east-1"

func onlineAccount() string { return fakeaws.AccountID(1) }

func transcriptKey(id string) string {
	return archivelayout.TranscriptKeyPrefix(onlineAccount(), onlineRegion) + "/" + id + ".log"
}

// onlineFake serves c: the two queries canned by their text, the transcript's versions a minute
// apart from 2026-11-02T10:01:00Z.
func onlineFake(t *testing.T, m pageMode, c onlineCase) *fake {
	t.Helper()
	return newFakeIn(t, m, 1, nil, func(o *fakeaws.Org) {
		o.Canned = map[string]*fakeaws.Canned{
			coverage.SessionLedgerSQL: {Columns: sessionsColumns, Rows: padJoin(c.ledger), Scanned: 1000},
			coverage.SessionOutputSQL: {Columns: coverage.SessionOutputColumns, Rows: c.forwarded, Scanned: 2000},
		}
		at := time.Date(2026, 11, 2, 10, 1, 0, 0, time.UTC)
		for i, body := range c.versions {
			o.PutVersion(transcriptKey(alice), fakeaws.ObjectVersion{ID: "v" + string(rune('1'+i)), Body: []byte(body), LastModified: at.Add(time.Duration(i) * time.Minute)})
		}
		if c.mutate != nil {
			c.mutate(o)
		}
	})
}

// padJoin pads ledger rows with empty join columns (sessionsColumns); rows made withJoin keep theirs.
func padJoin(rows [][]string) [][]string {
	var out [][]string
	for _, r := range rows {
		out = append(out, append(slices.Clone(r), make([]string, max(len(sessionsColumns)-len(r), 0))...))
	}
	return out
}

// aliceLedger is alice's session in the ledger: started and ended in account 1, us-east-1.
func aliceLedger() [][]string {
	arn := "arn:aws:sts::" + onlineAccount() + ":assumed-role/AWSReservedSSO_Admin_0123/alice@example.com"
	end := ended(alice)
	end[5] = arn
	return [][]string{wayStart(alice, "StartSession", arn, ""), end}
}

func forwardedRow(account, at string, lines ...string) []string {
	data, _ := json.Marshal(lines)
	return []string{account, at, "arn:aws:sts::" + account + ":assumed-role/AWSReservedSSO_Admin_0123/alice@example.com", "i-0123456789abcdef0", "ssm-user",
		onlineRegion, string(data), "s3://bucket/cloudwatch/us-east-1/2026/11/02/" + account + "/x.gz"}
}

// queryParams are the parameters of each query with the text sql the fake received, in order.
func queryParams(f *fake, sql string) [][]string {
	out := [][]string{}
	for _, q := range f.org.Executed() {
		if q.SQL == sql {
			out = append(out, q.Params)
		}
	}
	return out
}

var period3 = []string{"-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms"}

func TestShowOnline(t *testing.T) {
	eachPageMode(t, func(t *testing.T, m pageMode) {
		acct := onlineAccount()
		forwarded := [][]string{forwardedRow(acct, "2026-11-02T10:00:05Z", "sh-5.2$ id", "uid=0(root)"), forwardedRow(acct, "2026-11-02T10:00:09Z", "sh-5.2$ exit")}
		for _, tc := range []struct {
			name   string
			c      onlineCase
			args   []string
			code   int
			lines  []string // the output below the header
			header []string
			stderr []string
			// The parameters each query was started with, as the SQL literals Athena receives
			// (coverage.Query); nil: not checked, empty: not started.
			ledgerParams, outputParams [][]string
		}{
			{name: "transcript, one version", c: onlineCase{ledger: aliceLedger(), versions: []string{"sh-5.2$ id\r\nuid=0(root)\r\n"}, forwarded: forwarded},
				lines: []string{"sh-5.2$ id", "uid=0(root)"},
				header: []string{"source   transcript " + transcriptKey(alice) + " (no timing)", "way      session (logged)", "account  " + acct,
					"when     2026-11-02T10:00:00Z … 2026-11-02T10:01:00Z (1m0s), by the ledger", "who      alice@example.com (arn:aws:sts::"},
				stderr:       []string{"show: 1000 bytes scanned"},
				ledgerParams: [][]string{{"'2026/10/25'", "'2026/11/04'", "'2026/11/01'", "'" + alice + "'"}}},
			{name: "transcript with three versions: the first, exit 1", c: onlineCase{ledger: aliceLedger(), versions: []string{"the original\n", "rewritten\n", "again\n"}},
				code: 1, lines: []string{"the original"},
				header: []string{"versions 3: the first is shown; shown, written 2026-11-02T10:01:00Z (version v1), written 2026-11-02T10:02:00Z (version v2), written 2026-11-02T10:03:00Z (version v3)"},
				stderr: []string{"the transcript " + transcriptKey(alice) + " has 3 versions"}},
			{name: "a delete marker after the transcript: the first version, exit 1", c: onlineCase{ledger: aliceLedger(), versions: []string{"the original\n"}, mutate: func(o *fakeaws.Org) {
				o.PutVersion(transcriptKey(alice), fakeaws.ObjectVersion{ID: "dm", DeleteMarker: true, LastModified: time.Date(2026, 11, 2, 11, 0, 0, 0, time.UTC)})
			}}, code: 1, lines: []string{"the original"},
				header: []string{"versions 2: the first is shown; shown, written 2026-11-02T10:01:00Z (version v1), delete marker 2026-11-02T11:00:00Z (version dm)"}},
			{name: "versions of the same second: the one stored first", c: onlineCase{ledger: aliceLedger(), versions: []string{"the original\n"}, mutate: func(o *fakeaws.Org) {
				o.PutVersion(transcriptKey(alice), fakeaws.ObjectVersion{ID: "v2", Body: []byte("rewritten\n"), LastModified: time.Date(2026, 11, 2, 10, 1, 0, 0, time.UTC)})
			}}, code: 1, lines: []string{"the original"}},
			{name: "a longer key under the same prefix is not a version", c: onlineCase{ledger: aliceLedger(), versions: []string{"the original\n"}, mutate: func(o *fakeaws.Org) {
				o.PutVersion(transcriptKey(alice)+".bak", fakeaws.ObjectVersion{ID: "b1", Body: []byte("other\n"), LastModified: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)})
			}}, lines: []string{"the original"}},
			{name: "no transcript: the forwarded output", c: onlineCase{ledger: aliceLedger(), forwarded: forwarded},
				lines:        []string{"sh-5.2$ id", "uid=0(root)", "sh-5.2$ exit"},
				header:       []string{"source   forwarded output, 2 event(s), times to the second", "run as   ssm-user"},
				stderr:       []string{"show: 3000 bytes scanned"},
				outputParams: [][]string{{"'" + onlineRegion + "'", "'2026/11/02'", "'2026/11/03'", "'" + alice + "'"}}},
			{name: "forwarded lines of the ID from another account: not shown, exit 1",
				c:    onlineCase{ledger: aliceLedger(), forwarded: append([][]string{forwardedRow(fakeaws.AccountID(2), "2026-11-02T10:00:01Z", "forged")}, forwarded...)},
				code: 1, lines: []string{"sh-5.2$ id", "uid=0(root)", "sh-5.2$ exit"},
				stderr: []string{"1 forwarded event(s) with this session ID came from accounts other than " + acct}},
			{name: "nothing recorded: the header says so, exit 1", c: onlineCase{ledger: aliceLedger()}, code: 1, lines: []string{""},
				header: []string{"source   nothing recorded: no transcript and no forwarded output"},
				stderr: []string{"nothing of the session is in the archive"}},
			{name: "a way Session Manager does not log: nothing looked up", c: onlineCase{ledger: [][]string{wayStart(alice, "SendSSHPublicKey", "arn:aws:iam::"+acct+":user/bob", "")}},
				code: 1, lines: []string{""}, header: []string{"way      instanceConnect (NOT LOGGED)", "source   nothing recorded: the ledger's line is its only record"},
				outputParams: [][]string{}},
			{name: "not in the ledger: exit 1", c: onlineCase{ledger: [][]string{denied(alice)}}, code: 1,
				stderr: []string{"session " + alice + " did not start between 2026-11-01 and 2026-11-03 by the ledger (1 ledger event(s) name it"}},
			{name: "a failed query: exit 2", c: onlineCase{ledger: aliceLedger(), mutate: func(o *fakeaws.Org) { o.QueryFails = "HIVE_BAD_DATA" }}, code: 2,
				stderr: []string{"FAILED: HIVE_BAD_DATA"}},
			{name: "GetObject denied: exit 2", c: onlineCase{ledger: aliceLedger(), versions: []string{"x\n"}, mutate: func(o *fakeaws.Org) {
				o.DeniedKeys = map[string]bool{transcriptKey(alice): true}
			}}, code: 2, stderr: []string{"access denied: s3:GetObject"}},
			{name: "an unreadable forwarded row: exit 2", c: onlineCase{ledger: aliceLedger(), forwarded: [][]string{{acct, "2026-11-02T10:00:05Z", "", "", "", onlineRegion, "[1,2", "s3://b/k"}}},
				code: 2, stderr: []string{"sessiondata is not JSON"}},
			{name: "-from defaults to 30 days before -to", c: onlineCase{ledger: aliceLedger(), versions: []string{"x\n"}},
				args: []string{"show", alice, "-to", "2026-11-03", "-poll", "1ms"}, lines: []string{"x"},
				ledgerParams: [][]string{{"'2026/09/27'", "'2026/11/04'", "'2026/10/04'", "'" + alice + "'"}}},
			{name: "a SESSION that is no session ID never reaches SQL", c: onlineCase{ledger: aliceLedger()}, args: []string{"show", "x' OR '1'='1", "-from", "2026-11-01"},
				code: 2, stderr: []string{"SESSION: not a session ID"}, ledgerParams: [][]string{}},
			{name: "a SESSION with a slash never names another key", c: onlineCase{ledger: aliceLedger()}, args: []string{"show", "../../ledger/x", "-from", "2026-11-01"},
				code: 2, stderr: []string{"SESSION: not a session ID"}, ledgerParams: [][]string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := onlineFake(t, m, tc.c)
				args := tc.args
				if args == nil {
					args = append([]string{"show", alice}, period3...)
				}
				code, out, errs := f.run(args...)
				if code != tc.code {
					t.Fatalf("exit %d, want %d; stderr:\n%s\nstdout:\n%s", code, tc.code, errs, out)
				}
				for _, s := range tc.stderr {
					if !strings.Contains(errs, s) {
						t.Errorf("stderr lacks %q:\n%s", s, errs)
					}
				}
				if tc.lines != nil {
					if got := bodyLines(t, out); strings.Join(got, "\n") != strings.Join(tc.lines, "\n") {
						t.Errorf("output lines\n%q\nwant\n%q", got, tc.lines)
					}
				} else if out != "" {
					t.Errorf("stdout not empty:\n%s", out)
				}
				head, _, _ := strings.Cut(out, "\n--\n")
				for _, h := range tc.header {
					if !strings.Contains(head, h) {
						t.Errorf("header lacks %q:\n%s", h, head)
					}
				}
				for sql, want := range map[string][][]string{coverage.SessionLedgerSQL: tc.ledgerParams, coverage.SessionOutputSQL: tc.outputParams} {
					if got := queryParams(f, sql); want != nil && !slices.EqualFunc(got, want, slices.Equal) {
						t.Errorf("query started with %q, want %q", got, want)
					}
				}
			})
		}
	})
}

func TestShowOnlineJSON(t *testing.T) {
	f := onlineFake(t, pageModes[0], onlineCase{ledger: aliceLedger(), versions: []string{"the original\n", "rewritten\n"}})
	code, out, errs := f.run(append([]string{"show", alice, "-json"}, period3...)...)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, errs)
	}
	var doc showJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.Source != "transcript" || doc.Transcript == nil || *doc.Transcript != "the original\n" || doc.Key != transcriptKey(alice) {
		t.Errorf("source %q, transcript %v, key %q: want the first version of %s", doc.Source, doc.Transcript, doc.Key, transcriptKey(alice))
	}
	if len(doc.Versions) != 2 || !doc.Versions[0].Shown || doc.Versions[1].Shown || doc.Versions[0].ID != "v1" {
		t.Errorf("versions %+v, want v1 shown, v2 not", doc.Versions)
	}
	if doc.Ledger == nil || doc.Ledger.Way != coverage.WaySession || doc.Ledger.End != "2026-11-02T10:01:00Z" || len(doc.Findings) != 1 {
		t.Errorf("ledger %+v, findings %q", doc.Ledger, doc.Findings)
	}
}

func TestPlayOnline(t *testing.T) {
	eachPageMode(t, func(t *testing.T, m pageMode) {
		acct := onlineAccount()
		c := onlineCase{ledger: aliceLedger(), versions: []string{"sh-5.2$ id\r\n"},
			forwarded: [][]string{forwardedRow(acct, "2026-11-02T10:00:05Z", "sh-5.2$ id"), forwardedRow(acct, "2026-11-02T10:00:06Z", "uid=0(root)")}}
		f := onlineFake(t, m, c)
		cast := filepath.Join(t.TempDir(), "a.cast")
		code, _, errs := f.run(append([]string{"play", alice, "-cast", cast}, period3...)...)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, errs)
		}
		// The forwarded output comes first: it has the timing; the transcript is not read.
		if got := readCast(t, cast); len(got.times) != 2 {
			t.Errorf("%d frames, want the 2 forwarded events", len(got.times))
		}
		if n := len(queryParams(f, coverage.SessionOutputSQL)); n != 1 {
			t.Errorf("forwarded output queried %d times, want 1", n)
		}
		c.forwarded = nil
		f = onlineFake(t, m, c)
		code, _, errs = f.run(append([]string{"play", alice, "-cast", cast}, period3...)...)
		if code != 0 || !strings.Contains(errs, transcriptKey(alice)+" is a transcript, which has no timing") {
			t.Errorf("without forwarded output: exit %d, want 0 and the transcript as one frame:\n%s", code, errs)
		}
		c.versions = nil
		f = onlineFake(t, m, c)
		if code, _, errs = f.run(append([]string{"play", alice, "-cast", cast}, period3...)...); code != 1 || !strings.Contains(errs, "nothing of the session is in the archive") {
			t.Errorf("nothing recorded: exit %d, want 1:\n%s", code, errs)
		}
	})
}

// The read policy grants every call show and play make online, and permissions.Operations lists
// each of them.
func TestShowPlayOnlineCallsArePermitted(t *testing.T) {
	f := onlineFake(t, pageModes[0], onlineCase{ledger: aliceLedger(), versions: []string{"x\n"},
		forwarded: [][]string{forwardedRow(onlineAccount(), "2026-11-02T10:00:05Z", "sh-5.2$ id")}})
	if code, _, errs := f.run(append([]string{"show", alice}, period3...)...); code != 0 {
		t.Fatalf("show exit %d:\n%s", code, errs)
	}
	if code, _, errs := f.run(append([]string{"play", alice, "-cast", filepath.Join(t.TempDir(), "a.cast")}, period3...)...); code != 0 {
		t.Fatalf("play exit %d:\n%s", code, errs)
	}
	recorded := f.recorder.Operations()
	for _, want := range []string{"Athena StartQueryExecution", "S3 ListObjectVersions", "S3 GetObject"} {
		if !slices.Contains(recorded, want) {
			t.Errorf("show and play did not call %s (recorded %q)", want, recorded)
		}
	}
	for _, key := range recorded {
		if !slices.ContainsFunc(permissions.Operations, func(o permissions.Operation) bool { return o.Key() == key }) {
			t.Errorf("%s is not in permissions.Operations", key)
		}
	}
	checkPolicyGrants(t, recorded)
	if slices.Contains(recorded, "S3 ListObjectsV2") {
		t.Errorf("show or play listed the bucket")
	}
}
