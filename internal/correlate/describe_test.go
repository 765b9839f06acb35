package correlate

import (
	"testing"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestDescribe: the distinguishing labels follow the name in key order, a label that
// repeats the service or the name, as the lab's instance="payments" does, is left out,
// and an anomaly shows every label of its series but job and service.
func TestDescribe(t *testing.T) {
	tests := []struct {
		name string
		s    signal.Signal
		want string
	}{
		{"instance", signal.Signal{Kind: signal.KindAlert, Source: "alertmanager",
			Name: "InstanceDown", Service: "node",
			Labels: map[string]string{"instance": "db-1:9100", "job": "node"}},
			`alert InstanceDown{instance="db-1:9100"} on node (alertmanager)`},
		{"order", signal.Signal{Kind: signal.KindAlert, Source: "kubernetes",
			Name: "BackOff", Service: "api",
			Labels: map[string]string{"node": "n1", "object": "api-7f9c", "reason": "BackOff"}},
			`alert BackOff{node="n1",object="api-7f9c"} on api (kubernetes)`},
		{"alert routing labels", signal.Signal{Kind: signal.KindAlert, Source: "alertmanager",
			Name: "InstanceDown", Labels: map[string]string{"severity": "critical",
				"team": "sre", "alertname": "InstanceDown"}},
			`alert InstanceDown (alertmanager)`},
		{"series", signal.Signal{Kind: signal.KindAnomaly, Source: "detect",
			Name: "http_requests_total", Service: "payments", Labels: map[string]string{
				"__name__": "http_requests_total", "code": "500", "instance": "payments",
				"job": "lab", "service": "payments"}},
			`anomaly http_requests_total{code="500"} on payments (detect)`},
		{"same as service", signal.Signal{Kind: signal.KindAnomaly, Source: "detect",
			Name: "up", Service: "payments", Labels: map[string]string{"instance": "payments"}},
			`anomaly up on payments (detect)`},
		{"no name", signal.Signal{Kind: signal.KindAlert, Source: "pagerduty",
			Fingerprint: "49e1692ac634a45832333912"},
			`alert 49e1692ac634a45832333912 (pagerduty)`},
		{"quoted", signal.Signal{Kind: signal.KindAlert, Source: "events", Name: "Disk",
			Labels: map[string]string{"device": `a"b`}},
			`alert Disk{device="a\"b"} (events)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(&tt.s); got != tt.want {
				t.Errorf("describe = %s, want %s", got, tt.want)
			}
		})
	}
}
