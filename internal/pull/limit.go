package pull

import (
	"fmt"
	"io"
	"net/http"
)

// DefaultMaxResponseBytes is the default of Config.MaxResponseBytes: about 200,000 series
// of an instant query, and well above what a selector meant for detection returns.
const DefaultMaxResponseBytes = 64 << 20

// limitBody fails a response longer than max bytes. The API client reads the whole body
// and then decodes it, so a selector that matched a million series (290 MB of JSON)
// took the server to 2.4 GB whatever detect.max_series said. The limit counts the bytes
// after the transport's gzip decoding, which is what the client holds.
type limitBody struct {
	max  int64
	next http.RoundTripper
}

func (l limitBody) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > l.max {
		resp.Body.Close()
		return nil, tooLarge(r, l.max)
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: l.max, err: tooLarge(r, l.max)}
	return resp, nil
}

// tooLarge names the limit; the caller names the selector.
func tooLarge(r *http.Request, max int64) error {
	return fmt.Errorf("response of %s is larger than max_response_bytes (%d bytes)",
		r.URL.Path, max)
}

// limitedBody reads at most left bytes, then fails with err.
type limitedBody struct {
	io.ReadCloser
	left int64
	err  error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Past the limit: a byte more means the body is too long, none means it ended.
		var one [1]byte
		n, err := b.ReadCloser.Read(one[:])
		if n > 0 {
			return 0, b.err
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
