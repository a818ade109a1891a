package pod

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

// waitsForDB: app starts once db is healthy, which the fake engine reports
// 100 ms after db starts.
func waitsForDB() podspec.Spec {
	return podspec.Spec{Components: []podspec.Component{
		{Name: "db", Role: podspec.RoleMain, Config: healthy(run("run"))},
		{Name: "app", Role: podspec.RoleMain, Config: run("run"), DependsOn: map[string]podspec.Dependency{"db": {Condition: podspec.ConditionHealthy, Required: true}}},
	}}
}

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// TestStartOverWaitsForEveryComponent: the start is over only once the
// last component, here one that waits for another's health, has run.
func TestStartOverWaitsForEveryComponent(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := newHarness(t, waitsForDB(), testBudget)
		h.start()
		synctest.Wait()
		require.True(t, h.runs("db"), "db runs")
		require.False(t, h.runs("app"), "app waits for db's health")
		require.False(t, closed(h.sup.StartOver()), "the start is over while app has not run")
		time.Sleep(200 * time.Millisecond) // db turns healthy, app starts
		synctest.Wait()
		require.True(t, h.runs("app"))
		require.True(t, closed(h.sup.StartOver()), "every component has run")
		require.Equal(t, 0, h.stop().Code)
	})
}

// TestStartOverAtAStop: a stop during the start ends it too.
func TestStartOverAtAStop(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := newHarness(t, waitsForDB(), testBudget)
		h.start()
		synctest.Wait()
		require.False(t, closed(h.sup.StartOver()))
		require.Equal(t, 0, h.stop().Code)
		require.True(t, closed(h.sup.StartOver()), "the stop ends the start")
	})
}
