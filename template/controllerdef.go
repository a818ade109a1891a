package template

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/podinit/podinit/podspec"
	"github.com/podinit/podinit/yamltree"
)

// controller builds the controller's service: the pod templates merged,
// then the service's own Swarm keys the templates did not set, the named
// volumes its components use, the Docker socket, the image and command.
func (r *renderer) controller(ctx context.Context, p *podSpec, data *Data) (map[string]any, error) {
	ctrl := map[string]any{}
	for _, it := range p.cfg.pod {
		m, src, err := r.renderOne(ctx, it, data)
		if err != nil {
			return nil, err
		}
		_, def, err := single(m, src, "pod")
		if err != nil {
			return nil, err
		}
		merge(ctrl, def)
	}
	for _, k := range slices.Sorted(maps.Keys(p.svc)) {
		if controllerKeys[k] || sharedKeys[k] || strings.HasPrefix(k, "x-") {
			addServiceKey(ctrl, k, p.svc[k])
		}
	}
	if _, ok := ctrl["sysctls"]; !ok {
		if net := splitSysctls(p.svc["sysctls"], true); len(net) > 0 {
			ctrl["sysctls"] = net
		}
	}
	if err := r.finishController(p, ctrl, p.svc["volumes"]); err != nil {
		return nil, err
	}
	return ctrl, nil
}

// finishController gives the controller what every controller has: the
// image, the named volumes of svcVolumes (its components' volumes) mounted
// so that the pod may use them, the Docker socket, the command, and the stop
// budget from its stop_grace_period.
func (r *renderer) finishController(p *podSpec, ctrl map[string]any, svcVolumes any) error {
	if !has(ctrl, "image") {
		ctrl["image"] = r.opts.Image
	}
	vols, _ := ctrl["volumes"].([]any)
	if ctrl["volumes"] != nil && vols == nil {
		return p.errf("the controller's volumes must be a list, got %v", ctrl["volumes"])
	}
	held := map[string]bool{}
	hasSocket := false
	for _, v := range vols {
		src, dst, _ := volumeParts(v)
		held[src] = true
		hasSocket = hasSocket || dst == DockerSocket
	}
	for _, name := range namedVolumes(svcVolumes) {
		if !held[name] {
			held[name] = true
			vols = append(vols, name+":"+volumeMountDir+name)
		}
	}
	if !hasSocket {
		// A podlike stack mounts the socket on the service for the
		// controller: that mount stays there (and never reaches the app).
		if own := socketMounts(svcVolumes); len(own) > 0 {
			vols = append(vols, own...)
		} else {
			vols = append(vols, DockerSocket+":"+DockerSocket)
		}
	}
	ctrl["volumes"] = vols
	if err := r.refVolumes(p, vols); err != nil {
		return err
	}

	if !has(ctrl, "command") {
		ctrl["command"] = []any{"-logs"}
	}
	if grace, ok := ctrl["stop_grace_period"]; ok && grace != nil {
		s := fmt.Sprint(grace)
		d, err := time.ParseDuration(s)
		if err != nil {
			return p.errf("stop_grace_period %q is not a duration such as 30s or 1m30s", s)
		}
		if err := addStopBudget(ctrl, d); err != nil {
			return p.errf("%v", err)
		}
	}
	return nil
}

// addServiceKey adds the service's own value for k after the templates: the
// templates' value wins, except that where both are mappings (labels,
// environment, deploy, ..., in either the map or the KEY=VALUE list form)
// the service's entries the templates lack are added. Lists are not
// extended, so a template's command or ports replace the service's.
func addServiceKey(target map[string]any, k string, v any) {
	cur, ok := target[k]
	if !ok {
		target[k] = yamltree.DeepCopy(v)
		return
	}
	cm, cok := cur.(map[string]any)
	vm, vok := v.(map[string]any)
	if kvKeys[k] {
		if l, isList := cur.([]any); isList {
			cm, cok = keyValues(l)
		}
		if l, isList := v.([]any); isList {
			vm, vok = keyValues(l)
		}
	}
	if cok && vok {
		merge(cm, vm)
		target[k] = cm
	}
}

// refVolumes gives each stack volume the controller holds under an explicit
// name (name: pids_{{.Task.ID}}) the label that lets the pod find it by its
// stack key, as podlike's README asks users to do by hand.
func (r *renderer) refVolumes(p *podSpec, vols []any) error {
	top, _ := r.stack["volumes"].(map[string]any)
	for _, v := range vols {
		src, _, named := volumeParts(v)
		if !named {
			continue
		}
		def, ok := top[src].(map[string]any)
		if !ok || def["name"] == nil || def["external"] == true {
			continue
		}
		ls, err := asMap(def["labels"], "volumes."+src+".labels")
		if err != nil {
			return p.errf("%v", err)
		}
		if ls[podspec.VolumeRefLabel] == nil && ls[podspec.PodlikeVolumeRefLabel] == nil {
			ls[podspec.VolumeRefLabel] = src
			def["labels"] = ls
		}
	}
	return nil
}

// addStopBudget makes podinit's stop budget the service's stop_grace_period,
// so that the pod stops within the time Swarm gives it.
func addStopBudget(ctrl map[string]any, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	// A budget of 1s or less leaves nothing for the default -stop-margin:
	// the controller keeps a quarter of it instead (plan.StopMargin).
	flags := []string{"-stop-budget=" + d.String()}
	switch c := ctrl["command"].(type) {
	case string:
		if strings.Contains(c, "stop-budget") {
			return nil
		}
		ctrl["command"] = strings.TrimSpace(c + " " + strings.Join(flags, " "))
	case []any:
		for _, a := range c {
			if s, ok := a.(string); ok && strings.Contains(s, "stop-budget") {
				return nil
			}
		}
		for _, f := range flags {
			c = append(c, f)
		}
		ctrl["command"] = c
	case nil:
		ctrl["command"] = []any{flags[0]}
		if len(flags) > 1 {
			ctrl["command"] = []any{flags[0], flags[1]}
		}
	default:
		return fmt.Errorf("the controller's command must be a string or a list, got %v", c)
	}
	return nil
}
