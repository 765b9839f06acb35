package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"

	"golang.org/x/sync/semaphore"
)

// Bounds on decompressing request bodies. A gzip body inflates about a thousandfold, so
// the memory a request costs is set by its decoded size, not by MaxBodyBytes.
const (
	// smallDecodeBytes is the decoded buffer size up to which a body is decoded without
	// waiting for the budget: nearly every real delivery, which must not queue behind a
	// bomb.
	smallDecodeBytes = 1 << 20
	// DecodeBudgetBytes bounds the decoded-body buffers larger than smallDecodeBytes held
	// by all requests of the process together. A request waits, with its context, until
	// its buffer fits; so twelve parallel gzip bombs cost this much, not twelve times
	// MaxDecodedBytes.
	DecodeBudgetBytes = 256 << 20
)

// decodeBudget is the process-wide budget of DecodeBudgetBytes.
var decodeBudget = semaphore.NewWeighted(DecodeBudgetBytes)

// budgetHold is one request's share of decodeBudget.
type budgetHold struct{ held int64 }

// grow makes the request's share at least n bytes. It gives back what it holds before
// waiting for more, so that requests that grow never wait on each other in a cycle.
func (h *budgetHold) grow(ctx context.Context, n int64) error {
	n = min(n, DecodeBudgetBytes)
	if n <= h.held || h.held == 0 && n <= smallDecodeBytes {
		return nil
	}
	h.release()
	if err := decodeBudget.Acquire(ctx, n); err != nil {
		return fmt.Errorf("waiting to decode the request body: %w", err)
	}
	h.held = n
	return nil
}

// release gives the share back; it is safe to call more than once.
func (h *budgetHold) release() {
	if h.held > 0 {
		decodeBudget.Release(h.held)
		h.held = 0
	}
}

// readEncodedBody reads a size-limited body and undoes Content-Encoding: none or identity
// as is, gzip decoded to at most limit bytes (413 beyond), anything else 415. A body that
// claims gzip but is not gzip is a 400 saying so. The caller must call release once it no
// longer uses the body: until then the body counts against DecodeBudgetBytes.
func readEncodedBody(r *http.Request, limit int) (body []byte, release func(), err error) {
	noop := func() {}
	body, err = ReadBody(r)
	if err != nil {
		return nil, noop, err
	}
	switch enc := lower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
		return body, noop, nil
	case "gzip", "x-gzip":
		h := &budgetHold{}
		out, err := gunzip(r.Context(), body, limit, h)
		if err != nil {
			h.release()
			return nil, noop, err
		}
		return out, h.release, nil
	default:
		return nil, noop, unsupported(fmt.Sprintf("content encoding %q is not supported; "+
			"send gzip or no Content-Encoding", enc))
	}
}

// gunzip decodes a gzip body into a buffer of at most limit bytes. The buffer starts at
// the size the gzip trailer announces, so an honest body is read with one allocation and
// a bomb that announces its size is refused before any work; a trailer that lies (or a
// multi-member body) falls back to doubling, capped at the limit, never beyond it. A full
// buffer is probed for one more byte before it grows, so the read stops at the limit.
func gunzip(ctx context.Context, body []byte, limit int, h *budgetHold) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, Errorf("decoding gzip body: Content-Encoding is gzip but the body "+
			"is not: %v", err)
	}
	size := min(max(2*len(body), 4<<10), limit)
	if n, ok := gzipSize(body); ok && n > limit {
		return nil, decodedTooLarge(limit)
	} else if ok {
		size = n
	}
	if err := h.grow(ctx, int64(size)); err != nil {
		return nil, err
	}

	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			var probe [1]byte
			n, err := io.ReadFull(zr, probe[:])
			if n == 0 {
				return gzipDone(buf, err)
			}
			if len(buf) >= limit {
				return nil, decodedTooLarge(limit)
			}
			next := min(2*cap(buf), limit)
			if err := h.grow(ctx, int64(cap(buf)+next)); err != nil {
				return nil, err
			}
			buf = append(append(make([]byte, 0, next), buf...), probe[0])
			continue
		}
		n, err := zr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return gzipDone(buf, err)
		}
	}
}

// gzipDone ends a decode on a read error: EOF is success, anything else corrupt input.
func gzipDone(buf []byte, err error) ([]byte, error) {
	if errors.Is(err, io.EOF) {
		return buf, nil
	}
	return nil, Errorf("decoding gzip body: %v", err)
}

// gzipSize is the decoded size a gzip body's trailer announces (ISIZE, the size of the
// last member modulo 2^32). The body decodes to at least that much, or fails its
// checksum, so a size above the limit is refused without decoding.
func gzipSize(body []byte) (int, bool) {
	const minGzip = 18 // 10-byte header, empty deflate, 8-byte trailer
	if len(body) < minGzip {
		return 0, false
	}
	return int(binary.LittleEndian.Uint32(body[len(body)-4:])), true
}

func decodedTooLarge(limit int) error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Type: TypeTooLarge,
		Msg: fmt.Sprintf("decoded body exceeds %d bytes", limit)}
}
