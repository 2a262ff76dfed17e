package journal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Sizes and limits of format version 1.
const (
	// Magic starts every journal file.
	Magic = "PVLRJRNL"
	// Version is the format version this package writes and reads.
	Version = 1
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

	headerEncrypted = 1 // bit of the header's flags
	entryReset      = 1 // bit of an event entry's flags

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
)

func (k Kind) String() string {
	switch k {
	case KindSnapshotChunk:
		return "snapshot chunk"
	case KindSnapshotEnd:
		return "snapshot end"
	case KindEvents:
		return "events"
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
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

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
