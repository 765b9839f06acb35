package ingest

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// ghPayload is the part of GitHub's deployment and deployment_status webhooks CEREBRO
// reads.
type ghPayload struct {
	Action           string        `json:"action"`
	Deployment       *ghDeployment `json:"deployment"`
	DeploymentStatus *ghStatus     `json:"deployment_status"`
	Repository       *struct {
		Name     string `json:"name"`
		FullName string `json:"full_name"`
	} `json:"repository"`
}

type ghDeployment struct {
	ID          flexString      `json:"id"`
	SHA         string          `json:"sha"`
	Ref         string          `json:"ref"`
	Task        string          `json:"task"`
	Environment string          `json:"environment"`
	Description *string         `json:"description"`
	Payload     json.RawMessage `json:"payload"`
	Creator     *ghUser         `json:"creator"`
	CreatedAt   json.RawMessage `json:"created_at"`
}

type ghStatus struct {
	ID          flexString      `json:"id"`
	State       string          `json:"state"`
	Description string          `json:"description"`
	Environment string          `json:"environment"`
	TargetURL   string          `json:"target_url"`
	Creator     *ghUser         `json:"creator"`
	CreatedAt   json.RawMessage `json:"created_at"`
	UpdatedAt   json.RawMessage `json:"updated_at"`
}

type ghUser struct {
	Login string `json:"login"`
}

// DecodeGitHub decodes GitHub deployment and deployment_status webhooks (header
// X-GitHub-Event) into deploy changes: version and commit are the deployed sha, with the
// environment and the status state (pending, queued and in_progress become in_progress;
// error becomes failure). Every status of one deployment shares its identity (repository
// and deployment id); the deployment id is the native id. The service is the deployment
// payload's "service" when set, else the repository name. A ping gives no signal; other
// events are refused, so a webhook subscribed to too much shows its failures in GitHub.
func DecodeGitHub(req *Request) ([]signal.Signal, error) {
	var p ghPayload
	if err := decodeBody("github webhook", req.Body, &p); err != nil {
		return nil, err
	}
	event := http.Header(req.Header).Get("X-GitHub-Event")
	if event == "" {
		event = ghInferEvent(p)
	}
	switch event {
	case "ping":
		return nil, nil
	case "deployment", "deployment_status":
	default:
		return nil, Errorf("github event %q not handled; subscribe the webhook to "+
			"deployments and deployment statuses only", event)
	}
	if p.Deployment == nil || p.Deployment.ID == "" {
		return nil, Errorf("decoding github %s: field deployment.id is missing", event)
	}
	if event == "deployment_status" && p.DeploymentStatus == nil {
		return nil, Errorf("decoding github deployment_status: field deployment_status " +
			"is missing")
	}
	s, err := ghChange(req, p)
	if err != nil {
		return nil, err
	}
	return []signal.Signal{s}, nil
}

func ghInferEvent(p ghPayload) string {
	switch {
	case p.DeploymentStatus != nil:
		return "deployment_status"
	case p.Deployment != nil:
		return "deployment"
	}
	return ""
}

func ghChange(req *Request, p ghPayload) (signal.Signal, error) {
	d := p.Deployment
	repo, service := "", ""
	if p.Repository != nil {
		repo, service = firstNonEmpty(p.Repository.FullName, p.Repository.Name),
			p.Repository.Name
	}
	service = firstNonEmpty(pdDetail(d.Payload, "service"), service)
	fp, err := signal.Identity("github", repo, "deployment", string(d.ID))
	if err != nil {
		return signal.Signal{}, err
	}

	c := signal.Change{Type: "deploy", Version: d.SHA, Commit: d.SHA,
		Environment: d.Environment, State: "in_progress"}
	if d.Creator != nil {
		c.Author = d.Creator.Login
	}
	at, err := ParseTimeJSON("deployment.created_at", d.CreatedAt, nil)
	raw := firstNonEmpty(p.Action, "created")
	if st := p.DeploymentStatus; st != nil {
		c.Environment = firstNonEmpty(st.Environment, c.Environment)
		c.State, raw = changeState(st.State), st.State
		at, err = ghStatusTime(st)
	}
	if err != nil {
		return signal.Signal{}, err
	}
	if at.IsZero() {
		at = receivedAt(req)
	}

	name := "deploy " + firstNonEmpty(service, repo) + " " + shortSHA(d.SHA)
	if c.Environment != "" {
		name += " to " + c.Environment
	}
	s := newChange(string(d.ID), fp, name, service, at, c)
	s.RawStatus = raw
	s.Labels = putLabel(s.Labels, "repository", repo)
	s.Labels = putLabel(s.Labels, "ref", d.Ref)
	s.Labels = putLabel(s.Labels, "task", d.Task)
	if st := p.DeploymentStatus; st != nil {
		s.Summary = st.Description
		s.Labels = putLabel(s.Labels, "deployment_status_id", string(st.ID))
	}
	if s.Summary == "" && d.Description != nil {
		s.Summary = *d.Description
	}
	return s, nil
}

func ghStatusTime(st *ghStatus) (at time.Time, err error) {
	at, err = ParseTimeJSON("deployment_status.updated_at", st.UpdatedAt, nil)
	if err != nil || !at.IsZero() {
		return at, err
	}
	return ParseTimeJSON("deployment_status.created_at", st.CreatedAt, nil)
}
