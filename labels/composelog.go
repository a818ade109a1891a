package labels

import (
	"io"
	"sync"

	"github.com/sirupsen/logrus"
)

// compose-go writes its warnings (an unset variable, a YAML 1.1 boolean)
// through logrus, in logrus's own format, on stderr, and once per load
// (a service is loaded again after each key compose-go refuses). They are
// caught instead and become the pod's warnings, placed at the service.

var composeLog struct {
	once sync.Once
	// mu serialises loads: logrus is global, so the sink is too.
	mu   sync.Mutex
	sink func(msg string)
}

type composeHook struct{}

func (composeHook) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel, logrus.InfoLevel}
}

func (composeHook) Fire(e *logrus.Entry) error {
	if composeLog.sink != nil {
		composeLog.sink(e.Message)
	}
	return nil
}

// catchComposeLog runs f with compose-go's log lines going to sink.
func catchComposeLog(sink func(msg string), f func()) {
	composeLog.once.Do(func() {
		logrus.SetOutput(io.Discard)
		logrus.AddHook(composeHook{})
	})
	composeLog.mu.Lock()
	defer composeLog.mu.Unlock()
	composeLog.sink = sink
	defer func() { composeLog.sink = nil }()
	f()
}
