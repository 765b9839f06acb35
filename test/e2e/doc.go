// Package e2e holds the end-to-end test: the real cerebro binary, the lab, and Debian's
// Prometheus, Alertmanager and node exporter on loopback ports, with configs the test
// writes. It is behind the build tag e2e so that unit runs stay fast:
//
//	scripts/install-peers.sh && go test -tags e2e -v ./test/e2e/
//
// A missing peer binary fails the test (it never skips); the message says how to install
// it. Each process logs to a file in the test's temporary directory, and the tails of
// those files are printed when the test fails.
package e2e
