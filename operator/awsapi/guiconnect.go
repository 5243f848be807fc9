package awsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/aws/smithy-go"
)

// RecordingPreferences are an account and region's RDP connection recording preferences (Systems
// Manager GUI Connect API reference, GetConnectionRecordingPreferences: KMSKeyArn and the S3
// buckets of RecordingDestinations).
type RecordingPreferences struct {
	KMSKeyArn string
	Buckets   []RecordingBucket
}

// RecordingBucket is one recording destination.
type RecordingBucket struct {
	BucketName  string
	BucketOwner string
}

// GUIConnectServiceID is the service ID the recorder uses for GUI Connect calls.
const GUIConnectServiceID = "SSM GuiConnect"

// GetRecordingPreferences calls GUI Connect's GetConnectionRecordingPreferences (REST-JSON,
// POST /GetConnectionRecordingPreferences, signing name ssm-guiconnect). The Go SDK v2 has no
// client for this service in the module proxy this project uses, so the call is signed here with
// the SDK's SigV4 signer and retried with cfg's retryer. nil, nil means no preferences are set
// (ResourceNotFoundException).
func GetRecordingPreferences(ctx context.Context, cfg aws.Config, rec *Recorder) (*RecordingPreferences, error) {
	if rec != nil {
		rec.Add(GUIConnectServiceID, "GetConnectionRecordingPreferences")
	}
	endpoint := fmt.Sprintf("https://ssm-guiconnect.%s.amazonaws.com", cfg.Region)
	if cfg.BaseEndpoint != nil {
		endpoint = strings.TrimSuffix(*cfg.BaseEndpoint, "/")
	}
	retryer := cfg.Retryer
	attempts := 3
	var r aws.Retryer
	if retryer != nil {
		r = retryer()
		attempts = r.MaxAttempts()
	}
	var lastErr error
	for attempt := 1; attempt <= attempts; attempt++ {
		prefs, err := getRecordingPreferencesOnce(ctx, cfg, endpoint)
		if err == nil {
			return prefs, nil
		}
		if api, ok := err.(smithy.APIError); ok && api.ErrorCode() == "ResourceNotFoundException" {
			return nil, nil
		}
		lastErr = err
		if r == nil || !r.IsErrorRetryable(err) {
			return nil, err
		}
		delay, derr := r.RetryDelay(attempt, err)
		if derr != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
	}
	return nil, lastErr
}

func getRecordingPreferencesOnce(ctx context.Context, cfg aws.Config, endpoint string) (*RecordingPreferences, error) {
	body := []byte("{}")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/GetConnectionRecordingPreferences", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to retrieve credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm-guiconnect", cfg.Region, time.Now()); err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		code := strings.SplitN(resp.Header.Get("X-Amzn-ErrorType"), ":", 2)[0]
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		api := &smithy.GenericAPIError{Code: code, Message: e.Message}
		if resp.StatusCode >= 500 {
			return nil, &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: api}
		}
		return nil, api
	}
	var out struct {
		ConnectionRecordingPreferences *struct {
			KMSKeyArn             string
			RecordingDestinations struct{ S3Buckets []RecordingBucket }
		}
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("GetConnectionRecordingPreferences: %w", err)
	}
	if out.ConnectionRecordingPreferences == nil {
		return nil, nil
	}
	p := out.ConnectionRecordingPreferences
	return &RecordingPreferences{KMSKeyArn: p.KMSKeyArn, Buckets: p.RecordingDestinations.S3Buckets}, nil
}
