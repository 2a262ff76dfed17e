// Package uploader turns a stream of appended bytes into a sequence of
// numbered segments stored by a background goroutine. It knows nothing of
// where segments go: the caller gives it a function that stores one
// (s3store stores each as an S3 object).
//
// # Segments
//
// Every upload takes all the bytes appended since the previous one, so a
// segment always ends at the end of an Append: a segment never holds part
// of an append. Segments are numbered from 1 (Options.FirstSeq) with no
// gaps. By default one is in flight at a time, so segment n+1 is stored
// only after segment n. With Options.MaxInflight above one, uploads
// overlap as a pipeline: a segment may be stored before the one ahead of
// it, but the uploader commits them in order (Sync returns, and Backlog
// counts bytes as stored, once their segment and every earlier one are
// stored), so what is acknowledged is always a prefix of what was
// appended, and segments stored after a missing one are a torn tail that
// nothing acknowledged. Options.OnCommit hears of each committed segment
// in order.
//
// # When bytes are uploaded
//
//   - SleepTime after the oldest buffered byte was appended (Buffered
//     durability: the loss window is SleepTime plus the upload time);
//   - at once when a quarter of MaxBuffer is buffered;
//   - at once when a caller waits in Sync (Durable durability), and
//   - on Close, which returns once everything is stored.
//
// Bytes appended while an upload is in flight go into the next segment,
// which starts as soon as a slot is free when someone waits for it:
// concurrent Sync callers share uploads (group commit). With several
// slots, the uploads are spread over the time one takes.
//
// # Failures
//
// A failed upload is retried with exponential backoff and jitter (Retry),
// with the same segment number and bytes. After Retry.Attempts failures
// in a row, Sync returns the failure (and keeps returning it until an
// attempt succeeds) and Close gives up. Uploads that keep failing stop
// the uploader for good once the oldest byte not stored is
// Options.FailAfter old, and an error marked with Permanent stops it at
// once: Err reports it, and every later call returns it, so a persistent
// failure is never hidden behind retries. CloseContext bounds Close by a
// context and says how many bytes were not stored. Every failure is
// logged.
//
// # Memory
//
// Append never blocks. Wait blocks while MaxBuffer bytes or more are not
// yet stored, so callers that Wait before they Append keep memory bounded
// even while the storage is unreachable.
//
//	u := uploader.New(func(ctx context.Context, seq uint64, data []byte) error {
//		return storeSegment(ctx, seq, data)
//	}, uploader.Options{SleepTime: time.Second})
//	defer u.Close()
//	if err := u.Wait(ctx); err != nil { ... }
//	u.Append(record)
//	err := u.Sync(ctx) // durable now
package uploader
