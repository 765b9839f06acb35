package ingest

// Sources lists every signal source served at /api/v1/ingest/<name>, in the order the
// docs list them. Add a source here and in docs/sources/. Each call returns fresh state
// (the PagerDuty v3 redelivery memory, the SNS certificate cache), so call it once per
// server.
func Sources() []Source {
	return []Source{
		{Name: "alertmanager", Decode: DecodeAlertmanager},
		{Name: "events", Decode: DecodeEvents},
		{Name: "changes", Decode: DecodeChanges},
		{Name: "grafana", Decode: DecodeGrafana},
		{Name: "pagerduty", Decode: DecodePagerDuty, Verify: VerifyPagerDutyRoutingKey},
		NewPagerDutyWebhook().Source(),
		{Name: "datadog", Decode: DecodeDatadog},
		{Name: "opsgenie", Decode: DecodeOpsgenie},
		{Name: "zabbix", Decode: DecodeZabbix},
		{Name: "icinga", Decode: DecodeIcinga},
		{Name: "sentry", Decode: DecodeSentry, Verify: VerifySentry},
		{Name: "azure-monitor", Decode: DecodeAzureMonitor},
		{Name: "gcp-monitoring", Decode: DecodeGCPMonitoring},
		NewCloudWatch(nil).Source(),
		{Name: "cloudevents", Decode: DecodeCloudEvents},
		{Name: "github", Decode: DecodeGitHub, Verify: VerifyGitHub},
		{Name: "argocd", Decode: DecodeArgoCD},
		{Name: "flux", Decode: DecodeFlux, Verify: VerifyFlux},
	}
}
