// Package s3store keeps a prevalent system's journal in an S3 bucket (AWS
// S3 or any S3-compatible server), so that a process with no disk of its
// own (an EC2 instance, a Lambda function) keeps its whole state in memory
// and rebuilds it from the bucket alone.
//
//	client, err := s3store.NewClient(ctx, s3store.ClientOptions{}) // AWS_* environment, profiles, roles
//	st := s3store.New(client, s3store.Options{Bucket: "my-bucket", Key: "apps/bank/journal"})
//	p, err := prevayler.Open(ctx, handler, prevayler.Options[State]{Store: st})
//
// # Object layout
//
// Every object the store writes has a key starting with Options.Key, so
// journals with different keys share a bucket. For Key "journal":
//
//	journal                         marker of the journal (store.Journal)
//	journal.backup                  marker of the backup (store.Backup)
//	journal.backup-<timestamp>      marker of an archive
//	journal.tmp-<id>                marker of a journal being written
//	journal.lock                    the writer that took the journal last
//	journal.g/<gen>/<seq>           segment seq of generation gen
//
// A file's bytes live in a generation: immutable segment objects numbered
// from 1, twenty digits so that they list in order
// (journal.g/0f3c.../00000000000000000001). Each upload of a writer stores
// only the bytes written since the previous one as the next segment, so
// what is stored grows with the events, never with their square. Segment
// metadata holds the writer's id and the CRC-32C of the bytes. An empty
// segment is a tombstone: the generation ends before it.
//
// A marker is a small text object that makes a name exist and says which
// generation holds its bytes:
//
//	prevayler-s3-marker 1
//	gen 0f3c...       ("-": the file does not exist)
//	writer 9a1e...    (who wrote this marker)
//	stamp 77d0...     (random: every marker write has a new body, so a new ETag)
//
// Rename writes the new name's marker and then clears the old one, a
// constant number of requests whatever the size of the file; it never
// copies segments. A crash between the two leaves both names on the same
// generation, which the start-up protocol of package store reads as the
// rename done (a temporary file left over) or not done (a journal and a
// backup with the same content). Open reads the marker, lists the
// segments, and downloads Options.Concurrency of them at once, in order.
// A missing segment, or a segment whose size or CRC changed, is
// store.ErrCorrupt. Generations that no marker names any more are deleted
// by Remove and Rename, and by the next Lock after a crash.
//
// # One writer, fenced
//
// S3 has no locks, so a new writer (a Lambda instance replacing one that
// died, or one that is merely slow) takes over at once, and the old one
// is fenced: each of its later changes fails with store.ErrFenced, and
// none of its writes can extend a file once Lock has returned. Every
// change is a conditional write:
//
//   - The Journal and Backup markers are never deleted: a missing file is
//     a marker saying "-". The writer changes them only with If-Match on
//     the ETag it last saw. Lock rewrites both, so the previous writer's
//     ETags go stale.
//   - Segments are created with If-None-Match: *. Lock writes a tombstone
//     right after the last segment of every generation a marker names; the
//     previous writer's next segment is refused, and its writer id differs
//     from the tombstone's, so it knows it is fenced.
//   - Lock first writes journal.lock with its writer id. Create, Rename and
//     Remove check that object before they change anything, and Create
//     checks again after writing its marker: a marker written before a
//     successful check is seen, and fenced, by any later Lock, which writes
//     journal.lock before it lists markers.
//
// A conditional write whose response was lost is retried, and may then
// meet itself: a marker is recognised by its unique body, a segment by
// its writer id and CRC, so that the retry counts as the success it was.
//
// Several writers that Lock at the same moment cannot both succeed; they
// may all end up fenced, and the next Open takes over.
//
// # Durability and cost
//
// Writer.Write puts the bytes in the writer's upload buffer (package
// uploader) and returns. Writer.Sync uploads them now and waits
// (prevayler's Durable mode: one PUT per group of concurrent events).
// Otherwise the buffer is uploaded at most Options.SleepTime after its
// oldest byte was written (Buffered mode: a crash loses at most the last
// SleepTime plus one upload of events; on Lambda, call Sync before the
// handler returns, since a frozen function runs no goroutine). A busy
// Buffered journal costs one PUT per SleepTime: 3,600 PUTs an hour at the
// default second. The buffer is bounded by Options.MaxBuffer: the writer
// implements store.Throttle, and store.Backlog to report what a crash
// would lose. Failed requests are retried with exponential backoff and
// jitter; uploads never give up while the writer is open, and Sync
// reports a failure that lasts Retry.Attempts tries.
//
// # Servers
//
// The store needs PutObject with If-None-Match and If-Match, which AWS S3
// supports since 2024, and so do LocalStack 4, versitygw 1.8 and gofakes3
// 1.2 (the tests run against the last two, and the localstack module's
// against LocalStack when Docker is available). A server that ignores these headers cannot fence
// a previous writer.
package s3store
