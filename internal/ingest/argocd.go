package ingest

import (
	"path"
	"strings"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// argoMessage is the body of the recommended Argo CD notification template in
// docs/sources/argocd.md. The state, context and target_url fields also accept the body
// of Argo CD's own github-commit-status style templates.
type argoMessage struct {
	App          string `json:"app"`
	AppNamespace string `json:"app_namespace"`
	Project      string `json:"project"`
	Namespace    string `json:"namespace"` // destination namespace
	Cluster      string `json:"cluster"`   // destination server or name
	Repo         string `json:"repo"`
	Revision     string `json:"revision"`
	SyncStatus   string `json:"sync_status"` // Synced, OutOfSync
	Health       string `json:"health"`      // Healthy, Progressing, Degraded, ...
	Phase        string `json:"phase"`       // Running, Succeeded, Failed, Error, ...
	StartedAt    string `json:"started_at"`
	FinishedAt   string `json:"finished_at"`
	Message      string `json:"message"`
	Author       string `json:"author"`
	Environment  string `json:"environment"`

	State     string `json:"state"`
	Context   string `json:"context"`
	TargetURL string `json:"target_url"`
}

// DecodeArgoCD decodes an Argo CD notification (webhook service) into a deploy change.
// The change state comes from the sync operation's phase and the application's health:
// a failed or errored sync is failure, Degraded or Missing health is degraded, a running
// sync or Progressing health is in_progress, a succeeded sync or Healthy app is success.
// Identity is the application (namespace, project, name) and the revision, so the sync and
// health notifications of one revision form one change; the application name is the
// native id. Phase-driven states carry the operation's finish (or start) time, health-
// driven ones the delivery time. Go templates render missing values as "<no value>",
// which counts as absent.
func DecodeArgoCD(req *Request) ([]signal.Signal, error) {
	var m argoMessage
	if err := decodeBody("argocd notification", req.Body, &m); err != nil {
		return nil, err
	}
	m.clean()
	app := firstNonEmpty(m.App, argoAppFromContext(m.Context, m.TargetURL))
	if app == "" {
		return nil, Errorf("decoding argocd notification: no app field; use the " +
			"recommended template")
	}
	fp, err := signal.Identity("argocd", m.AppNamespace, m.Project, app, m.Revision)
	if err != nil {
		return nil, err
	}
	state, fromPhase := argoState(m)
	at, err := argoTime(req, m, fromPhase)
	if err != nil {
		return nil, err
	}

	c := signal.Change{Type: "deploy", Version: m.Revision, Author: m.Author,
		Environment: firstNonEmpty(m.Environment, m.Namespace), State: state}
	if isCommitSHA(m.Revision) {
		c.Commit = m.Revision
	}
	name := "sync " + app
	if m.Revision != "" {
		name += " " + shortSHA(m.Revision)
	}
	s := newChange(app, fp, name, app, at, c)
	s.RawStatus = strings.Trim(m.Phase+" "+m.Health+" "+m.State, " ")
	s.Summary = m.Message
	for k, v := range map[string]string{"project": m.Project, "namespace": m.Namespace,
		"cluster": m.Cluster, "repo": m.Repo, "sync_status": m.SyncStatus,
		"health": m.Health, "phase": m.Phase} {
		s.Labels = putLabel(s.Labels, k, v)
	}
	return []signal.Signal{s}, nil
}

// clean blanks the "<no value>" that Go templates render for missing fields.
func (m *argoMessage) clean() {
	for _, f := range []*string{&m.App, &m.AppNamespace, &m.Project, &m.Namespace,
		&m.Cluster, &m.Repo, &m.Revision, &m.SyncStatus, &m.Health, &m.Phase,
		&m.StartedAt, &m.FinishedAt, &m.Message, &m.Author, &m.Environment} {
		if strings.TrimSpace(*f) == "<no value>" {
			*f = ""
		}
	}
}

// argoState picks the change state and whether the sync phase decided it.
func argoState(m argoMessage) (string, bool) {
	phase, health := lower(m.Phase), lower(m.Health)
	switch {
	case phase == "failed" || phase == "error":
		return "failure", true
	case health == "degraded" || health == "missing":
		return "degraded", false
	case phase == "running" || phase == "terminating":
		return "in_progress", true
	case health == "progressing" || health == "suspended":
		return changeState(health), false
	case phase == "succeeded":
		return "success", true
	case health == "healthy":
		return "success", false
	case m.State != "":
		return changeState(m.State), false
	}
	return "unknown", false
}

func argoTime(req *Request, m argoMessage, fromPhase bool) (time.Time, error) {
	if !fromPhase {
		return receivedAt(req), nil
	}
	at, err := ParseTime("finished_at", m.FinishedAt, nil)
	if err == nil && at.IsZero() {
		at, err = ParseTime("started_at", m.StartedAt, nil)
	}
	if err == nil && at.IsZero() {
		at = receivedAt(req)
	}
	return at, err
}

// argoAppFromContext reads the app name from a commit-status style body: the context
// "continuous-delivery/<app>" or the last segment of the target URL.
func argoAppFromContext(context, target string) string {
	if i := strings.LastIndex(context, "/"); i >= 0 && i < len(context)-1 {
		return context[i+1:]
	}
	if target == "" {
		return ""
	}
	base := path.Base(strings.TrimRight(strings.SplitN(target, "?", 2)[0], "/"))
	if base == "." || base == "/" || strings.Contains(base, ":") {
		return ""
	}
	return base
}

// isCommitSHA reports whether v looks like a git commit id (40 or 64 hex digits).
func isCommitSHA(v string) bool {
	if len(v) != 40 && len(v) != 64 {
		return false
	}
	for _, c := range v {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}
