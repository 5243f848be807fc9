package test

import (
	"errors"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
)

// A construct that rejects its props panics with a typed error that invalid.Catch returns (the app
// prints it and exits 2); any other panic, a bug, goes on with its trace.
func TestConstructErrorsAreTyped(t *testing.T) {
	err := invalid.Catch(func() {
		s := bareStack()
		k := logkey.New(s, "K", &logkey.Props{OrganizationID: jsii.String(org)})
		logbucket.New(s, "B", &logbucket.Props{OrganizationID: jsii.String(org), EncryptionKey: k.Key, RetentionDays: jsii.Number(0)})
	})
	var pe *invalid.PropsError
	if !errors.As(err, &pe) || pe.Construct != "logbucket" || pe.Error() != "logbucket: Props.RetentionDays must be between 1 and 36500 (got 0)" {
		t.Fatalf("got %v", err)
	}
	defer func() {
		if r := recover(); r == nil || invalid.As(r) != nil {
			t.Errorf("a bug was caught as a props error: %v", r)
		}
	}()
	_ = invalid.Catch(func() { panic(errors.New("a bug: not a props error")) })
	t.Error("a bug did not panic")
}
