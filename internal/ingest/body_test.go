package ingest

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/snappy"
)

// TestWebhookContentEncoding checks every signal source against the encodings a sender
// may claim: real gzip is decoded, a plain body claiming gzip is a 400 that says so, an
// unknown encoding is a 415, and a text/plain content type (AWS SNS) is no reason to
// refuse.
func TestWebhookContentEncoding(t *testing.T) {
	for _, src := range Sources() {
		t.Run(src.Name+"/claimed gzip", func(t *testing.T) {
			plain := []byte(`{"name":"a plain JSON body that claims to be gzip"}`)
			w, sigs := post(t, src, SourceConfig{}, plain,
				map[string]string{"Content-Encoding": "gzip"})
			if w.Code != http.StatusBadRequest || len(sigs) != 0 ||
				!strings.Contains(w.Body.String(), "Content-Encoding is gzip") {
				t.Errorf("code %d, %d signals: %s; want a 400 about gzip", w.Code, len(sigs),
					w.Body)
			}
		})
		t.Run(src.Name+"/brotli", func(t *testing.T) {
			w, _ := post(t, src, SourceConfig{}, []byte(`{}`),
				map[string]string{"Content-Encoding": "br"})
			if w.Code != http.StatusUnsupportedMediaType {
				t.Errorf("code %d, want 415: %s", w.Code, w.Body)
			}
		})
	}
	for _, c := range loadCases(t) {
		body, err := os.ReadFile(filepath.Join("testdata", "sources", c.File))
		if err != nil {
			t.Fatal(err)
		}
		cfg := SourceConfig{TimeZone: c.TimeZone}
		for _, enc := range []struct {
			name, header, ctype string
			body                []byte
		}{
			{"gzip", "gzip", "application/json", gz(body)},
			{"identity", "identity", "application/json", body},
			{"text/plain", "", "text/plain; charset=UTF-8", body},
		} {
			t.Run(c.Source+"/"+c.File+"/"+enc.name, func(t *testing.T) {
				hdr := map[string]string{"Content-Type": enc.ctype}
				for k, v := range c.Header {
					hdr[k] = v
				}
				if enc.header != "" {
					hdr["Content-Encoding"] = enc.header
				}
				w, sigs := post(t, sourceByName(t, c.Source), cfg, enc.body, hdr)
				if w.Code != http.StatusAccepted || len(sigs) != len(c.Want) {
					t.Errorf("code %d, %d signals, want 202 and %d: %s", w.Code, len(sigs),
						len(c.Want), w.Body)
				}
			})
		}
	}
}

// TestWebhookGzipBomb checks that a gzip body that decodes past the webhook cap is a 413,
// whether its trailer announces the size or lies about it.
func TestWebhookGzipBomb(t *testing.T) {
	bomb := gz(make([]byte, MaxBodyBytes+1))
	liar := append([]byte(nil), bomb...)
	binary.LittleEndian.PutUint32(liar[len(liar)-4:], 100)
	for name, body := range map[string][]byte{"honest": bomb, "lying trailer": liar} {
		t.Run(name, func(t *testing.T) {
			w, sigs := post(t, sourceByName(t, "events"), SourceConfig{}, body,
				map[string]string{"Content-Encoding": "gzip"})
			if w.Code != http.StatusRequestEntityTooLarge || len(sigs) != 0 {
				t.Errorf("code %d, %d signals; want 413: %s", w.Code, len(sigs), w.Body)
			}
		})
	}
}

// TestGunzipBuffer checks the decode buffer: one allocation of the decoded size for an
// honest trailer and for a multi-member body whose trailer tells only the last member,
// nothing held for a bomb whose trailer lies, and the budget given back afterwards.
func TestGunzipBuffer(t *testing.T) {
	const limit = 4 << 20
	data := bytes.Repeat([]byte("cerebro "), 300_000) // 2.4 MB, above smallDecodeBytes
	h := &budgetHold{}
	for name, body := range map[string][]byte{
		"honest":       gz(data),
		"multi-member": append(gz(data[:1000]), gz(data[1000:])...),
		"short last":   append(gz(data[:len(data)-10]), gz(data[len(data)-10:])...),
	} {
		out, err := gunzip(context.Background(), body, limit, h)
		if err != nil || !bytes.Equal(out, data) || cap(out) != len(data) {
			t.Errorf("%s: len %d cap %d err %v, want len and cap %d", name, len(out),
				cap(out), err, len(data))
		}
		if h.held != int64(len(data)) {
			t.Errorf("%s: held %d bytes, want %d", name, h.held, len(data))
		}
		h.release()
	}

	liar := gz(make([]byte, 3*limit))
	binary.LittleEndian.PutUint32(liar[len(liar)-4:], 10)
	if _, err := gunzip(context.Background(), liar, limit, h); err == nil ||
		!strings.Contains(err.Error(), "exceeds") {
		t.Errorf("lying trailer: err %v, want too large", err)
	}
	if h.held != 0 {
		t.Errorf("a bomb held %d bytes", h.held)
	}
	h.release()
	if !decodeBudget.TryAcquire(DecodeBudgetBytes) {
		t.Fatal("budget not given back")
	}
	decodeBudget.Release(DecodeBudgetBytes)
}

// TestGunzipWaitsForBudget checks that a large decode waits while the budget is taken
// and gives up with its context.
func TestGunzipWaitsForBudget(t *testing.T) {
	if err := decodeBudget.Acquire(context.Background(), DecodeBudgetBytes); err != nil {
		t.Fatal(err)
	}
	defer decodeBudget.Release(DecodeBudgetBytes)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := &budgetHold{}
	if _, err := gunzip(ctx, gz(make([]byte, 2*smallDecodeBytes)), MaxDecodedBytes,
		h); err == nil {
		t.Error("decoded while the budget was taken")
	}
	if out, err := gunzip(ctx, gz([]byte(`{"small":true}`)), MaxDecodedBytes,
		h); err != nil || string(out) != `{"small":true}` {
		t.Errorf("small body: %q %v; small bodies must not wait", out, err)
	}
}

// TestGunzipCorrupt checks that broken gzip is a 400, never a 2xx or a 5xx.
func TestGunzipCorrupt(t *testing.T) {
	good := gz([]byte(`{"name":"x"}`))
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-6] ^= 0xff // the CRC
	truncated := append(good[:len(good)-12:len(good)-12], good[len(good)-4:]...)
	// Cut off mid-stream, as a dropped connection leaves it: its last four bytes, read as
	// the trailer's size, announce far more than the limit.
	cut := gz(bytes.Repeat([]byte(`{"name":"cerebro"} `), 5000))[:100]
	binary.LittleEndian.PutUint32(cut[len(cut)-4:], 300_000_000)
	for name, body := range map[string][]byte{
		"truncated": truncated, "bad checksum": flipped, "plain": []byte("{}"), "cut off": cut,
	} {
		_, err := gunzip(context.Background(), body, MaxBodyBytes, &budgetHold{})
		if e, ok := err.(*Error); !ok || e.Status != http.StatusBadRequest {
			t.Errorf("%s: err %v, want a 400", name, err)
		}
	}
}

func FuzzGunzip(f *testing.F) {
	f.Add(gz([]byte(`{"a":1}`)))
	f.Add(append(gz([]byte("a")), gz([]byte("b"))...))
	f.Add([]byte("not gzip"))
	f.Fuzz(func(t *testing.T, body []byte) {
		const limit = 1 << 16
		h := &budgetHold{}
		out, err := gunzip(context.Background(), body, limit, h)
		h.release()
		if err == nil && len(out) > limit {
			t.Fatalf("decoded %d bytes past the limit %d", len(out), limit)
		}
		if _, ok := err.(*Error); err != nil && !ok {
			t.Fatalf("error %v is not an *Error", err)
		}
	})
}

// TestSnappyWaitsForBudget checks that a large remote_write body counts against the
// decode budget too: with the budget taken, a request gives up with its context.
func TestSnappyWaitsForBudget(t *testing.T) {
	if err := decodeBudget.Acquire(context.Background(), DecodeBudgetBytes); err != nil {
		t.Fatal(err)
	}
	defer decodeBudget.Release(DecodeBudgetBytes)
	body := snappy.Encode(nil, make([]byte, 2*smallDecodeBytes))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest(http.MethodPost, "/api/v1/ingest/remote-write",
		bytes.NewReader(body)).WithContext(ctx)
	r.Header.Set("Content-Type", "application/x-protobuf")
	r.Header.Set("Content-Encoding", "snappy")
	w := httptest.NewRecorder()
	RemoteWriteHandler(testGuard(), SourceConfig{}, &recordingSink{}).ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("code %d, want 503 while the budget is taken: %s", w.Code, w.Body)
	}
}
