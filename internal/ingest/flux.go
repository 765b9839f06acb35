package ingest

import (
	"encoding/json"
	"strings"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// fluxEvent is a Flux notification-controller event, as its generic and generic-hmac
// providers post it.
type fluxEvent struct {
	InvolvedObject struct {
		Kind       string `json:"kind"`
		Namespace  string `json:"namespace"`
		Name       string `json:"name"`
		UID        string `json:"uid"`
		APIVersion string `json:"apiVersion"`
	} `json:"involvedObject"`
	Severity            string            `json:"severity"` // info, error
	Timestamp           json.RawMessage   `json:"timestamp"`
	Message             string            `json:"message"`
	Reason              string            `json:"reason"`
	Metadata            map[string]string `json:"metadata"`
	ReportingController string            `json:"reportingController"`
}

// fluxAppliers are the kinds whose events mean something was applied to a cluster; the
// events of source kinds (GitRepository, OCIRepository, HelmChart, ...) are config changes.
var fluxAppliers = map[string]bool{"Kustomization": true, "HelmRelease": true}

// DecodeFlux decodes a Flux event into a change: deploy for Kustomization and HelmRelease,
// config for sources. The version is the revision from the metadata key ending in
// "revision" ("main/<sha>" or "main@sha1:<sha>" by Flux version), and the commit the sha
// inside it. Severity error is failure; a reason with Progressing or DependencyNotReady is
// in_progress; other info events are success. Flux has no resolve: a later success on the
// same object and revision supersedes a failure. Identity is the object (kind, namespace,
// name) and the revision; the object's uid is the native id.
func DecodeFlux(req *Request) ([]signal.Signal, error) {
	var e fluxEvent
	if err := decodeBody("flux event", req.Body, &e); err != nil {
		return nil, err
	}
	o := e.InvolvedObject
	if o.Kind == "" || o.Name == "" {
		return nil, Errorf("decoding flux event: involvedObject kind and name are required")
	}
	revision := fluxRevision(e.Metadata)
	fp, err := signal.Identity("flux", o.Kind, o.Namespace, o.Name, revision)
	if err != nil {
		return nil, err
	}
	at, err := ParseTimeJSON("timestamp", e.Timestamp, nil)
	if err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = receivedAt(req)
	}

	typ := "config"
	if fluxAppliers[o.Kind] {
		typ = "deploy"
	}
	c := signal.Change{Type: typ, Version: revision, Commit: fluxCommit(revision),
		Environment: o.Namespace, State: fluxState(e)}
	name := strings.ToLower(o.Kind) + " " + o.Namespace + "/" + o.Name
	s := newChange(firstNonEmpty(o.UID, o.Kind+"/"+o.Namespace+"/"+o.Name), fp, name,
		o.Name, at, c)
	s.RawStatus = e.Severity + " " + e.Reason
	s.Summary = clip(e.Message, 500)
	s.Labels = putLabel(s.Labels, "kind", o.Kind)
	s.Labels = putLabel(s.Labels, "namespace", o.Namespace)
	s.Labels = putLabel(s.Labels, "reason", e.Reason)
	s.Labels = putLabel(s.Labels, "controller", e.ReportingController)
	return []signal.Signal{s}, nil
}

func fluxRevision(meta map[string]string) string {
	if v := meta["revision"]; v != "" {
		return v
	}
	for k, v := range meta {
		if strings.HasSuffix(k, "/revision") && v != "" {
			return v
		}
	}
	return ""
}

// fluxCommit extracts the sha from "main/<sha>", "main@sha1:<sha>" or "sha1:<sha>".
func fluxCommit(revision string) string {
	for _, sep := range []string{"@sha1:", "@sha256:", "sha1:", "/"} {
		if i := strings.LastIndex(revision, sep); i >= 0 {
			if c := revision[i+len(sep):]; isCommitSHA(c) {
				return c
			}
		}
	}
	if isCommitSHA(revision) {
		return revision
	}
	return ""
}

// fluxState maps an event's severity and reason. A severity other than info and error
// (trace, or a future word) is kept as the state, lower-cased, not read as a success.
func fluxState(e fluxEvent) string {
	switch sev := lower(e.Severity); {
	case sev == "error":
		return "failure"
	case sev != "info" && sev != "":
		return sev
	case strings.Contains(e.Reason, "Progressing"), e.Reason == "DependencyNotReady":
		return "in_progress"
	}
	return "success"
}
