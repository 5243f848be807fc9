// Command makepack writes the evidence pack of known data into a new directory for the browser
// test (test/report/report.test.js): sessionaudit report runs against the fake AWS endpoint
// (operator/fakeaws) with a week of ledger rows, forwarded output, transcripts and signed digests,
// one session without a record, unlogged ways, denied starts and one missing digest hour.
//
//	go run ./test/report/makepack <dir>
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/cli"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/permissions"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// The week of the pack, read two days after it; the hour whose digest is missing.
var (
	first   = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	days    = 7
	now     = first.AddDate(0, 0, days+1).Add(12 * time.Hour)
	missing = first.AddDate(0, 0, 3).Add(5 * time.Hour)
)

const region = "us-east-1"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: makepack <dir>")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "makepack:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	c, err := config.LoadFile("config/example.sessionaudit.json")
	if err != nil {
		return err
	}
	org := fakeaws.Healthy(c, 3, permissions.DefaultReadRole)
	ledger, forwarded := week(org)
	org.Canned = map[string]*fakeaws.Canned{
		coverage.LedgerSQL:    {Columns: coverage.LedgerColumns, Rows: ledger, Scanned: 48213904},
		coverage.ForwardedSQL: {Columns: []string{"account", "region", "sessionid", "events", "first_event"}, Rows: forwarded, Scanned: 1234567},
	}
	if err := digests(org); err != nil {
		return err
	}
	srv := fakeaws.NewServer("AKIDOPERATOR", c.ManagementAccountID)
	org.Serve(srv)
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	d := cli.Deps{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Now: func() time.Time { return now },
		LoadAWS: func(_ context.Context, region string, retryer func() aws.Retryer) (aws.Config, error) {
			return aws.Config{Region: region, BaseEndpoint: aws.String(srv.URL), Retryer: retryer,
				Credentials: credentials.NewStaticCredentialsProvider("AKIDOPERATOR", "secret", "")}, nil
		}}
	last := first.AddDate(0, 0, days-1).Format("2006-01-02")
	code := cli.Main(context.Background(), []string{"report", "-config", "config/example.sessionaudit.json", "-quiet", "-poll", "1ms",
		"-from", first.Format("2006-01-02"), "-to", last, "-out", dir}, d)
	if code != report.ExitFindings {
		return fmt.Errorf("report exit %d, want %d (the data has findings)\n%s%s", code, report.ExitFindings, stdout.String(), stderr.String())
	}
	fmt.Print(stdout.String())
	return nil
}

// week is the ledger's and the forwarded output's rows: sessions each day by four people in three
// accounts, other ways in, and denied starts; a transcript for each recorded session.
func week(org *fakeaws.Org) (ledger, forwarded [][]string) {
	people := []string{"assumed-role/AWSReservedSSO_Admin_0a1b/alice@example.com", "user/bob", "assumed-role/AWSReservedSSO_Ops_2c3d/carol@example.com", "user/ops/dave"}
	perDay := []int{3, 1, 0, 4, 2, 5, 1}
	ways := map[string][2]string{ // session id → event, document: the other ways in
		"s-1-0": {"SendSSHPublicKey", ""}, "s-3-2": {"SendCommand", "AWS-RunShellScript"}, "s-4-1": {"StartConnection", ""},
		"s-5-3": {"StartSession", "AWS-StartPortForwardingSession"}, "s-5-4": {"ExecuteCommand", ""},
	}
	for d := range days {
		for k := range perDay[d] {
			id := fmt.Sprintf("s-%d-%d", d, k)
			account := fakeaws.AccountID(1 + (d*2+k)%3)
			arn := "arn:aws:iam::" + account + ":" + people[(d+k)%len(people)]
			if people[(d+k)%len(people)][:4] == "assu" {
				arn = "arn:aws:sts::" + account + ":" + people[(d+k)%len(people)]
			}
			t := first.AddDate(0, 0, d).Add(time.Duration(9+k) * time.Hour)
			event, doc := "StartSession", ""
			if w, ok := ways[id]; ok {
				event, doc = w[0], w[1]
			}
			ledger = append(ledger, []string{t.Format(time.RFC3339), account, region, event, id, arn, "i-0123456789abcdef" + fmt.Sprint(k), doc, ""})
			if event == "StartSession" && doc == "" && id != "s-3-0" { // s-3-0: nothing in the archive
				forwarded = append(forwarded, []string{account, region, id, "42", t.Add(5 * time.Second).Format(time.RFC3339)})
				org.Objects[archivelayout.TranscriptKeyPrefix(account, region)+"/"+id+".log"] = t
			}
		}
	}
	for i, event := range []string{"StartSession", "StartSession", "SendSerialConsoleSSHPublicKey"} {
		t := first.AddDate(0, 0, 2+i).Add(3 * time.Hour)
		ledger = append(ledger, []string{t.Format(time.RFC3339), fakeaws.AccountID(2), region, event, fmt.Sprintf("d-%d", i),
			"arn:aws:iam::" + fakeaws.AccountID(2) + ":user/mallory", "i-0fedcba987654321", "", "AccessDenied"})
	}
	return ledger, forwarded
}

// digests signs a chain of digests of every hour of the week but one, listing no objects.
func digests(org *fakeaws.Org) error {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	var prev *evidence.Previous
	for h := first; h.Before(first.AddDate(0, 0, days)); h = h.Add(time.Hour) {
		file, sig, err := evidence.Build(context.Background(), "archive", h, nil, prev, &k.PublicKey, evidence.KeySigner{Key: k})
		if err != nil {
			return err
		}
		key := archivelayout.DigestKey(h)
		prev = &evidence.Previous{Key: key, File: file, Signature: sig}
		if h.Equal(missing) {
			continue
		}
		org.PutVersion(key, fakeaws.ObjectVersion{ID: "d1", Body: file, LastModified: h.Add(time.Hour)})
		org.PutVersion(key+archivelayout.DigestSignatureSuffix, fakeaws.ObjectVersion{ID: "s1", Body: sig, LastModified: h.Add(time.Hour)})
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return err
	}
	org.PutVersion(archivelayout.DigestPublicKey, fakeaws.ObjectVersion{ID: "p1", Body: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), LastModified: first})
	return nil
}
