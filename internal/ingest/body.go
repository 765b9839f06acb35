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

// hold makes the request's share n bytes, waiting with ctx. It gives back what it held
// first: a request never waits while holding a share, so requests cannot wait on each
// other in a cycle. Buffers up to smallDecodeBytes need no share.
func (h *budgetHold) hold(ctx context.Context, n int) error {
	h.release()
	if n <= smallDecodeBytes {
		return nil
	}
	w := min(int64(n), DecodeBudgetBytes)
	if err := decodeBudget.Acquire(ctx, w); err != nil {
		return fmt.Errorf("waiting to decode the request body: %w", err)
	}
	h.held = w
	return nil
}

// release gives the share back; it is safe to call more than once.
func (h *budgetHold) release() {
	if h.held > 0 {
		decodeBudget.Release(h.held)
		h.held = 0
	}
}

// readEncodedBody reads a size-limited body and undoes its Content-Encoding
// (decodeContent). The caller must call release once it no longer uses the body.
func readEncodedBody(r *http.Request, limit int) (body []byte, release func(), err error) {
	body, err = ReadBody(r)
	if err != nil {
		return nil, func() {}, err
	}
	return decodeContent(r, body, limit)
}

// decodeContent undoes the Content-Encoding of a body read with ReadBody: none or
// identity as is, gzip decoded to at most limit bytes (413 beyond), anything else 415. A
// body that claims gzip but is not gzip is a 400 saying so. The caller must call release
// once it no longer uses the body: until then the body counts against DecodeBudgetBytes.
func decodeContent(r *http.Request, body []byte, limit int) ([]byte, func(), error) {
	noop := func() {}
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

// gunzip decodes a gzip body into a buffer of exactly its decoded size, at most limit
// bytes, allocated once. The size is the one the gzip trailer announces when it is within
// the limit. When the trailer lies, announces more than the limit or the body has several
// members, the body is decoded twice: once to count, discarding the output (a 413 past the
// limit, a 400 when it breaks off), then into a buffer of the counted size. A bomb thus
// costs CPU but no memory, where reading it into a growing buffer cost about twice the
// limit per request.
func gunzip(ctx context.Context, body []byte, limit int, h *budgetHold) ([]byte, error) {
	// The header first: the trailer of a body that is not gzip at all means nothing.
	if _, err := gzipReader(body); err != nil {
		return nil, err
	}
	// A trailer above the limit is not trusted either: the last four bytes of a truncated
	// body read as a large size as often as not, and that body is a 400, not a 413. The
	// counting pass below tells the two apart, decoding at most limit+1 bytes to nowhere.
	n, ok := gzipSize(body)
	if ok && n <= limit {
		out, fits, err := gunzipInto(ctx, body, n, h)
		if err != nil || fits {
			return out, err
		}
	}

	n, err := gzipLen(body, limit)
	if err != nil {
		return nil, err
	}
	out, fits, err := gunzipInto(ctx, body, n, h)
	if err == nil && !fits {
		err = Errorf("decoding gzip body: decoded size changed between two reads")
	}
	return out, err
}

// gunzipInto decodes body into a buffer of n bytes held in h; fits is false when the
// body decodes to more than n.
func gunzipInto(ctx context.Context, body []byte, n int, h *budgetHold) (
	out []byte, fits bool, err error) {
	zr, err := gzipReader(body)
	if err != nil {
		return nil, false, err
	}
	if err := h.hold(ctx, n); err != nil {
		return nil, false, err
	}
	out = make([]byte, n)
	if _, err := io.ReadFull(zr, out); err != nil {
		return nil, false, gzipError(err)
	}
	var probe [1]byte
	switch m, err := zr.Read(probe[:]); {
	case m > 0:
		return nil, false, nil
	case errors.Is(err, io.EOF):
		return out, true, nil
	case err != nil:
		return nil, false, gzipError(err)
	}
	// A read of nothing without EOF: settle it with a full read.
	if _, err := io.ReadFull(zr, probe[:]); !errors.Is(err, io.EOF) {
		return nil, false, gzipError(err)
	}
	return out, true, nil
}

// gzipLen is the decoded length of body, decoding and discarding it; above limit it is a
// 413.
func gzipLen(body []byte, limit int) (int, error) {
	zr, err := gzipReader(body)
	if err != nil {
		return 0, err
	}
	n, err := io.CopyN(io.Discard, zr, int64(limit)+1)
	if n > int64(limit) {
		return 0, decodedTooLarge(limit)
	}
	if !errors.Is(err, io.EOF) {
		return 0, gzipError(err)
	}
	return int(n), nil
}

// gzipReader opens body as gzip; a body that is not gzip is a 400 saying so.
func gzipReader(body []byte) (*gzip.Reader, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, Errorf("decoding gzip body: Content-Encoding is gzip but the body "+
			"is not: %v", err)
	}
	return zr, nil
}

// gzipError is a 400 for a gzip stream that breaks off or fails its checksum.
func gzipError(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return Errorf("decoding gzip body: %v", err)
}

// gzipSize is the decoded size a gzip body's trailer announces (ISIZE, the size of the
// last member modulo 2^32): a hint for the buffer's size, checked by decoding.
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
