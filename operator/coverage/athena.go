package coverage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
)

// QueryError is a query that ran and did not succeed: State FAILED or CANCELLED with Athena's
// reason, or still QUEUED or RUNNING when the wait ended (Timeout).
type QueryError struct {
	ID, State, Reason string
	Timeout           bool
}

func (e *QueryError) Error() string {
	if e.Timeout {
		return fmt.Sprintf("query %s still %s at the deadline", e.ID, e.State)
	}
	return fmt.Sprintf("query %s %s: %s", e.ID, e.State, e.Reason)
}

// MaxResultsPerPage is the most rows one GetQueryResults page holds (Athena API reference,
// GetQueryResults, MaxResults: "Maximum value of 1000").
const MaxResultsPerPage = 1000

// Row is one result row by column name.
type Row map[string]string

// Query runs sql with params (SQL literals are made of them) in the session-audit workgroup, the
// way verify -probe runs its saved query (StartQueryExecution, GetQueryExecution until a final
// state, every page of GetQueryResults). Athena API reference, GetQueryResults: "the first row of
// the results contains the column names" for a SELECT; the next pages come with NextToken.
// A failed, cancelled or unfinished query is a *QueryError: coverage never reads it as no rows;
// verify -probe reports it as a finding. Other errors are the calls' own (access denied included).
//
// account names the log-archive account in errors (awsapi.Classify). columns are the columns the caller reads: a header without one of them is an error (the table or
// the query is not the one this version knows), with rows or without.
func Query(ctx context.Context, client *athena.Client, account, sql string, params, columns []string, poll, timeout time.Duration) ([]Row, error) {
	region := client.Options().Region
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	var literals []string
	for _, p := range params {
		literals = append(literals, quote(p))
	}
	start, err := client.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{
		QueryString:           aws.String(sql),
		QueryExecutionContext: &athenatypes.QueryExecutionContext{Database: aws.String(archivesearch.DefaultDatabaseName)},
		WorkGroup:             aws.String(archivesearch.DefaultWorkGroupName),
		ExecutionParameters:   literals,
	})
	if err != nil {
		return nil, awsapi.Classify(err, "athena:StartQueryExecution", account, region)
	}
	id := aws.ToString(start.QueryExecutionId)
	deadline := time.Now().Add(timeout)
	for {
		out, err := client.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			return nil, awsapi.Classify(err, "athena:GetQueryExecution", account, region)
		}
		if out.QueryExecution == nil || out.QueryExecution.Status == nil {
			return nil, fmt.Errorf("athena:GetQueryExecution %s: no status in the answer", id)
		}
		st := out.QueryExecution.Status
		switch st.State {
		case athenatypes.QueryExecutionStateSucceeded:
			return results(ctx, client, account, id, columns)
		case athenatypes.QueryExecutionStateFailed, athenatypes.QueryExecutionStateCancelled:
			return nil, &QueryError{ID: id, State: string(st.State), Reason: aws.ToString(st.StateChangeReason)}
		}
		if !time.Now().Before(deadline) {
			return nil, &QueryError{ID: id, State: string(st.State), Timeout: true}
		}
		t := time.NewTimer(max(min(poll, time.Until(deadline)), 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// results reads every page; the first row of the first page is the header.
func results(ctx context.Context, client *athena.Client, account, id string, columns []string) ([]Row, error) {
	var header []string
	var rows []Row
	// MaxResults: the most rows a page holds (Athena API reference, GetQueryResults: 1 to 1000).
	pages := athena.NewGetQueryResultsPaginator(client, &athena.GetQueryResultsInput{QueryExecutionId: aws.String(id), MaxResults: aws.Int32(MaxResultsPerPage)})
	for pages.HasMorePages() {
		res, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awsapi.Classify(err, "athena:GetQueryResults", account, client.Options().Region)
		}
		if res.ResultSet == nil {
			return nil, fmt.Errorf("athena:GetQueryResults %s: no result set", id)
		}
		for _, r := range res.ResultSet.Rows {
			values := make([]string, len(r.Data))
			for i, d := range r.Data {
				values[i] = aws.ToString(d.VarCharValue)
			}
			if header == nil {
				header = values
				for _, c := range columns {
					if !slices.Contains(header, c) {
						return nil, fmt.Errorf("query %s: the result has no column %q (got %s): the table or the query differs from this version", id, c, strings.Join(header, ", "))
					}
				}
				continue
			}
			row := Row{}
			for i, name := range header {
				if i < len(values) {
					row[name] = values[i]
				}
			}
			rows = append(rows, row)
		}
	}
	if header == nil {
		return nil, fmt.Errorf("athena:GetQueryResults %s: no header row", id)
	}
	return rows, nil
}
