package coverage

import (
	"fmt"
	"time"
)

// Attempt is a start of a way in that AWS refused: a ledger start event with an error code
// (CloudTrail's errorCode, AccessDenied for a denied call). Nothing started, so sessions lists none.
type Attempt struct {
	Time      string `json:"time"`
	Person    string `json:"person"`
	Principal string `json:"principal"`
	Account   string `json:"account"`
	Region    string `json:"region"`
	Node      string `json:"node"`
	Way       string `json:"way"`
	Error     string `json:"error"`
}

// Denied are the refused starts of ledger rows (LedgerSQL) in [from, to), in the rows' order.
func Denied(rows []Row, from, to time.Time) ([]Attempt, error) {
	var out []Attempt
	for _, r := range rows {
		way, ok := WayOf[r["event"]]
		if !ok || r["error"] == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, r["time"])
		if err != nil {
			return nil, fmt.Errorf("ledger event %s: time %q is not RFC 3339", r["session"], r["time"])
		}
		if t.Before(from) || !t.Before(to) {
			continue
		}
		out = append(out, Attempt{Time: r["time"], Person: Person(r["principal"]), Principal: r["principal"], Account: r["account"],
			Region: r["region"], Node: r["target"], Way: way, Error: r["error"]})
	}
	return out, nil
}
