package lab

import (
	"errors"
	"fmt"
	"time"
)

// ErrUnknownService is returned for a control call naming a service the lab does not run.
var ErrUnknownService = errors.New("unknown service")

// change is what a deploy or rollback did, for the change event it posts.
type change struct {
	Type     string // deploy or rollback
	Service  string
	Version  string
	Previous string
	At       time.Time
}

// deploy makes service run version from t on. A fault named explicitly, or by the version
// name, starts acting; a fault already acting on the service stops, as the process that
// carried it is replaced.
func (w *world) deploy(t time.Time, service, version, fault string) (change, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s, err := w.service(service)
	if err != nil {
		return change{}, err
	}
	if version == "" {
		return change{}, fmt.Errorf("deploying %s: version is empty", service)
	}
	if fault == "" {
		fault = faultForVersion(version)
	}
	f, ok := faults[fault]
	if fault != "" && !ok {
		return change{}, fmt.Errorf("deploying %s: unknown fault %q", service, fault)
	}

	w.advance(t)
	w.clearFault(s, t)
	c := change{Type: "deploy", Service: service, Version: version, Previous: s.version, At: t}
	s.previous, s.version, s.startedAt = s.version, version, t
	if fault != "" {
		in := &injection{fault: f, service: service, version: version,
			previous: c.Previous, injectedAt: t}
		s.fault = in
		w.injections = append(w.injections, in)
	}
	return c, nil
}

// rollback makes service run its previous version again from t on, which ends any fault
// the current version brought. There is one level of history: a second rollback in a row
// is refused.
func (w *world) rollback(t time.Time, service string) (change, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s, err := w.service(service)
	if err != nil {
		return change{}, err
	}
	if s.previous == "" {
		return change{}, fmt.Errorf("rolling back %s: no previous version", service)
	}

	w.advance(t)
	w.clearFault(s, t)
	c := change{Type: "rollback", Service: service, Version: s.previous, Previous: s.version,
		At: t}
	s.version, s.previous, s.startedAt = s.previous, "", t
	return c, nil
}

// clearFault ends the fault acting on s at t; its effects then fade.
func (w *world) clearFault(s *serviceState, t time.Time) {
	if s.fault != nil && s.fault.rolledBack.IsZero() {
		s.fault.rolledBack = t
	}
}

func (w *world) service(name string) (*serviceState, error) {
	i, ok := w.index[name]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownService, name)
	}
	return w.services[i], nil
}
