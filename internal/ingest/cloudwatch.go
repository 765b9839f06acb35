package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// snsEnvelope is an Amazon SNS HTTP/S delivery: a notification, or the subscription
// confirmation SNS sends first.
type snsEnvelope struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	Token            string `json:"Token"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject"`
	Message          string `json:"Message"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	SubscribeURL     string `json:"SubscribeURL"`
	UnsubscribeURL   string `json:"UnsubscribeURL"`
}

// cwAlarm is the CloudWatch alarm state change that SNS carries, JSON inside the
// envelope's Message string.
type cwAlarm struct {
	AlarmName        string          `json:"AlarmName"`
	AlarmDescription *string         `json:"AlarmDescription"`
	AWSAccountID     string          `json:"AWSAccountId"`
	NewStateValue    string          `json:"NewStateValue"`
	NewStateReason   string          `json:"NewStateReason"`
	StateChangeTime  json.RawMessage `json:"StateChangeTime"`
	Region           string          `json:"Region"` // a display name, not a code
	AlarmArn         string          `json:"AlarmArn"`
	OldStateValue    string          `json:"OldStateValue"`
	Trigger          *struct {
		MetricName string `json:"MetricName"`
		Namespace  string `json:"Namespace"`
		Dimensions []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"Dimensions"`
	} `json:"Trigger"`
}

var cwStates = statusTable{
	"alarm": signal.StatusFiring,
	"ok":    signal.StatusResolved,
}

// snsHost is the only kind of host SNS certificates and confirmation URLs may come from.
var snsHost = regexp.MustCompile(`^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`)

// snsTimeout bounds the certificate fetch and the subscription confirmation.
const snsTimeout = 10 * time.Second

// CloudWatch is the cloudwatch source: CloudWatch alarms delivered by an SNS HTTP/S
// subscription. It confirms subscriptions, verifies SNS message signatures and decodes
// the alarm carried as JSON inside the message string.
type CloudWatch struct {
	// Fetch GETs a URL and returns its body: SNS signing certificates and subscription
	// confirmations. It is only called with URLs on an https sns.<region>.amazonaws.com host.
	Fetch func(ctx context.Context, url string) ([]byte, error)
	certs *certCache
}

// NewCloudWatch returns the source with a fetcher on client (http.DefaultClient when nil).
func NewCloudWatch(client *http.Client) *CloudWatch {
	if client == nil {
		client = http.DefaultClient
	}
	return &CloudWatch{Fetch: httpFetcher(client), certs: newCertCache()}
}

// Source is the cloudwatch source entry.
func (c *CloudWatch) Source() Source {
	return Source{Name: "cloudwatch", Decode: c.Decode, Verify: c.Verify}
}

// Decode handles one SNS delivery. A SubscriptionConfirmation is confirmed at once by a
// GET on its SubscribeURL and gives no signal; an UnsubscribeConfirmation gives none. A
// Notification carries one alarm: its ARN is the native id and identity, ALARM fires, OK
// resolves and INSUFFICIENT_DATA is stored as unknown. With SNS raw message delivery the
// body is the alarm itself.
func (c *CloudWatch) Decode(req *Request) ([]signal.Signal, error) {
	var env snsEnvelope
	if err := decodeBody("sns message", req.Body, &env); err != nil {
		return nil, err
	}
	switch env.Type {
	case "SubscriptionConfirmation":
		return nil, c.confirm(env)
	case "UnsubscribeConfirmation":
		return nil, nil
	case "Notification":
		return decodeAlarm(req, []byte(env.Message), env.MessageID)
	case "":
		return decodeAlarm(req, req.Body, "")
	}
	return nil, Errorf("decoding sns message: unknown Type %q", env.Type)
}

func (c *CloudWatch) confirm(env snsEnvelope) error {
	if err := checkSNSURL("SubscribeURL", env.SubscribeURL); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), snsTimeout)
	defer cancel()
	if _, err := c.Fetch(ctx, env.SubscribeURL); err != nil {
		return fmt.Errorf("confirming sns subscription to %s: %w", env.TopicArn, err)
	}
	return nil
}

func decodeAlarm(req *Request, msg []byte, messageID string) ([]signal.Signal, error) {
	var a cwAlarm
	if err := decodeBody("cloudwatch alarm in sns Message", msg, &a); err != nil {
		return nil, err
	}
	if a.AlarmName == "" && a.AlarmArn == "" {
		return nil, Errorf("decoding cloudwatch alarm: no AlarmArn or AlarmName; " +
			"the SNS message is not a CloudWatch alarm")
	}
	fp, err := signal.Identity("cloudwatch", firstNonEmpty(a.AlarmArn,
		a.AWSAccountID+"/"+a.Region+"/"+a.AlarmName))
	if err != nil {
		return nil, err
	}
	at, err := ParseTimeJSON("Message.StateChangeTime", a.StateChangeTime, nil)
	if err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = receivedAt(req)
	}

	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: a.AlarmArn, Fingerprint: fp, Name: a.AlarmName,
		Summary: a.NewStateReason, Status: cwStates.of(a.NewStateValue),
		RawStatus: a.NewStateValue, StartsAt: at, EventTime: at, Labels: cwLabels(a),
	}
	if s.Status == signal.StatusResolved {
		s.EndsAt = at
	}
	if a.AlarmDescription != nil {
		s.Annotations = putLabel(s.Annotations, "description", *a.AlarmDescription)
	}
	s.Annotations = putLabel(s.Annotations, "sns_message_id", messageID)
	s.Service = signal.ServiceFromLabels(s.Labels)
	return []signal.Signal{s}, nil
}

func cwLabels(a cwAlarm) map[string]string {
	var labels map[string]string
	if t := a.Trigger; t != nil {
		for _, d := range t.Dimensions {
			labels = putLabel(labels, d.Name, d.Value)
		}
		labels = putLabel(labels, "metric", t.MetricName)
		labels = putLabel(labels, "namespace", t.Namespace)
	}
	labels = putLabel(labels, "account", a.AWSAccountID)
	labels = putLabel(labels, "region", cwRegion(a.AlarmArn))
	labels = putLabel(labels, "previous_state", a.OldStateValue)
	return labels
}

// cwRegion is the region code from an alarm ARN (arn:aws:cloudwatch:<region>:...); the
// Region field is a display name.
func cwRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}

// checkSNSURL refuses any URL that is not https on an SNS host, so that a forged message
// cannot make CEREBRO fetch from elsewhere.
func checkSNSURL(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || !snsHost.MatchString(u.Hostname()) ||
		u.User != nil || (u.Port() != "" && u.Port() != "443") {
		return Errorf("field %s: %q is not an https URL on an sns.<region>.amazonaws.com "+
			"host", field, clip(raw, 120))
	}
	return nil
}

// maxFetchBytes bounds what a certificate or confirmation answer may weigh.
const maxFetchBytes = 64 << 10

func httpFetcher(client *http.Client) func(ctx context.Context, url string) ([]byte, error) {
	return func(ctx context.Context, u string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, fmt.Errorf("building request to %s: %w", u, err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetching %s: %w", u, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxFetchBytes))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", u, err)
		}
		if resp.StatusCode/100 != 2 {
			return nil, fmt.Errorf("fetching %s: status %d: %s", u, resp.StatusCode,
				clip(string(bytes.TrimSpace(body)), 200))
		}
		return body, nil
	}
}
