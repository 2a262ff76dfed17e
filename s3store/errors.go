package s3store

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// Errors of the package besides those of package store; match them with
// errors.Is.
var (
	// ErrNoConditionalWrites: the server (or a proxy before it) performs
	// a PutObject whose If-None-Match or If-Match condition fails instead
	// of refusing it, so the store cannot fence a previous writer. Lock
	// fails with it; use a server that supports conditional writes (AWS
	// S3, versitygw 1.8, LocalStack 4, gofakes3 1.2).
	ErrNoConditionalWrites = errors.New("s3store: the S3 server does not support conditional writes (If-None-Match / If-Match on PutObject)")

	// ErrNoRegion: NewClient found no AWS region in the options, the
	// environment, the shared configuration or the instance metadata.
	ErrNoRegion = errors.New("no AWS region: set AWS_REGION, a profile's region, ClientOptions.Region or the URL's region=")
)

// errConflict: a conditional write found the object changed by someone
// else. Callers turn it into store.ErrFenced or fs.ErrExist.
var errConflict = errors.New("s3store: conditional write conflict")

// statusOf returns the HTTP status of a failed request, or 0 if no
// response arrived (a transport failure).
func statusOf(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// codeOf returns the S3 error code, such as "NoSuchKey" or "SlowDown".
func codeOf(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isNotFound reports a missing object (not a missing bucket, which is a
// configuration error and must not read as an empty journal).
func isNotFound(err error) bool {
	switch codeOf(err) {
	case "NoSuchKey", "NotFound":
		return true
	case "NoSuchBucket":
		return false
	}
	return statusOf(err) == http.StatusNotFound && codeOf(err) == ""
}

// isPrecondition reports a conditional write refused because the object
// exists (If-None-Match) or changed (If-Match).
func isPrecondition(err error) bool {
	return statusOf(err) == http.StatusPreconditionFailed || codeOf(err) == "PreconditionFailed"
}

// isTransient reports an error worth retrying: no response at all (reset,
// timeout), throttling, a server error, or two conditional writes that
// raced (409 ConditionalRequestConflict). The caller's own cancellation
// is never transient.
func isTransient(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	// A response cut after its status line reports the status (200) but
	// never arrived whole: a network fault like any other.
	var derr *smithy.DeserializationError
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &derr) {
		return true
	}
	if isConfigError(err) {
		return false
	}
	switch codeOf(err) {
	case "SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError",
		"ServiceUnavailable", "ConditionalRequestConflict", "RequestTimeTooSkewed":
		return true
	}
	switch status := statusOf(err); {
	case status == 0:
		return true
	case status >= 500, status == http.StatusTooManyRequests, status == http.StatusRequestTimeout,
		status == http.StatusConflict:
		return true
	}
	return false
}

// isConfigError reports a failure of the client's configuration, found
// before any request was sent: no credentials (the SDK's signing error)
// or no endpoint for the region. Retrying cannot cure it; the SDK's
// message says what is missing.
func isConfigError(err error) bool {
	var se *v4.SigningError
	if errors.As(err, &se) {
		return true
	}
	// The SDK's identity and endpoint errors are plain wrapped strings.
	msg := err.Error()
	for _, m := range []string{"get identity: ", "failed to resolve service endpoint", "failed to bind endpoint params"} {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

// isSkew reports a request refused because this machine's clock is more
// than 15 minutes off the server's.
func isSkew(err error) bool { return codeOf(err) == "RequestTimeTooSkewed" }

// errClockSkew explains a refusal for clock skew that outlived the SDK's
// correction.
var errClockSkew = errors.New("the server refuses this machine's clock (more than 15 minutes off): fix the clock")
