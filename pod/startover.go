package pod

// StartOver is closed once every component has run for the first time, or
// ended before it could, or the pod stops: the start is over. It is never
// closed when Run is not called, or panics before the start.
func (s *Supervisor) StartOver() <-chan struct{} { return s.startOver }

// awaitStartOver closes startOver once each component has run or ended, or
// the stop comes.
func (s *Supervisor) awaitStartOver() {
	defer close(s.startOver)
	for _, m := range s.roster.members {
		for {
			var over bool
			changed := m.view(func(m *member) { over = !m.startedAt.IsZero() || m.state.final() })
			if over {
				break
			}
			select {
			case <-changed:
			case <-s.stopCh:
				return
			}
		}
	}
}
