// Package awsapi gives the operator commands (preflight, verify) their AWS clients: the operator's
// own configuration, the same configuration in another account through a role to assume, a retryer
// that waits out throttling, a recorder of every API operation called (so that the tool's IAM policy
// is tested against the calls it makes), bounded concurrency, and errors classified so that the
// report can say which permission is missing instead of printing a stack trace.
package awsapi

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Retry says how often and how long a throttled or failed call is retried.
type Retry struct {
	// MaxAttempts per call, the first included. Default 10.
	MaxAttempts int
	// MaxBackoff is the longest wait between attempts. Default 20 s.
	MaxBackoff time.Duration
}

// NewRetryer is the SDK's standard retryer (exponential backoff with jitter; it retries
// ThrottlingException, Throttling, TooManyRequestsException, RequestLimitExceeded and 5xx: AWS SDK
// for Go v2 developer guide, "Retries and Timeouts") with more attempts than the default 3 and
// without the client-side retry quota: with hundreds of accounts read in parallel, the default
// token bucket (500 tokens, 5 per retry) runs dry and fails calls with "retry quota exceeded"
// instead of waiting, which the same guide documents as what ratelimit.None turns off.
func NewRetryer(r Retry) func() aws.Retryer {
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 10
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = 20 * time.Second
	}
	return func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = r.MaxAttempts
			o.MaxBackoff = r.MaxBackoff
			o.RateLimiter = ratelimit.None
		})
	}
}

// Session is the operator's configuration and the configurations it derives for other accounts.
type Session struct {
	base     aws.Config
	roleName string
	caller   string
	mu       sync.Mutex
	accounts map[string]aws.CredentialsProvider
}

// NewSession makes a session from the operator's configuration (its credentials and retryer; its
// region is replaced per call). callerAccount is the account of base's credentials: calls there
// use them directly. roleName is the role assumed in every other account.
func NewSession(base aws.Config, callerAccount, roleName string) *Session {
	base.HTTPClient = sharedHTTPClient(base.HTTPClient)
	return &Session{base: base, roleName: roleName, caller: callerAccount, accounts: map[string]aws.CredentialsProvider{}}
}

// CallerAccount is the account of the operator's credentials.
func (s *Session) CallerAccount() string { return s.caller }

// RoleName is the role assumed in other accounts.
func (s *Session) RoleName() string { return s.roleName }

// RoleArn is the ARN of the role assumed in account.
func (s *Session) RoleArn(account string) string { return s.roleArn(account, s.roleName) }

func (s *Session) roleArn(account, roleName string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition(s.base.Region), account, roleName)
}

// Config is the configuration for calls in account and region: the operator's own credentials in
// its own account, else temporary credentials of RoleName there (sts:AssumeRole, cached and
// refreshed by the SDK per account).
func (s *Session) Config(account, region string) aws.Config {
	return s.ConfigAs(account, region, s.roleName)
}

// ConfigAs is Config with another role than RoleName in account (the probe's -archive-role); the
// caller's own account still uses the caller's credentials.
func (s *Session) ConfigAs(account, region, roleName string) aws.Config {
	cfg := s.base.Copy()
	cfg.Region = region
	if account == s.caller || account == "" {
		return cfg
	}
	if roleName == "" {
		roleName = s.roleName
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := roleName + "/" + account
	p, ok := s.accounts[key]
	if !ok {
		stsCfg := s.base.Copy()
		client := sts.NewFromConfig(stsCfg)
		p = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(client, s.roleArn(account, roleName), func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "sessionaudit-check"
		}))
		s.accounts[key] = p
	}
	cfg.Credentials = p
	return cfg
}

// sharedHTTPClient is one HTTP client for every account's clients (a configuration without one
// would give each client its own connection pool), keeping enough idle connections per host for
// the accounts read at once (the SDK's default keeps 10: AWS SDK for Go v2 developer guide,
// "Customizing the HTTP client").
func sharedHTTPClient(c aws.HTTPClient) aws.HTTPClient {
	keep := func(t *http.Transport) { t.MaxIdleConnsPerHost = 128; t.MaxIdleConns = 512 }
	switch b := c.(type) {
	case nil:
		return awshttp.NewBuildableClient().WithTransportOptions(keep)
	case *awshttp.BuildableClient:
		return b.WithTransportOptions(keep)
	}
	return c
}

// S3Options uses path-style addressing when the configuration names an endpoint (the fake AWS of
// the tests, or a VPC interface endpoint given by AWS_ENDPOINT_URL_S3).
func S3Options(cfg aws.Config) func(*s3.Options) {
	return func(o *s3.Options) { o.UsePathStyle = cfg.BaseEndpoint != nil }
}

// CallerIdentity returns the account of cfg's credentials (sts:GetCallerIdentity, which needs no
// permission: STS API reference, GetCallerIdentity).
func CallerIdentity(ctx context.Context, cfg aws.Config) (account, arn string, err error) {
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", "", err
	}
	return aws.ToString(out.Account), aws.ToString(out.Arn), nil
}

func partition(region string) string {
	switch {
	case len(region) >= 3 && region[:3] == "cn-":
		return "aws-cn"
	case len(region) >= 7 && region[:7] == "us-gov-":
		return "aws-us-gov"
	}
	return "aws"
}
