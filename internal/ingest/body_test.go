package ingest

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWebhookContentEncoding checks every signal source against the encodings a sender
// may claim: real gzip is decoded, a plain body claiming gzip is a 400 that says so, an
// unknown encoding is a 415, and a text/plain content type (AWS SNS) is no reason to
// refuse.
func TestWebhookContentEncoding(t *testing.T) {
	for _, src := range Sources() {
		t.Run(src.Name+"/claimed gzip", func(t *testing.T) {
			w, sigs := post(t, src, SourceConfig{}, []byte(`{}`),
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

// TestGunzipBuffer checks the decode buffer: exact for an honest trailer, never above
// the limit when the trailer lies (old and new buffer at most twice the limit while it
// grows), and the budget given back afterwards.
func TestGunzipBuffer(t *testing.T) {
	const limit = 4 << 20
	data := bytes.Repeat([]byte("cerebro "), 300_000) // 2.4 MB, above smallDecodeBytes
	body := gz(data)
	h := &budgetHold{}
	out, err := gunzip(context.Background(), body, limit, h)
	if err != nil || !bytes.Equal(out, data) || cap(out) != len(data) {
		t.Fatalf("honest trailer: len %d cap %d err %v, want len and cap %d", len(out),
			cap(out), err, len(data))
	}
	if h.held == 0 {
		t.Error("a decode above smallDecodeBytes held no budget")
	}
	h.release()

	liar := append([]byte(nil), gz(make([]byte, 3*limit))...)
	binary.LittleEndian.PutUint32(liar[len(liar)-4:], 10)
	if _, err := gunzip(context.Background(), liar, limit, h); err == nil ||
		!strings.Contains(err.Error(), "exceeds") {
		t.Errorf("lying trailer: err %v, want too large", err)
	}
	if h.held > 2*limit {
		t.Errorf("held %d bytes for a limit of %d", h.held, limit)
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
