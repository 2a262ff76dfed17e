package prevayler

// ChunkEncoder is implemented by a state that writes its snapshot as a
// sequence of chunks. EncodeChunks calls put once per chunk, in order,
// with a pointer to the chunk's value: put encodes it with the codec, as
// the next chunk, before it returns, so the value may be reused at once.
// A chunk is best kept around a mebibyte encoded: memory holds a few
// chunks at a time, and one chunk may not exceed the journal's frame
// (64 MiB). EncodeChunks must not modify the state, which writers go on
// using: snapshots run beside them. An error of put or of EncodeChunks
// fails the snapshot.
//
// A state implements ChunkEncoder (on S) and ChunkDecoder (on *S) both, or
// neither counts. Adding them to a state type changes how its snapshots
// are written, not how earlier journals are read: each journal's header
// says how its snapshot was written.
type ChunkEncoder interface {
	EncodeChunks(put func(chunk any) error) error
}

// ChunkDecoder is implemented by a pointer to a state that reads its
// snapshot as the sequence of chunks its ChunkEncoder wrote. DecodeChunks
// is called on a zero state; it calls get with a pointer to a value of
// each chunk's type, in the order they were put, and get decodes the next
// chunk into it. get returns io.EOF once no chunk is left; every chunk
// must be read. An error of get that matches ErrCorrupt means the journal
// is damaged; DecodeChunks returns it, wrapped or not, and Open fails
// with it.
type ChunkDecoder interface {
	DecodeChunks(get func(chunk any) error) error
}
