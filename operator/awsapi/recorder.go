package awsapi

import (
	"context"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Recorder records every AWS operation the clients of a configuration call, by the SDK's service
// ID and operation name ("Organizations ListAccountsForParent"). The tests compare it with the
// tool's policy (package permissions), so that the policy grants exactly what the code calls.
type Recorder struct {
	mu  sync.Mutex
	ops map[string]int
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{ops: map[string]int{}} }

// Install adds the recorder to every client made from cfg.
func (r *Recorder) Install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("sessionaudit-recorder",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				r.add(awsmiddleware.GetServiceID(ctx) + " " + awsmiddleware.GetOperationName(ctx))
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

func (r *Recorder) add(op string) {
	r.mu.Lock()
	r.ops[op]++
	r.mu.Unlock()
}

// Add records an operation made outside the SDK's clients (the GUI Connect call).
func (r *Recorder) Add(serviceID, operation string) { r.add(serviceID + " " + operation) }

// Operations are the recorded operations, sorted.
func (r *Recorder) Operations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.ops))
	for op := range r.ops {
		out = append(out, op)
	}
	sort.Strings(out)
	return out
}

// Calls is the number of calls of every recorded operation, retries not counted.
func (r *Recorder) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.ops {
		n += c
	}
	return n
}
