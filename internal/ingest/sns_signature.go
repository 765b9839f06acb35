package ingest

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"sync"
)

// certCacheLimit bounds the SNS signing certificates kept; AWS uses one per region and
// rotates them rarely.
const certCacheLimit = 64

// certCache keeps parsed SNS signing certificates by URL.
type certCache struct {
	mu    sync.Mutex
	certs map[string]*x509.Certificate
}

func newCertCache() *certCache { return &certCache{certs: map[string]*x509.Certificate{}} }

func (c *certCache) get(u string) *x509.Certificate {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.certs[u]
}

func (c *certCache) put(u string, cert *x509.Certificate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.certs) >= certCacheLimit {
		clear(c.certs)
	}
	c.certs[u] = cert
}

// Verify checks an SNS message: its topic must be one of the configured ones (secret is a
// comma-separated list of topic ARNs, or "*" for any topic), and its signature must verify
// against the certificate at SigningCertURL, which must be an https URL on an
// sns.<region>.amazonaws.com host. The certificate is fetched once per URL and cached.
// The topic check matters: anyone can publish to a topic of their own and subscribe this
// endpoint, and AWS signs those messages too.
func (c *CloudWatch) Verify(req *Request, secret string) error {
	var env snsEnvelope
	if err := json.Unmarshal(req.Body, &env); err != nil || env.Type == "" {
		return Unauthorized("not a signed SNS message (raw message delivery cannot be " +
			"verified)")
	}
	if !topicAllowed(env.TopicArn, secret) {
		return Unauthorized("SNS topic " + clip(env.TopicArn, 200) + " is not configured")
	}
	if err := checkSNSURL("SigningCertURL", env.SigningCertURL); err != nil {
		return Unauthorized(err.Error())
	}
	cert, err := c.cert(env.SigningCertURL)
	if err != nil {
		return Unauthorized("SNS signing certificate unavailable: " + err.Error())
	}
	return verifySNS(env, cert)
}

func topicAllowed(topic, allowed string) bool {
	for _, a := range strings.Split(allowed, ",") {
		a = strings.TrimSpace(a)
		if a == "*" || (a != "" && a == topic) {
			return true
		}
	}
	return false
}

func (c *CloudWatch) cert(u string) (*x509.Certificate, error) {
	if cert := c.certs.get(u); cert != nil {
		return cert, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), snsTimeout)
	defer cancel()
	body, err := c.Fetch(ctx, u)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(body)
	if block == nil {
		return nil, Errorf("no PEM certificate at %s", u)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, Errorf("parsing certificate at %s: %v", u, err)
	}
	c.certs.put(u, cert)
	return cert, nil
}

// verifySNS checks the RSA signature over SNS's canonical string: SHA1 for signature
// version 1, SHA256 for version 2.
func verifySNS(env snsEnvelope, cert *x509.Certificate) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return Unauthorized("SNS signing certificate has no RSA key")
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signature)
	if err != nil {
		return Unauthorized("SNS Signature is not base64")
	}
	text := []byte(snsStringToSign(env))
	switch env.SignatureVersion {
	case "1":
		sum := sha1.Sum(text)
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig)
	case "2":
		sum := sha256.Sum256(text)
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	default:
		return Unauthorized("unsupported SNS SignatureVersion " + clip(env.SignatureVersion, 8))
	}
	if err != nil {
		return Unauthorized("SNS signature does not verify")
	}
	return nil
}

// snsStringToSign builds the canonical text SNS signs: "Name\nvalue\n" for a fixed list of
// fields per message type, in byte order; Subject only when present.
func snsStringToSign(env snsEnvelope) string {
	type kv struct{ k, v string }
	var fields []kv
	if env.Type == "Notification" {
		fields = []kv{{"Message", env.Message}, {"MessageId", env.MessageID}}
		if env.Subject != "" {
			fields = append(fields, kv{"Subject", env.Subject})
		}
		fields = append(fields, kv{"Timestamp", env.Timestamp},
			kv{"TopicArn", env.TopicArn}, kv{"Type", env.Type})
	} else {
		fields = []kv{{"Message", env.Message}, {"MessageId", env.MessageID},
			{"SubscribeURL", env.SubscribeURL}, {"Timestamp", env.Timestamp},
			{"Token", env.Token}, {"TopicArn", env.TopicArn}, {"Type", env.Type}}
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f.k + "\n" + f.v + "\n")
	}
	return b.String()
}
