// Package s3test gives tests an S3 server to run against, the best one
// available:
//
//  1. the server named by PREVAYLER_S3_ENDPOINT (any S3-compatible server,
//     AWS included), with the standard AWS_ACCESS_KEY_ID,
//     AWS_SECRET_ACCESS_KEY and AWS_REGION, and the bucket
//     PREVAYLER_S3_BUCKET (created once per test binary when unset);
//  2. else an in-process server: gofakes3 with its in-memory backend behind
//     httptest.NewServer, one per call.
//
// An endpoint that does not answer is passed over, and every test logs
// why. With PREVAYLER_S3_REQUIRED=1, a missing or unreachable endpoint
// fails the test instead: CI sets it so that a broken server cannot pass
// unnoticed.
//
// LocalStack is not among them: package localstack is a module of its
// own, so that the main module does not require Docker's client
// libraries, and its tests run the store's suite on LocalStack where
// Docker answers.
//
// Every test logs which server it used. FaultClient wraps a client to
// inject server errors, lost responses and crashes. gofakes3 v1.2.0 checks
// If-None-Match and If-Match on PutObject atomically, under its backend's
// lock, as S3 does; TestConditionalWrites checks that of whichever server
// runs, so the store's fencing is tested faithfully on each.
package s3test
