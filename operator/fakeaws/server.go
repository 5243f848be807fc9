// Package fakeaws is a fake AWS endpoint on the loopback address for the operator commands' tests
// and benchmark: the real SDK clients (signing, serialization, retries, pagination) talk to it
// through BaseEndpoint. It tells the service from the SigV4 credential scope, the account from the
// access key (AssumeRole hands out keys that name the account), and answers each operation the
// operator uses in that service's protocol (AWS JSON 1.0/1.1, AWS query, EC2 query, REST-XML for
// S3, REST-JSON for GUI Connect, Smithy RPC v2 CBOR for CloudWatch) with the response shapes of
// the services' API references, from an organization model (Org).
package fakeaws

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Request is one call as a handler sees it.
type Request struct {
	// Service is the SigV4 signing name ("organizations", "monitoring", "ssm-guiconnect").
	Service   string
	Operation string
	Region    string
	// Account is the account of the access key that signed the call.
	Account string
	// Params are the JSON or CBOR body's members; Form the query protocol's parameters; Query
	// the URL's query (S3).
	Params map[string]any
	Form   url.Values
	Path   string
	Query  url.Values
}

// Str is a string parameter from the body, the form or the URL query.
func (r *Request) Str(name string) string {
	if v, ok := r.Params[name].(string); ok {
		return v
	}
	if v := r.Form.Get(name); v != "" {
		return v
	}
	return r.Query.Get(name)
}

// APIError is an error answer.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// Handler answers one operation: a response tree (maps, lists, strings, numbers, bools,
// time.Time), an XMLDoc, or an error.
type Handler func(r *Request) (any, error)

// XMLDoc is a REST-XML response body with its root element (S3).
type XMLDoc struct {
	Root string
	Body map[string]any
}

// Server is the fake endpoint.
type Server struct {
	// URL is the BaseEndpoint to give the clients.
	URL string
	srv *httptest.Server

	mu       sync.Mutex
	handlers map[string]Handler
	keys     map[string]string
	calls    map[string]int
	// Inject, when set, is asked first for every call; a non-nil error is the answer.
	Inject func(r *Request) *APIError
}

// NewServer starts a fake endpoint; callerKey is the access key of the operator's credentials in
// callerAccount. Close it when done.
func NewServer(callerKey, callerAccount string) *Server {
	s := &Server{handlers: map[string]Handler{}, keys: map[string]string{callerKey: callerAccount}, calls: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Handle registers the handler of service's operation.
func (s *Server) Handle(service, operation string, h Handler) {
	s.mu.Lock()
	s.handlers[service+" "+operation] = h
	s.mu.Unlock()
}

// AddKey makes calls signed with key act in account (AssumeRole's credentials).
func (s *Server) AddKey(key, account string) {
	s.mu.Lock()
	s.keys[key] = account
	s.mu.Unlock()
}

// Calls is how often service's operation was called, retries included.
func (s *Server) Calls(service, operation string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[service+" "+operation]
}

// TotalCalls counts every call.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

func (s *Server) serve(w http.ResponseWriter, hr *http.Request) {
	body, _ := io.ReadAll(hr.Body)
	r := &Request{Path: hr.URL.Path, Query: hr.URL.Query(), Params: map[string]any{}, Form: url.Values{}}
	key, region, service := credentialScope(hr.Header.Get("Authorization"))
	r.Region, r.Service = region, service
	s.mu.Lock()
	account, known := s.keys[key]
	s.mu.Unlock()
	r.Account = account
	proto := protocolOf(service)
	switch proto {
	case "json":
		_ = json.Unmarshal(body, &r.Params)
		if t := hr.Header.Get("X-Amz-Target"); t != "" {
			r.Operation = t[strings.LastIndex(t, ".")+1:]
		} else {
			r.Operation = strings.Trim(hr.URL.Path, "/")
		}
	case "cbor":
		r.Operation = hr.URL.Path[strings.LastIndex(hr.URL.Path, "/")+1:]
		if v, err := cbor.Decode(body); err == nil {
			if m, ok := fromCBOR(v).(map[string]any); ok {
				r.Params = m
			}
		}
	case "query", "ec2":
		r.Form, _ = url.ParseQuery(string(body))
		r.Operation = r.Form.Get("Action")
	case "s3":
		r.Operation = s3Operation(hr)
	}
	s.mu.Lock()
	s.calls[service+" "+r.Operation]++
	h := s.handlers[service+" "+r.Operation]
	inject := s.Inject
	s.mu.Unlock()
	var out any
	var err error
	switch {
	case !known:
		err = &APIError{403, "InvalidClientTokenId", "The security token included in the request is invalid."}
	case inject != nil && inject(r) != nil:
		err = inject(r)
	case h == nil:
		err = &APIError{400, "UnknownOperationException", fmt.Sprintf("fakeaws: no handler for %s %s", service, r.Operation)}
	default:
		out, err = h(r)
	}
	if err != nil {
		ae, ok := err.(*APIError)
		if !ok {
			ae = &APIError{500, "InternalFailure", err.Error()}
		}
		writeError(w, proto, ae)
		return
	}
	writeResponse(w, proto, r.Operation, out)
}

// credentialScope reads "Credential=<key>/<date>/<region>/<service>/aws4_request".
func credentialScope(auth string) (key, region, service string) {
	i := strings.Index(auth, "Credential=")
	if i < 0 {
		return "", "", ""
	}
	scope := auth[i+len("Credential="):]
	if j := strings.IndexAny(scope, ", "); j >= 0 {
		scope = scope[:j]
	}
	p := strings.Split(scope, "/")
	if len(p) < 5 {
		return "", "", ""
	}
	return p[0], p[2], p[3]
}

func protocolOf(service string) string {
	switch service {
	case "cloudformation", "iam", "sns", "sts":
		return "query"
	case "ec2":
		return "ec2"
	case "s3":
		return "s3"
	case "monitoring":
		return "cbor"
	}
	return "json"
}

func s3Operation(hr *http.Request) string {
	q := hr.URL.Query()
	switch {
	case hr.Method == http.MethodGet && q.Get("list-type") == "2":
		return "ListObjectsV2"
	case hr.Method == http.MethodGet && q.Has("versions"):
		return "ListObjectVersions"
	case hr.Method == http.MethodGet && q.Has("encryption"):
		return "GetBucketEncryption"
	case hr.Method == http.MethodGet && q.Has("object-lock"):
		return "GetObjectLockConfiguration"
	case hr.Method == http.MethodGet && q.Has("lifecycle"):
		return "GetBucketLifecycleConfiguration"
	case hr.Method == http.MethodPut:
		return "PutObject"
	case hr.Method == http.MethodGet:
		return "GetObject"
	}
	return hr.Method
}

// Throttle is the throttling error of a service's protocol (the codes the SDK retries).
func Throttle(service string) *APIError {
	switch protocolOf(service) {
	case "query":
		return &APIError{400, "Throttling", "Rate exceeded"}
	case "ec2":
		return &APIError{503, "RequestLimitExceeded", "Request limit exceeded."}
	case "s3":
		return &APIError{503, "SlowDown", "Please reduce your request rate."}
	}
	return &APIError{400, "ThrottlingException", "Rate exceeded"}
}

// Denied is the access-denied error of a service's protocol.
func Denied(service, action string) *APIError {
	msg := "User: arn:aws:sts::000000000000:assumed-role/x/y is not authorized to perform: " + action
	switch service {
	case "ec2":
		return &APIError{403, "UnauthorizedOperation", "You are not authorized to perform this operation."}
	case "sns":
		return &APIError{403, "AuthorizationError", msg}
	case "s3", "iam", "sts", "cloudformation":
		return &APIError{403, "AccessDenied", msg}
	}
	return &APIError{400, "AccessDeniedException", msg}
}

// OneItemPerPage is the PageSize of the pagination mode: every paginated operation answers one
// item a page with a next token, so that a check that reads only the first page misses the rest.
const OneItemPerPage = 1

// Int is a numeric parameter from the body (JSON or CBOR numbers), the form or the URL query; 0
// when absent.
func (r *Request) Int(name string) int {
	if v, ok := r.Params[name].(float64); ok {
		return int(v)
	}
	n, _ := strconv.Atoi(r.Str(name))
	return n
}

// paged is the page of items after the request's token parameter (named as the operation's API
// model names its input token: NextToken, nextToken, Marker, continuation-token): at most
// o.PageSize items (20 when unset; OneItemPerPage in the pagination mode), fewer when the
// request's limit parameter (the model's limit key: MaxResults, limit, Limit, MaxRecords,
// MaxItems, max-keys) asks for fewer, and the token of the next page ("" on the last page).
func (o *Org) paged(r *Request, items []any, token, limit string) ([]any, string) {
	start, _ := strconv.Atoi(r.Str(token))
	start = min(max(start, 0), len(items))
	size := o.PageSize
	if size <= 0 {
		size = 20
	}
	if n := r.Int(limit); n > 0 && n < size {
		size = n
	}
	end := start + size
	if end >= len(items) {
		return items[start:], ""
	}
	return items[start:end], strconv.Itoa(end)
}
