package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/system"
	"github.com/oklog/run"

	"github.com/podinit/podinit/engine"
	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/init/reap"
	"github.com/podinit/podinit/init/signals"
	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/pod"
	"github.com/podinit/podinit/podspec"
	"github.com/podinit/podinit/selfid"
)

// controllerFlags are the controller's flags; podlike's five keep their
// names and defaults.
type controllerFlags struct {
	opts        plan.Options
	authFiles   string
	socket      string
	startPeriod time.Duration
	budgetSet   bool
	marginSet   bool
	// strictCompose makes the declaration's warnings errors.
	strictCompose bool
}

func newControllerFlags(name string) (*flag.FlagSet, *controllerFlags) {
	f := &controllerFlags{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.BoolVar(&f.opts.SharePID, "pids", true, "share the controller's PID namespace with the components")
	fs.BoolVar(&f.opts.ShareIPC, "ipc", true, "share one IPC namespace across the pod (through a holder container when the controller's cannot be joined)")
	fs.BoolVar(&f.opts.ShareVolumes, "volumes", false, "give the components the controller's mounts (never one that holds the engine's socket, the health socket or engine directories)")
	fs.BoolVar(&f.opts.Logs, "logs", false, "stream the components' output into the controller's, each line prefixed with the component's name")
	fs.BoolVar(&f.opts.Pull, "pull", false, "pull the components' images before every start, not only when missing")
	fs.DurationVar(&f.opts.StopBudget, "stop-budget", 10*time.Second, "time the whole pod has to stop, from the stop request; keep it equal to the service's stop_grace_period (unset: the controller's own stop timeout when it has one)")
	fs.DurationVar(&f.opts.StopMargin, "stop-margin", plan.DefaultStopMargin, "part of the stop budget kept for the last SIGKILLs, so podinit exits before Docker kills it")
	fs.BoolVar(&f.opts.StrictBudget, "strict-budget", false, "refuse to start when the components' stop grace periods cannot fit the stop budget")
	fs.DurationVar(&f.opts.ReadyTimeout, "ready-timeout", 2*time.Minute, "how long a component waits for a dependency to become ready before the pod fails")
	fs.DurationVar(&f.opts.PullTimeout, "pull-timeout", 5*time.Minute, "how long an image pull may take")
	fs.StringVar(&f.authFiles, "registry-auth", "/run/secrets/docker-config.json,/var/run/secrets/podlike/dockerregistryauth.json", "comma-separated Docker config files (auths) with registry credentials for pulls")
	fs.StringVar(&f.socket, "socket", healthprobe.DefaultPath, "unix socket of the health and status server (point it at a tmpfs on a read-only root file system)")
	fs.DurationVar(&f.startPeriod, "start-period", time.Minute, "how long the pod may report starting before a start that has not finished counts as unhealthy")
	fs.Var(&f.opts.Allow, "allow", "comma-separated `classes` of privilege that components may get beyond the controller's own (none by default): "+allowClasses())
	fs.DurationVar(&f.opts.EngineLostAfter, "engine-lost-after", time.Minute, "stop the pod and exit 69 when the engine has not answered pings for this long (0: never; keep the pod running and reconnect)")
	f.opts.OnUnhealthy = podspec.UnhealthyNone
	fs.Func("on-unhealthy", "what the pod does with a component the engine reports unhealthy, unless its x-podinit.on-unhealthy says (a `choice`): none (it runs on, and the pod reports unhealthy) or restart (stop it, and start it again as its restart policy allows) (default none)", func(v string) error {
		switch podspec.OnUnhealthy(v) {
		case podspec.UnhealthyNone, podspec.UnhealthyRestart:
			f.opts.OnUnhealthy = podspec.OnUnhealthy(v)
			return nil
		}
		return fmt.Errorf("%q is not a choice: use none or restart", v)
	})
	fs.BoolVar(&f.opts.StrictEngine, "strict-engine", false, "refuse to start when the controller reaches the engine over the network (DOCKER_HOST=tcp://…), which every component can reach too")
	fs.BoolVar(&f.strictCompose, "strict-compose", false, "refuse to start when the pod's declaration has warnings: keys that belong to the Swarm service (ports, networks, …), build beside image, compose-go's own warnings (see Declaring a pod)")
	return fs, f
}

// parse reads the flags; a flag error or a stray argument is a usage error.
func (f *controllerFlags) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: the controller takes flags only (see podinit help)", fs.Arg(0))
	}
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "stop-budget":
			f.budgetSet = true
		case "stop-margin":
			f.marginSet = true
		}
	})
	for _, p := range strings.Split(f.authFiles, ",") {
		if p = strings.TrimSpace(p); p != "" {
			f.opts.RegistryAuthFiles = append(f.opts.RegistryAuthFiles, p)
		}
	}
	f.opts.HealthSocket = f.socket
	if f.opts.EngineLostAfter < 0 {
		return fmt.Errorf("-engine-lost-after %s must not be negative (0 keeps the pod running without its engine)", f.opts.EngineLostAfter)
	}
	return nil
}

// runController is the controller: it reads the pod from its own labels,
// runs it as PID 1, and exits with the pod's result.
func runController(args []string) int {
	// Nothing may wait for stderr or stdout (-logs): without its engine
	// nobody reads them.
	stderr, stdout := newLossyWriter(os.Stderr, 1024), newLossyWriter(os.Stdout, 64)
	defer stderr.flush(250 * time.Millisecond)
	defer stdout.flush(250 * time.Millisecond)
	logger := log.New(stderr, "podinit: ", log.Lmicroseconds)
	// Signals first: a SIGTERM that arrives while the engine is still being
	// asked must neither kill the controller nor be lost. podinit holds
	// the signals it gets until this says it takes them.
	sigc := make(chan os.Signal, 128)
	signals.Catch(sigc)
	tellReady(logger)

	fs, f := newControllerFlags("podinit")
	fs.SetOutput(os.Stderr)
	if err := f.parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		logger.Print(err)
		return pod.ExitInvalid
	}
	reaper := reap.New()
	if os.Getpid() != 1 {
		if err := reap.SetSubreaper(); err != nil {
			logger.Printf("warning: not PID 1 and cannot become child subreaper (%v): orphans of the pod will not be reaped by podinit", err)
		}
	}

	ctx := context.Background()
	eng, err := connect(ctx)
	if err != nil {
		logger.Print(err)
		return pod.ExitCannotRun
	}
	// The engine's /info can take far longer than anything else asked at
	// start (hundreds of ms on a busy engine): ask it while the controller
	// is found and its labels are read.
	info := engineInfo(ctx, eng)
	ctrl, notes, err := describeController(ctx, eng, selfid.Find(), true)
	if err != nil {
		logger.Print(err)
		return pod.ExitCannotRun
	}
	note, err := f.settle(ctrl)
	if err != nil {
		logger.Print(err)
		return pod.ExitInvalid
	}
	if note != "" {
		notes = append(notes, "warning: "+note)
	}
	for _, n := range notes {
		logger.Print(n)
	}
	var pl *plan.Plan
	var head *pod.HeadStart
	code := guard(func(line string) { logger.Print(line) }, "reading the pod", func() (code int) {
		pl, head, code = planPod(eng, eng.APIVersion(), ctrl, info, f.opts, f.strictCompose, logger)
		return code
	})
	if pl == nil {
		return code
	}
	addPodNames(pl, logger)
	afterPlan(logger)
	// Up to here (package initialisation, the engine's first answers,
	// podinit-spec's answer) a 10-component pod allocates about 1 MB and
	// the runtime holds about 5.5 MB of heap for it (bench/deps.sh):
	// returned now, it is not resident for the controller's whole life.
	debug.FreeOSMemory()

	sup := pod.NewSupervisor(engineHook(eng), pl, logger, stdout, stderr)
	sup.Adopt(head)
	// The start allocates again (the engine's answers, a goroutine and a
	// connection per component): about 1 MiB of RssAnon for 10 components
	// that a GC would not give back for minutes (docs/performance.md).
	go func() {
		<-sup.StartOver()
		debug.FreeOSMemory()
	}()
	srv := &healthprobe.Server{Path: f.socket, Status: sup.Status, StartPeriod: f.startPeriod}
	if err := srv.Listen(); err != nil {
		logger.Print(err)
		head.Discard()
		return pod.ExitCannotRun
	}
	logger.Printf("pod %s: %d init, %d components; stop budget %s", pl.Pod, len(pl.Init), len(pl.Members()), f.opts.StopBudget)

	var result pod.Result
	var g run.Group
	g.Add(func() error {
		result = sup.Run(ctx)
		return nil
	}, func(error) {
		sup.RequestStop("podinit is exiting")
	})
	{
		done := make(chan struct{})
		g.Add(func() error {
			for {
				select {
				case s := <-sigc:
					relay(sup, s.(syscall.Signal), logger)
				case <-done:
					return nil
				}
			}
		}, func(error) { close(done) })
	}
	{
		rctx, cancel := context.WithCancel(ctx)
		g.Add(func() error { return reaper.Run(rctx) }, func(error) { cancel() })
	}
	{
		sctx, cancel := context.WithCancel(ctx)
		g.Add(func() error { return srv.Serve(sctx) }, func(error) { cancel() })
	}
	g.Run()
	logger.Printf("pod %s ended: %s; exit %d", pl.Pod, result.Reason, result.Code)
	return result.Code
}

// afterPlan runs once the pod is planned: a no-op but in builds with the
// heapreport tag (heapreport.go, for bench/deps.sh).
var afterPlan = func(*log.Logger) {}

// tellReady tells podinit that the controller handles signals now.
func tellReady(logger *log.Logger) {
	v, ok := os.LookupEnv(signals.ReadyFDEnv)
	if !ok {
		return // started by hand, not by podinit
	}
	os.Unsetenv(signals.ReadyFDEnv)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		logger.Printf("warning: %s=%q is not a file descriptor", signals.ReadyFDEnv, v)
		return
	}
	f := os.NewFile(uintptr(fd), "podinit-ready")
	if _, err := f.Write([]byte{1}); err != nil {
		logger.Printf("warning: telling podinit that signals are handled: %v", err)
	}
	f.Close()
}

// relay acts on a signal sent to the controller: TERM and INT stop the pod,
// the others go to the components. A panic here stops the pod like one in
// the supervisor's own goroutines.
func relay(sup *pod.Supervisor, sig syscall.Signal, logger *log.Logger) {
	defer func() {
		if r := recover(); r != nil {
			sup.Panicked("the signal relay", r)
		}
	}()
	switch {
	case signals.Stops(sig):
		logger.Printf("received %s: stopping the pod", signals.Name(sig))
		sup.RequestStop("received " + signals.Name(sig))
	case signals.Forwardable(sig):
		sup.Forward(sig)
	}
}

type infoResult struct {
	info system.Info
	err  error
}

// engineInfo asks the engine for its info in the background.
func engineInfo(ctx context.Context, eng engine.Engine) <-chan infoResult {
	c := make(chan infoResult, 1)
	go func() {
		info, err := eng.Info(ctx)
		c <- infoResult{info, err}
	}()
	return c
}

// connect reaches the engine from the environment (DOCKER_HOST…) and settles
// the API version now, since negotiation is otherwise lazy.
func connect(ctx context.Context) (*engine.Moby, error) {
	eng, err := engine.NewMoby()
	if err != nil {
		return nil, fmt.Errorf("connecting to the Docker engine: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	switch err := eng.Negotiate(pctx); {
	case errdefs.IsInvalidArgument(err):
		eng.Close()
		return nil, fmt.Errorf("the Docker engine at %s: %w (podinit needs Engine API %s or later: Docker 19.03 or later)", eng.Host(), err, engine.MinAPIVersion)
	case err != nil:
		eng.Close()
		return nil, fmt.Errorf("the Docker engine does not answer at %s: %w (mount /var/run/docker.sock into the controller, or set DOCKER_HOST)", eng.Host(), err)
	}
	return eng, nil
}

// planPod reads the pod from the controller's labels and plans it for the
// engine it runs on. While podinit-spec reads the labels, it settles what
// the engine's info decides and gives the IPC holder a head start
// (pod.StartHolder), so that the holder runs by the time the components
// are created. A nil plan comes with the exit code, and leaves no holder.
func planPod(eng engine.Engine, apiVersion string, ctrl plan.Controller, info <-chan infoResult, opts plan.Options, strict bool, logger *log.Logger) (*plan.Plan, *pod.HeadStart, int) {
	type engineSide struct {
		ctrl  plan.Controller
		notes []string
		head  *pod.HeadStart
		code  int
	}
	side := make(chan engineSide, 1)
	go func() {
		r := engineSide{ctrl: ctrl}
		defer func() { side <- r }()
		r.code = guard(func(line string) { r.notes = append(r.notes, line) }, "asking the engine about the node", func() int {
			res := <-info
			if res.err != nil {
				r.notes = append(r.notes, fmt.Sprintf("asking the engine for its cgroup driver: %v", res.err))
				return pod.ExitCannotRun
			}
			r.notes = engineView(&r.ctrl, res.info, apiVersion, true)
			if h := plan.Holder(r.ctrl, opts); h != nil {
				r.head = pod.StartHolder(eng, h, logger)
			}
			return 0
		})
	}()
	read, readErr := readSpec(podspec.Request{Labels: ctrl.Labels})
	es := <-side
	planned := false
	defer func() {
		// Also on a panic, which the guard around planPod recovers.
		if !planned {
			es.head.Discard()
		}
	}()
	if readErr != nil {
		logger.Print(readErr)
		return nil, nil, pod.ExitCannotRun
	}
	logger.Print(read)
	if read.Internal != "" {
		logger.Print(read.Internal)
		return nil, nil, pod.ExitInvalid
	}
	for _, n := range es.notes {
		logger.Print(n)
	}
	if es.code != 0 {
		return nil, nil, es.code
	}
	pl, problems, warnings := planRead(read, es.ctrl, opts, strict)
	for _, w := range warnings {
		logger.Printf("warning: %s", w.Error())
	}
	if pl == nil {
		logger.Print(report(problems))
		return nil, nil, pod.ExitInvalid
	}
	planned = true
	return pl, es.head, 0
}
