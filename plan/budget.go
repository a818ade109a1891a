package plan

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/podinit/podinit/podspec"
)

// Budget owns the stop's arithmetic. The pod has Options.StopBudget from
// the first stop request; within it:
//
//	stop request ──── deadline ──── end ──── budget's end (Docker's SIGKILL)
//	                     │            │
//	   every component   │            └ podinit's last moment: every engine
//	   gone (SIGKILL at  │              call and goroutine is given up here,
//	   the latest)       │              slack before Docker kills podinit
//	                     └ margin before the budget's end
//
// A component gets its own stop_grace_period between its stop signal and
// SIGKILL, never past the deadline.
type Budget struct {
	total  time.Duration // Options.StopBudget
	margin time.Duration // kept for the last kills and removals
	slack  time.Duration // kept for podinit's own exit and scheduling delays

	mu     sync.Mutex
	stopAt time.Time // zero until the stop request
}

// budgetEndSlack is kept before the end of the stop budget for podinit's own
// exit, and for a busy machine's scheduling delays (seen: 430 ms).
const budgetEndSlack = 500 * time.Millisecond

// KillWait bounds the wait for a container after SIGKILL.
const KillWait = 5 * time.Second

// NewBudget is the budget of a pod with these options.
func NewBudget(opts Options) *Budget {
	b := &Budget{total: opts.StopBudget}
	b.margin, _, _ = StopMargin(opts.StopBudget, opts.StopMargin, false)
	b.slack = min(budgetEndSlack, b.margin/2)
	return b
}

// StopMargin is the one rule for the part of the stop budget kept for the
// last SIGKILLs; the controller's flags, validate, the stop itself and
// template all use it. A margin shorter than the budget is kept as it is.
// One that leaves nothing of the budget is an error when the user set it
// (set), and otherwise a quarter of the budget, with a note that says so:
// a controller whose budget comes from `--stop-timeout 1` would keep the
// default 1s margin and SIGKILL every component at once, with no grace.
func StopMargin(budget, margin time.Duration, set bool) (kept time.Duration, note string, err error) {
	if margin < budget {
		return margin, "", nil
	}
	if set {
		return 0, "", fmt.Errorf("-stop-margin %s must be less than the stop budget %s", margin, budget)
	}
	kept = budget / 4
	return kept, fmt.Sprintf("-stop-margin %s leaves nothing of the stop budget %s: keeping %s instead, so that components get a grace before SIGKILL", margin, budget, kept), nil
}

// Begin records the stop request; only the first call counts.
func (b *Budget) Begin(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopAt.IsZero() {
		b.stopAt = now
	}
}

// Began is the stop request's time, zero before it.
func (b *Budget) Began() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stopAt
}

// Total is the whole stop budget.
func (b *Budget) Total() time.Duration { return b.total }

// Deadline is when every component must be gone.
func (b *Budget) Deadline() time.Time {
	return b.Began().Add(b.total - b.margin)
}

// End is when podinit must have given up every engine call.
func (b *Budget) End() time.Time {
	return b.Began().Add(b.total - b.slack)
}

// KillAt is when a member whose stop signal went out at sent gets SIGKILL:
// at its stop_grace_period, never past the pod's deadline.
func (b *Budget) KillAt(m *Member, sent time.Time) (at time.Time, byDeadline bool) {
	at = sent.Add(m.grace(b.total))
	if d := b.Deadline(); !at.Before(d) {
		return d, true
	}
	return at, false
}

// AfterKill bounds the wait for the engine's word after SIGKILL: at most
// KillWait, and never past End.
func (b *Budget) AfterKill(now time.Time) time.Duration {
	return max(min(KillWait, b.End().Sub(now)), 0)
}

// grace is the time a member gets between its stop signal and SIGKILL; a
// member without stop_grace_period has until the pod's deadline, as a
// Kubernetes container has until the pod's termination grace period ends.
func (m *Member) grace(total time.Duration) time.Duration {
	if m.StopGrace > 0 {
		return m.StopGrace
	}
	return total
}

// checkBudget warns when the stop waves, each taking its slowest member's
// stop_grace_period, cannot fit the pod's stop budget minus the margin.
// Members without one take what is left and are not counted.
func (p *Plan) checkBudget() string {
	if p.Options.StopBudget <= 0 {
		return ""
	}
	margin, _, _ := StopMargin(p.Options.StopBudget, p.Options.StopMargin, false)
	available := p.Options.StopBudget - margin
	total, parts := stopChain(p.StopWaves())
	if total <= available {
		return ""
	}
	return fmt.Sprintf("stop grace periods along the stop order add up to %s (%s), more than the pod's stop budget %s minus a %s margin; components still running at the budget's end get SIGKILL: lower their stop_grace_period, or raise -stop-budget together with the service's stop_grace_period",
		total, strings.Join(parts, " + "), p.Options.StopBudget, margin)
}

// stopChain adds up, wave by wave, the slowest member's stop_grace_period,
// and names each wave's slowest member with its grace. Members without one
// take what is left and are not counted.
func stopChain(waves [][]*Member) (time.Duration, []string) {
	var total time.Duration
	var parts []string
	for _, wave := range waves {
		var slowest *Member
		for _, m := range wave {
			if m.StopGrace > 0 && (slowest == nil || m.StopGrace > slowest.StopGrace) {
				slowest = m
			}
		}
		if slowest == nil {
			continue
		}
		total += slowest.StopGrace
		parts = append(parts, fmt.Sprintf("%s %s", slowest.Name, slowest.StopGrace))
	}
	return total, parts
}

// DefaultStopMargin is -stop-margin's default.
const DefaultStopMargin = time.Second

// StopBudgetFor is the stop budget a pod of spec needs for its stop waves'
// grace periods to fit with the given margin kept (the margin checkBudget
// and the stop keep), and the chain that makes it ("web 10s + db 5s"). It is
// 0 when no component has a stop_grace_period, and an error when the
// components' dependencies cannot be ordered.
func StopBudgetFor(spec podspec.Spec, margin time.Duration) (time.Duration, string, error) {
	if problems := spec.DependsProblems(nil); len(problems) > 0 {
		return 0, "", problems[0]
	}
	levels, _ := order(newMembers(spec))
	p := &Plan{Levels: levels}
	chain, parts := stopChain(p.StopWaves())
	if chain == 0 {
		return 0, "", nil
	}
	// With the margin shorter than the budget, stopMargin keeps it as it is.
	return chain + max(margin, 0), strings.Join(parts, " + "), nil
}

// StopStep is one member's place on the stop's timeline, counted from the
// stop request, at the latest: when its stop signal goes out and when
// SIGKILL follows if it is still running.
type StopStep struct {
	Wave             int // from 1, in the order of StopWaves
	Member           *Member
	SignalBy, KillBy time.Duration
	// ByDeadline says that the pod's deadline, not the member's own
	// stop_grace_period, sets KillBy.
	ByDeadline bool
}

// StopTimeline is the stop the runtime follows (stopper.stopAll), by the
// same arithmetic (budget): a wave gets its stop signals once the wave
// before it is gone, at the latest at that wave's last SIGKILL. It also
// returns the pod's deadline and podinit's last moment.
func (p *Plan) StopTimeline() (steps []StopStep, deadline, end time.Duration) {
	b := NewBudget(p.Options)
	t0 := time.Unix(0, 0)
	b.Begin(t0)
	var at time.Duration
	for i, wave := range p.StopWaves() {
		waveEnd := at
		for _, m := range wave {
			kill, byDeadline := b.KillAt(m, t0.Add(at))
			step := StopStep{Wave: i + 1, Member: m, SignalBy: min(at, b.Deadline().Sub(t0)), KillBy: kill.Sub(t0), ByDeadline: byDeadline}
			steps = append(steps, step)
			waveEnd = max(waveEnd, step.KillBy)
		}
		at = waveEnd
	}
	return steps, b.Deadline().Sub(t0), b.End().Sub(t0)
}
