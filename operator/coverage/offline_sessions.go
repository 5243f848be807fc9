package coverage

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// sessions is SessionsSQL over the ledger's day partitions days, its sessions from the day first
// on: LedgerSQL's rows with the session's reason and, for a just-in-time session, the latest
// earlier access request of its account and region that names its node, and the request's
// approvers (operator/coverage/sessions.sql, step by step).
func (d Dir) sessions(days []string, first string) ([]Row, error) {
	lines, err := d.ledgerLines(days)
	if err != nil {
		return nil, err
	}
	type request struct {
		time, account, region, detail string
		ok                            [3]bool // time, account, region are not NULL
		row                           Row     // request, requester, reason
	}
	var requests []request
	approvals := map[string][]string{} // automationExecutionId → approvers' ARNs (NULLs left out)
	for _, l := range lines {
		if l.m == nil {
			continue
		}
		_, denied := l.row["error"]
		if l.row["event"] == "StartAccessRequest" && !denied {
			q := request{row: Row{}}
			q.time, q.ok[0] = l.row["time"]
			q.account, q.ok[1] = l.row["account"]
			q.region, q.ok[2] = l.row["region"]
			q.detail, _ = detailText(l.m["detail"])
			setScalar(q.row, "request", l.m["detail"], "responseElements", "accessRequestId")
			setScalar(q.row, "requester", l.m["detail"], "userIdentity", "arn")
			setScalar(q.row, "reason", l.m["detail"], "requestParameters", "reason")
			requests = append(requests, q)
		}
		signal, _ := scalar(l.m["detail"], "requestParameters", "signalType")
		exec, ok := scalar(l.m["detail"], "requestParameters", "automationExecutionId")
		if l.row["event"] == "SendAutomationSignal" && !denied && signal == "Approve" && ok {
			if arn, ok := scalar(l.m["detail"], "userIdentity", "arn"); ok {
				approvals[exec] = append(approvals[exec], arn)
			} else {
				approvals[exec] = append(approvals[exec], "\x00") // a NULL: joined, not listed
			}
		}
	}
	// approvers: the status updates' OpsItemId (the request) → the approvals of its ExecutionId.
	approvers := map[string][]string{}
	for _, l := range lines {
		if t, ok := column(l.m["detail-type"]); l.m == nil || !ok || t != "Requester Access Request Status Update" {
			continue
		}
		id, ok := scalar(l.m["detail"], "OpsItemId")
		exec, okExec := scalar(l.m["detail"], "ExecutionId")
		if !ok || !okExec || approvals[exec] == nil {
			continue
		}
		approvers[id] = append(approvers[id], approvals[exec]...)
	}
	// matched: for each start's id, the latest request (by time) any start of that id joins.
	matched := map[string]*request{}
	var rows []Row
	for _, l := range lines {
		if l.day < first {
			continue
		}
		r := maps.Clone(l.row)
		if l.m != nil {
			setScalar(r, "reason", l.m["detail"], "requestParameters", "reason")
		}
		rows = append(rows, r)
		id, okID := r["id"]
		target, okTarget := r["target"]
		if !okID || !okTarget || !strings.Contains(r["principal"], ":assumed-role/"+JustInTimeRole+"/") {
			continue
		}
		t, okT := r["time"]
		account, okA := r["account"]
		region, okR := r["region"]
		for i := range requests {
			q := &requests[i]
			if !okT || !okA || !okR || !q.ok[0] || !q.ok[1] || !q.ok[2] || q.account != account || q.region != region || q.time > t ||
				!strings.Contains(q.detail, `"`+target+`"`) {
				continue
			}
			if m := matched[id]; m == nil || q.time > m.time {
				matched[id] = q
			}
		}
	}
	for _, r := range rows {
		m := matched[r["id"]]
		if _, ok := r["id"]; !ok || m == nil {
			continue
		}
		for k, v := range map[string]string{"request": "request", "requester": "requester", "request_reason": "reason"} {
			if x, ok := m.row[v]; ok {
				r[k] = x
			}
		}
		if req, ok := m.row["request"]; ok && approvers[req] != nil {
			list := slices.Compact(slices.Sorted(slices.Values(approvers[req])))
			list = slices.DeleteFunc(list, func(s string) bool { return s == "\x00" })
			r["approver"] = strings.Join(list, " ")
		}
	}
	sortByTimeID(rows)
	return rows, nil
}

func setScalar(r Row, name string, v any, path ...string) {
	if s, ok := scalar(v, path...); ok {
		r[name] = s
	}
}

// detailText is the ledger's detail column as text: a string as is, an object as its JSON
// (strpos in SessionsSQL looks for a node ID, quoted, in it).
func detailText(v any) (string, bool) {
	if s, ok := v.(string); ok || v == nil {
		return s, ok
	}
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if e.Encode(v) != nil {
		return "", false
	}
	return strings.TrimSuffix(b.String(), "\n"), true
}
