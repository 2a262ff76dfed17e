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
//	journal                         marker of the journal (store.Journal): exists when the file would
//	journal.backup                  marker of the backup (store.Backup): exists only during a rotation
//	journal.backup-<timestamp>      marker of an archive
//	journal.tmp-<id>                marker of a journal being written
//	journal.lock                    the latest writer epoch, and who took it
//	journal.g/<gen>/<seq>           segment seq of generation gen
//	journal.g/<gen>/<last>-<first>  merged object: segments first to last of gen, byte for byte
//	journal.probe/<id>              short-lived: Lock's test of the server
//
// A file's bytes live in a generation: immutable segment objects numbered
// from 1, twenty digits so that they list in order
// (journal.g/0f3c.../00000000000000000001). Each upload of a writer stores
// only the bytes written since the previous one as the next segment, so
// what is stored grows with the events, never with their square. Segment
// metadata holds the writer's id, its epoch and the CRC-32C of the bytes.
// An empty segment is a tombstone: the generation ends before it.
//
// A marker is a small text object that makes a name exist and says which
// generation holds its bytes. Format 2 (format 1, without the epoch,
// seal and retired lines, is still read, as epoch 0):
//
//	prevayler-s3-marker 2
//	gen 0f3c...        ("-": the file does not exist)
//	writer 9a1e...     (who wrote this marker)
//	epoch 12           (that writer's epoch)
//	sealed -           (or "<length> <segments>": a generation its writer closed, read without a listing)
//	retired 77d0...    (or "-": a generation this write stopped naming, collected by the next Lock)
//	stamp 5b2c...      (random: every marker write has a new body, so a new ETag)
//
// The lock object, format 2 (a body without the first line is format 1,
// epoch 0), with the epoch and writer id repeated in its metadata:
//
//	prevayler-s3-lock 2
//	epoch 12
//	writer 9a1e...
//	host ..., pid ..., time ...   (for people)
//
// Rename writes the new name's marker and then deletes the old one, a
// constant number of requests whatever the size of the file; it never
// copies segments. A crash between the two leaves both names on the same
// generation, which the start-up protocol of package store reads as the
// rename done (a temporary file left over) or not done (a journal and a
// backup with the same content). Open reads the marker, lists the
// segments, and downloads Options.Concurrency of them at once, in order.
// A missing segment, or a segment whose size or CRC changed, is
// store.ErrCorrupt. Remove deletes a generation's data segments (the last
// first, so a crash leaves a shorter file, never a gap) and then its
// marker; a generation a rename replaced is collected at once, or by the
// next Lock after a crash, which finds it in the new marker's retired
// line. Nothing Open reads grows with the history: it reads the markers
// and the generations they name, never a listing of every generation.
//
// # Compaction
//
// The writer merges every Options.MergeFanIn (16) consecutive objects it
// stored into one "<last>-<first>" object of the next level, up to
// Options.MergeMaxBytes (4 MiB), from the bytes it uploaded (no GET), so
// that a journal of ten thousand uploads is a few dozen objects to read
// at a cold start. Readers take the widest object at each segment number.
// The merged sources are deleted Options.MergeDeleteDelay (one minute)
// after the merged object was stored, never at once: a listing is not a
// snapshot (a server may gather names first and read them later), and
// one that raced a merge and the deletion of its sources could miss both
// and end the generation too early, where a new writer would then put
// its fencing tombstone on a number already stored. Sources left by a
// Close or a crash before their delay read the same as the merged object;
// a later writer that reads the file deletes them once the merged object
// is older than the delay plus 15 minutes (the clock skew S3 accepts),
// and collection deletes whatever is left with the generation.
//
// # One writer, fenced by epochs
//
// S3 has no locks, so a new writer (a Lambda instance replacing one that
// died, or one that is merely slow) takes over at once, and the old one
// is fenced: each of its later changes fails with store.ErrFenced, and
// none of its writes can extend a file once Lock has returned.
//
//   - Lock increments the epoch in journal.lock with a conditional write
//     (If-Match on the ETag it read). Of two Locks that race, one write
//     wins; the other reads again and takes the next epoch, so the latest
//     Lock is the writer. Every marker and segment records its epoch.
//   - Lock then rewrites every existing Journal and Backup marker with
//     its epoch, on the ETag just read, so the previous writer's ETags go
//     stale; it reads every other marker. A marker of a newer epoch means
//     a newer Lock ran meanwhile: this Lock stops with ErrFenced, having
//     changed nothing of the newer writer's (a slow Lock never kills the
//     winner).
//   - Lock writes a tombstone right after the last segment of every
//     generation a marker names. Segments are created with
//     If-None-Match: *, one after the other, so the previous writer's
//     next segment is refused, and its writer id differs from the
//     tombstone's, so it knows it is fenced. Collection (Remove, archive
//     retention, prevayler prune) deletes data segments only and keeps
//     tombstones for ever: a writer frozen for any time still finds its
//     next segment number taken. They are empty objects that nothing
//     lists again. A Durable Sync costs no request beyond its segment.
//   - Create, Rename and Remove check journal.lock (epoch and writer)
//     before they change anything, and Create checks again after writing
//     its marker: a marker written before a successful check is seen, and
//     fenced, by any later Lock, which takes its epoch before it reads
//     markers. Journal and Backup are changed only on the ETag this writer
//     last saw.
//   - Where a file is absent (no marker), a fenced writer's conditional
//     create of it cannot be refused. A Backup whose epoch is older than
//     the Journal's is therefore such a late write: it never takes
//     precedence (List and Open do not show it, and Lock deletes it). So
//     is a Backup on a generation an archive names: what a crash leaves
//     after the first write of the Backup-to-archive rename (the rename
//     is done), or a conditional create of the Backup that reached the
//     server late, after its rotation had deleted the Backup (a request
//     delayed in the network is performed when it arrives). A late
//     Journal or Backup created while this writer knows the name absent
//     is overwritten when the writer writes that name.
//
// Objects of format 1 (written before epochs) read as epoch 0, so a
// journal written by an earlier version opens and is taken over; but an
// earlier version's writer does not honour epochs, so stop it before the
// first Lock of this one. Generations that format 1 left without any
// marker (a crash between a rename and its collection) are no longer
// found; delete them by hand if they matter.
//
// A conditional write whose response was lost is retried, and may then
// meet itself: a marker or lock body is recognised by its unique body, a
// segment by its writer id and CRC, so that the retry counts as the
// success it was.
//
// # Deletions from outside
//
// Fencing holds whatever the store itself deletes. Deletions by others
// can defeat it:
//
//   - Deleting (or expiring, with a lifecycle rule) objects under
//     <Key>.g/, in particular the empty tombstones, lets a writer that was
//     frozen longer than the rule's age store its next segment in a
//     generation no one reads again, and acknowledge events that are then
//     lost. Never put a lifecycle rule on that prefix; keep archives short
//     with KeepArchives or prevayler prune, which keep tombstones.
//   - Deleting the Journal or Backup marker (or, on a versioned bucket,
//     anything that makes a delete marker current) can let a fenced
//     writer that believes the name absent create it, and loses the file
//     anyway.
//   - Deleting journal.lock does not defeat fencing: the writer fences
//     itself at its next check, and the next Lock takes an epoch above
//     every epoch it finds in the markers.
//   - Expiring noncurrent versions or aborting multipart uploads is
//     harmless: the store writes neither.
//
// # Followers
//
// The store implements store.Tailer, so prevayler.Follow keeps a
// read-only replica of the state from the bucket alone. A follower's
// store keeps, per generation, what it has read: the pieces and the byte
// offset each starts at, the number of the next segment, the file's
// first bytes (its header) and the last segment found. A check
// (OpenAt, every Options.PollInterval, one second by default) asks for
// the next segment key only: a 404 is nothing new, a segment is appended
// to what is known and the key after it is asked for, an empty object
// (a tombstone) ends the generation. An idle check is thus one GET, no
// LIST, and no request is made per event. Every request goes through
// the store's counted client (Store.Requests).
//
// Two rules keep that cheap check correct:
//
//   - The marker of a name is read again when the generation it names
//     has ended (a tombstone, or a sealed marker), and at least every
//     Options.TailRefresh (30 s): a rotation, a writer restart or a
//     takeover replaces the marker and ends the old generation with a
//     tombstone (Lock writes one; a Writer's Close writes one right after
//     its last segment for this purpose), so the follower sees the new
//     file at the check after it. A name whose marker is gone is
//     store.ErrNotExist, and the follower looks for it elsewhere or
//     reloads.
//   - The generation is listed again when a piece it listed is gone (it
//     was merged: the merged object holds the same bytes), and when a
//     check finds the next key absent while the follower has learnt
//     nothing of the generation (a listing, a segment found) for
//     TailRefresh. A follower never skips bytes: it reads segments in
//     order and goes past a number only with its bytes, so a key that is
//     gone can only delay it, and the listing bounds that delay.
//     Compaction deletes merged segments no earlier than MergeDeleteDelay
//     (a minute) after the merged object was stored, so a segment key
//     stays readable for at least a minute after its segment was
//     written, which makes the delay zero for a follower that keeps
//     polling. Take a segment written at time w, after the follower last
//     learnt something at time l <= w. Its first check after w either
//     comes within a minute of w, and finds the key, or later, so more
//     than TailRefresh (at most half the delay) after l, and lists. A
//     follower frozen or slow for any time (a Lambda between
//     invocations, a paused process) is the second case: it lists at its
//     first check and goes on from the merged objects.
//
// An idle follower costs, per hour at the defaults, 3,600 GETs for its
// checks plus at most 120 marker GETs and 120 LISTs: one GET per check,
// one LIST and one marker GET per refresh, as
// TestFollowS3IdlePollIsOneGET in package integration checks (at the
// defaults, against versitygw: 68 GETs and 2 LISTs in 65 s, 65 checks).
// S3 serves about 5,500 GETs a second per prefix, so a thousand
// followers of one journal (1,000 GETs a second, plus about 33 marker
// GETs and 33 LISTs) stay far below its throttle; lengthen PollInterval
// for more.
//
// # Servers
//
// Lock probes the server once per Store (five requests on
// <Key>.probe/<id>): a PutObject with If-None-Match: * over an existing
// object and one with If-Match on a wrong ETag must be refused, or Lock
// fails with ErrNoConditionalWrites (a server or proxy that drops the
// headers cannot fence anything); a DeleteObject with If-Match on a
// wrong ETag tells whether conditional deletes work. Without them the
// store keeps an absent marker ("gen -") for Journal and Backup instead
// of deleting it, so <Key>.backup then always exists, saying "-".
//
//	server            conditional PUT   conditional DELETE   tested
//	AWS S3            yes (2024)        yes (2025-09-16)      no (by users)
//	versitygw 1.8.0   yes, atomic       yes                   CI (.ci/s3server.sh)
//	gofakes3 1.2      yes               ignored: "-" markers  locally, in process
//	LocalStack 4      yes               no: "-" markers       with Docker
//
// versitygw makes a conditional PUT atomic per key from 1.8.0 on (a
// publish lock around the check and the write); TestConditionalRace in
// internal/s3test races 32 conditional PUTs against the server and wants
// exactly one winner. Its conditional DELETE is checked outside that
// lock; the store never races a delete against a write that could pass.
//
// The SDK computes and sends request checksums and validates response
// checksums by default. Some S3-compatible servers reject the new
// checksum headers; set AWS_REQUEST_CHECKSUM_CALCULATION=when_required
// and AWS_RESPONSE_CHECKSUM_VALIDATION=when_required for them. versitygw
// 1.8.0 and gofakes3 1.2 accept the defaults. Segments carry their own
// CRC-32C either way.
//
// # Durability and cost
//
// Writer.Write puts the bytes in the writer's upload buffer (package
// uploader) and returns. Writer.Sync uploads them now and waits
// (prevayler's Durable mode: one PUT per group of concurrent events).
// By default one upload is in flight at a time, and the events that
// arrive meanwhile leave together with the next. With
// Options.MaxInflight above one, up to that many are in flight at once,
// started at least a fraction of a round trip apart, so that a Durable
// caller arriving during an upload leaves with the next one instead of
// waiting for it to end; a Sync returns once its segment and every
// earlier one are stored. A crash or a takeover can leave segments stored
// after a missing one: no Sync acknowledged them, and readers stop at the
// gap, as at a torn tail. The writer implements store.Pipeline, so the
// prevalent system lets its Durable batches overlap.
// Otherwise the buffer is uploaded at most Options.SleepTime after its
// oldest byte was written (Buffered mode; on Lambda, call Sync before the
// handler returns, since a frozen function runs no goroutine). A busy
// Buffered journal costs one PUT per SleepTime: 3,600 PUTs an hour at the
// default second. The buffer is bounded by Options.MaxBuffer: the writer
// implements store.Throttle, and store.Backlog to report what a crash
// would lose.
//
// # Failures
//
// Failed requests are retried with exponential backoff and jitter, by
// the store alone: NewClient's client, and any client given to New, make
// one HTTP attempt per call, so Retry.Attempts is the number of attempts.
// A refusal for clock skew is retried once (the SDK corrects its clock
// from it), then reported. Configuration errors (no region, no
// credentials) fail at once with the SDK's message.
//
// An upload refused for good (access denied, no such bucket, a fenced
// writer) fails the writer at once; uploads that keep failing otherwise
// fail it once the oldest byte not stored is Options.FailAfter old (12.3 s
// by default). The failure is sticky: store.Failer reports it, the
// prevalent system refuses new events, logs it as an error and shows it
// in Stats().LastError. In Buffered mode the events acknowledged in that
// window (SleepTime plus the failure bound) are lost.
//
// Every error of Writer.Sync but store.ErrClosed matches
// store.ErrUnknownOutcome, a ctx error too (it matches ctx.Err() as
// well): the bytes stay in the upload buffer and may still be stored, by
// the uploader's next attempt or by Close. A caller that retries an
// event after such an error must be able to recognise it (an id in the
// event). Writer.Close returns within Options.CloseTimeout (30 s by
// default) against a server that does not answer, with an error that
// says how many bytes in how many writes were not stored.
package s3store
