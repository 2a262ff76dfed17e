// Package localstack starts LocalStack (an emulator of AWS services) in
// Docker through testcontainers-go, and hands back its endpoint and an S3
// client configured for it. It is for tests: users' own and the
// library's. Nothing in the library imports it, and it is a module of
// its own (github.com/prevayler-go/prevayler/localstack), so that a
// program using the library does not require testcontainers, Docker's
// client libraries or OpenTelemetry.
//
// Its tests are the LocalStack tier of the library's S3 tests: the store
// conformance suite and a Durable round trip on LocalStack. They run
// where Docker answers and skip, saying why, elsewhere.
//
//	func TestWithS3(t *testing.T) {
//		ls := localstack.S3(t) // skips the test when Docker is not running
//		st := s3store.New(ls.Client, s3store.Options{Bucket: ls.Bucket(t)})
//		...
//	}
//
// Run starts a container for callers who manage its life themselves
// (TestMain). Available reports whether a Docker daemon answers, for
// callers that fall back to another server instead of skipping.
//
// The image is DefaultImage unless PREVAYLER_LOCALSTACK_IMAGE names
// another. LocalStack accepts any credentials; the client uses fixed test
// ones and the region us-east-1.
package localstack
