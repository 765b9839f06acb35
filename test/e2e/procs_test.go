//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// peers are the binaries Debian installs, with the package that brings each.
var peers = map[string]string{
	"/usr/bin/prometheus":               "prometheus",
	"/usr/bin/prometheus-alertmanager":  "prometheus-alertmanager",
	"/usr/bin/prometheus-node-exporter": "prometheus-node-exporter",
}

// requirePeers fails, never skips, when a peer is missing.
func requirePeers(t *testing.T) {
	t.Helper()
	var missing []string
	for bin, pkg := range peers {
		if _, err := os.Stat(bin); err != nil {
			missing = append(missing, fmt.Sprintf("%s (package %s)", bin, pkg))
		}
	}
	if len(missing) > 0 {
		t.Fatalf("peer binaries missing: %s\ninstall them with scripts/install-peers.sh "+
			"(apt-get install prometheus prometheus-alertmanager prometheus-node-exporter)",
			strings.Join(missing, ", "))
	}
}

// proc is a child process whose output goes to a log file.
type proc struct {
	name string
	log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // set before done closes
}

// procs are the processes of one test; check fails the test as soon as one has died.
type procs struct {
	dir  string
	list []*proc
}

func newProcs(t *testing.T) *procs {
	ps := &procs{dir: t.TempDir()}
	t.Cleanup(func() {
		died := ps.check()
		ps.stopAll()
		if t.Failed() {
			if died != nil {
				t.Logf("before the test stopped them: %v", died)
			}
			ps.printTails(t)
		}
	})
	return ps
}

// start runs bin with args, its output in <dir>/<name>.log.
func (ps *procs) start(t *testing.T, name, bin string, args ...string) *proc {
	t.Helper()
	path := filepath.Join(ps.dir, name+".log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("creating %s log: %v", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("starting %s: %v", name, err)
	}
	p := &proc{name: name, log: path, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	ps.list = append(ps.list, p)
	t.Logf("started %s (pid %d), log %s", name, cmd.Process.Pid, path)
	return p
}

// check returns an error naming the first process that has exited.
func (ps *procs) check() error {
	for _, p := range ps.list {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited: %v", p.name, p.err)
		default:
		}
	}
	return nil
}

// stopAll stops the processes in reverse start order: SIGTERM, then SIGKILL after 10s.
func (ps *procs) stopAll() {
	for i := len(ps.list) - 1; i >= 0; i-- {
		p := ps.list[i]
		select {
		case <-p.done:
			continue
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
}

// printTails logs the last lines of every log file in the directory, the lab's included.
func (ps *procs) printTails(t *testing.T) {
	logs, _ := filepath.Glob(filepath.Join(ps.dir, "*.log"))
	for _, path := range logs {
		t.Logf("---- last lines of %s ----\n%s", filepath.Base(path), tail(path, 40))
	}
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// handedOut are the addresses freeAddr has returned in this test binary.
var (
	handedOutMu sync.Mutex
	handedOut   = map[string]bool{}
)

// freeAddr returns a loopback address with a port free right now and never returned
// before: the kernel hands a just-closed port out again, and two peers were given the
// same one (CEREBRO and Alertmanager both bound 38741, and the second failed to start).
// A process outside the test can still take the port before the peer binds it.
func freeAddr(t *testing.T) string {
	t.Helper()
	handedOutMu.Lock()
	defer handedOutMu.Unlock()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("finding a free port: %v", err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if !handedOut[addr] {
			handedOut[addr] = true
			return addr
		}
	}
	t.Fatal("finding a free port: the kernel offered only ports already handed out")
	return ""
}

// poll calls cond every interval until it reports done, the deadline passes, or a process
// dies. cond returns a status line that the failure message quotes.
func (ps *procs) poll(t *testing.T, what string, deadline time.Duration,
	cond func() (bool, string)) {
	t.Helper()
	start := time.Now()
	end := start.Add(deadline)
	var status string
	for {
		var ok bool
		ok, status = cond()
		if ok {
			t.Logf("%s after %s", what, time.Since(start).Round(100*time.Millisecond))
			return
		}
		if err := ps.check(); err != nil {
			t.Fatalf("waiting for %s: %v; last status: %s", what, err, status)
		}
		if time.Now().After(end) {
			t.Fatalf("waiting for %s: gave up after %s; last status: %s", what, deadline,
				status)
		}
		time.Sleep(500 * time.Millisecond) // polling a real process, not waiting on behaviour
	}
}

// httpOK reports whether GET url answers 200.
func httpOK(url string) (bool, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err.Error()
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, resp.Status
}

// buildCerebro builds the binary from the repository into dir.
func buildCerebro(t *testing.T, dir string) string {
	t.Helper()
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("finding the module root: %v", err)
	}
	bin := filepath.Join(dir, "cerebro")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/cerebro")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("building cerebro: %v\n%s", err, out)
	}
	return bin
}

// stop ends one process on purpose (SIGTERM, then SIGKILL after 10s) and forgets it, so
// that check does not report it as died.
func (ps *procs) stop(t *testing.T, p *proc) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Errorf("%s did not stop within 10s of SIGTERM; killed", p.name)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	for i, q := range ps.list {
		if q == p {
			ps.list = append(ps.list[:i], ps.list[i+1:]...)
			break
		}
	}
	t.Logf("stopped %s: %v", p.name, p.err)
}
