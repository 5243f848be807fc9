package coverage

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Dir answers coverage's two queries (LedgerSQL, ForwardedSQL) and those of sessions (SessionsSQL,
// GrepSQL) from a downloaded copy of the
// central bucket (aws s3 sync s3://<bucket> DIR) with no AWS call: the same rows, columns and
// order Athena gives over the Glue tables (constructs/archivesearch), reading only the day
// partitions the query's WHERE names. test/search/offline.test.js runs the SQL (DuckDB) and
// Dir on the same objects and compares the rows.
//
// What it reads the way the tables do: a day is the directory ledger/<yyyy>/<MM>/<dd>/ (every
// object below it: the ledger's hours) or cloudwatch/<region>/<yyyy>/<MM>/<dd>/ for each governed
// region (the table's region projection: the configuration's regions); an object whose name ends
// in .gz is gunzipped (Athena picks the compression by the file extension), others are read as
// text; a line is a JSON object (the OpenX JSON SerDe; a line that is not one, with
// ignore.malformed.json, is a row of NULLs); the ledger's keys are read as written
// (case.insensitive false, detail-type as detail_type), the forwarded output's case-insensitively.
// A NULL is a column absent from the Row (Athena's empty string reads the same: Row[c] == "").
// Every file below a day is read: "Athena reads all data stored in the Amazon S3 folder that you
// specify" (Athena user guide, "Specify a table location in Amazon S3"). Not modelled: the projection's range (NOW-<archiveDays>DAYS to NOW; a day after today is
// never in coverage's period).
type Dir struct {
	// Path is the copy's directory.
	Path string
	// Regions are the governed regions (config regions: the forwarded table's region values).
	Regions []string
}

// Rows runs one of the queries (LedgerSQL, ForwardedSQL, SessionsSQL or GrepSQL, by its text) with their
// params (days, yyyy/MM/dd) on the copy. An unreadable object is an error, as a query that
// fails on it is.
func (d Dir) Rows(_ context.Context, sql string, params []string) ([]Row, error) {
	want := 2
	if sql == SessionsSQL || sql == GrepSQL {
		want = 3
	}
	if len(params) != want {
		return nil, fmt.Errorf("offline query: %d parameters (days yyyy/MM/dd), got %d", want, len(params))
	}
	days, err := dayRange(params[0], params[1])
	if err != nil {
		return nil, err
	}
	switch sql {
	case LedgerSQL:
		return d.ledger(days)
	case ForwardedSQL:
		return d.forwarded(days)
	case SessionsSQL:
		if _, err := time.Parse("2006/01/02", params[2]); err != nil {
			return nil, fmt.Errorf("offline query: first day of the sessions: not yyyy/MM/dd (got %q)", params[2])
		}
		return d.sessions(days, params[2])
	case GrepSQL:
		return d.grep(days, params[2])
	}
	return nil, errors.New("offline query: not one of the queries read offline (LedgerSQL, ForwardedSQL, SessionsSQL, GrepSQL)")
}

// Transcript says whether the copy holds the object key.
func (d Dir) Transcript(_ context.Context, key string) (bool, error) {
	st, err := os.Stat(filepath.Join(d.Path, filepath.FromSlash(key)))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return st.Mode().IsRegular(), nil
}

// dayRange lists the days first to last (yyyy/MM/dd, as the day partitions are named).
func dayRange(first, last string) ([]string, error) {
	const layout = "2006/01/02"
	f, err := time.Parse(layout, first)
	if err != nil {
		return nil, fmt.Errorf("offline query: first day: not yyyy/MM/dd (got %q)", first)
	}
	l, err := time.Parse(layout, last)
	if err != nil {
		return nil, fmt.Errorf("offline query: last day: not yyyy/MM/dd (got %q)", last)
	}
	var out []string
	for t := f; !t.After(l); t = t.AddDate(0, 0, 1) {
		out = append(out, t.Format(layout))
	}
	return out, nil
}

// lines calls each with every non-empty line of every object below prefix (a key prefix ending
// in "/"), in key order; a missing directory holds no object.
func (d Dir) lines(prefix string, each func(key string, line []byte)) error {
	root := filepath.Join(d.Path, filepath.FromSlash(prefix))
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return fs.SkipDir
			}
			return err
		}
		if e.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(d.Path, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		data, err := readObject(p)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		for _, l := range bytes.Split(data, []byte("\n")) {
			if len(l) > 0 {
				each(key, l)
			}
		}
		return nil
	})
	if errors.Is(err, fs.SkipDir) {
		return nil
	}
	return err
}

func readObject(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !strings.HasSuffix(p, ".gz") {
		return io.ReadAll(f)
	}
	z, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("not gzip: %w", err)
	}
	data, err := io.ReadAll(z)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return data, nil
}

// record is one line as the JSON SerDe reads it: nil when it is not a JSON object.
func record(line []byte, lower bool) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if lower {
		return lowerKeys(m).(map[string]any)
	}
	return m
}

func lowerKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[strings.ToLower(k)] = lowerKeys(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = lowerKeys(e)
		}
		return out
	}
	return v
}

// column is a string column's value: a string as is, another scalar as its JSON text, an object
// or a list as its JSON; ok is false for NULL (absent or null).
func column(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	data, err := json.Marshal(v)
	return string(data), err == nil
}

// scalar is json_extract_scalar(value, '$.a.b'): the scalar at path of a JSON object (a string
// column holding JSON text is parsed); NULL for an object, a list, null or no such key.
func scalar(v any, path ...string) (string, bool) {
	if s, ok := v.(string); ok {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		if dec.Decode(&v) != nil {
			return "", false
		}
	}
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		v = m[k]
	}
	switch v.(type) {
	case map[string]any, []any:
		return "", false
	}
	return column(v)
}
