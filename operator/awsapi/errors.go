package awsapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Kind is what went wrong with a call, as the report explains it.
type Kind string

// Kinds of call failures.
const (
	// AccessDenied: the credentials lack a permission (or an SCP or the role's trust denies it).
	AccessDenied Kind = "access-denied"
	// NoCredentials: no credentials were found or they could not be refreshed.
	NoCredentials Kind = "no-credentials"
	// Throttled: AWS still throttled the call after every retry.
	Throttled Kind = "throttled"
	// NotFound: the resource does not exist.
	NotFound Kind = "not-found"
	// Other is any other failure.
	Other Kind = "other"
)

// CallError is a failed AWS call with what the report needs: the IAM action it needed, the
// account and region, and the kind of failure.
type CallError struct {
	Kind    Kind
	Action  string
	Account string
	Region  string
	Err     error
}

// Error explains the failure in one line, naming the missing permission for access denied.
func (e *CallError) Error() string {
	where := e.Account
	if e.Region != "" {
		where += " " + e.Region
	}
	switch e.Kind {
	case AccessDenied:
		return fmt.Sprintf("access denied: %s in %s (the credentials or role need this permission; `sessionaudit policy` prints the whole policy): %s", e.Action, where, short(e.Err))
	case NoCredentials:
		return fmt.Sprintf("no AWS credentials for %s in %s: set AWS_PROFILE or run `aws sso login`, or check that the role can be assumed: %s", e.Action, where, short(e.Err))
	case Throttled:
		return fmt.Sprintf("throttled: %s in %s kept failing after every retry; run again with a lower -concurrency: %s", e.Action, where, short(e.Err))
	}
	return fmt.Sprintf("%s in %s failed: %s", e.Action, where, short(e.Err))
}

// Unwrap returns the SDK's error.
func (e *CallError) Unwrap() error { return e.Err }

// accessDeniedCodes are the error codes AWS services use for a missing permission: AccessDenied
// (S3, STS), AccessDeniedException (JSON services: Organizations, SSM, KMS, CloudWatch Logs, ...),
// UnauthorizedOperation (EC2 API reference, "Error codes"), AuthorizationError (SNS),
// AccessDenied.* and UnauthorizedAccess variants.
var accessDeniedCodes = []string{"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "UnauthorizedAccess", "AccessDeniedForDependencyException"}

// throttleCodes are the throttling error codes the SDK's standard retryer retries
// (aws/retry.DefaultThrottleErrorCodes).
func isThrottle(code string) bool { _, ok := retry.DefaultThrottleErrorCodes[code]; return ok }

var notFoundCodes = []string{"NoSuchEntity", "NoSuchKey", "NoSuchBucket", "ResourceNotFoundException", "InvalidDocument", "ParameterNotFound", "ServiceSettingNotFound", "NotFoundException", "TrailNotFoundException", "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "StackSetNotFoundException", "NotFound", "PolicyNotFoundException"}

// Classify wraps a failed call's error (nil stays nil) with the IAM action, account and region.
func Classify(err error, action, account, region string) error {
	if err == nil {
		return nil
	}
	ce := &CallError{Kind: Other, Action: action, Account: account, Region: region, Err: err}
	var api smithy.APIError
	switch {
	case isCredentialsError(err):
		ce.Kind = NoCredentials
	case errors.As(err, &api) && isAccessDenied(api.ErrorCode()):
		ce.Kind = AccessDenied
	case errors.As(err, &api) && isThrottle(api.ErrorCode()):
		ce.Kind = Throttled
	case errors.As(err, &api) && contains(notFoundCodes, api.ErrorCode()):
		ce.Kind = NotFound
	case errors.Is(err, context.Canceled):
		ce.Kind = Other
	}
	return ce
}

// KindOf is the Kind of a classified error (Other for any other error, "" for nil).
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return Other
}

// IsNotFound reports whether err says the resource does not exist.
func IsNotFound(err error) bool { return KindOf(err) == NotFound }

func isAccessDenied(code string) bool {
	for _, c := range accessDeniedCodes {
		if code == c || strings.HasPrefix(code, c+".") {
			return true
		}
	}
	return false
}

// isCredentialsError recognizes the SDK's failures to get credentials: the signer's "failed to
// retrieve credentials", the credentials cache's "failed to refresh cached credentials" and the
// identity resolution of the auth scheme ("get identity").
func isCredentialsError(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && isAccessDenied(api.ErrorCode()) {
		// An AssumeRole refused by the role's trust policy is an access denied with its action.
		return false
	}
	m := err.Error()
	for _, s := range []string{"failed to retrieve credentials", "failed to refresh cached credentials", "get identity", "no EC2 IMDS role found", "no valid providers"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// short is the innermost API error's code and message, or the error's text.
func short(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode() + ": " + api.ErrorMessage()
	}
	m := err.Error()
	if len(m) > 300 {
		m = m[:300] + "…"
	}
	return m
}
