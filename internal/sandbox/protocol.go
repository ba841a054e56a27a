package sandbox

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// apiError is an error as AWS reports it. Handlers return it; the protocol
// layer writes it in the wire shape of the service's protocol.
type apiError struct {
	Status  int
	Code    string
	Message string
	// OAuth is the RFC 6749 error code sso-oidc adds ("invalid_grant", ...).
	OAuth string
	// Receiver marks a server-side fault in awsQuery replies.
	Receiver bool
	// Fields are extra members of a JSON error body, such as identitystore's
	// ResourceType and ResourceId or a ConflictException's Reason.
	Fields map[string]any
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, format string, a ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}

// errValidation reports a bad field. Messages follow AWS's wording so that a
// reader can tell which field was wrong.
func errValidation(format string, a ...any) *apiError {
	return newError(400, "ValidationException", format, a...)
}

// errConstraint is AWS's "1 validation error detected" message for a field.
func errConstraint(field, value, constraint string) *apiError {
	return errValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

// errRequired reports a missing required field.
func errRequired(field string) *apiError {
	return errValidation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
}

func errNotFound(format string, a ...any) *apiError {
	return newError(404, "ResourceNotFoundException", format, a...)
}

func errConflict(format string, a ...any) *apiError {
	return newError(409, "ConflictException", format, a...)
}

func errThrottling(service string) *apiError {
	return newError(400, "ThrottlingException", "Rate exceeded for %s", service)
}

func errInternal(format string, a ...any) *apiError {
	e := newError(500, "InternalServerException", format, a...)
	e.Receiver = true
	return e
}

// asAPIError turns any error into an apiError, hiding internals.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return errInternal("internal error: %v", err)
}

// maxBody caps request bodies: AWS's largest payloads here are far below it
// (an IAM policy document is at most 131,072 characters, about 400 KB
// form-encoded; an sso-admin inline policy 32,768).
const maxBody = 1 << 20

// readBody reads a request body of at most maxBody bytes. A larger one is
// refused before it is read whole (by its Content-Length when it gives one).
func readBody(r *http.Request) ([]byte, error) {
	tooLarge := newError(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "the request body is larger than %d bytes, the most the sandbox reads", maxBody)
	if r.ContentLength > maxBody {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, newError(400, "SerializationException", "could not read request body: %v", err)
	}
	if len(b) > maxBody {
		return nil, tooLarge
	}
	return b, nil
}

// decodeJSON decodes an awsJson or restJson body into v. An empty body is an
// empty object, as AWS treats it.
func decodeJSON(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return ae // a custom decoder's own check (DynamoDB's attribute values)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return newError(400, "SerializationException", "Unexpected value type for field '%s': expected %s", te.Field, te.Type)
		}
		return newError(400, "SerializationException", "Malformed request body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return newError(400, "SerializationException", "Malformed request body: trailing data after the JSON object")
	}
	return nil
}

// writeJSON writes a JSON reply. amz-json replies use the 1.1 content type.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	b, err := json.Marshal(v)
	if err != nil {
		status = 500
		b = []byte(`{"__type":"InternalServerException","message":"could not encode the response"}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeJSONError writes err for the awsJson1_1 and restJson1 protocols:
// both the x-amzn-ErrorType header and the __type body field, so botocore and
// the Go SDK read the code whichever they look at.
func writeJSONError(w http.ResponseWriter, contentType string, err *apiError) {
	w.Header().Set("x-amzn-ErrorType", err.Code)
	body := map[string]any{"__type": err.Code, "message": err.Message, "Message": err.Message}
	for k, v := range err.Fields {
		if _, taken := body[k]; !taken {
			body[k] = v
		}
	}
	if err.OAuth != "" {
		body["error"] = err.OAuth
		body["error_description"] = err.Message
	}
	writeJSON(w, err.Status, contentType, body)
}

// Query protocol (STS and IAM).

type queryResponse struct {
	op    string
	ns    string
	inner any
}

func writeQuery(w http.ResponseWriter, requestID string, r queryResponse) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `<%sResponse xmlns="%s">`, r.op, r.ns)
	if r.inner != nil {
		enc := xml.NewEncoder(&buf)
		if err := enc.EncodeElement(r.inner, xml.StartElement{Name: xml.Name{Local: r.op + "Result"}}); err != nil {
			writeQueryError(w, requestID, errInternal("could not encode the response"))
			return
		}
	}
	fmt.Fprintf(&buf, `<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`, requestID, r.op)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(200)
	_, _ = w.Write(buf.Bytes())
}

func writeQueryError(w http.ResponseWriter, requestID string, e *apiError) {
	typ := "Sender"
	if e.Receiver {
		typ = "Receiver"
	}
	var msg bytes.Buffer
	_ = xml.EscapeText(&msg, []byte(e.Message))
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.Status)
	fmt.Fprintf(w, `<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		typ, e.Code, msg.String(), requestID)
}

// parseForm decodes an awsQuery body (and the URL query, which botocore uses
// for GET requests). It never panics on bad input.
func parseForm(r *http.Request, body []byte) (url.Values, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, newError(400, "MalformedQueryString", "could not parse the form body: %v", err)
	}
	for k, vs := range r.URL.Query() {
		if _, ok := form[k]; !ok {
			form[k] = vs
		}
	}
	return form, nil
}

// formList returns the members of a query list such as Tags.member.N or
// Path.N in order, each as the sub-form below its index.
func formList(form url.Values, prefix string) []url.Values {
	byIndex := map[int]url.Values{}
	max := 0
	p := prefix + "."
	for k, vs := range form {
		rest, ok := strings.CutPrefix(k, p)
		if !ok {
			continue
		}
		idx, sub, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 || n > 1000 {
			continue
		}
		if byIndex[n] == nil {
			byIndex[n] = url.Values{}
		}
		byIndex[n][sub] = vs
		if n > max {
			max = n
		}
	}
	out := make([]url.Values, 0, len(byIndex))
	for i := 1; i <= max; i++ {
		if v, ok := byIndex[i]; ok {
			out = append(out, v)
		}
	}
	return out
}

// formStrings returns a query list of scalars (Names.member.N).
func formStrings(form url.Values, prefix string) []string {
	var out []string
	for _, m := range formList(form, prefix) {
		out = append(out, m.Get(""))
	}
	return out
}

// formInt reads an optional integer parameter.
func formInt(form url.Values, name string, def int) (int, error) {
	s := form.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errConstraint(name, s, "Member must be an integer")
	}
	return n, nil
}
