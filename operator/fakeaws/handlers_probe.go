package fakeaws

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/install"
)

// RawBody is a response body sent as is (S3 GetObject).
type RawBody struct {
	ContentType string
	Data        []byte
}

// query is an Athena query execution.
type query struct {
	id, sql, workGroup, database string
	params                       []string
	polls                        int
	submitted                    time.Time
}

// Gzip compresses lines, one per line, as Firehose writes a forwarded object.
func Gzip(lines ...string) []byte {
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	for _, l := range lines {
		_, _ = io.WriteString(z, l+"\n")
	}
	_ = z.Close()
	return b.Bytes()
}

// serveProbe registers what verify -probe calls beyond the read-only checks. Shapes: CloudWatch
// Logs API reference (CreateLogStream: empty response; PutLogEvents: nextSequenceToken,
// rejectedLogEventsInfo), Amazon S3 API reference (GetObject: the object's bytes with
// Content-Type, Content-Length, ETag, Last-Modified; NoSuchKey 404), Athena API reference
// (StartQueryExecution: QueryExecutionId; GetQueryExecution: QueryExecution with Status.State
// QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED; GetQueryResults: ResultSet.Rows of Data of
// VarCharValue, the first row the column names, and ResultSetMetadata.ColumnInfo).
func (o *Org) serveProbe(s *Server, h func(string, string, Handler)) {
	h("logs", "CreateLogStream", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		group, stream := r.Str("logGroupName"), r.Str("logStreamName")
		if !reg.LogGroups[group] {
			return nil, &APIError{400, "ResourceNotFoundException", "The specified log group does not exist."}
		}
		if reg.LogStreams == nil {
			reg.LogStreams = map[string]bool{}
		}
		if reg.LogStreams[group+"/"+stream] {
			return nil, &APIError{400, "ResourceAlreadyExistsException", "The specified log stream already exists"}
		}
		reg.LogStreams[group+"/"+stream] = true
		return map[string]any{}, nil
	})
	h("logs", "PutLogEvents", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		group, stream := r.Str("logGroupName"), r.Str("logStreamName")
		if !reg.LogStreams[group+"/"+stream] {
			return nil, &APIError{400, "ResourceNotFoundException", "The specified log stream does not exist."}
		}
		events, _ := r.Params["logEvents"].([]any)
		if len(events) == 0 {
			return nil, &APIError{400, "InvalidParameterException", "logEvents must not be empty"}
		}
		var lines []string
		for _, ev := range events {
			m, _ := ev.(map[string]any)
			msg, _ := m["message"].(string)
			lines = append(lines, msg)
		}
		o.deliver(r.Account, r.Region, reg, group, lines)
		return map[string]any{"nextSequenceToken": "49039859613988223200000000000000000000000000000000000001"}, nil
	})
	h("s3", "GetObject", func(r *Request) (any, error) {
		parts := strings.SplitN(strings.TrimPrefix(r.Path, "/"), "/", 2)
		if len(parts) < 2 {
			return nil, &APIError{400, "InvalidRequest", "no key"}
		}
		key := parts[1]
		if out, ok, err := o.getVersion(r, key); ok {
			return out, err
		}
		at, ok := o.Objects[key]
		if !ok || at.After(time.Now()) {
			return nil, &APIError{404, "NoSuchKey", "The specified key does not exist."}
		}
		body, ok := o.Bodies[key]
		if !ok {
			body = Gzip(`{"eventVersion":"1.0","sessionId":"earlier-session","sessionData":["sh-5.2$ ls"]}`)
		}
		return RawBody{ContentType: "application/octet-stream", Data: body}, nil
	})
	h("athena", "StartQueryExecution", func(r *Request) (any, error) {
		if r.Account != o.LogArchive || r.Region != o.Home || r.Str("WorkGroup") != archivesearch.DefaultWorkGroupName {
			return nil, &APIError{400, "InvalidRequestException", "WorkGroup " + r.Str("WorkGroup") + " is not found."}
		}
		db := ""
		if c, ok := r.Params["QueryExecutionContext"].(map[string]any); ok {
			db, _ = c["Database"].(string)
		}
		saved := slices.ContainsFunc(archivesearch.Queries, func(q archivesearch.Query) bool { return q.SQL == r.Str("QueryString") })
		saved = saved || o.Canned[r.Str("QueryString")] != nil
		if db != archivesearch.DefaultDatabaseName || !saved {
			return nil, &APIError{400, "InvalidRequestException", "fakeaws models the saved queries of database " + archivesearch.DefaultDatabaseName + " only"}
		}
		var params []string
		for _, p := range asList(r.Params["ExecutionParameters"]) {
			v, _ := p.(string)
			params = append(params, v)
		}
		if o.queries == nil {
			o.queries = map[string]*query{}
		}
		id := fmt.Sprintf("a1b2c3d4-5678-90ab-cdef-%012d", len(o.queries)+1)
		o.queries[id] = &query{id: id, sql: r.Str("QueryString"), workGroup: r.Str("WorkGroup"), database: db, params: params, submitted: time.Now()}
		return map[string]any{"QueryExecutionId": id}, nil
	})
	h("athena", "GetQueryExecution", func(r *Request) (any, error) {
		q := o.queries[r.Str("QueryExecutionId")]
		if q == nil {
			return nil, &APIError{400, "InvalidRequestException", "QueryExecution " + r.Str("QueryExecutionId") + " was not found"}
		}
		q.polls++
		status := map[string]any{"SubmissionDateTime": q.submitted}
		switch {
		case q.polls <= o.QueryPolls/2:
			status["State"] = "QUEUED"
		case q.polls <= o.QueryPolls:
			status["State"] = "RUNNING"
		case o.QueryFails != "":
			status["State"], status["StateChangeReason"], status["CompletionDateTime"] = "FAILED", o.QueryFails, time.Now()
		default:
			status["State"], status["CompletionDateTime"] = "SUCCEEDED", time.Now()
		}
		execution := map[string]any{
			"QueryExecutionId": q.id, "Query": q.sql, "StatementType": "DML", "WorkGroup": q.workGroup, "ExecutionParameters": toList(q.params),
			"QueryExecutionContext": map[string]any{"Database": q.database, "Catalog": "awsdatacatalog"},
			"ResultConfiguration":   map[string]any{"OutputLocation": "s3://" + install.Install{LogArchiveAccountID: o.LogArchive, HomeRegion: o.Home}.QueryResultsBucketName() + "/" + q.id + ".csv"},
			"Status":                status, "EngineVersion": map[string]any{"SelectedEngineVersion": archivesearch.EngineVersion, "EffectiveEngineVersion": archivesearch.EngineVersion},
		}
		if c := o.Canned[q.sql]; c != nil && status["State"] == "SUCCEEDED" {
			execution["Statistics"] = map[string]any{"DataScannedInBytes": c.Scanned}
		}
		return map[string]any{"QueryExecution": execution}, nil
	})
	h("athena", "GetQueryResults", func(r *Request) (any, error) {
		q := o.queries[r.Str("QueryExecutionId")]
		if q == nil || q.polls <= o.QueryPolls || o.QueryFails != "" {
			return nil, &APIError{400, "InvalidRequestException", "Query has not yet finished or failed"}
		}
		columns := []string{"account", "region", "eventtime", "sessionid", "principal", "instance", "line"}
		rows := []any{row(columns)}
		if c := o.Canned[q.sql]; c != nil {
			// Rows are built for the page only: a canned answer may hold tens of thousands.
			columns, rows = c.Columns, make([]any, len(c.Rows)+1)
			rows[0] = row(c.Columns)
			for i := range c.Rows {
				rows[i+1] = i
			}
		} else if !o.SearchBroken {
			rows = append(rows, o.matchingLines(q.params)...)
		}
		var info []any
		for _, c := range columns {
			info = append(info, map[string]any{"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": c, "Label": c, "Type": "varchar",
				"Precision": 2147483647, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": true})
		}
		page, next := o.paged(r, rows, "NextToken", "MaxResults")
		for i, x := range page {
			if n, ok := x.(int); ok {
				page[i] = row(o.Canned[q.sql].Rows[n])
			}
		}
		return withToken(map[string]any{"UpdateCount": 0, "ResultSet": map[string]any{"Rows": page, "ResultSetMetadata": map[string]any{"ColumnInfo": info}}}, "NextToken", next), nil
	})
}

func asList(v any) []any { l, _ := v.([]any); return l }

func toList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func row(values []string) any {
	var data []any
	for _, v := range values {
		data = append(data, map[string]any{"VarCharValue": v})
	}
	return map[string]any{"Data": data}
}

// deliver models the subscription filter, the destination and the Firehose stream of region:
// with all three in place, the events appear as one GZIP object under the forwarded prefix
// (archivelayout.FirehosePrefix) DeliveryDelay later; with DeliveryBroken, under the errors prefix.
func (o *Org) deliver(account, region string, reg *Region, group string, lines []string) {
	if len(reg.Filters[group]) == 0 || o.Destinations[region] == "" || o.Streams[install.StreamName(region)] != "ACTIVE" {
		return
	}
	now := time.Now().UTC()
	o.delivered++
	name := fmt.Sprintf("%s-1-%s-%08d", install.StreamName(region), now.Format("2006-01-02-15-04-05"), o.delivered)
	key := archivelayout.ForwardedPrefix + region + "/" + now.Format("2006/01/02") + "/" + account + "/" + name
	body := Gzip(lines...)
	if o.DeliveryBroken {
		key = archivelayout.ForwardedErrorPrefix + "processing-failed/" + region + "/" + now.Format("2006/01/02") + "/" + name
		rec, _ := json.Marshal(map[string]any{"attemptsMade": 4, "errorCode": "Lambda.FunctionError", "errorMessage": "The Lambda function was successfully invoked but it returned an error result."})
		body = Gzip(string(rec))
	}
	if o.Objects == nil {
		o.Objects = map[string]time.Time{}
	}
	if o.Bodies == nil {
		o.Bodies = map[string][]byte{}
	}
	o.Objects[key] = now.Add(o.DeliveryDelay)
	o.Bodies[key] = body
}

var accountOfPath = regexp.MustCompile(`/([0-9]{12})/[^/]+$`)

// matchingLines runs the saved query "output lines matching a pattern" (first day, last day,
// pattern; SQL literals) over the delivered objects of the forwarded prefix.
func (o *Org) matchingLines(params []string) []any {
	if len(params) != 3 {
		return nil
	}
	unquote := func(s string) string {
		return strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(s, "'"), "'"), "''", "'")
	}
	first, last := unquote(params[0]), unquote(params[1])
	pattern, err := regexp.Compile(unquote(params[2]))
	if err != nil {
		return nil
	}
	var rows []any
	for _, key := range slices.Sorted(maps.Keys(o.Objects)) {
		parts := strings.Split(strings.TrimPrefix(key, archivelayout.ForwardedPrefix), "/")
		if !strings.HasPrefix(key, archivelayout.ForwardedPrefix) || len(parts) < 6 || o.Objects[key].After(time.Now()) {
			continue
		}
		day := strings.Join(parts[1:4], "/")
		if day < first || day > last {
			continue
		}
		z, err := gzip.NewReader(bytes.NewReader(o.Bodies[key]))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(z)
		for sc.Scan() {
			var ev struct {
				EventTime    string `json:"eventTime"`
				SessionID    string `json:"sessionId"`
				Target       struct{ ID string }
				UserIdentity struct{ Arn string }
				SessionData  []string `json:"sessionData"`
			}
			if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.SessionID == "" {
				continue
			}
			for _, line := range ev.SessionData {
				if pattern.MatchString(line) {
					account := ""
					if m := accountOfPath.FindStringSubmatch(key); m != nil {
						account = m[1]
					}
					rows = append(rows, row([]string{account, parts[0], ev.EventTime, ev.SessionID, ev.UserIdentity.Arn, ev.Target.ID, line}))
				}
			}
		}
	}
	return rows
}
