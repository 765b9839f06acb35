package ingest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"strings"
)

// This file holds the HMAC checks of the sources that sign their requests with a shared
// secret. Each compares in constant time and says why a request failed, without echoing
// the secret or the expected signature.

// hmacHex is the hex HMAC of body under secret with the given hash.
func hmacHex(newHash func() hash.Hash, secret string, body []byte) string {
	m := hmac.New(newHash, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// hexEqual compares two hex signatures in constant time, ignoring case.
func hexEqual(got, want string) bool {
	return hmac.Equal([]byte(strings.ToLower(strings.TrimSpace(got))), []byte(want))
}

// VerifyGitHub checks GitHub's X-Hub-Signature-256 header: "sha256=" and the hex
// HMAC-SHA256 of the body under the webhook secret.
func VerifyGitHub(req *Request, secret string) error {
	h := req.Header.Get("X-Hub-Signature-256")
	if h == "" {
		return Unauthorized("missing X-Hub-Signature-256 header")
	}
	sig, ok := strings.CutPrefix(h, "sha256=")
	if !ok {
		return Unauthorized("X-Hub-Signature-256 does not start with sha256=")
	}
	if !hexEqual(sig, hmacHex(sha256.New, secret, req.Body)) {
		return Unauthorized("X-Hub-Signature-256 does not match the body")
	}
	return nil
}

// VerifyPagerDutyV3 checks PagerDuty's X-PagerDuty-Signature header: a comma-separated
// list of "v1=<hex HMAC-SHA256>" values, more than one while a secret is being rotated;
// one match is enough.
func VerifyPagerDutyV3(req *Request, secret string) error {
	h := req.Header.Get("X-PagerDuty-Signature")
	if h == "" {
		return Unauthorized("missing X-PagerDuty-Signature header")
	}
	want := hmacHex(sha256.New, secret, req.Body)
	for _, part := range strings.Split(h, ",") {
		sig, ok := strings.CutPrefix(strings.TrimSpace(part), "v1=")
		if ok && hexEqual(sig, want) {
			return nil
		}
	}
	return Unauthorized("no v1 signature in X-PagerDuty-Signature matches the body")
}

// VerifySentry checks Sentry's Sentry-Hook-Signature header: the hex HMAC-SHA256 of the
// body under the integration's client secret.
func VerifySentry(req *Request, secret string) error {
	h := req.Header.Get("Sentry-Hook-Signature")
	if h == "" {
		return Unauthorized("missing Sentry-Hook-Signature header")
	}
	if !hexEqual(h, hmacHex(sha256.New, secret, req.Body)) {
		return Unauthorized("Sentry-Hook-Signature does not match the body")
	}
	return nil
}

// VerifyFlux checks the X-Signature header of Flux's generic-hmac provider:
// "<hash>=<hex HMAC>" with sha1, sha256, sha384 or sha512.
func VerifyFlux(req *Request, secret string) error {
	h := req.Header.Get("X-Signature")
	if h == "" {
		return Unauthorized("missing X-Signature header")
	}
	algo, sig, ok := strings.Cut(h, "=")
	if !ok {
		return Unauthorized("X-Signature is not <hash>=<hex>")
	}
	hashes := map[string]func() hash.Hash{
		"sha1": sha1.New, "sha256": sha256.New, "sha384": sha512.New384, "sha512": sha512.New,
	}
	newHash, ok := hashes[lower(algo)]
	if !ok {
		return Unauthorized("X-Signature uses an unsupported hash " + clip(algo, 16))
	}
	if !hexEqual(sig, hmacHex(newHash, secret, req.Body)) {
		return Unauthorized("X-Signature does not match the body")
	}
	return nil
}
