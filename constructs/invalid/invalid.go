// Package invalid is what a sessionaudit construct panics with when its props are wrong, as
// aws-cdk-lib constructs throw: a typed value, so that an app can tell a caller's mistake (print
// the message, exit) from a bug (let the panic show its trace).
package invalid

import (
	"errors"
	"fmt"
)

// PropsError says which construct rejected its props and why, with what it got.
type PropsError struct {
	// Construct is the package of the construct, e.g. "logbucket".
	Construct string
	// Message says what is wrong, e.g. `Props.RetentionDays must be between 1 and 36500 (got 0)`.
	Message string
}

func (e *PropsError) Error() string { return e.Construct + ": " + e.Message }

// Panic panics with a *PropsError.
func Panic(construct, format string, args ...any) {
	panic(&PropsError{Construct: construct, Message: fmt.Sprintf(format, args...)})
}

// As returns the *PropsError a recovered panic value is (or wraps), or nil.
func As(recovered any) *PropsError {
	err, ok := recovered.(error)
	if !ok {
		return nil
	}
	var pe *PropsError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// Catch runs f and returns the *PropsError it panicked with; any other panic (a bug) goes on with
// its trace.
func Catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if pe := As(r); pe != nil {
				err = pe
				return
			}
			panic(r)
		}
	}()
	f()
	return nil
}
