package app

import (
	"context"
	"sync"

	"github.com/cerebro-aiops/cerebro/internal/bus"
	"github.com/cerebro-aiops/cerebro/internal/detect"
	"github.com/cerebro-aiops/cerebro/internal/logs"
	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
)

// signalSink appends signals to the log and wakes correlate. Change signals are also
// told to the log miner, which watches for error templates right after a deploy, and to
// detection, which names the change a leak began after.
type signalSink struct {
	st     *store.Store
	topic  *bus.Topic
	miner  *logs.Miner
	detect *detect.Engine
}

// Accept makes signals durable; it returns only after the commit.
func (s *signalSink) Accept(ctx context.Context, sigs []signal.Signal) error {
	if len(sigs) == 0 {
		return nil
	}
	if _, err := s.st.AppendSignals(ctx, sigs); err != nil {
		return err
	}
	for i := range sigs {
		if sigs[i].Kind != signal.KindChange {
			continue
		}
		if s.miner != nil {
			s.miner.NoteChange(sigs[i].Service, sigs[i].EventTime)
		}
		if s.detect != nil {
			s.detect.NoteChange(sigs[i])
		}
	}
	s.topic.Notify()
	return nil
}

// seriesSink runs metric samples through the detector and stores what it raises.
type seriesSink struct {
	det    *detect.Engine
	sink   *signalSink
	outbox *outbox
	pool   sync.Pool
}

// AcceptSeries applies samples; the anomaly and forecast signals they raise are durable
// when it returns. It fills each series' Ref with the engine's reference, or takes the
// reference instead of labels (see detect.Engine.ObserveRef), and the Hash of series
// that had none.
func (s *seriesSink) AcceptSeries(ctx context.Context, series []signal.Series) error {
	out, _ := s.pool.Get().(*[]signal.Signal)
	if out == nil {
		out = new([]signal.Signal)
	}
	sigs := s.det.ObserveBatch(series, (*out)[:0])
	err := s.outbox.send(ctx, sigs, s.sink.Accept)
	clear(sigs)
	*out = sigs[:0]
	s.pool.Put(out)
	return err
}

// logSink runs log lines through the miner and stores what it raises.
type logSink struct {
	miner  *logs.Miner
	sink   *signalSink
	outbox *outbox
}

// AcceptLogs applies lines; the signals they raise are durable when it returns.
func (s *logSink) AcceptLogs(ctx context.Context, lines []signal.LogLine) error {
	return s.outbox.send(ctx, s.miner.Observe(lines, nil), s.sink.Accept)
}
