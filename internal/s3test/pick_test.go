package s3test

import (
	"strings"
	"testing"
)

// TestPickRemote checks the choice of server from the environment.
func TestPickRemote(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_MAX_ATTEMPTS", "1") // a refused connection fails at once
	unreachable := "http://127.0.0.1:1"
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}

	t.Run("RequiredWithoutEndpoint", func(t *testing.T) {
		sh, _ := pickRemote(env(map[string]string{EnvRequired: "1"}))
		if sh == nil || sh.err == nil || !strings.Contains(sh.err.Error(), EnvEndpoint) {
			t.Fatalf("got %+v, want an error naming %s", sh, EnvEndpoint)
		}
	})
	t.Run("RequiredUnreachable", func(t *testing.T) {
		sh, _ := pickRemote(env(map[string]string{EnvRequired: "1", EnvEndpoint: unreachable}))
		if sh == nil || sh.err == nil || !strings.Contains(sh.err.Error(), "does not answer") {
			t.Fatalf("got %+v, want an error saying the server does not answer", sh)
		}
	})
	t.Run("UnreachableFallsBack", func(t *testing.T) {
		sh, note := pickRemote(env(map[string]string{EnvEndpoint: unreachable}))
		if sh != nil {
			t.Fatalf("got %+v, want a fallback to the in-process server", sh)
		}
		if !strings.Contains(note, "falling back") {
			t.Fatalf("note %q does not say the endpoint was passed over", note)
		}
	})
}
