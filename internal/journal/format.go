package journal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"
)

// Sizes and limits of the format.
const (
	// Magic starts every journal file.
	Magic = "PVLRJRNL"
	// Version is the format version this package writes. It reads
	// versions 1 and 2.
	Version = 2
	// Version1 is the first format: no sequence numbers, seals or seeded
	// checksums. Files of version 1 are read, never written.
	Version1 = 1
	// MaxPayload bounds a frame's payload as stored (ciphertext when
	// encrypted).
	MaxPayload = 64 << 20
	// FrameHeaderSize is the size of the fixed part of every frame.
	FrameHeaderSize = 24
	// DefaultChunkSize is the plaintext size of a snapshot chunk when
	// NewSnapshotWriter is given 0.
	DefaultChunkSize = 1 << 20
)

const (
	maxBodyLen   = 4096 // header body
	maxCodecLen  = 64
	minNonceSize = 8 // the frame index is XORed into the nonce's last 8 bytes
	maxFieldLen  = 255

	// bits of the header's flags
	headerEncrypted    = 1
	headerChunked      = 2 // version 2
	headerContinuation = 4 // version 2

	entryReset = 1 // bit of an event entry's flags

	sealSize   = 8 + 8 + 4 + 1 // lastseq, lasttime, flags
	sealClosed = 1             // bit of a seal's flags

	// keyCheckIndex is the nonce index of the header's key check. Frame
	// indexes count from 0 and never get there, so no nonce repeats.
	keyCheckIndex = ^uint64(0)
)

// Kind says what a frame holds.
type Kind uint8

// Frame kinds, in the order they appear in a file.
const (
	KindSnapshotChunk Kind = 1 // part of the encoded state
	KindSnapshotEnd   Kind = 2 // the state's total length; events follow
	KindEvents        Kind = 3 // one or more event entries
	KindSeal          Kind = 4 // version 2: everything before is durable
)

func (k Kind) String() string {
	switch k {
	case KindSnapshotChunk:
		return "snapshot chunk"
	case KindSnapshotEnd:
		return "snapshot end"
	case KindEvents:
		return "events"
	case KindSeal:
		return "seal"
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// Flags mark a frame.
type Flags uint8

// FlagSynced says that every byte before the frame was durable when the
// frame was written. A reader uses it to tell a torn write (nothing synced
// after it) from damage to acknowledged data.
const FlagSynced Flags = 1

// Header is the decoded file header.
type Header struct {
	Version   uint16
	Encrypted bool
	FileID    [16]byte // random; bound into every sealed frame
	Codec     string   // name of the codec of state and events
	NonceBase []byte   // encrypted only

	// Version 2 only; zero in a version 1 file.
	FileInfo
}

// FileInfo is what a version 2 header says of a file's place in the
// history of the journal.
type FileInfo struct {
	// BaseSeq is the sequence number of the last event the snapshot
	// covers: the file's first event is number BaseSeq+1. Sequence
	// numbers count every event since the journal's first start.
	BaseSeq uint64
	// BaseTime is that event's time; the zero Time if there is none.
	BaseTime time.Time
	// PrevFileID names the file this one succeeds; zero if none.
	PrevFileID [16]byte
	// Chunked says that the snapshot is a sequence of values, each
	// encoded on its own and written with SnapshotWriter.WriteChunk in a
	// snapshot chunk frame of its own, rather than one stream of the codec.
	Chunked bool
	// Continuation says that the file holds no snapshot: its events
	// continue those of the file PrevFileID names, whose last event is
	// BaseSeq.
	Continuation bool
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// frameSeed is the initial CRC of a file's frame checksums: the CRC of its
// file id in version 2, so that frames copied from another file (inside an
// event's data, say) never check out in this one; 0 in version 1.
func frameSeed(h Header) uint32 {
	if h.Version == Version1 {
		return 0
	}
	return checksum(h.FileID[:])
}

// seeded is a frame checksum: the CRC of b continued from seed.
func seeded(seed uint32, b []byte) uint32 { return crc32.Update(seed, castagnoli, b) }

// makeNonce writes nonce(base, i) into dst, which has len(base) bytes:
// the base with the big-endian i XORed into its last 8 bytes.
func makeNonce(dst, base []byte, i uint64) []byte {
	copy(dst, base)
	tail := dst[len(dst)-8:]
	binary.BigEndian.PutUint64(tail, binary.BigEndian.Uint64(tail)^i)
	return dst
}

// frame header field offsets
const (
	offLength = 0
	offKind   = 4
	offFlags  = 5
	offZero   = 6
	offIndex  = 8
	offHCRC   = 16
	offDCRC   = 20
)

var le = binary.LittleEndian
