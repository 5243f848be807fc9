package fakeaws

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

func writeResponse(w http.ResponseWriter, proto, op string, out any) {
	var b strings.Builder
	switch proto {
	case "json":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		data, _ := json.Marshal(forJSON(out))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data)
		return
	case "cbor":
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("smithy-protocol", "rpc-v2-cbor")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(cbor.Encode(toCBOR(out)))
		return
	case "query":
		fmt.Fprintf(&b, `<%sResponse xmlns="https://fake.amazonaws.com/doc/"><%sResult>`, op, op)
		writeXML(&b, out, "member")
		fmt.Fprintf(&b, `</%sResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></%sResponse>`, op, op)
	case "ec2":
		fmt.Fprintf(&b, `<%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fake-request</requestId>`, op)
		writeXML(&b, out, "item")
		fmt.Fprintf(&b, `</%sResponse>`, op)
	case "s3":
		if raw, ok := out.(RawBody); ok {
			w.Header().Set("Content-Type", raw.ContentType)
			w.Header().Set("Content-Length", fmt.Sprint(len(raw.Data)))
			w.Header().Set("ETag", `"fake"`)
			w.Header().Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(raw.Data)
			return
		}
		doc := out.(XMLDoc)
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><%s xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`, doc.Root)
		writeXML(&b, doc.Body, "")
		fmt.Fprintf(&b, `</%s>`, doc.Root)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(b.String()))
}

func writeError(w http.ResponseWriter, proto string, e *APIError) {
	status := e.Status
	if status == 0 {
		status = 400
	}
	switch proto {
	case "json":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", e.Code)
		w.WriteHeader(status)
		data, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
		_, _ = w.Write(data)
		return
	case "cbor":
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("smithy-protocol", "rpc-v2-cbor")
		w.WriteHeader(status)
		_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(e.Code), "message": cbor.String(e.Message)}))
		return
	}
	var b strings.Builder
	switch proto {
	case "query":
		fmt.Fprintf(&b, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake-request</RequestId></ErrorResponse>`, e.Code, esc(e.Message))
	case "ec2":
		fmt.Fprintf(&b, `<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>fake-request</RequestID></Response>`, e.Code, esc(e.Message))
	default:
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>fake-request</RequestId></Error>`, e.Code, esc(e.Message))
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// writeXML renders a tree: map keys as elements (sorted), lists as repeated <item> (or <member>)
// elements, or, with item "", as repeated elements of the parent's name (S3's flattened lists).
func writeXML(b *strings.Builder, v any, item string) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if list, ok := t[k].([]any); ok && item == "" {
				for _, e := range list {
					fmt.Fprintf(b, "<%s>", k)
					writeXML(b, e, item)
					fmt.Fprintf(b, "</%s>", k)
				}
				continue
			}
			fmt.Fprintf(b, "<%s>", k)
			writeXML(b, t[k], item)
			fmt.Fprintf(b, "</%s>", k)
		}
	case []any:
		for _, e := range t {
			fmt.Fprintf(b, "<%s>", item)
			writeXML(b, e, item)
			fmt.Fprintf(b, "</%s>", item)
		}
	case time.Time:
		b.WriteString(t.UTC().Format(time.RFC3339))
	case string:
		b.WriteString(esc(t))
	case nil:
	default:
		fmt.Fprint(b, t)
	}
}

// forJSON turns times into epoch seconds, as the JSON protocols send timestamps.
func forJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = forJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = forJSON(e)
		}
		return out
	case time.Time:
		return float64(t.UnixMilli()) / 1000
	}
	return v
}

func toCBOR(v any) cbor.Value {
	switch t := v.(type) {
	case map[string]any:
		m := cbor.Map{}
		for k, e := range t {
			m[k] = toCBOR(e)
		}
		return m
	case []any:
		l := make(cbor.List, len(t))
		for i, e := range t {
			l[i] = toCBOR(e)
		}
		return l
	case time.Time:
		return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.UnixMilli()) / 1000)}
	case string:
		return cbor.String(t)
	case bool:
		return cbor.Bool(t)
	case int:
		if t < 0 {
			return cbor.NegInt(uint64(-t))
		}
		return cbor.Uint(uint64(t))
	case float64:
		return cbor.Float64(t)
	}
	return &cbor.Nil{}
}

func fromCBOR(v cbor.Value) any {
	switch t := v.(type) {
	case cbor.Map:
		m := map[string]any{}
		for k, e := range t {
			m[k] = fromCBOR(e)
		}
		return m
	case cbor.List:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = fromCBOR(e)
		}
		return l
	case cbor.String:
		return string(t)
	case cbor.Uint:
		return float64(t)
	case cbor.Float64:
		return float64(t)
	case cbor.Bool:
		return bool(t)
	}
	return math.NaN()
}
