package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// snapshotter is a stage whose state survives restarts.
type snapshotter interface {
	Snapshot(w io.Writer) error
	Restore(r io.Reader) error
}

// stage is a snapshotter and the name of its file in the data directory.
type stage struct {
	name string
	s    snapshotter
}

// restore loads a stage's snapshot if one exists. A corrupt snapshot is logged and the
// stage starts with what it could read (detect keeps the series read before the error,
// logs keeps nothing): losing learned baselines is better than refusing to start.
func (a *App) restore(name string, s snapshotter) {
	path := filepath.Join(a.cfg.DataDir, name+".snap")
	a.removeStaleTemps(name)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		a.log.Warn("opening snapshot failed", "path", path, "err", err)
		return
	}
	defer f.Close()
	attrs := []any{"path", path}
	if fi, err := f.Stat(); err == nil {
		attrs = append(attrs, "age", time.Since(fi.ModTime()).Round(time.Second))
	}
	err = s.Restore(bufio.NewReader(f))
	if n, ok := s.(interface{ Len() int }); ok {
		attrs = append(attrs, "series", n.Len())
	}
	if err != nil {
		a.log.Warn("restoring snapshot incomplete; the error says what was kept",
			append(attrs, "err", err)...)
		return
	}
	a.log.Info("snapshot restored", attrs...)
}

// removeStaleTemps deletes the temporary files of saves that a crash interrupted: save
// removes its own, but a kill -9 mid-save left one of up to the snapshot's size behind for
// good. It runs before the stage serves, when no save can be in flight.
func (a *App) removeStaleTemps(name string) {
	temps, err := filepath.Glob(filepath.Join(a.cfg.DataDir, name+".snap.*"))
	if err != nil {
		return
	}
	for _, t := range temps {
		if err := os.Remove(t); err != nil {
			a.log.Warn("removing an interrupted snapshot save failed", "path", t, "err", err)
			continue
		}
		a.log.Info("removed an interrupted snapshot save", "path", t)
	}
}

// save writes a stage's snapshot atomically: to a temporary file, then renamed.
func (a *App) save(name string, s snapshotter) error {
	path := filepath.Join(a.cfg.DataDir, name+".snap")
	tmp, err := os.CreateTemp(a.cfg.DataDir, name+".snap.*")
	if err != nil {
		return fmt.Errorf("creating snapshot %q: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	if err := s.Snapshot(w); err != nil {
		tmp.Close()
		return fmt.Errorf("writing snapshot %q: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing snapshot %q: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing snapshot %q: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing snapshot %q: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("renaming snapshot %q: %w", path, err)
	}
	return nil
}

// saveAll snapshots every stateful stage in order, logging failures. The pull positions
// come first: a poll between the two saves then reaches the restored detectors twice
// (the second copy is skipped as a duplicate) rather than not at all.
func (a *App) saveAll() {
	for _, s := range a.snapshots {
		if err := a.save(s.name, s.s); err != nil {
			a.log.Warn("saving snapshot failed", "err", err)
		}
	}
}

// snapshotLoop saves state every SnapshotEvery and once more at shutdown.
func (a *App) snapshotLoop(ctx context.Context) error {
	t := time.NewTicker(a.cfg.SnapshotEvery.Std())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			a.saveAll()
			return nil
		case <-t.C:
			a.saveAll()
		}
	}
}

// flushLoop lets the log miner close rate windows even when a service goes quiet.
func (a *App) flushLoop(ctx context.Context) error {
	t := time.NewTicker(a.cfg.Logs.RateBucket)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			sigs := a.miner.Flush(now, nil)
			if err := a.signals.Accept(ctx, sigs); err != nil && ctx.Err() == nil {
				a.log.Warn("storing log signals failed", "err", err)
			}
		}
	}
}
