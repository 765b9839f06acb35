package logs

// state is the per-template bookkeeping of the Miner's signals.
type state struct{}
