// Package integration tests the whole library end to end over S3: the
// prevalent system of the root package on the S3 store, against the S3
// server package s3test picks (the one named by PREVAYLER_S3_ENDPOINT,
// else an in-process gofakes3; the localstack module runs the store's
// suite on LocalStack).
//
// It has no library code. Its benchmarks give the figures of the S3 store:
//
//	go test ./integration -run '^$' -bench . -benchtime 1x
//
// reports upload latency, events per upload and bytes stored per event
// (BenchmarkDurable), and the time to recover a journal of 100,000 events
// (BenchmarkRecovery100k).
package integration
