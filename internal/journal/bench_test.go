package journal

import (
	"bytes"
	"crypto/cipher"
	"fmt"
	"io"
	"testing"
	"time"
)

// benchJournal holds events of 16 bytes of data, framed about 1 MiB at a
// time as a prevalent system frames a busy batch.
func benchJournal(b *testing.B, aead cipher.AEAD, events int) []byte {
	f, err := NewFramer("bench", aead, FileInfo{})
	if err != nil {
		b.Fatal(err)
	}
	buf := bytes.NewBuffer(f.AppendHeader(nil))
	sw := NewSnapshotWriter(buf, f, 0)
	if _, err := sw.Write([]byte("state")); err != nil {
		b.Fatal(err)
	}
	if err := sw.Close(); err != nil {
		b.Fatal(err)
	}
	out := buf.Bytes()
	at := time.Unix(1_700_000_000, 0)
	data := []byte("0123456789abcdef")
	var payload []byte
	for i := range events {
		payload = AppendEvent(payload, at.Add(time.Duration(i)), i == 0, data)
		if len(payload) > 1<<20 || i == events-1 {
			if out, err = f.AppendFrame(out, KindEvents, FlagSynced, payload); err != nil {
				b.Fatal(err)
			}
			payload = payload[:0]
		}
	}
	return out
}

// BenchmarkReaderNext measures replay: one op is one event. A Reader
// reads a whole journal of a million events, so its buffers are grown
// once, as in a real start-up.
func BenchmarkReaderNext(b *testing.B) {
	const events = 1_000_000
	for _, name := range []string{"plain", "aes-gcm"} {
		b.Run(name, func(b *testing.B) {
			var aead cipher.AEAD
			if name == "aes-gcm" {
				aead = std(b)
			}
			data := benchJournal(b, aead, events)
			src := bytes.NewReader(data)
			open := func() *Reader {
				src.Reset(data)
				r, err := NewReader(src, "bench", aead)
				if err != nil {
					b.Fatal(err)
				}
				return r
			}
			r := open()
			b.SetBytes(int64(len(data) / events))
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				if _, err := r.Next(); err != nil {
					if err != io.EOF {
						b.Fatal(err)
					}
					r = open()
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}

func BenchmarkAppendFrame(b *testing.B) {
	for _, name := range []string{"plain", "aes-gcm"} {
		for _, size := range []int{64, 4 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("%s/%d", name, size), func(b *testing.B) {
				var aead cipher.AEAD
				if name == "aes-gcm" {
					aead = std(b)
				}
				f, err := NewFramer("bench", aead, FileInfo{})
				if err != nil {
					b.Fatal(err)
				}
				payload := bytes.Repeat([]byte{'e'}, size)
				var buf []byte
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if buf, err = f.AppendFrame(buf[:0], KindEvents, FlagSynced, payload); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkAppendEvent(b *testing.B) {
	at := time.Now()
	data := []byte("0123456789abcdef")
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendEvent(buf[:0], at, false, data)
	}
}
